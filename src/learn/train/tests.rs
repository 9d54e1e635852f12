use ndarray::Array2;

use super::*;
use crate::learn::split::{SplitConfig, split};

/// Three Gaussian blobs in `d` dimensions, `per_class` samples each, centres
/// `separation` apart on the first three axes, all values times `scale`.
fn blobs(per_class: usize, d: usize, separation: f32, scale: f32) -> (Array2<f32>, Vec<usize>) {
    let mut rng = Rng::new(99);
    let n = 3 * per_class;
    let mut features = Array2::zeros((n, d));
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = i % 3;
        labels.push(class);
        for j in 0..d {
            let centre = if j == class { separation } else { 0.0 };
            features[[i, j]] = (centre + rng.normal() as f32) * scale;
        }
    }
    (features, labels)
}

fn slice_split(labels: &[usize], seed: u64) -> Split {
    let groups: Vec<usize> = (0..labels.len()).collect();
    let config = SplitConfig {
        seed,
        ..SplitConfig::default()
    };
    split(labels, &groups, &config).unwrap()
}

fn short(steps: usize) -> TrainConfig {
    TrainConfig {
        steps,
        eval_every: 50,
        ..TrainConfig::default()
    }
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn test_accuracy(
    head: &TrainedHead,
    features: &Array2<f32>,
    labels: &[usize],
    split: &Split,
) -> f64 {
    let rows = features.select(ndarray::Axis(0), &split.test);
    let predicted = head.predict(rows.view()).unwrap();
    let truth: Vec<usize> = split.test.iter().map(|&i| labels[i]).collect();
    crate::learn::accuracy(&truth, &predicted).unwrap()
}

#[test]
fn training_separates_well_separated_classes() {
    let (features, labels) = blobs(100, 64, 4.0, 1.0);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let split = slice_split(&labels, 0);
    let head = train(&samples, &split, &short(500)).unwrap();
    let last = head.curve().last().unwrap();
    assert!(last.validation_accuracy.unwrap() > 0.95, "{last:?}");
    assert!(last.validation_loss.unwrap() < head.curve()[0].validation_loss.unwrap());
    assert!(test_accuracy(&head, &features, &labels, &split) > 0.95);
}

#[test]
fn full_batch_steps_match_a_naive_f64_reference() {
    let (features, labels) = blobs(10, 20, 1.0, 1.0);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let all: Vec<usize> = (0..labels.len()).collect();
    let split = Split {
        train: all.clone(),
        validation: vec![],
        test: vec![],
    };
    let config = TrainConfig {
        batch_size: all.len(),
        steps: 3,
        weight_decay: 0.05,
        ..TrainConfig::default()
    };
    let head = train(&samples, &split, &config).unwrap();

    // A batch of the whole set holds every sample once, so the order cannot matter.
    let (n, d, k) = (all.len(), 20, 3);
    let mut w = vec![0.0f64; k * d];
    let mut b = vec![0.0f64; k];
    for step in 0..config.steps {
        let lr = config.learning_rate(step);
        let mut gw = vec![0.0f64; k * d];
        let mut gb = vec![0.0f64; k];
        for i in 0..n {
            let logits: Vec<f64> = (0..k)
                .map(|c| {
                    b[c] + (0..d)
                        .map(|j| w[c * d + j] * f64::from(features[[i, j]]))
                        .sum::<f64>()
                })
                .collect();
            let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let exps: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
            let sum: f64 = exps.iter().sum();
            for c in 0..k {
                let r = exps[c] / sum - if c == labels[i] { 1.0 } else { 0.0 };
                gb[c] += r;
                for j in 0..d {
                    gw[c * d + j] += r * f64::from(features[[i, j]]);
                }
            }
        }
        for (wi, g) in w.iter_mut().zip(&gw) {
            *wi = *wi * (1.0 - lr * config.weight_decay) - lr / n as f64 * g;
        }
        for (bi, g) in b.iter_mut().zip(&gb) {
            *bi -= lr / n as f64 * g;
        }
    }
    for (got, want) in head
        .weights()
        .iter()
        .zip(&w)
        .chain(head.bias().iter().zip(&b))
    {
        assert!(
            (f64::from(*got) - want).abs() < 1e-5 * (1.0 + want.abs()),
            "{got} vs {want}"
        );
    }
}

#[test]
fn the_same_seed_and_data_give_bit_identical_weights_and_curve() {
    let (features, labels) = blobs(40, 50, 1.0, 1.0);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let split = slice_split(&labels, 1);
    let config = TrainConfig {
        init: WeightInit::Normal { std: 0.001 },
        ..short(200)
    };
    let a = train(&samples, &split, &config).unwrap();
    let b = train(&samples, &split, &config).unwrap();
    assert_eq!(bits(a.weights()), bits(b.weights()));
    assert_eq!(bits(a.bias()), bits(b.bias()));
    assert_eq!(a.curve(), b.curve());
    let other = train(&samples, &split, &TrainConfig { seed: 1, ..config }).unwrap();
    assert_ne!(bits(a.weights()), bits(other.weights()));
}

#[test]
fn the_vector_and_portable_kernels_train_bit_identical_heads() {
    let detected = Kernel::detect();
    if detected == Kernel::Portable {
        eprintln!("no vector kernel on this CPU: nothing to compare");
        return;
    }
    // 2,051 features: the study's 2,048 plus a tail that is not a multiple of 16.
    let (features, labels) = blobs(30, 2051, 0.5, 3.0);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let split = slice_split(&labels, 2);
    let config = TrainConfig {
        batch_size: 20,
        weight_decay: 1e-3,
        ..short(60)
    };
    let fast = train_with(detected, &samples, &split, &config).unwrap();
    let slow = train_with(Kernel::Portable, &samples, &split, &config).unwrap();
    assert_eq!(bits(fast.weights()), bits(slow.weights()));
    assert_eq!(fast.curve(), slow.curve());
}

#[test]
fn features_near_1e10_train_without_nan_or_infinity() {
    let (features, labels) = blobs(40, 128, 3.0, 1e10);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let split = slice_split(&labels, 3);
    for standardize in [false, true] {
        let config = TrainConfig {
            standardize,
            ..short(300)
        };
        let head = train(&samples, &split, &config).unwrap();
        assert!(
            head.weights()
                .iter()
                .chain(head.bias())
                .all(|v| v.is_finite())
        );
        for point in head.curve() {
            assert!(point.train_loss.is_finite());
            assert!(point.validation_loss.unwrap().is_finite());
        }
        let probabilities = head.predict_proba(features.view()).unwrap();
        for row in probabilities.rows() {
            assert!(row.iter().all(|p| p.is_finite()));
            assert!((row.sum() - 1.0).abs() < 1e-9);
        }
        if standardize {
            assert!(test_accuracy(&head, &features, &labels, &split) > 0.9);
        }
    }
}

#[test]
fn an_overflowing_training_stops_with_an_error_instead_of_nan() {
    let (features, labels) = blobs(10, 64, 3.0, 1e30);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let split = slice_split(&labels, 0);
    let error = train(&samples, &split, &short(100)).unwrap_err();
    assert!(matches!(error, LearnError::Diverged { .. }), "{error}");
}

#[test]
fn standardization_is_fitted_on_the_training_split_only() {
    let (mut features, labels) = blobs(20, 8, 2.0, 1.0);
    let split = slice_split(&labels, 4);
    for &i in split.validation.iter().chain(&split.test) {
        features.row_mut(i).fill(1e6);
    }
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let head = train(
        &samples,
        &split,
        &TrainConfig {
            standardize: true,
            ..short(10)
        },
    )
    .unwrap();
    let fitted = head.standardization().unwrap();
    for j in 0..8 {
        let column = split.train.iter().map(|&i| f64::from(features[[i, j]]));
        let mean = column.sum::<f64>() / split.train.len() as f64;
        assert!((fitted.mean[j] - mean).abs() < 1e-9, "feature {j}");
    }
}

#[test]
fn a_head_round_trips_through_json_and_predicts_identically() {
    let (features, labels) = blobs(20, 16, 2.0, 1.0);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let split = slice_split(&labels, 5);
    let head = train(
        &samples,
        &split,
        &TrainConfig {
            standardize: true,
            ..short(100)
        },
    )
    .unwrap();
    let json = serde_json::to_string(&head).unwrap();
    let restored: TrainedHead = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, head);
    assert_eq!(
        restored.predict_proba(features.view()).unwrap(),
        head.predict_proba(features.view()).unwrap()
    );
}

#[test]
fn the_curve_has_a_point_every_eval_every_steps_and_one_at_the_end() {
    let (features, labels) = blobs(10, 4, 2.0, 1.0);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let split = slice_split(&labels, 6);
    let config = TrainConfig {
        steps: 250,
        eval_every: 100,
        ..TrainConfig::default()
    };
    let head = train(&samples, &split, &config).unwrap();
    let steps: Vec<usize> = head.curve().iter().map(|p| p.step).collect();
    assert_eq!(steps, [100, 200, 250]);
    assert_eq!(head.curve()[2].learning_rate, config.learning_rate(249));
}

#[test]
fn an_empty_validation_set_records_no_validation_scores() {
    let (features, labels) = blobs(10, 4, 2.0, 1.0);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let mut split = slice_split(&labels, 7);
    split.validation.clear();
    let head = train(&samples, &split, &short(50)).unwrap();
    assert_eq!(head.curve().len(), 1);
    assert_eq!(head.curve()[0].validation_accuracy, None);
}

#[test]
fn weight_decay_shrinks_the_weights() {
    let (features, labels) = blobs(20, 16, 2.0, 1.0);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let split = slice_split(&labels, 8);
    let norm = |head: &TrainedHead| head.weights().iter().map(|w| w * w).sum::<f32>();
    let plain = train(&samples, &split, &short(200)).unwrap();
    let decayed = train(
        &samples,
        &split,
        &TrainConfig {
            weight_decay: 0.5,
            ..short(200)
        },
    )
    .unwrap();
    assert!(norm(&decayed) < 0.5 * norm(&plain));
}

#[test]
fn invalid_splits_and_widths_are_refused() {
    let (features, labels) = blobs(5, 4, 2.0, 1.0);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let out_of_range = Split {
        train: vec![0, 99],
        validation: vec![],
        test: vec![],
    };
    assert!(matches!(
        train(&samples, &out_of_range, &short(5)),
        Err(LearnError::IndexOutOfRange {
            set: "train",
            index: 99,
            ..
        })
    ));
    let empty = Split {
        train: vec![],
        validation: vec![1],
        test: vec![],
    };
    assert!(matches!(
        train(&samples, &empty, &short(5)),
        Err(LearnError::Empty { .. })
    ));

    let head = train(&samples, &slice_split(&labels, 0), &short(5)).unwrap();
    let narrow = Array2::<f32>::zeros((2, 3));
    assert_eq!(
        head.predict_proba(narrow.view()).unwrap_err().to_string(),
        "features have 3 columns, expected 4"
    );
    let mut json: serde_json::Value = serde_json::to_value(&head).unwrap();
    json["bias"] = serde_json::json!([0.0]);
    let corrupt: TrainedHead = serde_json::from_value(json).unwrap();
    assert!(matches!(
        corrupt.predict_proba(features.view()),
        Err(LearnError::CorruptModel { what: "bias", .. })
    ));
}
