use ndarray::{Array2, array};

use super::smo::{Problem, solve};
use super::*;
use crate::learn::classifier::Classifier;
use crate::learn::error::LearnError;
use crate::learn::heads_tests::blobs;
use crate::learn::samples::Samples;

fn linear(c: f64) -> SvmConfig {
    SvmConfig {
        kernel: SvmKernel::Linear,
        c,
        standardize: false,
        ..SvmConfig::default()
    }
}

/// Points -1 (class 0) and +1 (class 1): the maximal margin is `x = 0`, the weight
/// `-1` (class 0 is the positive side of pair (0, 1)), both points support vectors
/// with coefficients +-1/2 and `rho = 0`.
#[test]
fn two_points_give_the_hand_solved_maximal_margin() {
    let features = array![[-1.0f32], [1.0]];
    let samples = Samples::new(features.view(), &[0, 1], 2).unwrap();
    let model = SupportVectorMachine::fit(&samples, &[0, 1], &linear(10.0)).unwrap();
    assert_eq!(model.n_support(), &[1, 1]);
    assert_eq!(model.support(), &[0, 1]);
    for (found, expected) in model.dual_coef().iter().zip([0.5, -0.5]) {
        assert!((found - expected).abs() < 1e-12, "{:?}", model.dual_coef());
    }
    assert!(model.rho()[0].abs() < 1e-12);
    let probe = array![[-1.0f32], [1.0], [0.5], [-3.0]];
    let values = model.decision_function(probe.view()).unwrap();
    for (found, expected) in values.iter().zip([1.0, -1.0, -0.5, 3.0]) {
        assert!((found - expected).abs() < 1e-12, "{values:?}");
    }
    assert_eq!(model.predict(probe.view()).unwrap(), vec![0, 1, 1, 0]);
}

/// The optimality conditions of the dual, checked from the returned coefficients with
/// kernels computed here: `0 <= a_i <= C`, `sum y_i a_i = 0`, and for margin
/// `m_i = y_i f(x_i)`: `m_i >= 1` at `a_i = 0`, `m_i <= 1` at `a_i = C`, `m_i = 1`
/// in between, each within the stopping tolerance.
#[test]
fn the_solution_meets_the_optimality_conditions() {
    let (features, labels) = blobs(&[40, 30], 5, 1.2, 21);
    let x = features.mapv(f64::from);
    let n_positive = labels.iter().filter(|&&l| l == 0).count();
    for (kernel, c) in [
        (KernelFunction::Linear, 0.5),
        (KernelFunction::Rbf { gamma: 0.2 }, 2.0),
    ] {
        for shrinking in [false, true] {
            let problem = Problem {
                x: &x,
                n_positive,
                kernel,
                c,
                tol: 1e-3,
                shrinking,
                cache_bytes: 1 << 20,
                max_iter: 1_000_000,
            };
            let solution = solve(&problem);
            assert!(solution.converged);
            let y = |i: usize| if i < n_positive { 1.0 } else { -1.0 };
            assert!(solution.coef.iter().sum::<f64>().abs() < 1e-9);
            let rows: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
            for i in 0..rows.len() {
                let alpha = solution.coef[i] * y(i);
                assert!((-1e-12..=c + 1e-12).contains(&alpha), "alpha {alpha}");
                let f: f64 = (0..rows.len())
                    .map(|j| solution.coef[j] * kernel.between(&rows[i], &rows[j]))
                    .sum::<f64>()
                    - solution.rho;
                let margin = y(i) * f;
                let slack = 2e-3;
                if alpha <= 0.0 {
                    assert!(margin >= 1.0 - slack, "{kernel:?}: a = 0, margin {margin}");
                } else if alpha >= c {
                    assert!(margin <= 1.0 + slack, "{kernel:?}: a = C, margin {margin}");
                } else {
                    assert!(
                        (margin - 1.0).abs() <= slack,
                        "{kernel:?}: free, margin {margin}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_tiny_cache_and_any_thread_count_give_the_same_model() {
    let (features, labels) = blobs(&[60, 50, 40], 6, 1.0, 22);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let rows: Vec<usize> = (0..labels.len()).collect();
    let config = SvmConfig::default();
    let reference = SupportVectorMachine::fit(&samples, &rows, &config).unwrap();
    // The smallest budget: two columns, so nearly every column is recomputed.
    let tiny = SvmConfig {
        cache_size_mb: 1e-6,
        ..config.clone()
    };
    let evicting = SupportVectorMachine::fit(&samples, &rows, &tiny).unwrap();
    assert_eq!(evicting.dual_coef(), reference.dual_coef());
    assert_eq!(evicting.rho(), reference.rho());
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| SupportVectorMachine::fit(&samples, &rows, &config).unwrap());
    assert_eq!(one_thread, reference);
}

#[test]
fn shrinking_changes_the_path_not_the_optimum() {
    let (features, labels) = blobs(&[50, 50, 50], 8, 1.0, 23);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let rows: Vec<usize> = (0..labels.len()).collect();
    let tight = SvmConfig {
        tol: 1e-6,
        ..SvmConfig::default()
    };
    let shrunk = SupportVectorMachine::fit(&samples, &rows, &tight).unwrap();
    let full = SupportVectorMachine::fit(
        &samples,
        &rows,
        &SvmConfig {
            shrinking: false,
            ..tight
        },
    )
    .unwrap();
    let (a, b) = (
        shrunk.decision_function(features.view()).unwrap(),
        full.decision_function(features.view()).unwrap(),
    );
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-4, "decision values differ by {worst}");
}

#[test]
fn votes_follow_libsvm_with_ties_to_the_lowest_class() {
    // Three classes around a circle; the centre gets one vote each (a three-way tie).
    let features = array![
        [1.0f32, 0.0],
        [1.1, 0.1],
        [-0.5, 0.87],
        [-0.6, 0.8],
        [-0.5, -0.87],
        [-0.4, -0.9]
    ];
    let labels = [0, 0, 1, 1, 2, 2];
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let model = SupportVectorMachine::fit(&samples, &[0, 1, 2, 3, 4, 5], &linear(100.0)).unwrap();
    let probe = array![[1.0f32, 0.0], [-0.5, 0.87]];
    let votes = model.predict_proba(probe.view()).unwrap();
    assert_eq!(model.predict(probe.view()).unwrap(), vec![0, 1]);
    assert_eq!(votes.row(0).to_vec(), vec![2.0 / 3.0, 0.0, 1.0 / 3.0]);
    // Whatever the decision values, a row's votes add up to the pairs.
    let centre = array![[0.0f32, 0.0]];
    let tally = model.predict_proba(centre.view()).unwrap();
    assert!((tally.sum() - 1.0).abs() < 1e-12);
    if tally.row(0).iter().all(|&v| (v - 1.0 / 3.0).abs() < 1e-12) {
        assert_eq!(model.predict(centre.view()).unwrap(), vec![0]);
    }
}

#[test]
fn a_saved_model_predicts_the_same_and_a_damaged_one_is_refused() {
    let (features, labels) = blobs(&[10, 10, 10], 3, 2.0, 24);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let model = SupportVectorMachine::fit(
        &samples,
        &(0..30).collect::<Vec<_>>(),
        &SvmConfig::default(),
    )
    .unwrap();
    let json = serde_json::to_string(&model).unwrap();
    let loaded: SupportVectorMachine = serde_json::from_str(&json).unwrap();
    assert_eq!(
        loaded.decision_function(features.view()).unwrap(),
        model.decision_function(features.view()).unwrap()
    );
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["rho"].as_array_mut().unwrap().pop();
    let damaged: SupportVectorMachine = serde_json::from_value(value).unwrap();
    assert!(matches!(
        damaged.predict(features.view()),
        Err(LearnError::CorruptModel { what: "rho", .. })
    ));
    let empty = Array2::<f32>::zeros((0, 3));
    assert_eq!(model.predict(empty.view()).unwrap(), Vec::<usize>::new());
}
