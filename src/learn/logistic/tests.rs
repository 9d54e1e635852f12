use ndarray::Array2;

use super::*;
use crate::learn::classifier::Classifier;
use crate::learn::error::LearnError;
use crate::learn::heads_tests::blobs;
use crate::learn::lbfgs::LbfgsStop;
use crate::learn::samples::Samples;

fn tight(c: f64, standardize: bool) -> LogisticConfig {
    LogisticConfig {
        c,
        tol: 1e-10,
        max_iter: 10_000,
        standardize,
    }
}

#[test]
fn a_tight_fit_stops_on_the_gradient_test() {
    let (features, labels) = blobs(&[30, 20, 25], 5, 1.5, 11);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let rows: Vec<usize> = (0..labels.len()).collect();
    let model = LogisticRegression::fit(&samples, &rows, &tight(0.5, true)).unwrap();
    let report = model.fit_report();
    assert!(report.converged, "{report:?}");
    assert!(report.gradient_max <= 1e-10 || report.stop == LbfgsStop::Objective);
    // Intercepts start at 0 and their gradient sums to 0 over classes.
    assert!(model.intercept().iter().sum::<f64>().abs() < 1e-9);
}

/// The binary problem scikit-learn solves for two classes, written out independently:
/// `sum_i log(1 + exp(-s_i (v.x_i + b))) + |v|^2 / (2C)`, `s_i = +1` for class 1. Its
/// gradient must vanish at `v = w_1 - w_0`, `b = b_1 - b_0`.
#[test]
fn two_classes_reach_the_optimum_of_the_binary_problem() {
    let (features, labels) = blobs(&[25, 35], 4, 1.0, 12);
    let samples = Samples::new(features.view(), &labels, 2).unwrap();
    let rows: Vec<usize> = (0..labels.len()).collect();
    let c = 0.3;
    let model = LogisticRegression::fit(&samples, &rows, &tight(c, false)).unwrap();
    let (w, b) = (model.coef(), model.intercept());
    let v: Vec<f64> = (0..4).map(|j| w[4 + j] - w[j]).collect();
    let bias = b[1] - b[0];
    let mut gradient = vec![0.0; 5];
    for (row, &label) in features.rows().into_iter().zip(&labels) {
        let x: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
        let z: f64 = x.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>() + bias;
        let residual = 1.0 / (1.0 + (-z).exp()) - label as f64;
        for j in 0..4 {
            gradient[j] += residual * x[j];
        }
        gradient[4] += residual;
    }
    for j in 0..4 {
        gradient[j] += v[j] / c;
    }
    for g in gradient {
        assert!(g.abs() < 1e-6, "binary gradient {g}");
    }
}

#[test]
fn standardized_and_raw_fits_predict_through_their_own_transform() {
    let (mut features, labels) = blobs(&[20, 20, 20], 3, 3.0, 13);
    // One feature on a scale of 1e6.
    features.column_mut(0).mapv_inplace(|v| v * 1e6);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let rows: Vec<usize> = (0..labels.len()).collect();
    let model = LogisticRegression::fit(&samples, &rows, &LogisticConfig::default()).unwrap();
    assert!(model.standardization().is_some());
    let predicted = model.predict(features.view()).unwrap();
    let correct = predicted
        .iter()
        .zip(&labels)
        .filter(|(p, l)| p == l)
        .count();
    assert!(correct >= 55, "{correct} of 60");
}

#[test]
fn a_saved_model_predicts_the_same_and_a_damaged_one_is_refused() {
    let (features, labels) = blobs(&[10, 10, 10], 3, 2.0, 14);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let rows: Vec<usize> = (0..30).collect();
    let model = LogisticRegression::fit(&samples, &rows, &LogisticConfig::default()).unwrap();
    let json = serde_json::to_string(&model).unwrap();
    let loaded: LogisticRegression = serde_json::from_str(&json).unwrap();
    assert_eq!(
        loaded.predict_proba(features.view()).unwrap(),
        model.predict_proba(features.view()).unwrap()
    );
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["coef"].as_array_mut().unwrap().pop();
    let damaged: LogisticRegression = serde_json::from_value(value).unwrap();
    assert!(matches!(
        damaged.predict(features.view()),
        Err(LearnError::CorruptModel { what: "coef", .. })
    ));
}

#[test]
fn invalid_parameters_are_refused() {
    let features = Array2::<f32>::zeros((4, 2));
    let samples = Samples::new(features.view(), &[0, 1, 0, 1], 2).unwrap();
    for config in [
        LogisticConfig {
            c: 0.0,
            ..LogisticConfig::default()
        },
        LogisticConfig {
            tol: -1.0,
            ..LogisticConfig::default()
        },
        LogisticConfig {
            max_iter: 0,
            ..LogisticConfig::default()
        },
    ] {
        assert!(matches!(
            LogisticRegression::fit(&samples, &[0, 1, 2, 3], &config),
            Err(LearnError::InvalidParameter { .. })
        ));
    }
    assert!(serde_json::from_str::<LogisticConfig>(r#"{"C": 2}"#).is_err());
}
