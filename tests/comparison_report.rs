//! The study's comparison as one pipeline, run by the real binary on the tiny synthetic
//! cohort: CNN and radiomics features x softmax, logistic regression, SVM and random forest x
//! slice-level and patient-level splits, three seeds each. The report's table is checked
//! against each evaluation's own accuracy (from the lock file, not the report), its best marks
//! and verdicts against those numbers, and running the comparison after the plain study
//! computes only what the comparison adds.

mod common;

use std::collections::BTreeMap;

use common::Project;
use serde_json::Value;

/// The plain study: CNN features, softmax head, both splits.
const PLAIN: &str = concat!(
    r#"
pipeline: plain
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
    matrix: {seed: "0..3"}
    with: {steps: 60, eval_every: 20, split: {by: slice, validation: 0.2, test: 0.2}}
  evaluation:
    kind: evaluate
    inputs: {head: head, features: features}
  head-by-patient:
    kind: train_head
    input: features
    matrix: {seed: "0..3"}
    with: {steps: 60, eval_every: 20, split: {by: patient, validation: 0.2, test: 0.2}}
  evaluation-by-patient:
    kind: evaluate
    inputs: {head: head-by-patient, features: features}
"#
);

/// What the comparison adds to the plain study.
const COMPARISON: &str = r#"
  radiomics:
    kind: radiomics
    input: lesions
    with: {mode: 2d}
  radiomics-softmax:
    kind: train_head
    input: radiomics
    matrix: {seed: "0..3", split.by: [slice, patient]}
    with: {steps: 60, eval_every: 20, standardize: true, split: {validation: 0.2, test: 0.2}}
  eval-radiomics-softmax:
    kind: evaluate
    inputs: {head: radiomics-softmax, features: radiomics}
"#;

/// Each comparison head: stage suffix, kind and parameters, and the name the report gives it.
const HEADS: [(&str, &str, &str); 3] = [
    ("logistic", "logistic_regression", "logistic regression"),
    ("svm", "svm", "SVM"),
    ("forest", "random_forest", "random forest"),
];

fn comparison_pipeline() -> String {
    let mut yaml = PLAIN.replace("pipeline: plain", "pipeline: comparison");
    yaml.push_str(COMPARISON);
    let mut runs = vec![
        "evaluation".to_string(),
        "evaluation-by-patient".to_string(),
        "eval-radiomics-softmax".to_string(),
    ];
    for (family, features) in [("cnn", "features"), ("radiomics", "radiomics")] {
        for (head, kind, _) in HEADS {
            let extra = if kind == "random_forest" {
                ", n_estimators: 20"
            } else {
                ""
            };
            yaml.push_str(&format!(
                r#"
  {family}-{head}:
    kind: {kind}
    input: {features}
    matrix: {{seed: "0..3", split.by: [slice, patient]}}
    with: {{split: {{validation: 0.2, test: 0.2}}{extra}}}
  eval-{family}-{head}:
    kind: evaluate
    inputs: {{head: {family}-{head}, features: {features}}}
"#
            ));
            runs.push(format!("eval-{family}-{head}"));
        }
    }
    yaml.push_str(&format!(
        "  report:\n    kind: report\n    inputs: {{runs: [{}], counts: [lesions]}}\n",
        runs.join(", ")
    ));
    yaml
}

/// The feature family and head an evaluation stage judges, as the test wrote the pipeline.
fn family_and_head(stage: &str) -> (&'static str, &'static str) {
    match stage {
        "evaluation" | "evaluation-by-patient" => ("CNN", "softmax"),
        "eval-radiomics-softmax" => ("radiomics", "softmax"),
        _ => {
            let family = if stage.starts_with("eval-cnn-") {
                "CNN"
            } else {
                "radiomics"
            };
            let (_, _, head) = HEADS
                .iter()
                .find(|(suffix, _, _)| stage.ends_with(&format!("-{suffix}")))
                .unwrap_or_else(|| panic!("no head for stage `{stage}`"));
            (family, head)
        }
    }
}

fn json(p: &Project, path: &str) -> Value {
    serde_json::from_str(&p.read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12
}

#[test]
fn the_comparison_table_reports_each_family_head_and_split_from_its_own_evaluations() {
    let p = common::tiny_study(PLAIN, "24", "64", "12,20");
    p.write("comparison.yaml", &comparison_pipeline());
    p.run(&["run"]).ok();

    // After the plain study, only what the comparison adds computes.
    let run = p.run(&["run", "comparison.yaml", "--json"]).ok();
    let record: Value = serde_json::from_str(&run.stdout).expect("run --json prints JSON");
    let mut computed = Vec::new();
    // The run record lists `[instance id, record]` pairs.
    for pair in record["instances"].as_array().expect("instances") {
        let (id, instance) = (&pair[0], &pair[1]);
        let stage = instance["stage"].as_str().unwrap();
        let status = instance["status"].as_str().unwrap();
        let added = stage == "report"
            || stage.starts_with("radiomics")
            || stage.starts_with("eval-")
            || stage.starts_with("cnn-");
        let expected = if added { "ran" } else { "cached" };
        assert_eq!(status, expected, "{id}: {instance}");
        if status == "ran" {
            computed.push(id.as_str().unwrap().to_string());
        }
    }
    println!("computed after the plain study: {}", computed.len());
    assert!(computed.iter().any(|s| s == "radiomics"), "{computed:?}");

    // Compute time per feature family, beside the page (outside the cache): radiomics timed
    // in this run, the CNN features as they cost when they were computed.
    let times = json(&p, "out/comparison/times.json");
    let instance = |id: &str| -> Value {
        record["instances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|pair| pair[0] == id)
            .map(|pair| pair[1].clone())
            .unwrap_or_else(|| panic!("no `{id}` in the run record"))
    };
    let families = times["families"].as_object().expect("families");
    let names: Vec<&str> = families.keys().map(String::as_str).collect();
    assert_eq!(names, ["CNN", "radiomics"], "{times}");
    for (family, stage, clock) in [
        ("CNN", "features", "saved_ms"),
        ("radiomics", "radiomics", "duration_ms"),
    ] {
        let entry = &families[family];
        let recorded = instance(stage);
        assert_eq!(entry["instances"], serde_json::json!([stage]), "{times}");
        assert_eq!(entry["records"], recorded["records"], "{family}: {times}");
        let seconds = recorded[clock].as_u64().unwrap() as f64 / 1000.0;
        assert!(
            close(entry["seconds"].as_f64().unwrap(), seconds),
            "{family}: {times}"
        );
    }
    let page = p.read("out/comparison/report/index.html");
    assert!(
        page.contains("<code>times.html</code>"),
        "the page says where the times are"
    );
    let times_page = p.read("out/comparison/times.html");
    assert!(times_page.contains("<td>CNN</td>") && times_page.contains("<td>radiomics</td>"));

    // Each evaluation's own test accuracy, from the lock file the run wrote.
    let lock: Value =
        serde_yaml::from_str(&p.read("comparison.lock")).expect("the lock file is YAML");
    let own: BTreeMap<String, f64> = lock["stages"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, s)| s["kind"] == "evaluate")
        .map(|(id, s)| {
            let accuracy = s["summary"]["metrics"]["test_accuracy"].as_f64();
            (
                id.clone(),
                accuracy.expect("an evaluation records its accuracy"),
            )
        })
        .collect();
    assert_eq!(own.len(), 2 * 3 * 2 * 4, "{own:?}");
    // Radiomics joins the CNN features slice for slice: no synthetic lesion slice is refused.
    assert_eq!(
        lock["stages"]["radiomics"]["records"], lock["stages"]["features"]["records"],
        "radiomics and CNN features cover the same lesion slices"
    );

    let metrics = json(&p, "out/comparison/report/metrics.json");
    let runs: BTreeMap<&str, &Value> = metrics["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r))
        .collect();
    let rows = metrics["comparison"].as_array().unwrap();
    assert_eq!(rows.len(), 2 * 4 * 2, "one row per family x head x split");
    let mut tally = (0, 0);
    for row in rows {
        let names: Vec<&str> = row["run_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert_eq!(row["runs"], 3, "{row}");
        assert_eq!(names.len(), 3);
        let split = row["split"].as_str().unwrap();
        for name in &names {
            let stage = name.split('[').next().unwrap();
            assert_eq!(
                family_and_head(stage),
                (
                    row["feature_family"].as_str().unwrap(),
                    row["head"].as_str().unwrap()
                ),
                "{name} in row {row}"
            );
            let by_patient = name.contains("split.by=patient") || stage == "evaluation-by-patient";
            assert_eq!(by_patient, split == "patient", "{name} under {split}");
        }
        let accuracies: Vec<f64> = names.iter().map(|n| own[*n]).collect();
        let (mean, sd) = mean_and_sd(&accuracies);
        let reported = &row["test_accuracy"];
        assert!(
            close(reported["mean"].as_f64().unwrap(), mean)
                && close(reported["sample_std"].as_f64().unwrap(), sd),
            "{row}: recomputed {mean} +/- {sd}"
        );
        for class in row["recall"].as_array().unwrap() {
            let name = class["class"].as_str().unwrap();
            let recalls: Vec<f64> = names
                .iter()
                .filter_map(|n| {
                    runs[n]["per_class"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|m| m["class"] == name)
                        .map(|m| m["recall"].as_f64().unwrap())
                })
                .collect();
            assert!(close(
                class["recall"]["mean"].as_f64().unwrap(),
                mean_and_sd(&recalls).0
            ));
        }
        assert_eq!(
            row["patient_vote_accuracy"].is_object(),
            split == "patient",
            "the vote is summarized where the split is by patient: {row}"
        );
        tally.0 += 1;
        tally.1 += names.len();
    }
    println!("comparison rows checked: {} ({} runs)", tally.0, tally.1);

    // The best of each family under each split is the row with the highest mean.
    let mean = |row: &Value| row["test_accuracy"]["mean"].as_f64().unwrap();
    for split in ["slice", "patient"] {
        for family in ["CNN", "radiomics"] {
            let of: Vec<&Value> = rows
                .iter()
                .filter(|r| r["split"] == split && r["feature_family"] == family)
                .collect();
            let marked: Vec<&&Value> = of.iter().filter(|r| r["best_of_family"] == true).collect();
            assert_eq!(marked.len(), 1, "{split} {family}");
            let top = of.iter().map(|r| mean(r)).fold(f64::MIN, f64::max);
            assert_eq!(mean(marked[0]), top, "{split} {family}");
        }
        // The verdict: does the best radiomics head stay below CNN with softmax?
        let best_radiomics = rows
            .iter()
            .filter(|r| r["split"] == split && r["feature_family"] == "radiomics")
            .map(mean)
            .fold(f64::MIN, f64::max);
        let cnn_softmax = rows
            .iter()
            .find(|r| r["split"] == split && r["feature_family"] == "CNN" && r["head"] == "softmax")
            .map(mean)
            .unwrap();
        let verdict = metrics["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["split"] == split)
            .unwrap_or_else(|| panic!("no verdict under the {split} split: {metrics}"));
        let holds = best_radiomics < cnn_softmax;
        assert_eq!(verdict["holds"], holds, "{verdict}");
        let sentence = verdict["sentence"].as_str().unwrap();
        let words = if holds {
            "conclusion holds"
        } else {
            "conclusion does not hold"
        };
        assert!(sentence.contains(words), "{sentence}");
        assert!(
            sentence.contains(&format!("{:.1}%", 100.0 * best_radiomics))
                && sentence.contains(&format!("{:.1}%", 100.0 * cnn_softmax)),
            "{sentence}"
        );
        let page = p.read("out/comparison/report/index.html");
        assert!(
            page.contains(&sentence.replace('\'', "&#39;")),
            "{sentence}"
        );
        println!("{split}: {sentence}");
    }
}

#[test]
fn the_plain_study_gets_one_row_per_split_and_no_verdict() {
    let p = common::tiny_study(
        &format!(
            "{PLAIN}  report:\n    kind: report\n    inputs: {{runs: [evaluation, evaluation-by-patient]}}\n"
        ),
        "24",
        "64",
        "12,20",
    );
    p.run(&["run"]).ok();
    let metrics = json(&p, "out/plain/report/metrics.json");
    let rows = metrics["comparison"].as_array().unwrap();
    let splits: Vec<&str> = rows.iter().map(|r| r["split"].as_str().unwrap()).collect();
    assert_eq!(splits, ["slice", "patient"]);
    assert!(rows.iter().all(|r| r["feature_family"] == "CNN"
        && r["head"] == "softmax"
        && r["runs"] == 3
        && r["best_of_family"] == true));
    assert_eq!(metrics["verdicts"].as_array().unwrap().len(), 0);
    // The study's table names runs by seed, as before.
    assert_eq!(rows[0]["run_names"][0], "seed=0");
    let page = p.read("out/plain/report/index.html");
    assert!(!page.contains("conclusion"), "no verdict without radiomics");
}
