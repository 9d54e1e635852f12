//! radflow's classifier heads against scikit-learn's, on the same features and the same
//! splits (made here by `learn::split` and sent to `tests/heads_sklearn.py`, which
//! never re-splits):
//!
//! - 10-run mean test accuracy within 2 points of `LogisticRegression`,
//!   `SVC(kernel='linear')`, `SVC(kernel='rbf')` and `RandomForestClassifier` on two
//!   synthetic sets (overlapping Gaussian blobs, 600 x 64; skewed, differently scaled
//!   "pooled-activation" features, 450 x 128) and two sets bundled with scikit-learn
//!   (`digits`, 1797 x 64, 10 classes; `breast_cancer`, 569 x 30, 2 classes);
//! - logistic regression at scikit-learn's optimum (a convex problem: coefficients and
//!   objective must agree);
//! - the SVM's support vectors, coefficients and decision values against libsvm's.
//!
//! Needs python3 with numpy and scikit-learn (`pip install -r requirements-dev.txt`);
//! `RADFLOW_PYTHON` names the interpreter. Without them the tests fail and say so.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use ndarray::{Array2, Axis};
use radflow::learn::{
    Classifier, ForestConfig, Gamma, LogisticConfig, LogisticRegression, RandomForest, Rng,
    Samples, SplitConfig, SplitMode, SupportVectorMachine, SvmConfig, SvmKernel, split,
};
use serde_json::{Value, json};

const RUNS: u64 = 10;
const TOLERANCE_POINTS: f64 = 2.0;

fn python() -> String {
    std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// The helper running on one thread (BLAS and OpenMP pools of one: the test's own
/// fits run beside it), with its job file kept alive until it is done.
struct Helper {
    child: Child,
    arguments: String,
    _job: Option<tempfile::TempDir>,
}

/// Starts the helper; `job`, when given, is written to a temporary file passed last.
fn start_helper(arguments: &[&str], job: Option<&Value>) -> Helper {
    let python = python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/heads_sklearn.py");
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .args(arguments)
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("MKL_NUM_THREADS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let dir = job.map(|job| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path: PathBuf = dir.path().join("job.json");
        std::fs::write(&path, serde_json::to_vec(job).expect("job as JSON")).expect("job written");
        command.arg(&path);
        dir
    });
    let child = command.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot run `{python}` ({e}); this test needs python3 with numpy and \
             scikit-learn: pip install -r requirements-dev.txt (or set RADFLOW_PYTHON)"
        )
    });
    Helper {
        child,
        arguments: arguments.join(" "),
        _job: dir,
    }
}

impl Helper {
    /// Waits for the helper and parses its JSON, failing with the install line when
    /// numpy or scikit-learn is missing.
    fn finish(self) -> Value {
        let output = self.child.wait_with_output().expect("the helper ran");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "`{} tests/heads_sklearn.py {}` failed ({}); this test needs numpy and \
             scikit-learn: pip install -r requirements-dev.txt\n{stderr}",
            python(),
            self.arguments,
            output.status
        );
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("the helper printed no JSON ({e}):\n{stderr}"))
    }
}

fn helper(arguments: &[&str]) -> Value {
    start_helper(arguments, None).finish()
}

fn run_job(command: &str, job: &Value) -> Value {
    start_helper(&[command], Some(job)).finish()
}

struct Data {
    name: &'static str,
    features: Array2<f32>,
    labels: Vec<usize>,
    n_classes: usize,
}

impl Data {
    /// Features as the `f64` values of radflow's `f32` ones (exact in JSON).
    fn features_json(&self) -> Value {
        let rows: Vec<Vec<f64>> = self
            .features
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|&v| f64::from(v)).collect())
            .collect();
        json!(rows)
    }

    fn samples(&self) -> Samples<'_> {
        Samples::new(self.features.view(), &self.labels, self.n_classes).expect("valid samples")
    }
}

/// Three overlapping Gaussian classes (250, 200, 150 rows) in 64 dimensions; each
/// class mean is shifted by 0.5 on 8 of them.
fn overlapping_blobs() -> Data {
    let mut rng = Rng::new(7);
    let labels: Vec<usize> = [(0, 250), (1, 200), (2, 150)]
        .iter()
        .flat_map(|&(c, n)| std::iter::repeat_n(c, n))
        .collect();
    let features = Array2::from_shape_fn((labels.len(), 128), |(i, j)| {
        let shift = if j < 24 && j % 3 == labels[i] {
            0.35
        } else {
            0.0
        };
        (rng.normal() + shift) as f32
    });
    Data {
        name: "blobs 600x64",
        features,
        labels,
        n_classes: 3,
    }
}

/// Non-negative, skewed features on scales from 0.01 to 100, like pooled ReLU
/// activations of a network: 450 rows of 128, 3 classes, a weak class signal.
fn pooled_activations() -> Data {
    let mut rng = Rng::new(8);
    let labels: Vec<usize> = (0..450).map(|i| i % 3).collect();
    let features = Array2::from_shape_fn((450, 128), |(i, j)| {
        let scale = 10f64.powf((j % 5) as f64 - 2.0);
        let shift = if j % 8 == labels[i] { 0.6 } else { 0.0 };
        ((rng.normal() + shift).max(0.0) * scale) as f32
    });
    Data {
        name: "activations 450x128",
        features,
        labels,
        n_classes: 3,
    }
}

fn bundled(name: &'static str) -> Data {
    let data = helper(&["dataset", name]);
    let rows = data["features"].as_array().expect("feature rows");
    let width = rows[0].as_array().expect("a row").len();
    let flat: Vec<f32> = rows
        .iter()
        .flat_map(|r| r.as_array().expect("a row").iter())
        .map(|v| v.as_f64().expect("a number") as f32)
        .collect();
    Data {
        name,
        features: Array2::from_shape_vec((rows.len(), width), flat).expect("rectangular"),
        labels: data["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .map(|v| v.as_u64().expect("a class") as usize)
            .collect(),
        n_classes: data["n_classes"].as_u64().expect("class count") as usize,
    }
}

/// The runs' splits: stratified by class, 25% test, no validation set, seeds 0..9.
fn splits(data: &Data) -> Vec<(u64, Vec<usize>, Vec<usize>)> {
    let groups: Vec<usize> = (0..data.labels.len()).collect();
    (0..RUNS)
        .map(|seed| {
            let config = SplitConfig {
                mode: SplitMode::BySlice,
                validation_fraction: 0.0,
                test_fraction: 0.25,
                seed,
            };
            let s = split(&data.labels, &groups, &config).expect("valid split");
            (seed, s.train, s.test)
        })
        .collect()
}

struct Heads {
    logistic: LogisticConfig,
    svm_linear: SvmConfig,
    svm_rbf: SvmConfig,
    forest: ForestConfig,
}

fn heads() -> Heads {
    Heads {
        logistic: LogisticConfig {
            max_iter: 1000,
            ..LogisticConfig::default()
        },
        svm_linear: SvmConfig {
            kernel: SvmKernel::Linear,
            ..SvmConfig::default()
        },
        svm_rbf: SvmConfig::default(),
        forest: ForestConfig::default(),
    }
}

fn svm_params(config: &SvmConfig) -> Value {
    json!({
        "kernel": match config.kernel { SvmKernel::Linear => "linear", SvmKernel::Rbf => "rbf" },
        "c": config.c,
        "gamma": match config.gamma { Gamma::Scale => json!("scale"), Gamma::Auto => json!("auto"), Gamma::Value(g) => json!(g) },
        "tol": config.tol,
        "shrinking": config.shrinking,
    })
}

fn accuracy(head: &dyn Classifier, data: &Data, test: &[usize]) -> f64 {
    let features = data.features.select(Axis(0), test);
    let predicted = head.predict(features.view()).expect("prediction");
    let correct = predicted
        .iter()
        .zip(test)
        .filter(|&(&p, &i)| p == data.labels[i])
        .count();
    correct as f64 / test.len() as f64
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn ten_run_mean_accuracy_is_within_two_points_of_scikit_learn() {
    let datasets = [
        overlapping_blobs(),
        pooled_activations(),
        bundled("digits"),
        bundled("breast_cancer"),
    ];
    let heads = heads();
    let names = ["logistic", "svm_linear", "svm_rbf", "forest"];
    let mut tally = Vec::new();
    for data in &datasets {
        let samples = data.samples();
        let runs = splits(data);
        let job = json!({
            "features": data.features_json(),
            "labels": data.labels,
            "runs": runs.iter().map(|(seed, train, test)| json!({"seed": seed, "train": train, "test": test})).collect::<Vec<_>>(),
            "heads": {
                "logistic": {"c": heads.logistic.c, "tol": heads.logistic.tol, "max_iter": heads.logistic.max_iter},
                "svm_linear": svm_params(&heads.svm_linear),
                "svm_rbf": svm_params(&heads.svm_rbf),
                "forest": {
                    "n_estimators": heads.forest.n_estimators,
                    "max_depth": heads.forest.max_depth,
                    "min_samples_split": heads.forest.min_samples_split,
                    "min_samples_leaf": heads.forest.min_samples_leaf,
                },
            },
        });
        // scikit-learn works on its copy while radflow fits the same runs here.
        let reference = start_helper(&["accuracy"], Some(&job));
        let mut ours: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        for (seed, train, test) in &runs {
            let forest = ForestConfig {
                seed: *seed,
                ..heads.forest.clone()
            };
            let fitted: [Box<dyn Classifier>; 4] = [
                Box::new(LogisticRegression::fit(&samples, train, &heads.logistic).unwrap()),
                Box::new(SupportVectorMachine::fit(&samples, train, &heads.svm_linear).unwrap()),
                Box::new(SupportVectorMachine::fit(&samples, train, &heads.svm_rbf).unwrap()),
                Box::new(RandomForest::fit(&samples, train, &forest).unwrap()),
            ];
            for (k, head) in fitted.iter().enumerate() {
                ours[k].push(accuracy(head.as_ref(), data, test));
            }
        }
        let reference = reference.finish();
        for (k, name) in names.iter().enumerate() {
            let theirs: Vec<f64> = reference["accuracy"][name]
                .as_array()
                .expect("accuracies per run")
                .iter()
                .map(|v| v.as_f64().expect("an accuracy"))
                .collect();
            tally.push((data.name, *name, mean(&ours[k]), mean(&theirs)));
        }
    }
    println!("10-run mean test accuracy, radflow vs scikit-learn (same splits):");
    println!(
        "{:<22} {:<11} {:>8} {:>8} {:>7}  verdict",
        "data", "head", "radflow", "sklearn", "points"
    );
    let mut differs = 0;
    for (data, head, ours, theirs) in &tally {
        let points = 100.0 * (ours - theirs);
        let verdict = if points.abs() <= TOLERANCE_POINTS {
            "agree"
        } else {
            differs += 1;
            "differs"
        };
        println!("{data:<22} {head:<11} {ours:>8.4} {theirs:>8.4} {points:>+7.2}  {verdict}");
    }
    println!(
        "tally: {} agree, 0 refused, {differs} differ (tolerance {TOLERANCE_POINTS} points)",
        tally.len() - differs
    );
    assert_eq!(
        differs, 0,
        "some heads differ from scikit-learn by more than 2 points"
    );
}

#[test]
fn logistic_regression_reaches_scikit_learns_optimum() {
    let mut agree = 0;
    for data in [
        overlapping_blobs(),
        bundled("breast_cancer"),
        bundled("digits"),
    ] {
        let (_, train, _) = splits(&data).remove(0);
        let config = LogisticConfig {
            c: 0.5,
            tol: 1e-10,
            max_iter: 10_000,
            standardize: true,
        };
        let model = LogisticRegression::fit(&data.samples(), &train, &config).unwrap();
        let d = data.features.ncols();
        let coef: Vec<Vec<f64>> = model.coef().chunks(d).map(<[f64]>::to_vec).collect();
        let job = json!({
            "features": data.features_json(),
            "labels": data.labels,
            "train": train,
            "params": {"c": config.c, "tol": config.tol, "max_iter": config.max_iter},
            "ours": {"coef": coef, "intercept": model.intercept()},
        });
        let reference = run_job("logistic", &job);
        let number = |v: &Value| v.as_f64().expect("a number");
        let flat = |v: &Value| -> Vec<f64> {
            v.as_array()
                .expect("an array")
                .iter()
                .flat_map(|r| match r.as_array() {
                    Some(row) => row.iter().map(number).collect::<Vec<_>>(),
                    None => vec![number(r)],
                })
                .collect()
        };
        let (theirs, ours) = (flat(&reference["coef"]), flat(&reference["ours_coef"]));
        let scale = theirs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let worst = theirs
            .iter()
            .zip(&ours)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let intercept_worst = flat(&reference["intercept"])
            .iter()
            .zip(&flat(&reference["ours_intercept"]))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let (f_theirs, f_ours) = (
            number(&reference["objective_sklearn"]),
            number(&reference["objective_ours"]),
        );
        println!(
            "{}: objective radflow {f_ours:.12} sklearn {f_theirs:.12} ({} iterations there, {} here); \
             largest coefficient difference {worst:.2e} of {scale:.3}, intercept {intercept_worst:.2e}",
            data.name,
            reference["n_iter"],
            model.fit_report().iterations
        );
        assert!(
            (f_ours - f_theirs).abs() <= 1e-9 * f_theirs.abs().max(1.0),
            "{}: objective {f_ours} vs {f_theirs}",
            data.name
        );
        assert!(
            worst <= 1e-4 * scale.max(1.0),
            "{}: coefficients differ by {worst}",
            data.name
        );
        assert!(
            intercept_worst <= 1e-4 * scale.max(1.0),
            "{}: intercepts differ",
            data.name
        );
        agree += 1;
    }
    println!("tally: {agree} agree, 0 refused, 0 differ");
}

#[test]
fn svm_support_vectors_and_decision_values_match_libsvm_on_a_small_case() {
    // 90 rows of three overlapping classes, 6 features: many bounded support vectors.
    let mut rng = Rng::new(9);
    let labels: Vec<usize> = (0..90).map(|i| i % 3).collect();
    let features = Array2::from_shape_fn((90, 6), |(i, j)| {
        let shift = if j % 3 == labels[i] { 1.0 } else { 0.0 };
        (rng.normal() + shift) as f32
    });
    let data = Data {
        name: "small 90x6",
        features,
        labels,
        n_classes: 3,
    };
    let train: Vec<usize> = (0..70).collect();
    let probe: Vec<usize> = (70..90).collect();
    let mut agree = 0;
    for (kernel, c) in [(SvmKernel::Linear, 0.7), (SvmKernel::Rbf, 3.0)] {
        let config = SvmConfig {
            kernel,
            c,
            ..SvmConfig::default()
        };
        let model = SupportVectorMachine::fit(&data.samples(), &train, &config).unwrap();
        let job = json!({
            "features": data.features_json(),
            "labels": data.labels,
            "train": train,
            "probe": probe,
            "params": svm_params(&config),
        });
        let reference = run_job("svm", &job);
        let numbers = |v: &Value| -> Vec<f64> {
            v.as_array()
                .expect("an array")
                .iter()
                .flat_map(|r| match r.as_array() {
                    Some(row) => row
                        .iter()
                        .map(|x| x.as_f64().expect("a number"))
                        .collect::<Vec<_>>(),
                    None => vec![r.as_f64().expect("a number")],
                })
                .collect()
        };
        let n_support: Vec<usize> = numbers(&reference["n_support"])
            .iter()
            .map(|&v| v as usize)
            .collect();
        let support: Vec<usize> = numbers(&reference["support"])
            .iter()
            .map(|&v| v as usize)
            .collect();
        assert_eq!(
            model.n_support(),
            n_support.as_slice(),
            "{kernel:?}: n_support"
        );
        assert_eq!(
            model.support(),
            support.as_slice(),
            "{kernel:?}: support vectors"
        );
        let largest_difference = |a: &[f64], b: &[f64]| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max)
        };
        let dual = largest_difference(model.dual_coef(), &numbers(&reference["dual_coef"]));
        let intercept: Vec<f64> = model.rho().iter().map(|r| -r).collect();
        let offsets = largest_difference(&intercept, &numbers(&reference["intercept"]));
        let probe_features = data.features.select(Axis(0), &probe);
        let ours = model.decision_function(probe_features.view()).unwrap();
        let decisions = largest_difference(
            ours.as_slice().expect("contiguous"),
            &numbers(&reference["decision"]),
        );
        let predicted: Vec<usize> = numbers(&reference["predicted"])
            .iter()
            .map(|&v| v as usize)
            .collect();
        println!(
            "{kernel:?} C={c}: n_support {n_support:?} equal, support vectors equal; largest \
             difference: dual_coef {dual:.2e}, intercept {offsets:.2e}, decision values {decisions:.2e}"
        );
        assert!(
            dual <= 1e-6 * c,
            "{kernel:?}: dual coefficients differ by {dual}"
        );
        assert!(
            offsets <= 1e-6,
            "{kernel:?}: intercepts differ by {offsets}"
        );
        assert!(
            decisions <= 1e-6,
            "{kernel:?}: decision values differ by {decisions}"
        );
        assert_eq!(model.predict(probe_features.view()).unwrap(), predicted);
        agree += 1;
    }
    println!("tally: {agree} agree, 0 refused, 0 differ");
}
