//! NRRD decode throughput, in MB/s of decoded sample data.
//!
//! - a realistic 256 x 256 x 100 int16 MR-like volume (smooth anatomy plus noise, so it
//!   compresses like a real scan), written by radflow's writer in gzip, bzip2 and raw;
//! - the real `pyradiomics/brain1_image.nrrd` (256 x 256 x 25 int16, gzip) from
//!   `$RADFLOW_SHARED_DATA` or `../shared/data`, when present.
//!
//! `inflate_only_baseline` decodes the same gzip stream with flate2 alone, from memory
//! into a preallocated buffer: the floor the reader's overhead is measured against.
//!
//! Run: `cargo bench --bench nrrd_decode`.

use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use radflow::nrrd::{self, Encoding, Nrrd, Samples, WriteOptions};

/// A head-like phantom: an ellipsoid of tissue with a few intensity bands and
/// deterministic noise, like an MR volume.
fn phantom(nx: usize, ny: usize, nz: usize) -> Nrrd {
    let mut values = Vec::with_capacity(nx * ny * nz);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let dx = (x as f64 - nx as f64 / 2.0) / (nx as f64 * 0.42);
                let dy = (y as f64 - ny as f64 / 2.0) / (ny as f64 * 0.47);
                let dz = (z as f64 - nz as f64 / 2.0) / (nz as f64 * 0.5);
                let r = (dx * dx + dy * dy + dz * dz).sqrt();
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let noise = ((state >> 58) as i16) - 32;
                let tissue = if r > 1.0 {
                    0
                } else if r > 0.92 {
                    900
                } else {
                    400 + (200.0 * (x as f64 / 9.0).sin() * (y as f64 / 13.0).cos()) as i16
                };
                values.push(if tissue == 0 {
                    noise.abs() / 8
                } else {
                    tissue + noise
                });
            }
        }
    }
    Nrrd::from_samples(vec![nx, ny, nz], Samples::from(values)).expect("phantom volume")
}

fn shared_file(relative: &str) -> Option<PathBuf> {
    let base = std::env::var_os("RADFLOW_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    Some(base.join(relative)).filter(|p| p.is_file())
}

fn decode(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let volume = phantom(256, 256, 100);
    let bytes = volume.samples.as_bytes().len() as u64;
    let mut group = c.benchmark_group("nrrd_decode");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(bytes));
    for encoding in [Encoding::Gzip, Encoding::Raw, Encoding::Bzip2] {
        let path = dir.path().join(format!("phantom_{encoding}.nrrd"));
        nrrd::write(&path, &volume, &WriteOptions::new(encoding)).expect("write phantom");
        let stored = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        eprintln!("phantom 256x256x100 int16 {encoding}: {stored} bytes on disk, {bytes} decoded");
        group.bench_function(format!("phantom_256x256x100_int16_{encoding}"), |b| {
            b.iter(|| nrrd::read(black_box(&path)).expect("read phantom"))
        });
        if encoding == Encoding::Gzip {
            let stored = std::fs::read(&path).expect("phantom bytes");
            let start = stored
                .windows(2)
                .position(|w| w == b"\n\n")
                .expect("header end")
                + 2;
            let mut out = vec![0u8; bytes as usize];
            group.bench_function("inflate_only_baseline", |b| {
                b.iter(|| {
                    let mut decoder = flate2::read::GzDecoder::new(&stored[start..]);
                    decoder.read_exact(black_box(&mut out)).expect("inflate")
                })
            });
        }
    }
    group.finish();

    match shared_file("pyradiomics/brain1_image.nrrd") {
        Some(path) => {
            let decoded = nrrd::read(&path).expect("read brain1");
            let mut group = c.benchmark_group("nrrd_decode_real");
            group.throughput(Throughput::Bytes(decoded.samples.as_bytes().len() as u64));
            group.bench_function("brain1_image_256x256x25_int16_gzip", |b| {
                b.iter(|| nrrd::read(black_box(&path)).expect("read brain1"))
            });
            group.finish();
        }
        None => eprintln!("brain1_image.nrrd not found (set RADFLOW_SHARED_DATA): skipped"),
    }
}

criterion_group!(benches, decode);
criterion_main!(benches);
