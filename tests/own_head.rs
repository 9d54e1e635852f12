//! A lab's own head beside the built-in one, as `pipelines/own-head.yaml` ships it: the
//! scikit-learn head (`scripts/sklearn_head.py`) runs once per built-in head instance
//! (`per:`) on that instance's split, `evaluate` judges its predictions on exactly the test
//! slices of the built-in head, the report lists both heads, editing the script reruns only
//! the own head, and predictions that do not answer for the test split are named.
//!
//! The shipped pipeline's stages from `head:` on are used as they are; only the data stages
//! in front are the tiny study's (48 x 48 slices, the tiny test network).

mod common;

use common::{Project, python, tiny_study};
use serde_json::Value;

const FRONT: &str = concat!(
    r#"
pipeline: own-head
import: [stages/glioma.yaml]
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
"#
);

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The tiny study in front of the shipped pipeline's heads, evaluations and report; two
/// seeds, short training.
fn project() -> Project {
    python::require(&["numpy", "pandas", "sklearn"]);
    let shipped = std::fs::read_to_string(format!("{ROOT}/pipelines/own-head.yaml")).unwrap();
    let heads = &shipped[shipped.find("\n  head:\n").expect("a head stage")..];
    let p = tiny_study(&format!("{FRONT}{heads}"), "16", "48", "8,12");
    for file in ["stages/glioma.yaml", "scripts/sklearn_head.py"] {
        p.write(
            file,
            &std::fs::read_to_string(format!("{ROOT}/{file}")).unwrap(),
        );
    }
    // The pipeline runs the project's interpreter, .radflow/venv/bin/python: here a
    // wrapper around the test's (a link would lose the test venv's packages).
    let wrapper = p.path().join(".radflow/venv/bin/python");
    std::fs::create_dir_all(wrapper.parent().unwrap()).unwrap();
    let interpreter = which(&python::python());
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", interpreter.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    p
}

fn which(program: &str) -> std::path::PathBuf {
    if program.contains('/') {
        return program.into();
    }
    let out = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().into()
}

const FEW: &[&str] = &[
    "--set",
    "head.matrix.seed=[0,1]",
    "--set",
    "head-by-patient.matrix.seed=[0,1]",
    "--set",
    "head.steps=60",
    "--set",
    "head-by-patient.steps=60",
];

fn run(p: &Project) -> common::Run {
    let mut args = vec!["run"];
    args.extend(FEW);
    p.run(&args)
}

/// `radflow export INSTANCE --to DIR` for the pipeline as `run` sets it.
fn export(p: &Project, instance: &str, dir: &str) {
    let mut args = vec!["export", instance, "--to", dir, "--force"];
    args.extend(FEW);
    p.run(&args).ok();
}

/// The summary record of an evaluation (beside its test cases), exported: (test_accuracy,
/// test_slices).
fn evaluation(p: &Project, instance: &str) -> (f64, u64) {
    let dir = format!("export/{}", instance.replace(['[', ']', '='], "_"));
    export(p, instance, &dir);
    let out = python::run(
        p.path(),
        &format!(
            "import pandas as pd; r = pd.read_csv('{dir}/records.csv'); \
             r = r[r.id == 'evaluation'].iloc[0]; \
             print(repr(float(r.test_accuracy)), int(r.test_slices))"
        ),
    );
    let mut parts = out.split_whitespace();
    (
        parts.next().unwrap().parse().unwrap(),
        parts.next().unwrap().parse().unwrap(),
    )
}

#[test]
fn the_sklearn_head_is_judged_on_the_built_in_heads_split_and_reported_beside_it() {
    let p = project();
    run(&p).ok();
    for (own, built_in, head) in [
        ("sklearn-lr-evaluation", "evaluation", "head"),
        (
            "sklearn-lr-evaluation-by-patient",
            "evaluation-by-patient",
            "head-by-patient",
        ),
    ] {
        for seed in [0, 1] {
            let (accuracy, slices) = evaluation(&p, &format!("{own}[seed={seed}]"));
            let (_, built_in_slices) = evaluation(&p, &format!("{built_in}[seed={seed}]"));
            assert_eq!(slices, built_in_slices, "{own}[seed={seed}]");
            // scikit-learn run here on the exported features and the head's split gives the
            // accuracy radflow's evaluate found for the script's predictions.
            let head_dir = format!("export/h-{head}-{seed}");
            export(&p, &format!("{head}[seed={seed}]"), &head_dir);
            export(&p, "features", "export/features");
            let reference = python::run(
                p.path(),
                &format!(
                    r#"
import json, numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
h = pd.read_csv('{head_dir}/records.csv')
split = json.load(open('{head_dir}/' + h.split[0]))
f = pd.read_csv('export/features/records.csv', dtype=str, keep_default_na=False)
x = np.load('export/features/features.npy').astype(np.float64)
row = {{r: i for i, r in enumerate(f.id)}}
y = f.grade.to_numpy()
tr = [row[i] for i in split['train']]; te = [row[i] for i in split['test']]
m = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(x[tr], y[tr])
print(repr(float((m.predict(x[te]) == y[te]).mean())))
"#
                ),
            );
            let expected: f64 = reference.trim().parse().unwrap();
            assert!(
                (accuracy - expected).abs() < 1e-12,
                "{own}[seed={seed}]: radflow {accuracy}, scikit-learn {expected}"
            );
        }
    }
    let metrics: Value = serde_json::from_str(&p.read("out/own-head/report/metrics.json")).unwrap();
    let text = metrics.to_string();
    assert!(text.contains("sklearn-lr"), "{text}");
    assert!(text.contains("softmax"), "{text}");
}

#[test]
fn editing_the_script_reruns_only_the_own_head_and_bad_predictions_are_named() {
    let p = project();
    run(&p).ok();
    let script = p.read("scripts/sklearn_head.py");
    p.write("scripts/sklearn_head.py", &format!("{script}\n# an edit\n"));
    let again = run(&p).ok();
    for cached in [
        "features",
        "head[seed=0]",
        "evaluation[seed=1]",
        "head-by-patient[seed=1]",
    ] {
        assert_eq!(again.status_of(cached), "cached", "{}", again.stdout);
    }
    assert_eq!(
        again.status_of("sklearn-lr[seed=0]"),
        "ran",
        "{}",
        again.stdout
    );

    // Predictions with the wrong number of classes, and predictions that leave out a test
    // slice.
    let wide = script.replace(
        "proba = np.zeros((len(test), len(classes)))",
        "proba = np.zeros((len(test), len(classes) + 1))",
    );
    let wide = wide.replace(
        "\"shape\": [len(classes)],",
        "\"shape\": [len(classes) + 1],",
    );
    assert_ne!(wide, script, "the edit applies");
    p.write("scripts/sklearn_head.py", &wide);
    let failed = run(&p).code(1);
    let all = format!("{}{}", failed.stdout, failed.stderr);
    assert!(
        all.contains("`probabilities` has 4 values, the head has 3 classes"),
        "{all}"
    );
    assert!(all.contains("predictions of `sklearn-lr"), "{all}");
    let missing = script.replace(
        "pd.DataFrame({\"id\": split[\"test\"]})",
        "pd.DataFrame({\"id\": split[\"test\"][1:]})",
    );
    let missing = missing.replace(
        "np.save(out / \"probabilities.npy\", proba)",
        "np.save(out / \"probabilities.npy\", proba[1:])",
    );
    let missing = missing.replace("\"count\": len(test),", "\"count\": len(test) - 1,");
    p.write("scripts/sklearn_head.py", &missing);
    let failed = run(&p).code(1);
    let all = format!("{}{}", failed.stdout, failed.stderr);
    assert!(all.contains("have no record"), "{all}");
    assert!(all.contains("a test case of the head's split"), "{all}");
}
