//! `radflow show` and `radflow export`: every built-in kind's cached output, exported and read
//! back with numpy and pandas (tests/exchange_read.py), equals what radflow holds in its
//! cache, decoded here from the objects themselves; bad targets and missing outputs are
//! refused with clear errors, and a failed export leaves nothing behind.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::{Project, python};
use radflow::dataset::{Dataset, Tensor, Value};
use serde_json::Value as Json;
use sha2::{Digest as _, Sha256};

const STUDY: &str = concat!(
    r#"
pipeline: exchange
stages:
"#,
    common::imaging_stages!(),
    r#"  resized:
    kind: resize
    input: lesions
    with: {size: [48, 48]}
  features:
    kind: onnx_features
    input: resized
    with: {model: models/tiny_cnn.onnx, input: images, output: features, features: 16, batch_size: 8}
  head:
    kind: train_head
    input: features
    matrix: {seed: [0, 1]}
    with: {steps: 100, standardize: true, split: {validation: 0.2, test: 0.2}}
  evaluation:
    kind: evaluate
    inputs: {head: head, features: features}
  report:
    kind: report
    inputs: {runs: [evaluation], counts: [slices, lesions]}
  notes:
    kind: command
    input: lesions
    with:
      run: "mkdir -p {out}/plots/sub && echo a > {out}/plots/a.txt && echo b > {out}/plots/sub/b.txt && echo n > {out}/note.txt"
      outputs: [note.txt, plots/]
"#
);

fn study() -> Project {
    common::tiny_study(STUDY, "12", "48", "8,12")
}

fn sha(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Each instance's output hash, as `status --json` reports it.
fn outputs(p: &Project) -> BTreeMap<String, String> {
    let status = p.run(&["status", "--json"]).ok();
    let list: Vec<Json> = serde_json::from_str(&status.stdout).unwrap();
    list.into_iter()
        .filter_map(|p| {
            Some((
                p["instance"].as_str()?.to_string(),
                p["output"].as_str()?.to_string(),
            ))
        })
        .collect()
}

fn object(p: &Project, hex: &str) -> Vec<u8> {
    fs::read(p.cache_dir().join("objects").join(&hex[..2]).join(hex)).unwrap()
}

#[derive(Default)]
struct Tally {
    agree: usize,
    differs: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: String, equal: bool) {
        if equal {
            self.agree += 1;
        } else {
            self.differs.push(what);
        }
    }
}

/// Compares what numpy read from `dir` with the cached dataset it was exported from.
fn compare(p: &Project, read: &Json, output: &str, tally: &mut Tally) -> usize {
    let dataset = Dataset::from_manifest(&object(p, output)).unwrap();
    let before = tally.agree;
    let ids: Vec<&str> = dataset.records().iter().map(|r| r.id.as_str()).collect();
    let read_ids: Vec<&str> = read["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    tally.check(format!("{output}: ids"), ids == read_ids);
    for (row, record) in dataset.records().iter().enumerate() {
        for (field, value) in &record.fields {
            let at = format!("{output} `{}` {field}", record.id);
            match value {
                Value::Blob(blob) if blob.name.is_none() => {
                    let tensor = Tensor::decode(&object(p, &blob.digest.to_hex())).unwrap();
                    let digest = sha(tensor.le_bytes());
                    let stacked = &read["arrays"][field];
                    if stacked.is_object() {
                        let mut shape = vec![Json::from(dataset.len())];
                        shape.extend(tensor.shape.iter().map(|&d| Json::from(d)));
                        tally.check(
                            format!("{at} dtype"),
                            stacked["dtype"] == tensor.dtype.to_string(),
                        );
                        tally.check(
                            format!("{at} shape"),
                            stacked["shape"] == Json::Array(shape),
                        );
                        tally.check(format!("{at} values"), stacked["rows"][row] == digest);
                    } else {
                        let one = &read["varies"][field][&record.id];
                        let shape: Vec<Json> =
                            tensor.shape.iter().map(|&d| Json::from(d)).collect();
                        tally.check(format!("{at} shape"), one["shape"] == Json::Array(shape));
                        tally.check(format!("{at} values"), one["sha"] == digest);
                    }
                }
                Value::Blob(blob) => {
                    let digest = sha(&object(p, &blob.digest.to_hex()));
                    tally.check(at, read["files"][field][&record.id] == digest);
                }
                Value::Map(map) if map.values().all(|v| matches!(v, Value::Blob(_))) => {
                    for (key, file) in map {
                        let Value::Blob(blob) = file else {
                            unreachable!()
                        };
                        let digest = sha(&object(p, &blob.digest.to_hex()));
                        tally.check(
                            format!("{at}/{key}"),
                            read["files"][field][&record.id][key] == digest,
                        );
                    }
                }
                other => {
                    let expected = radflow::exchange::to_json(other);
                    tally.check(
                        format!("{at}: {expected} vs {}", read["scalars"][field][row]),
                        read["scalars"][field][row] == expected,
                    );
                }
            }
        }
    }
    tally.agree - before
}

#[test]
fn every_built_in_kind_exports_what_it_cached_and_numpy_reads_it_back() {
    python::require(&["numpy", "pandas", "PIL"]);
    let p = study();
    p.run(&["run"]).ok();
    let outputs = outputs(&p);
    let exports = [
        ("patients", "patients"),
        ("slices", "slices"),
        ("lesions", "lesions"),
        ("resized", "resized"),
        ("features", "features"),
        ("head", "head"),
        ("evaluation[seed=1]", "evaluation"),
        ("report", "report"),
        ("notes", "notes"),
    ];
    for (stage, folder) in exports {
        p.run(&["export", stage, "--to", &format!("x/{folder}"), "--png"])
            .ok();
    }
    // A swept stage exports one subfolder per instance.
    let mut dirs: Vec<(String, String)> = Vec::new();
    for (stage, folder) in exports {
        if stage == "head" {
            for seed in ["0", "1"] {
                let instance = format!("head[seed={seed}]");
                dirs.push((format!("x/head/{instance}"), instance));
            }
        } else {
            dirs.push((format!("x/{folder}"), stage.to_string()));
        }
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/exchange_read.py");
    let mut args: Vec<&str> = vec![script];
    args.extend(dirs.iter().map(|(d, _)| d.as_str()));
    let text = python::run_args(p.path(), &args);
    let read: Json = serde_json::from_str(&text).unwrap();
    let mut tally = Tally::default();
    let mut per_stage = Vec::new();
    for (dir, instance) in &dirs {
        let output = &outputs[instance];
        let compared = compare(&p, &read[dir.as_str()], output, &mut tally);
        per_stage.push(format!("{instance}: {compared}"));
        assert!(compared > 0, "nothing of `{instance}` was compared");
    }
    println!(
        "exported values vs cached blobs: {} agree, 0 refused, {} differ ({})",
        tally.agree,
        tally.differs.len(),
        per_stage.join(", ")
    );
    assert!(
        tally.differs.is_empty(),
        "differences: {:#?}",
        tally.differs
    );
    let pngs = |dir: &str, field: &str| read[dir]["pngs"][field].as_u64().unwrap_or(0);
    let images = |dir: &str| -> u64 {
        let all = read[dir]["pngs"].as_object().unwrap();
        all.values().map(|n| n.as_u64().unwrap()).sum()
    };
    assert!(
        images("x/resized") > 0 && images("x/slices") > 0,
        "image fields get PNGs"
    );
    assert_eq!(
        pngs("x/features", "features"),
        0,
        "feature vectors are not images"
    );
    let features = &read["x/features"];
    let roles: BTreeMap<&str, &str> = features["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles["grade"], "class");
    assert_eq!(roles["patient"], "group");
    assert_eq!(roles["features"], "array");
}

#[test]
fn show_lists_fields_counts_and_first_records_without_running_anything() {
    let p = study();
    let never = p.run(&["show", "features"]).code(1);
    assert!(
        never.stderr.contains("`features` (never run)")
            || never.stderr.contains("not in the cache"),
        "{}",
        never.stderr
    );
    p.run(&["run"]).ok();
    let calls_before = p.objects().len();
    let text = p.run(&["show", "features"]).ok();
    let squeezed: Vec<String> = text
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(
        squeezed.iter().any(|l| l == "features float32 [16] array"),
        "{}",
        text.stdout
    );
    assert!(
        squeezed.iter().any(|l| l == "grade str class"),
        "{}",
        text.stdout
    );
    assert!(
        squeezed.iter().any(|l| l.starts_with("first 5 records")),
        "{}",
        text.stdout
    );
    let json: Json = serde_json::from_str(
        &p.run(&["show", "features", "--json", "--rows", "2"])
            .ok()
            .stdout,
    )
    .unwrap();
    let count = json["count"].as_u64().unwrap();
    let classes: u64 = json["classes"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(classes, count, "every record has a class");
    assert_eq!(json["rows"].as_array().unwrap().len(), 2);
    assert_eq!(
        json["rows"][0]["features"],
        serde_json::json!({"dtype": "float32", "shape": [16]})
    );
    let swept: Json =
        serde_json::from_str(&p.run(&["show", "head", "--json"]).ok().stdout).unwrap();
    assert_eq!(swept.as_array().map(Vec::len), Some(2), "both instances");
    let one: Json =
        serde_json::from_str(&p.run(&["show", "head[seed=1]", "--json"]).ok().stdout).unwrap();
    assert_eq!(one["instance"], "head[seed=1]");
    assert_eq!(p.objects().len(), calls_before, "show writes nothing");
    let unknown = p.run(&["show", "featurs"]).code(2);
    assert!(
        unknown.stderr.contains("did you mean `features`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn show_and_export_name_a_stage_whose_objects_are_gone_or_whose_parameters_changed() {
    let p = study();
    p.run(&["run"]).ok();
    let changed = p.run(&["show", "head", "--set", "head.steps=50"]).code(1);
    assert!(
        changed.stderr.contains("parameter steps changed"),
        "{}",
        changed.stderr
    );
    let outputs = outputs(&p);
    let manifest = Dataset::from_manifest(&object(&p, &outputs["features"])).unwrap();
    let blob = manifest.records()[0]
        .blob("features")
        .unwrap()
        .digest
        .to_hex();
    fs::remove_file(p.cache_dir().join("objects").join(&blob[..2]).join(&blob)).unwrap();
    let gone = p.run(&["export", "features", "--to", "f"]).code(1);
    assert!(gone.stderr.contains("missing"), "{}", gone.stderr);
    assert!(!p.exists("f"), "nothing is left at the target");
    let leftovers: Vec<_> = fs::read_dir(p.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".f."))
        .collect();
    assert!(leftovers.is_empty(), "no temp folder is left beside it");
}

#[test]
fn export_refuses_a_non_empty_folder_unless_forced_and_keeps_only_chosen_fields() {
    python::require(&["numpy", "pandas"]);
    let p = study();
    p.run(&["run", "--only", "features"]).ok();
    p.write("taken/keep.txt", "mine");
    let refused = p.run(&["export", "features", "--to", "taken"]).code(2);
    assert!(
        refused.stderr.contains("exists and is not empty") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    assert_eq!(p.read("taken/keep.txt"), "mine");
    p.run(&[
        "export",
        "features",
        "--to",
        "taken",
        "--force",
        "--fields",
        "features,grade",
    ])
    .ok();
    assert!(!p.exists("taken/keep.txt"));
    let header = p.read("taken/records.csv");
    assert_eq!(header.lines().next(), Some("id,grade"));
    let shape = python::run(
        p.path(),
        "import numpy as np; a = np.load('taken/features.npy'); print(a.shape, a.dtype)",
    );
    let count = p.read("taken/records.csv").lines().count() - 1;
    assert_eq!(shape.trim(), format!("({count}, 16) float32"));
    let bad = p
        .run(&["export", "features", "--to", "other", "--fields", "nope"])
        .code(2);
    assert!(
        bad.stderr
            .contains("`--fields`: `features`: the dataset has no field `nope`"),
        "{}",
        bad.stderr
    );
    assert!(!p.exists("other"), "nothing is written for a bad flag");
}

#[test]
fn a_percent_encoded_id_finds_its_file_the_way_python_quotes_it() {
    python::require(&["numpy"]);
    let p = study();
    p.run(&["run", "--only", "slices"]).ok();
    p.run(&["export", "slices", "--to", "s", "--fields", "pixels"])
        .ok();
    // Records without pixels have no file; every file there is a record's, named by quote().
    let found = python::run(
        p.path(),
        "import csv, os\nfrom urllib.parse import quote, unquote\nids = {r['id'] for r in csv.DictReader(open('s/records.csv'))}\nnames = os.listdir('s/pixels')\nstray = [n for n in names if not n.endswith('.npy') or unquote(n[:-4]) not in ids or quote(unquote(n[:-4]), safe='') + '.npy' != n]\nslashed = [n for n in names if '%2F' in n]\nprint(len(names), len(stray), len(slashed))",
    );
    let parts: Vec<usize> = found
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(parts[0] > 0, "some slices have pixels");
    assert_eq!(
        parts[1], 0,
        "every file is a record's id as quote() writes it"
    );
    assert_eq!(parts[2], parts[0], "slice ids hold a `/`, encoded as %2F");
    assert!(Path::new(&p.path().join("s/pixels")).is_dir());
}
