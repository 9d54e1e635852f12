//! The engine's hot paths, through the library as `radflow run` uses them:
//!
//! - `hash_file_256mib`: blake3 of a 256 MiB file with [`radflow::key::hash_file`] (memory
//!   mapped, all cores), the cost of a declared input the stat cache does not know;
//! - `cache_object/put_new_128kib`, `cache_object/get_128kib`: a 128 KiB blob (a resized
//!   299 x 299 slice is 1 MiB, a 256 x 256 int16 slice 128 KiB) written to and read back from
//!   the object store, every put a new object so the write really happens;
//! - `item_keys_10k_records`: item keys of 10,000 slice records with [`radflow::key::ItemKeyer`];
//! - `manifest/encode_100k`, `manifest/decode_100k`: a 100,000-record dataset to and from its
//!   canonical manifest;
//! - `plan_500_stages/load`, `plan_500_stages/load_and_build`: a 500-stage `command` pipeline
//!   (a chain of 50 stages, each fanning out to 9 stages that the next chain stage gathers)
//!   read with [`radflow::spec::load`] and expanded with [`radflow::plan::build`].
//!
//! `cargo bench --bench engine`; the figures measured on the team machine are in
//! `benches/README.md`.

use std::fs::{self, File};
use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use radflow::cache::Store;
use radflow::dataset::{Dataset, Record, Value};
use radflow::digest::Digest;
use radflow::key::{ItemKeyer, ItemStage};

const HASHED_FILE_BYTES: usize = 256 << 20;
const BLOB_BYTES: usize = 128 << 10;
const KEYED_RECORDS: usize = 10_000;
const MANIFEST_RECORDS: usize = 100_000;
const CHAIN: usize = 50;
const FAN: usize = 9;

/// Bytes that do not compress or repeat, so no layer below can shortcut them.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        // xorshift64*: fast and good enough to defeat compression.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A slice record as `slice_extract` writes it: blobs for pixels and mask, the lesion's box,
/// and passed-through patient metadata.
fn slice_record(i: usize) -> Record {
    let blob = |salt: u64| {
        Value::from(radflow::dataset::BlobRef {
            digest: Digest::of(&(i as u64 ^ salt).to_le_bytes()),
            size: 131_072,
            name: None,
        })
    };
    let patient = format!("TCGA-{:02}-{:04}", i % 97, i / 97);
    Record::new(format!("{patient}/z{:03}", i % 120))
        .with("patient", patient.as_str())
        .with("grade", ["II", "III", "IV"][i % 3])
        .with("pixels", blob(1))
        .with("mask", blob(2))
        .with("z", i % 120)
        .with("lesion_pixels", (i * 37) % 900)
        .with(
            "bbox",
            Value::List(
                [98usize, 157, 98 + i % 7, 142]
                    .into_iter()
                    .map(Value::from)
                    .collect(),
            ),
        )
}

fn hashing(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let path = dir.path().join("input.bin");
    let mut file = File::create(&path).expect("a temp file");
    for chunk in 0..(HASHED_FILE_BYTES >> 20) {
        file.write_all(&noise(1 << 20, chunk as u64))
            .expect("temp space for 256 MiB");
    }
    drop(file);
    let mut group = c.benchmark_group("hash_file");
    group.throughput(Throughput::Bytes(HASHED_FILE_BYTES as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("256mib", |b| {
        b.iter(|| {
            radflow::key::hash_file(black_box(&path), HASHED_FILE_BYTES as u64)
                .expect("the file is readable")
        })
    });
    group.finish();
}

fn cache_objects(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let store = Store::open(&dir.path().join("cache")).expect("a new cache");
    let template = noise(BLOB_BYTES, 1);
    // Every put stores a blob never seen before (a counter in its first bytes), so the bench
    // measures the temp-file-and-rename write, not the "already stored" early return.
    let counter = AtomicU64::new(0);
    let mut group = c.benchmark_group("cache_object");
    group.throughput(Throughput::Bytes(BLOB_BYTES as u64));
    group.bench_function("put_new_128kib", |b| {
        b.iter_batched(
            || {
                let mut blob = template.clone();
                let n = counter.fetch_add(1, Ordering::Relaxed);
                blob[..8].copy_from_slice(&n.to_le_bytes());
                blob
            },
            |blob| store.put_object(&blob).expect("a writable cache"),
            BatchSize::SmallInput,
        )
    });
    let stored = store.put_object(&template).expect("a writable cache");
    group.bench_function("get_128kib", |b| {
        b.iter(|| {
            store
                .get_object(black_box(&stored))
                .expect("the object was stored")
        })
    });
    group.finish();
}

fn item_keys(c: &mut Criterion) {
    let records: Vec<Record> = (0..KEYED_RECORDS).map(slice_record).collect();
    let params = serde_json::json!({
        "size": [299, 299], "margin": 0.1, "channels": 3,
        "window": {"lo": 0, "hi": 1024, "out_lo": -1, "out_hi": 1},
    });
    let runtime = std::collections::BTreeMap::new();
    let stage = ItemStage {
        kind: "resize",
        version: 1,
        runtime: &runtime,
        params: &params,
    };
    let keyer = ItemKeyer::new(&stage, &serde_json::Value::Null, &["pixels", "bbox"]);
    let mut group = c.benchmark_group("item_keys");
    group.throughput(Throughput::Elements(KEYED_RECORDS as u64));
    group.bench_function("10k_records", |b| {
        b.iter(|| {
            records
                .iter()
                .map(|r| {
                    keyer
                        .key(black_box(r))
                        .expect("declared fields are present")
                })
                .fold(0u8, |acc, d| acc ^ d.as_bytes()[0])
        })
    });
    group.finish();
}

fn manifests(c: &mut Criterion) {
    let dataset = Dataset::from_records((0..MANIFEST_RECORDS).map(slice_record).collect())
        .expect("unique ids");
    let bytes = dataset.to_manifest().expect("a serializable dataset");
    let mut group = c.benchmark_group("manifest");
    group.throughput(Throughput::Elements(MANIFEST_RECORDS as u64));
    group.sample_size(10);
    group.bench_function("encode_100k", |b| {
        b.iter(|| black_box(&dataset).to_manifest().expect("serializable"))
    });
    group.bench_function("decode_100k", |b| {
        b.iter(|| Dataset::from_manifest(black_box(&bytes)).expect("a valid manifest"))
    });
    group.finish();
    eprintln!(
        "manifest of {MANIFEST_RECORDS} records: {:.1} MiB",
        bytes.len() as f64 / (1 << 20) as f64
    );
}

/// A chain `c00 -> c01 -> ...` where each chain stage fans out to `FAN` stages and the next
/// chain stage gathers them: edges into every stage, and 500 stages in all.
fn large_pipeline(dir: &Path) -> std::path::PathBuf {
    let mut yaml = String::from("pipeline: large\nstages:\n");
    for i in 0..CHAIN {
        yaml.push_str(&format!("  c{i:02}:\n    kind: command\n"));
        if i > 0 {
            let gathered: Vec<String> = std::iter::once(format!("c{:02}", i - 1))
                .chain((0..FAN).map(|j| format!("f{:02}_{j}", i - 1)))
                .collect();
            yaml.push_str(&format!("    input: [{}]\n", gathered.join(", ")));
        }
        yaml.push_str(&format!(
            "    with: {{run: \"echo c{i} > {{out}}/o.txt\", outputs: [o.txt]}}\n"
        ));
        for j in 0..FAN {
            yaml.push_str(&format!(
                "  f{i:02}_{j}:\n    kind: command\n    input: c{i:02}\n    \
                 with: {{run: [sh, -c, \"cat {{input}}/*/o.txt > {{out}}/o.txt\"], outputs: [o.txt]}}\n"
            ));
        }
    }
    let file = dir.join("large.yaml");
    fs::write(&file, yaml).expect("a writable temp folder");
    file
}

fn planning(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let file = large_pipeline(dir.path());
    let kinds = radflow::stages::KINDS;
    let plan = radflow::plan::build(
        radflow::spec::load(&file, &[]).expect("a valid pipeline"),
        kinds,
    )
    .expect("a valid plan");
    assert_eq!(plan.instances.len(), CHAIN * (FAN + 1), "500 instances");
    let mut group = c.benchmark_group("plan_500_stages");
    group.bench_function("load", |b| {
        b.iter(|| radflow::spec::load(black_box(&file), &[]).expect("a valid pipeline"))
    });
    group.bench_function("load_and_build", |b| {
        b.iter(|| {
            radflow::plan::build(
                radflow::spec::load(black_box(&file), &[]).expect("valid"),
                kinds,
            )
            .expect("a valid plan")
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    hashing,
    cache_objects,
    item_keys,
    manifests,
    planning
);
criterion_main!(benches);
