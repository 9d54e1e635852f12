//! The features stage's execution settings never change what it stores. `batch_size` and
//! `threads` steer execution only and are left out of its keys, so an output made under one
//! setting is reused under another; that is right only if the bits are the same. And a run
//! whose maps run ahead (`exec::stream`) must store what a run one stage at a time stores.
//!
//! The real binary on the tiny study: features made with batch 16 and 2 threads, then forced
//! with batch 1 and 1 thread, then forced in a run without streams (`--no-overlap`), must give
//! the same output hash (the manifest names every feature vector's object by its hash) and
//! the same item entries; for the tiny CNN always, and for SqueezeNet 1.1 (ImageNet weights,
//! 227 x 227) when `models/squeezenet1_1.onnx` is built.

mod common;

use std::path::Path;

use common::tiny_study;
use serde_json::Value as Json;

const PIPELINE: &str = concat!(
    r#"
pipeline: execution
stages:
"#,
    common::imaging_stages!(),
    r#"  resized:
    kind: resize
    input: lesions
    with: {size: [SIZE, SIZE]}
  features:
    kind: onnx_features
    input: resized
    with: {model: MODEL, NETWORK, batch_size: BATCH, threads: THREADS}
"#
);

struct Network {
    model: &'static str,
    size: &'static str,
    params: &'static str,
}

const TINY_CNN: Network = Network {
    model: "models/tiny_cnn.onnx",
    size: "48",
    params: "input: images, output: features, features: 16",
};

/// As `pipelines/demo.yaml` runs it.
const SQUEEZENET: Network = Network {
    model: "models/squeezenet1_1.onnx",
    size: "227",
    params: "input: data, output: features, features: 512, channel_order: bgr, \
             scale: 127.5, offset: 127.5, mean: [103.939, 116.779, 123.68]",
};

fn pipeline(network: &Network, batch: &str, threads: &str) -> String {
    PIPELINE
        .replace("SIZE", network.size)
        .replace("MODEL", network.model)
        .replace("NETWORK", network.params)
        .replace("BATCH", batch)
        .replace("THREADS", threads)
}

/// The features instance of a `run --json` record: (output hash, computed items).
fn features(run: &common::Run) -> (String, u64) {
    let record: Json = serde_json::from_str(&run.stdout).unwrap();
    let entry = record["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == "features")
        .expect("features in the run record");
    (
        entry[1]["output"].as_str().unwrap().to_string(),
        entry[1]["items"]["computed"].as_u64().unwrap(),
    )
}

/// Every item entry's emits, by file name (what each feature vector's item stored).
fn item_emits(cache: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for shard in std::fs::read_dir(cache.join("items")).unwrap() {
        for file in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let entry: Json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            found.push((name, entry["emits"].to_string()));
        }
    }
    found.sort();
    found
}

fn same_bits_whatever_the_execution(network: &Network) {
    let p = tiny_study(&pipeline(network, "16", "2"), "16", "48", "8,12");
    if network.model != TINY_CNN.model {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(network.model),
            p.path().join(network.model),
        )
        .unwrap();
    }
    let run = p.run(&["run", "--json", "-j", "2"]).ok();
    let (output, computed) = features(&run);
    assert!(computed > 8, "a few batches of slices: {computed}");
    let items = item_emits(&p.cache_dir());

    p.write("radflow.yaml", &pipeline(network, "1", "1"));
    let run = p
        .run(&["run", "--json", "-j", "1", "--force", "features"])
        .ok();
    assert_eq!(
        features(&run),
        (output.clone(), computed),
        "batch 1 on 1 thread stores what batch 16 on 2 threads stored"
    );
    assert_eq!(item_emits(&p.cache_dir()), items);

    p.write("radflow.yaml", &pipeline(network, "16", "2"));
    let run = p
        .run(&[
            "run",
            "--json",
            "-j",
            "2",
            "--no-overlap",
            "--force",
            "resized",
            "--force",
            "features",
        ])
        .ok();
    assert_eq!(
        features(&run),
        (output, computed),
        "a run without streams stores what the streamed run stored"
    );
    assert_eq!(item_emits(&p.cache_dir()), items);
}

#[test]
fn tiny_cnn_features_are_the_same_bits_for_any_batch_size_threads_or_streaming() {
    same_bits_whatever_the_execution(&TINY_CNN);
}

#[test]
fn squeezenet_features_are_the_same_bits_for_any_batch_size_threads_or_streaming() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join(SQUEEZENET.model);
    if !model.exists() {
        eprintln!(
            "{} is not built (make models/squeezenet1_1.onnx); not testing it",
            SQUEEZENET.model
        );
        return;
    }
    same_bits_whatever_the_execution(&SQUEEZENET);
}
