//! Read speed per format against the reference readers, on the same files, in one run.
//!
//! `benches/volume_read.py` writes one 256 x 256 x 120 int16 MR-like volume as
//! `scan.nii`, `scan_gz.nii.gz` (nibabel; see volume_read.py for the name), `scan.mha`, `scan_z.mha` (SimpleITK, raw and zlib)
//! and `scan.nrrd` (pynrrd, gzip), and times nibabel, SimpleITK and pynrrd reading each
//! file it can (median of 15). Then criterion times `radflow::volume::read_scan` on each
//! file, and the bench prints, per file, radflow's median (15 runs, taken right after the
//! references) and the ratio to the fastest reference (goal: <= 1).
//!
//! Needs nibabel, SimpleITK and pynrrd in `RADFLOW_PYTHON` (or `python3`).
//! Run: `cargo bench --bench volume_read`.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use radflow::volume::read_scan;

const FILES: &[&str] = &[
    "scan.nii",
    "scan_gz.nii.gz",
    "scan.mha",
    "scan_z.mha",
    "scan.nrrd",
];
const RUNS: usize = 15;

fn references(dir: &Path) -> serde_json::Value {
    let python = std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/volume_read.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(dir)
        .arg(RUNS.to_string())
        .output()
        .expect("run the reference script (set RADFLOW_PYTHON)");
    assert!(
        output.status.success(),
        "benches/volume_read.py failed (needs nibabel, SimpleITK, pynrrd):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("reference timings as JSON")
}

fn median_read(path: &Path) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            black_box(read_scan(path).expect("reads"));
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reference = references(dir.path());
    let mut criterion = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut lines = Vec::new();
    for file in FILES {
        let path = dir.path().join(file);
        read_scan(&path).expect("radflow reads the file");
        let radflow = median_read(&path).as_secs_f64();
        let readers = reference[*file].as_object().expect("timings of the file");
        let (fastest, seconds) = readers
            .iter()
            .filter_map(|(name, s)| s.as_f64().map(|s| (name.clone(), s)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("a reference reads the file");
        let all: Vec<String> = readers
            .iter()
            .map(|(name, s)| format!("{name} {:.1} ms", s.as_f64().unwrap_or(f64::NAN) * 1e3))
            .collect();
        lines.push(format!(
            "{file}: radflow {:.1} ms; {}; radflow / fastest ({fastest}) = {:.2}",
            radflow * 1e3,
            all.join(", "),
            radflow / seconds
        ));
        let mut group = criterion.benchmark_group("volume_read");
        group.throughput(Throughput::Bytes(256 * 256 * 120 * 2));
        group.bench_function(*file, |b| {
            b.iter(|| black_box(read_scan(&path).expect("reads")))
        });
        group.finish();
    }
    criterion.final_summary();
    println!("\nmedians of {RUNS} reads, the same files, one run:");
    for line in lines {
        println!("  {line}");
    }
}
