//! The comparison heads as stage kinds, run by the real binary on the tiny synthetic study:
//! `logistic_regression`, `svm` (linear and RBF) and `random_forest` train and test on
//! exactly the slices `train_head` uses for the same seed and split, `evaluate` judges each
//! of them as it judges the softmax head, the report lists every head, and a class the
//! training split cannot hold is a clear error.

mod common;

use common::Project;
use serde_json::Value;

const PIPELINE: &str = concat!(
    r#"
pipeline: heads
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
  softmax:
    kind: train_head
    input: features
    publish: true
    with: {seed: 3, steps: 50, split: {by: patient, validation: 0.2, test: 0.2}}
  logistic:
    kind: logistic_regression
    input: features
    publish: true
    with: {seed: 3, c: 0.5, split: {by: patient, validation: 0.2, test: 0.2}}
  svm-rbf:
    kind: svm
    input: features
    publish: true
    with: {seed: 3, split: {by: patient, validation: 0.2, test: 0.2}}
  svm-linear:
    kind: svm
    input: features
    publish: true
    with: {seed: 3, kernel: linear, c: 0.1, split: {by: patient, validation: 0.2, test: 0.2}}
  forest:
    kind: random_forest
    input: features
    publish: true
    with: {seed: 3, n_estimators: 20, split: {by: patient, validation: 0.2, test: 0.2}}
  eval-softmax:
    kind: evaluate
    inputs: {head: softmax, features: features}
  eval-logistic:
    kind: evaluate
    inputs: {head: logistic, features: features}
  eval-svm-rbf:
    kind: evaluate
    inputs: {head: svm-rbf, features: features}
  eval-svm-linear:
    kind: evaluate
    inputs: {head: svm-linear, features: features}
  eval-forest:
    kind: evaluate
    inputs: {head: forest, features: features}
  report:
    kind: report
    inputs: {runs: [eval-softmax, eval-logistic, eval-svm-rbf, eval-svm-linear, eval-forest]}
"#
);

/// Each comparison head's stage, and the head's name in the report.
const HEADS: [(&str, &str); 4] = [
    ("logistic", "logistic regression"),
    ("svm-rbf", "SVM"),
    ("svm-linear", "SVM"),
    ("forest", "random forest"),
];

fn study() -> Project {
    common::tiny_study(PIPELINE, "24", "64", "12,20")
}

/// The output manifest of stage instance `name`, found through the lock file.
fn output(p: &Project, name: &str) -> Value {
    let lock: Value = serde_yaml::from_str(&p.read("radflow.lock")).expect("lock file is YAML");
    let digest = lock["stages"][name]["output"]
        .as_str()
        .unwrap_or_else(|| panic!("no output of `{name}` in the lock file"));
    let path = p
        .cache_dir()
        .join("objects")
        .join(&digest[..2])
        .join(digest);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("a manifest is JSON")
}

fn json(p: &Project, path: &str) -> Value {
    serde_json::from_str(&p.read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_head_uses_the_softmax_heads_split_and_the_report_lists_each_evaluation() {
    let p = study();
    let run = p.run(&["run"]).ok();
    for (stage, _) in HEADS {
        assert_eq!(run.status_of(stage), "ran", "{}", run.stdout);
        assert_eq!(
            run.status_of(&format!("eval-{stage}")),
            "ran",
            "{}",
            run.stdout
        );
    }
    let softmax_split = json(&p, "out/heads/softmax/split.json");
    assert!(!softmax_split["test"].as_array().unwrap().is_empty());
    for (stage, _) in HEADS {
        let split = json(&p, &format!("out/heads/{stage}/split.json"));
        for set in ["train", "validation", "test"] {
            assert_eq!(
                split[set], softmax_split[set],
                "{stage} has another {set} set than train_head with the same seed"
            );
        }
        let head = &output(&p, stage)["records"][0]["fields"];
        assert_eq!(
            head["test_slices"],
            softmax_split["test"].as_array().unwrap().len()
        );
        let validation = head["validation_accuracy"].as_f64();
        assert!(
            validation.is_some_and(|v| (0.0..=1.0).contains(&v)),
            "{stage}: validation accuracy {validation:?}"
        );
    }

    let metrics = json(&p, "out/heads/report/metrics.json");
    let runs = metrics["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 5, "{metrics}");
    let test_slices = softmax_split["test"].as_array().unwrap().len() as u64;
    for (stage, name) in [("softmax", "softmax")].into_iter().chain(HEADS) {
        let label = format!("eval-{stage}");
        let run = runs
            .iter()
            .find(|r| r["name"] == label.as_str())
            .unwrap_or_else(|| panic!("no run `{label}` in the report: {metrics}"));
        assert_eq!(run["head"], name, "{label}");
        assert_eq!(run["split"], "patient", "{label}");
        // Softmax runs carry their schedule, the others their parameters instead.
        assert_eq!(run["steps"].is_u64(), stage == "softmax", "{label}: {run}");
        assert_eq!(
            run["head_settings"].is_string(),
            stage != "softmax",
            "{label}: {run}"
        );
        let confusion: u64 = run["confusion"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap())
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(
            confusion, test_slices,
            "{label}: every test slice is judged once"
        );
        let accuracy = run["test_accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&accuracy), "{label}: {accuracy}");
    }
    let page = p.read("out/heads/report/index.html");
    assert!(
        page.contains("<th>Head</th>"),
        "the runs table names each head"
    );
    assert!(
        page.contains("SVM (linear kernel, C 0.1)") && page.contains("random forest (20 trees"),
        "the page says which heads were run"
    );

    // A head parameter reruns that head, its evaluation and the report only.
    p.write(
        "radflow.yaml",
        &PIPELINE.replace("n_estimators: 20", "n_estimators: 10"),
    );
    let status = p.run(&["status"]).ok();
    let squeezed = status
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        squeezed.contains("run forest parameter n_estimators changed 20 -> 10"),
        "{}",
        status.stdout
    );
    assert!(squeezed.contains("cached logistic"), "{}", status.stdout);
    assert!(
        squeezed.contains("cached eval-svm-rbf"),
        "{}",
        status.stdout
    );
}

#[test]
fn a_class_without_training_slices_is_an_error_naming_it() {
    let p = study();
    // A complete run writes the lock file the output is found through.
    p.run(&["run"]).ok();
    let classes: Vec<String> = output(&p, "logistic")["records"][0]["fields"]["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut asked = classes.clone();
    asked.push("V".to_string());
    let list = asked.join(", ");
    p.write(
        "radflow.yaml",
        &PIPELINE.replace(
            "with: {seed: 3, c: 0.5,",
            &format!("with: {{seed: 3, c: 0.5, classes: [{list}],"),
        ),
    );
    let run = p.run(&["run", "--only", "logistic"]).code(1);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(
        text.contains("class `V` has no slice in the training split (seed 3, split by patient)"),
        "{text}"
    );
}
