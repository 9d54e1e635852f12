//! Radiomics per lesion slice: radflow against PyRadiomics on the same slices, in one run.
//!
//! `cargo bench --bench radiomics` first runs `benches/radiomics_pyradiomics.py`, which cuts
//! every lesion slice of PyRadiomics' shipped brain1, brain2 and breast1 cases, writes them out
//! and times PyRadiomics on each (single thread, best of 3 passes). It then times radflow's
//! [`extract_2d`] on the same arrays: single thread per slice (best of 3 passes, as Python),
//! and all slices spread over 2 threads (rayon), and prints the ratios. Criterion follows with
//! per-slice timings of a small, the median and the largest slice.
//!
//! Needs `RADFLOW_PYTHON` (or python3) with SimpleITK and pyradiomics-bhklab, and the shared
//! data (`RADFLOW_SHARED_DATA`, default `../shared/data`).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use radflow::radiomics::{Settings, extract_2d};
use rayon::prelude::*;

struct Slice {
    name: String,
    image: Vec<i16>,
    mask: Vec<u8>,
    shape: [usize; 2],
    spacing: [f64; 2],
    thickness: f64,
    lesion_pixels: usize,
    pyradiomics_seconds: f64,
}

fn shared_data() -> PathBuf {
    std::env::var_os("RADFLOW_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

/// Runs the Python side and loads the slices it timed.
fn slices(dir: &Path) -> Vec<Slice> {
    let python = std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/radiomics_pyradiomics.py");
    let status = Command::new(&python)
        .arg(script)
        .arg(dir)
        .arg(shared_data())
        .arg("3")
        .status()
        .unwrap_or_else(|e| panic!("cannot run `{python}`: {e}"));
    assert!(status.success(), "benches/radiomics_pyradiomics.py failed");
    let text = std::fs::read_to_string(dir.join("slices.json")).expect("slices.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    json["slices"]
        .as_array()
        .expect("slices")
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let bytes = std::fs::read(dir.join(format!("slice{i:03}_image.raw"))).unwrap();
            let image = bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
            let mask = std::fs::read(dir.join(format!("slice{i:03}_mask.raw"))).unwrap();
            let num = |v: &serde_json::Value| v.as_f64().unwrap();
            Slice {
                name: s["name"].as_str().unwrap().to_string(),
                image,
                mask,
                shape: [num(&s["shape"][0]) as usize, num(&s["shape"][1]) as usize],
                spacing: [num(&s["spacing"][0]), num(&s["spacing"][1])],
                thickness: num(&s["thickness"]),
                lesion_pixels: num(&s["lesion_pixels"]) as usize,
                pyradiomics_seconds: num(&s["pyradiomics_seconds"]),
            }
        })
        .collect()
}

fn extract(slice: &Slice, settings: &Settings) -> bool {
    extract_2d(
        &slice.image,
        &slice.mask,
        slice.shape,
        slice.spacing,
        slice.thickness,
        settings,
    )
    .is_ok()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let slices = slices(dir.path());
    let settings = Settings::default();

    // Single thread, best of 3 passes per slice (as the Python side).
    let mut best = vec![f64::INFINITY; slices.len()];
    for _ in 0..3 {
        for (b, s) in best.iter_mut().zip(&slices) {
            let start = Instant::now();
            black_box(extract(s, &settings));
            *b = b.min(start.elapsed().as_secs_f64());
        }
    }
    // All slices over 2 threads, best of 5 passes.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let mut parallel = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        pool.install(|| {
            slices.par_iter().for_each(|s| {
                black_box(extract(s, &settings));
            })
        });
        parallel = parallel.min(start.elapsed().as_secs_f64());
    }
    let n = slices.len() as f64;
    let python: f64 = slices.iter().map(|s| s.pyradiomics_seconds).sum();
    let ours: f64 = best.iter().sum();
    println!(
        "radiomics 2-D, {} lesion slices of brain1, brain2, breast1:",
        slices.len()
    );
    println!(
        "  PyRadiomics, 1 thread:   {:8.3} ms per slice",
        python / n * 1e3
    );
    println!(
        "  radflow, 1 thread:       {:8.3} ms per slice   ({:.1}x faster)",
        ours / n * 1e3,
        python / ours
    );
    println!(
        "  radflow, 2 threads:      {:8.3} ms per slice   ({:.1}x faster than PyRadiomics on 1)",
        parallel / n * 1e3,
        python / parallel
    );
    for (s, b) in slices.iter().zip(&best) {
        println!(
            "  {:<14} {:5} px  PyRadiomics {:7.3} ms  radflow {:7.3} ms  {:6.1}x",
            s.name,
            s.lesion_pixels,
            s.pyradiomics_seconds * 1e3,
            b * 1e3,
            s.pyradiomics_seconds / b
        );
    }

    let mut by_size: Vec<&Slice> = slices.iter().collect();
    by_size.sort_by_key(|s| s.lesion_pixels);
    let picks = [
        ("smallest", by_size[0]),
        ("median", by_size[by_size.len() / 2]),
        ("largest", by_size[by_size.len() - 1]),
    ];
    let mut group = c.benchmark_group("radiomics_2d");
    for (label, s) in picks {
        group.bench_function(format!("{label}_{}px", s.lesion_pixels), |b| {
            b.iter(|| black_box(extract(s, &settings)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
