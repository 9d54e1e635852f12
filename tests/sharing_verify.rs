//! Two labs: lab A runs the tiny study and packs it; lab B unpacks it next to its own copy of
//! the data, runs it with its own cache and checks with `radflow verify --reference` that it
//! reproduced A; a reference whose metric moved by 1e-6 relative is "within tolerance", a
//! changed threshold "differs", and `radflow diff` names the items that changed.

mod common;

use std::fs;
use std::path::Path;

use common::Project;

const STUDY: &str = r#"
pipeline: study
stages:
  patients:
    kind: sample_filter
    with: {clinical: data/clinical.csv, images: data}
  slices:
    kind: slice_extract
    input: patients
    with: {lesion: {segment_names: [tumor]}}
  lesions:
    kind: lesion_filter
    input: slices
    with: {policy: per_patient, fraction: 0.25, min_pixels: 10}
  resized:
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
"#;

const COHORT: [&str; 6] = ["--patients", "12", "--size", "48", "--slices", "8,10"];

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
    a.run(&["pack", "--to", "a.tar"]).ok();
    let pack = a.path().join("a.tar");

    let b = lab_b(&pack);
    b.run(&["run", "study/radflow.yaml"]).ok();
    let same = b
        .run(&[
            "verify",
            "study/radflow.yaml",
            "--reference",
            pack.to_str().unwrap(),
        ])
        .ok();
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
    let within = b
        .run(&[
            "verify",
            "study/radflow.yaml",
            "--reference",
            perturbed.to_str().unwrap(),
        ])
        .ok();
    assert_eq!(
        verdict_of(&within.stdout, "report metrics.json"),
        "within tolerance (max rel 1.0e-6)",
        "{moved}"
    );
    let far = a.path().join("far.tar");
    perturbed_pack(&pack, &far, 1e-3);
    let beyond = b
        .run(&[
            "verify",
            "study/radflow.yaml",
            "--reference",
            far.to_str().unwrap(),
        ])
        .code(3);
    assert!(verdict_of(&beyond.stdout, "report metrics.json").starts_with("differs"));

    let changed = b
        .run(&[
            "verify",
            "study/radflow.yaml",
            "--reference",
            pack.to_str().unwrap(),
            "--set",
            "lesions.fraction=0.6",
        ])
        .code(3);
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
    assert!(!diff.stdout.contains("patients:"), "{}", diff.stdout);
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
