//! Hostile DICOM bytes: mutants of real files (bytes flipped, lengths set to huge values,
//! truncations) through the whole read path with small limits. None may panic, and no
//! single allocation may exceed what the limits let a file of at most 1 MiB imply
//! (16 MiB of decoded samples, a few working copies of them). A counting allocator
//! records the largest allocation request. This is the stable-toolchain companion of
//! `fuzz/fuzz_targets/dicom_read_from_bytes.rs`.
//!
//! Seeds: a series radflow writes, and compressed files from pydicom's test data
//! (RLE, JPEG lossless, JPEG baseline, JPEG-LS, JPEG 2000), found through
//! `tests/dicom_reference.py testfile` (needs RADFLOW_PYTHON with pydicom).

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use radflow::dicom::{
    Identity, Limits, SeriesLabels, read_dicom_seg_from_bytes, read_image_from_bytes, write_series,
};
use radflow::nrrd::Samples;
use radflow::seg::{Geometry, Space};
use radflow::volume::{Format, ScanVolume};

struct Counting;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const LIMITS: Limits = Limits {
    max_file_bytes: 1 << 20,
    max_decoded_bytes: 16 << 20,
    max_compression_ratio: 64,
};
/// Decoded samples, their little-endian bytes and the codec's own buffer may coexist.
const LARGEST_ALLOWED: usize = 64 << 20;

fn pydicom_file(name: &str) -> PathBuf {
    let python = std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dicom_reference.py");
    let output = Command::new(&python).arg(helper).arg("testfile").arg(name).output().unwrap_or_else(|e| {
        panic!("cannot run `{python}` ({e}); this test needs python3 with pydicom (requirements-dev.txt), or RADFLOW_PYTHON")
    });
    assert!(
        output.status.success(),
        "pydicom is missing: pip install -r requirements-dev.txt\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text: String = serde_json::from_slice(&output.stdout).expect("a JSON path");
    PathBuf::from(text)
}

/// A deterministic xorshift generator: failures reproduce from the printed case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(4) {
            0 => {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            1 => {
                // A length-like field set to something huge.
                let at = rng.below(bytes.len().saturating_sub(4));
                let value: u32 = [0xFFFF_FFF0, 0x7FFF_FFFF, 0x0010_0000, 0xFFFF_FFFF][rng.below(4)];
                bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
            }
            2 => {
                let at = rng.below(bytes.len().saturating_sub(2));
                bytes[at..at + 2].copy_from_slice(&(rng.next() as u16).to_le_bytes());
            }
            _ => bytes.truncate(rng.below(bytes.len()).max(132)),
        }
    }
    bytes
}

#[test]
fn mutated_files_never_panic_or_allocate_past_the_limits() {
    let temp = tempfile::tempdir().expect("temp");
    let geometry = Geometry::new(
        [6, 4, 2],
        [0.0; 3],
        [[0.5, 0.0, 0.0], [0.0, 0.7, 0.0], [0.0, 0.0, 2.0]],
        Space::Lps,
    )
    .expect("grid");
    let scan = ScanVolume {
        format: Format::DicomSeries,
        samples: Samples::I16((0..48).map(|v| v * 13 - 300).collect()),
        geometry,
        rescale: None,
    };
    let written = write_series(
        temp.path(),
        &scan,
        &Identity {
            patient_id: "F".into(),
            seed: 1,
        },
        &SeriesLabels::default(),
    )
    .expect("series");
    let mut seeds: Vec<(String, Vec<u8>)> = vec![(
        "written".into(),
        std::fs::read(&written.files[0]).expect("seed"),
    )];
    for name in [
        "MR_small_RLE.dcm",
        "SC_rgb_jpeg_gdcm.dcm",
        "SC_rgb_jpeg_dcmtk.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "MR_small_jp2klossless.dcm",
        "SC_rgb_rle_16bit_2frame.dcm",
        "JPEG2000.dcm",
    ] {
        seeds.push((
            name.to_string(),
            std::fs::read(pydicom_file(name)).expect("seed"),
        ));
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut runs, mut read, mut panics, mut oversized, mut largest) =
        (0, 0, Vec::new(), Vec::new(), 0);
    LARGEST.store(0, Ordering::Relaxed);
    for (name, seed) in &seeds {
        for case in 0..120 {
            let mutant = mutate(seed, &mut rng);
            runs += 1;
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let image = read_image_from_bytes(&mutant, Path::new("mutant.dcm"), &LIMITS);
                let _ = read_dicom_seg_from_bytes(&mutant, Path::new("mutant.dcm"), &LIMITS);
                image.is_ok()
            }));
            if LARGEST.load(Ordering::Relaxed) > LARGEST_ALLOWED {
                let saved = std::env::temp_dir().join(format!("radflow-hostile-{name}-{case}.dcm"));
                let _ = std::fs::write(&saved, &mutant);
                oversized.push(format!(
                    "{name} case {case} ({} bytes, saved as {})",
                    LARGEST.load(Ordering::Relaxed),
                    saved.display()
                ));
                LARGEST.store(0, Ordering::Relaxed);
            }
            largest = largest.max(LARGEST.load(Ordering::Relaxed));
            match outcome {
                Ok(true) => read += 1,
                Ok(false) => {}
                Err(_) => panics.push(format!("{name} case {case}")),
            }
        }
    }
    println!(
        "hostile DICOM: {runs} mutants of {} seeds; {read} still decode; {} panics; largest allocation {largest} bytes",
        seeds.len(),
        panics.len()
    );
    assert!(panics.is_empty(), "panics on: {}", panics.join(", "));
    assert!(
        oversized.is_empty(),
        "allocations past {LARGEST_ALLOWED} bytes: {}",
        oversized.join(", ")
    );
}
