//! Reading a DICOM series folder (512 x 512 x 120 int16 MR slices, explicit VR little
//! endian, as radflow writes them) with `radflow::dicom::read_series`, against pydicom
//! (read, sort, stack) and SimpleITK's ImageSeriesReader on the same folder, timed in the
//! same run by `benches/dicom_reference_read.py` (best of 5). The goal: not slower than
//! the fastest reference.
//!
//! `cargo bench --bench dicom_read` (RADFLOW_PYTHON names the interpreter with pydicom
//! and SimpleITK; without it only radflow is timed).

use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use radflow::dicom::{Identity, SeriesLabels, read_series, write_series};
use radflow::nrrd::Samples;
use radflow::seg::{Geometry, Space};
use radflow::volume::{Format, ScanVolume};

fn series_folder() -> tempfile::TempDir {
    let sizes = [512, 512, 120];
    let geometry = Geometry::new(
        sizes,
        [-128.0, -128.0, -60.0],
        [[0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 1.0]],
        Space::Lps,
    )
    .expect("grid");
    let count: usize = sizes.iter().product();
    let samples = (0..count)
        .map(|v| ((v % 512) as i16 + (v / 512 % 512) as i16) - 300)
        .collect();
    let scan = ScanVolume {
        format: Format::DicomSeries,
        samples: Samples::I16(samples),
        geometry,
        rescale: None,
    };
    let dir = tempfile::tempdir().expect("temp");
    write_series(
        dir.path(),
        &scan,
        &Identity {
            patient_id: "BENCH".into(),
            seed: 1,
        },
        &SeriesLabels::default(),
    )
    .expect("write");
    dir
}

fn bench(c: &mut Criterion) {
    let dir = series_folder();
    let mut group = c.benchmark_group("dicom_read");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("read_series 512x512x120", |b| {
        b.iter(|| read_series(dir.path()).expect("reads"))
    });
    group.finish();

    // The references, interleaved with a best-of-5 radflow timing in the same run.
    let radflow_best = (0..5)
        .map(|_| {
            let start = Instant::now();
            read_series(dir.path()).expect("reads");
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    let python = std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/dicom_reference_read.py"
    );
    match Command::new(&python)
        .arg(script)
        .arg(dir.path())
        .arg("5")
        .output()
    {
        Ok(output) if output.status.success() => {
            let times: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
            let pydicom = times["pydicom"].as_f64().unwrap_or(f64::NAN);
            let simpleitk = times["simpleitk"].as_f64().unwrap_or(f64::NAN);
            println!(
                "dicom_read best of 5: radflow {:.1} ms, pydicom {:.1} ms ({:.2}x), SimpleITK {:.1} ms ({:.2}x)",
                radflow_best * 1e3,
                pydicom * 1e3,
                pydicom / radflow_best,
                simpleitk * 1e3,
                simpleitk / radflow_best
            );
        }
        _ => println!(
            "dicom_read: the references need {python} with pydicom and SimpleITK; radflow best of 5 {:.1} ms",
            radflow_best * 1e3
        ),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
