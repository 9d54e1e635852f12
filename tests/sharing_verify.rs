//! Two labs: lab A runs the tiny study and packs it; lab B unpacks it next to its own copy of
//! the data, runs it with its own cache and checks with `radflow verify --reference` that it
//! reproduced A, against A's pack and against A's exported stage outputs; a reference whose
//! metric or feature value moved by 1e-6 relative is "within tolerance", by 1e-2 or with a
//! changed threshold "differs", and `radflow diff` names the items (slices, patients, flipped
//! test cases) that changed.

mod common;

use std::fs;
use std::path::Path;

use common::Project;

const STUDY: &str = concat!(
    r#"
pipeline: study
stages:
"#,
    common::imaging_stages!(),
    r#"  resized:
    kind: resize
    input: lesions
    with: {size: [32, 32]}
  features:
    kind: onnx_features
    input: resized
    with: {model: models/tiny_cnn.onnx, input: images, output: features, features: 16, batch_size: 8}
  head:
    kind: train_head
    input: features
    with: {steps: 200, standardize: true, split: {by: patient, validation: 0.2, test: 0.3}}
  evaluation:
    kind: evaluate
    inputs: {head: head, features: features}
  report:
    kind: report
    inputs: {runs: [evaluation], counts: [slices, lesions]}
"#
);

const COHORT: [&str; 6] = ["--patients", "12", "--size", "48", "--slices", "8,10"];

/// Lab A: the tiny study run in its own folder with its own cache.
fn lab_a() -> Project {
    let mut synth = vec!["synth", "--out", "data"];
    synth.extend(COHORT);
    let a = Project::new().file("radflow.yaml", STUDY);
    a.run(&synth).ok();
    fs::create_dir_all(a.path().join("models")).unwrap();
    fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/models/tiny_cnn.onnx"),
        a.path().join("models/tiny_cnn.onnx"),
    )
    .unwrap();
    a.run(&["run"]).ok();
    a
}

/// Lab B: the unpacked study in `study/`, its own data copy and model beside the pipeline.
fn lab_b(pack: &Path) -> Project {
    let b = Project::new();
    b.run(&["unpack", pack.to_str().unwrap(), "--to", "study"])
        .ok();
    let mut synth = vec!["synth", "--out", "study/data"];
    synth.extend(COHORT);
    b.run(&synth).ok();
    fs::create_dir_all(b.path().join("study/models")).unwrap();
    fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/models/tiny_cnn.onnx"),
        b.path().join("study/models/tiny_cnn.onnx"),
    )
    .unwrap();
    b
}

/// A copy of the pack at `from` with one float of `results/report/metrics.json` moved by
/// `relative`, its manifest entry updated (as a lab exporting its own numbers would).
fn perturbed_pack(from: &Path, to: &Path, relative: f64) -> String {
    let mut archive = tar::Archive::new(fs::File::open(from).unwrap());
    let mut members: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        members.push((name, bytes));
    }
    let metrics_at = members
        .iter()
        .position(|(n, _)| n == "results/report/metrics.json")
        .expect("the pack holds the report's metrics");
    let mut metrics: serde_json::Value = serde_json::from_slice(&members[metrics_at].1).unwrap();
    let path = first_float(&mut metrics, String::new(), relative).expect("a float metric");
    members[metrics_at].1 = serde_json::to_vec_pretty(&metrics).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(&members[0].1).unwrap();
    let entry = &mut manifest["members"]["results/report/metrics.json"];
    entry["bytes"] = members[metrics_at].1.len().into();
    entry["blake3"] = blake3::hash(&members[metrics_at].1)
        .to_hex()
        .to_string()
        .into();
    members[0].1 = serde_json::to_vec_pretty(&manifest).unwrap();
    let mut builder = tar::Builder::new(fs::File::create(to).unwrap());
    for (name, bytes) in &members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, name, bytes.as_slice())
            .unwrap();
    }
    builder.finish().unwrap();
    path
}

/// Multiplies the first non-zero float found by `1 + relative`; returns its path.
fn first_float(value: &mut serde_json::Value, path: String, relative: f64) -> Option<String> {
    match value {
        serde_json::Value::Number(n) if n.is_f64() && n.as_f64() != Some(0.0) => {
            let x = n.as_f64().unwrap();
            *value = (x * (1.0 + relative)).into();
            Some(path)
        }
        serde_json::Value::Object(map) => map
            .iter_mut()
            .find_map(|(k, v)| first_float(v, format!("{path}.{k}"), relative)),
        serde_json::Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .find_map(|(i, v)| first_float(v, format!("{path}.{i}"), relative)),
        _ => None,
    }
}

/// The verdict `verify` printed for `check` (its line without the name).
/// `radflow verify study/radflow.yaml --reference REFERENCE [extra...]` in lab B's folder.
fn verify(b: &Project, reference: &Path, extra: &[&str]) -> common::Run {
    let reference = reference.to_str().expect("a UTF-8 path");
    let mut args = vec!["verify", "study/radflow.yaml", "--reference", reference];
    args.extend_from_slice(extra);
    b.run(&args)
}

fn verdict_of(stdout: &str, check: &str) -> String {
    stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix(check)
                .filter(|rest| rest.starts_with("  "))
                .map(|rest| rest.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no verdict for `{check}` in:\n{stdout}"))
}

#[test]
fn lab_b_reproduces_lab_a_then_tolerance_and_a_changed_threshold_are_told_apart() {
    let a = lab_a();
    a.run(&["pack", "--to", "a.tar"]).ok();
    let pack = a.path().join("a.tar");

    let b = lab_b(&pack);
    b.run(&["run", "study/radflow.yaml"]).ok();
    let same = verify(&b, &pack, &[]).ok();
    let lines: Vec<&str> = same.stdout.lines().collect();
    let verdicts = |word: &str| lines.iter().filter(|l| l.contains(word)).count();
    println!(
        "identical labs: same {}, within {}, differs {}",
        verdicts("  same"),
        verdicts("within tolerance"),
        verdicts("differs")
    );
    assert_eq!(verdicts("differs"), 0, "{}", same.stdout);
    assert_eq!(verdicts("within tolerance"), 0, "{}", same.stdout);
    assert_eq!(verdict_of(&same.stdout, "report metrics.json"), "same");

    let perturbed = a.path().join("perturbed.tar");
    let moved = perturbed_pack(&pack, &perturbed, 1e-6);
    let within = verify(&b, &perturbed, &[]).ok();
    assert_eq!(
        verdict_of(&within.stdout, "report metrics.json"),
        "within tolerance (max rel 1.0e-6)",
        "{moved}"
    );
    let far = a.path().join("far.tar");
    perturbed_pack(&pack, &far, 1e-3);
    let beyond = verify(&b, &far, &[]).code(3);
    assert!(verdict_of(&beyond.stdout, "report metrics.json").starts_with("differs"));

    let changed = verify(&b, &pack, &["--set", "lesions.fraction=0.6"]).code(3);
    assert_eq!(verdict_of(&changed.stdout, "patients"), "same");
    assert!(verdict_of(&changed.stdout, "lesions").starts_with("differs"));

    let diff = b.run(&["diff", "study/radflow.yaml", "lock", "last"]).ok();
    let lesions = diff
        .stdout
        .lines()
        .find(|l| l.starts_with("lesions:"))
        .unwrap_or_else(|| panic!("{}", diff.stdout));
    let counts: Vec<usize> = lesions
        .split(&[' ', ','][..])
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(counts.len(), 3, "{lesions}");
    assert!(
        counts[0] + counts[1] > 0,
        "another fraction keeps other slices: {lesions}"
    );
    assert!(
        diff.stdout.contains("  + SYN-") || diff.stdout.contains("  - SYN-"),
        "the slices are named: {}",
        diff.stdout
    );
    assert!(
        !diff.stdout.lines().any(|l| l.starts_with("patients:")),
        "the patients stage did not change: {}",
        diff.stdout
    );
}

#[test]
fn verify_against_a_pack_of_another_pipeline_compares_nothing() {
    let a = Project::new().file(
        "radflow.yaml",
        "pipeline: other\nstages:\n  hello:\n    kind: command\n    with: {run: \"echo hi > {out}/h.txt\", outputs: [h.txt]}\n",
    );
    a.run(&["run"]).ok();
    a.run(&["pack", "--to", "other.tar"]).ok();
    let b = Project::new().file(
        "radflow.yaml",
        "pipeline: mine\nstages:\n  hello:\n    kind: command\n    with: {run: \"echo hi > {out}/h.txt\", outputs: [h.txt]}\n",
    );
    let pack = a.path().join("other.tar");
    let run = b
        .run(&["verify", "--reference", pack.to_str().unwrap()])
        .code(2);
    assert!(
        run.stderr
            .contains("a pack of pipeline `other`, not of `mine`"),
        "{}",
        run.stderr
    );
}

/// Multiplies one value of `<dir>/features.npy` (row 0) by `1 + relative` with numpy, as
/// float32: of row 0's non-zero values, the one whose float32 result is nearest the intended
/// change. Prints nothing; returns the record id of row 0.
fn perturb_feature(dir: &Path, relative: f64) -> String {
    common::python::require(&["numpy", "pandas"]);
    let script = format!(
        r#"
import numpy as np, pandas as pd
f = np.load("features.npy")
row = f[0].astype(np.float64)
best, err = None, None
for j, x in enumerate(row):
    if x == 0: continue
    y = np.float32(x * (1 + {relative}))
    e = abs(abs(float(y) - x) / abs(x) - {relative})
    if err is None or e < err: best, err = j, e
f[0, best] = np.float32(row[best] * (1 + {relative}))
np.save("features.npy", f)
print(pd.read_csv("records.csv", dtype=str)["id"][0])
"#
    );
    common::python::run(dir, &script).trim().to_string()
}

#[test]
fn lab_b_verifies_against_exports_a_perturbed_feature_and_a_changed_threshold() {
    let a = lab_a();
    a.run(&["pack", "--pseudonymize", "--to", "a.tar"]).ok();
    a.run(&["export", "--all", "--to", "exports"]).ok();
    let exports = a.path().join("exports");
    let b = lab_b(&a.path().join("a.tar"));
    b.run(&["run", "study/radflow.yaml"]).ok();

    let same = verify(&b, &exports, &[]).ok();
    for stage in [
        "patients",
        "slices",
        "lesions",
        "resized",
        "features",
        "head",
        "evaluation",
    ] {
        assert_eq!(verdict_of(&same.stdout, stage), "same", "{}", same.stdout);
    }

    b.run(&["export", "study/radflow.yaml", "features", "--to", "near"])
        .ok();
    let record = perturb_feature(&b.path().join("near"), 1e-6);
    let near = verify(&b, &b.path().join("near"), &[]).ok();
    assert_eq!(
        verdict_of(&near.stdout, "features"),
        "within tolerance (max rel 1.0e-6)",
        "{}",
        near.stdout
    );

    b.run(&["export", "study/radflow.yaml", "features", "--to", "far"])
        .ok();
    perturb_feature(&b.path().join("far"), 1e-2);
    let far = verify(&b, &b.path().join("far"), &["--json"]).code(3);
    let rows: serde_json::Value = serde_json::from_str(&far.stdout).unwrap();
    let features = &rows[0];
    assert_eq!(features["verdict"], "differs", "{rows}");
    assert_eq!(features["floats_beyond"], 1, "{rows}");
    let detail = features["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("first at record `{record}` field `features`")),
        "{detail}"
    );

    // A threshold changed in lab B: A's exports tell which stages differ, and `diff` names
    // the slices and patients that changed between B's two runs.
    let changed = verify(&b, &exports, &["--set", "lesions.min_pixels=40"]).code(3);
    assert_eq!(verdict_of(&changed.stdout, "slices"), "same");
    let lesions = verdict_of(&changed.stdout, "lesions");
    assert!(
        lesions.starts_with("differs") && lesions.contains("of the reference are not here"),
        "{lesions}"
    );
    let diff = b
        .run(&["diff", "study/radflow.yaml", "last~1", "last", "--json"])
        .ok();
    let stages: Vec<serde_json::Value> = serde_json::from_str(&diff.stdout).unwrap();
    let stage = |name: &str| {
        stages
            .iter()
            .find(|s| s["stage"] == name)
            .unwrap_or_else(|| panic!("no `{name}` in {}", diff.stdout))
    };
    let removed = stage("lesions")["removed"].as_array().unwrap();
    let patients = stage("lesions")["patients"].as_array().unwrap();
    assert!(!removed.is_empty(), "{}", diff.stdout);
    for slice in removed {
        let slice = slice.as_str().unwrap();
        let patient = slice.split('/').next().unwrap();
        assert!(slice.starts_with("SYN-") && slice.contains("/z"), "{slice}");
        assert!(patients.iter().any(|p| p == patient), "{}", diff.stdout);
    }
    assert!(stage("evaluation")["metrics"]["test_accuracy"]["delta"].is_f64());

    // A head trained without standardizing predicts the same test cases otherwise: `diff`
    // names each flipped case with its patient, as `verify` against A's export does.
    b.run(&[
        "run",
        "study/radflow.yaml",
        "--set",
        "head.standardize=false",
    ])
    .ok();
    let diff = b
        .run(&["diff", "study/radflow.yaml", "last~1", "last", "--json"])
        .ok();
    let stages: Vec<serde_json::Value> = serde_json::from_str(&diff.stdout).unwrap();
    let evaluation = stages.iter().find(|s| s["stage"] == "evaluation").unwrap();
    let flipped = evaluation["flipped"]
        .as_array()
        .expect("flipped test cases");
    let text = b
        .run(&["diff", "study/radflow.yaml", "last~1", "last"])
        .ok();
    let verify = verify(&b, &exports, &["--set", "head.standardize=false"]).code(3);
    println!("{}\n{}", text.stdout, verify.stdout);
    for flip in flipped {
        let (id, patient) = (
            flip["id"].as_str().unwrap(),
            flip["patient"].as_str().unwrap(),
        );
        assert!(id.starts_with(patient), "{flip}");
        assert_ne!(flip["before"], flip["after"]);
        let line = format!(
            "flipped {id} (patient {patient}): {} -> {}",
            flip["before"].as_str().unwrap(),
            flip["after"].as_str().unwrap()
        );
        assert!(text.stdout.contains(&line), "{line}\n{}", text.stdout);
        let line = format!(
            "flipped {id} (patient {patient}): {} here, {} in the reference",
            flip["after"].as_str().unwrap(),
            flip["before"].as_str().unwrap()
        );
        assert!(verify.stdout.contains(&line), "{line}\n{}", verify.stdout);
    }
    assert!(!flipped.is_empty(), "{}", diff.stdout);
}
