//! The study's stages end to end on a tiny synthetic cohort with the tiny test network:
//! item-level caching across the imaging stages, honest patient splits, clear errors for a
//! broken patient file or a mismatched model.

mod common;

use std::collections::BTreeSet;
use std::fs;

use common::Project;

const PIPELINE: &str = concat!(
    r#"
pipeline: study
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
    matrix: {seed: [0, 1, 2]}
    with: {steps: 300, standardize: true, split: {validation: 0.2, test: 0.2}}
  evaluation:
    kind: evaluate
    inputs: {head: head, features: features}
  by-patient:
    kind: train_head
    input: features
    publish: true
    matrix: {seed: [0, 1, 2]}
    with: {steps: 300, standardize: true, split: {by: patient, validation: 0.2, test: 0.2}}
  evaluation-by-patient:
    kind: evaluate
    inputs: {head: by-patient, features: features}
  report:
    kind: report
    inputs: {runs: [evaluation, evaluation-by-patient], counts: [slices, lesions]}
"#
);

fn study() -> Project {
    common::tiny_study(PIPELINE, "24", "64", "12,20")
}

#[test]
fn the_study_runs_end_to_end_and_publishes_its_report() {
    let p = study();
    let run = p.run(&["run"]).ok();
    for stage in [
        "patients", "slices", "lesions", "resized", "features", "report",
    ] {
        assert_eq!(run.status_of(stage), "ran", "{}", run.stdout);
    }
    assert!(
        run.stdout.contains("counts "),
        "table 5 counts are printed:\n{}",
        run.stdout
    );
    for file in [
        "index.html",
        "metrics.json",
        "validation_accuracy.png",
        "validation_accuracy.svg",
        "test_accuracy.png",
        "test_accuracy.svg",
    ] {
        let path = p.path().join("out/study/report").join(file);
        assert!(
            fs::metadata(&path).is_ok_and(|m| m.len() > 0),
            "{file} is missing"
        );
    }
    let metrics: serde_json::Value =
        serde_json::from_str(&p.read("out/study/report/metrics.json")).unwrap();
    assert_eq!(
        metrics["splits"].as_array().unwrap().len(),
        2,
        "slice and patient splits side by side"
    );
    let again = p.run(&["run"]).ok();
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

#[test]
fn changing_the_lesion_filter_resizes_only_the_newly_admitted_slices() {
    let p = study();
    let first = p.run(&["run"]).ok();
    let before = record_count(&first.stdout, "lesions");
    let run = p
        .run(&[
            "run",
            "--set",
            "lesions.fraction=0.1",
            "--set",
            "lesions.min_pixels=1",
        ])
        .ok();
    let after = record_count(&run.stdout, "lesions");
    assert!(
        after > before,
        "a lower threshold admits more slices ({before} -> {after})"
    );
    assert_eq!(run.items_of("resized"), (after, after - before));
    assert_eq!(run.items_of("features"), (after, after - before));
    assert_eq!(run.status_of("slices"), "cached");
}

#[test]
fn changing_head_steps_reruns_only_training_evaluation_and_the_report() {
    let p = study();
    p.run(&["run"]).ok();
    p.write(
        "radflow.yaml",
        &PIPELINE.replace(
            "with: {steps: 300, standardize: true, split: {validation",
            "with: {steps: 200, standardize: true, split: {validation",
        ),
    );
    let status = p.run(&["status"]).ok();
    let squeezed = status
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        squeezed.contains("run head[seed=0] parameter steps changed 300 -> 200"),
        "{}",
        status.stdout
    );
    let run = p.run(&["run"]).ok();
    for stage in [
        "patients",
        "slices",
        "lesions",
        "resized",
        "features",
        "by-patient[seed=0]",
        "evaluation-by-patient[seed=2]",
    ] {
        assert_eq!(run.status_of(stage), "cached", "{stage}\n{}", run.stdout);
    }
    for stage in [
        "head[seed=0]",
        "head[seed=2]",
        "evaluation[seed=1]",
        "report",
    ] {
        assert_eq!(run.status_of(stage), "ran", "{stage}\n{}", run.stdout);
    }
}

#[test]
fn a_patient_split_puts_no_patient_in_two_sets() {
    let p = study();
    p.run(&["run", "--only", "by-patient"]).ok();
    for seed in 0..3 {
        let split: serde_json::Value =
            serde_json::from_str(&p.read(&format!("out/study/by-patient[seed={seed}]/split.json")))
                .unwrap();
        let patients = |set: &str| -> BTreeSet<String> {
            split[set]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| id.as_str().unwrap().split('/').next().unwrap().to_string())
                .collect()
        };
        let (train, validation, test) =
            (patients("train"), patients("validation"), patients("test"));
        assert!(!test.is_empty() && !validation.is_empty() && !train.is_empty());
        assert!(
            train.is_disjoint(&test)
                && train.is_disjoint(&validation)
                && validation.is_disjoint(&test),
            "seed {seed}: {split}"
        );
    }
}

#[test]
fn the_same_seed_gives_a_bit_identical_head() {
    let p = study();
    p.run(&["run"]).ok();
    let lock = p.read("radflow.lock");
    let forced = p
        .run(&["run", "--force", "head", "--force", "features"])
        .ok();
    assert_eq!(forced.status_of("head[seed=1]"), "ran");
    assert_eq!(
        forced.status_of("evaluation[seed=1]"),
        "cached",
        "identical heads stop the rerun"
    );
    assert_eq!(p.read("radflow.lock"), lock);
    let verify = p.run(&["verify"]).ok();
    assert!(
        verify.stdout.contains("reproduce the lock file"),
        "{}",
        verify.stdout
    );
}

#[test]
fn an_edited_scan_reprocesses_that_patient_only_and_identical_slices_stop_there() {
    let p = study();
    p.run(&["run"]).ok();
    // A comment line changes the file, not its samples.
    let patient = kept_patient(&p);
    let scan = p.path().join(format!("data/{patient}/image.nrrd"));
    let mut bytes = fs::read(&scan).unwrap();
    let first_line = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    bytes.splice(
        first_line..first_line,
        b"# edited by hand\n".iter().copied(),
    );
    fs::write(&scan, bytes).unwrap();
    let status = p.run(&["status"]).ok();
    assert!(
        status
            .stdout
            .contains(&format!("file data/{patient}/image.nrrd changed")),
        "{}",
        status.stdout
    );
    let run = p.run(&["run"]).ok();
    let (total, computed) = run.items_of("slices");
    assert_eq!(computed, 1, "one patient of {total}");
    assert_eq!(
        run.status_of("lesions"),
        "cached",
        "same samples, same slices: early cutoff\n{}",
        run.stdout
    );
}

#[test]
fn a_corrupt_scan_names_the_patient_and_the_file_and_skip_drops_only_that_patient() {
    let p = study();
    let patient = kept_patient(&p);
    fs::write(
        p.path().join(format!("data/{patient}/image.nrrd")),
        b"NRRD0004\ntype: short\ndimension: 3\n",
    )
    .unwrap();
    let run = p.run(&["run", "-j", "1"]).code(1);
    assert!(
        run.stderr
            .contains(&format!("`{patient}`: `data/{patient}/image.nrrd`:")),
        "{}",
        run.stderr
    );
    let run = p.run(&["run", "--set", "slices.on_error=skip"]).ok();
    assert!(
        run.stderr.contains(&format!("dropped `{patient}`")),
        "{}",
        run.stderr
    );
    let (total, computed) = run.items_of("slices");
    assert!(
        computed < total,
        "patients finished before the failure stayed cached ({computed} of {total} computed)"
    );
}

#[test]
fn a_missing_model_says_how_to_make_it_and_a_mismatched_one_is_refused_before_any_slice() {
    let p = study();
    fs::remove_file(p.path().join("models/tiny_cnn.onnx")).unwrap();
    let run = p.run(&["run", "--only", "features"]).code(1);
    assert!(
        run.stderr
            .contains("`models/tiny_cnn.onnx`: no such file or folder; models/README.md says how"),
        "{}",
        run.stderr
    );

    let p = study();
    p.write(
        "radflow.yaml",
        &PIPELINE.replace(
            "input: images, output: features",
            "input: pixels, output: features",
        ),
    );
    let run = p.run(&["run", "--only", "features"]).code(1);
    assert!(
        run.stderr
            .contains("no input named `pixels`; inputs are `images`"),
        "{}",
        run.stderr
    );
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("features "))
        .unwrap();
    assert!(
        row.contains("FAILED") && !row.contains('('),
        "refused before any item ran: {row}"
    );
}

fn record_count(stdout: &str, stage: &str) -> usize {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(stage))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no record count for {stage} in\n{stdout}"))
}

/// A patient the sample filter keeps: graded II-IV with both files.
fn kept_patient(p: &Project) -> String {
    let csv = p.read("data/clinical.csv");
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split(',');
            Some((cols.next()?.to_string(), cols.next()?.to_string()))
        })
        .find(|(id, grade)| {
            ["II", "2", "G2", "III", "3", "G3", "IV", "4", "G4"].contains(&grade.as_str())
                && p.exists(&format!("data/{id}/image.nrrd"))
                && p.exists(&format!("data/{id}/segmentation.seg.nrrd"))
        })
        .map(|(id, _)| id)
        .expect("the synthetic cohort has graded patients")
}
