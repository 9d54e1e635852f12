//! Edge cases every head must meet, as one table over the three heads: the same data
//! given to logistic regression, both SVM kernels and the random forest.

use ndarray::Array2;

use super::classifier::Classifier;
use super::error::LearnError;
use super::forest::{ForestConfig, RandomForest};
use super::logistic::{LogisticConfig, LogisticRegression};
use super::rng::Rng;
use super::samples::Samples;
use super::svm::{SupportVectorMachine, SvmConfig, SvmKernel};

type Fit = fn(&Samples<'_>, &[usize]) -> Result<Box<dyn Classifier>, LearnError>;

fn heads() -> [(&'static str, Fit); 4] {
    [
        ("logistic", |s, r| {
            Ok(
                Box::new(LogisticRegression::fit(s, r, &LogisticConfig::default())?)
                    as Box<dyn Classifier>,
            )
        }),
        ("linear svm", |s, r| {
            let config = SvmConfig {
                kernel: SvmKernel::Linear,
                ..SvmConfig::default()
            };
            Ok(Box::new(SupportVectorMachine::fit(s, r, &config)?) as Box<dyn Classifier>)
        }),
        ("rbf svm", |s, r| {
            Ok(
                Box::new(SupportVectorMachine::fit(s, r, &SvmConfig::default())?)
                    as Box<dyn Classifier>,
            )
        }),
        ("forest", |s, r| {
            let config = ForestConfig {
                n_estimators: 20,
                ..ForestConfig::default()
            };
            Ok(Box::new(RandomForest::fit(s, r, &config)?) as Box<dyn Classifier>)
        }),
    ]
}

/// `per_class` rows of each of `classes` Gaussian blobs in `d` dimensions, centres
/// `spread` apart along the first axes.
pub(crate) fn blobs(
    per_class: &[usize],
    d: usize,
    spread: f64,
    seed: u64,
) -> (Array2<f32>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let labels: Vec<usize> = per_class
        .iter()
        .enumerate()
        .flat_map(|(class, &n)| std::iter::repeat_n(class, n))
        .collect();
    let features = Array2::from_shape_fn((labels.len(), d), |(i, j)| {
        let centre = if j % per_class.len() == labels[i] && j < 3 * per_class.len() {
            spread
        } else {
            0.0
        };
        (centre + rng.normal()) as f32
    });
    (features, labels)
}

fn all_rows(n: usize) -> Vec<usize> {
    (0..n).collect()
}

fn assert_valid_probabilities(name: &str, probabilities: &Array2<f64>) {
    for row in probabilities.rows() {
        assert!(
            row.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)),
            "{name}: {row:?}"
        );
        assert!((row.sum() - 1.0).abs() < 1e-9, "{name}: {row:?}");
    }
}

#[test]
fn every_head_separates_well_separated_blobs() {
    let (features, labels) = blobs(&[40, 40, 40], 8, 6.0, 1);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let train: Vec<usize> = (0..labels.len()).filter(|i| i % 4 != 0).collect();
    let test: Vec<usize> = (0..labels.len()).filter(|i| i % 4 == 0).collect();
    let test_features = features.select(ndarray::Axis(0), &test);
    for (name, fit) in heads() {
        let head = fit(&samples, &train).unwrap();
        let predicted = head.predict(test_features.view()).unwrap();
        let correct = predicted
            .iter()
            .zip(&test)
            .filter(|&(&p, &i)| p == labels[i])
            .count();
        assert!(
            correct >= test.len() - 1,
            "{name}: {correct} of {}",
            test.len()
        );
        assert_valid_probabilities(name, &head.predict_proba(test_features.view()).unwrap());
    }
}

#[test]
fn a_class_absent_from_the_training_rows_is_an_error_naming_it() {
    let (features, labels) = blobs(&[10, 10, 10], 4, 3.0, 2);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    // Training rows of classes 0 and 2 only.
    let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] != 1).collect();
    for (name, fit) in heads() {
        let error = fit(&samples, &rows)
            .err()
            .unwrap_or_else(|| panic!("{name} fitted"));
        assert_eq!(
            error,
            LearnError::ClassAbsentFromTraining {
                class: 1,
                n_classes: 3,
                n_rows: 20
            },
            "{name}"
        );
        assert!(
            error.to_string().starts_with("class 1 has no sample"),
            "{error}"
        );
    }
}

#[test]
fn more_classes_asked_than_the_data_holds_is_an_error_naming_the_missing_one() {
    let (features, labels) = blobs(&[10, 10, 10], 4, 3.0, 3);
    let samples = Samples::new(features.view(), &labels, 5).unwrap();
    for (name, fit) in heads() {
        let error = fit(&samples, &all_rows(30)).err();
        assert!(
            matches!(
                error,
                Some(LearnError::ClassAbsentFromTraining {
                    class: 3,
                    n_classes: 5,
                    ..
                })
            ),
            "{name}: {error:?}"
        );
    }
}

#[test]
fn degenerate_data_fits_and_predicts_finite_probabilities() {
    let (blob_features, blob_labels) = blobs(&[15, 15, 15], 6, 3.0, 4);
    // Half the features constant (one of them 0, one huge).
    let mut constant_columns = blob_features.clone();
    constant_columns.column_mut(1).fill(0.0);
    constant_columns.column_mut(3).fill(1e6);
    constant_columns.column_mut(5).fill(-2.5);
    // Every feature constant: nothing to learn, every head must still answer.
    let all_constant = Array2::from_elem((45, 6), 7.0f32);
    // Every row twice, and two identical rows with different classes.
    let mut duplicated =
        ndarray::concatenate![ndarray::Axis(0), blob_features.view(), blob_features.view()];
    let mut duplicated_labels = [blob_labels.clone(), blob_labels.clone()].concat();
    let clash = duplicated.row(0).to_owned();
    duplicated.row_mut(1).assign(&clash);
    duplicated_labels[1] = 2;
    // A class with a single row.
    let one_sample_labels: Vec<usize> = (0..45).map(|i| if i == 44 { 2 } else { i % 2 }).collect();
    let cases: [(&str, &Array2<f32>, &[usize]); 4] = [
        ("constant columns", &constant_columns, &blob_labels),
        ("all columns constant", &all_constant, &blob_labels),
        ("duplicated rows", &duplicated, &duplicated_labels),
        ("one-sample class", &blob_features, &one_sample_labels),
    ];
    for (case, features, labels) in cases {
        let samples = Samples::new(features.view(), labels, 3).unwrap();
        for (name, fit) in heads() {
            let head = fit(&samples, &all_rows(labels.len()))
                .unwrap_or_else(|e| panic!("{case}, {name}: {e}"));
            let probabilities = head.predict_proba(features.view()).unwrap();
            assert_valid_probabilities(&format!("{case}, {name}"), &probabilities);
            let predicted = head.predict(features.view()).unwrap();
            assert!(predicted.iter().all(|&c| c < 3));
        }
    }
}

#[test]
fn predictions_refuse_the_wrong_width_and_non_finite_features() {
    let (features, labels) = blobs(&[10, 10], 4, 3.0, 5);
    let samples = Samples::new(features.view(), &labels, 2).unwrap();
    let narrow = Array2::<f32>::zeros((2, 3));
    let mut nan = Array2::<f32>::zeros((2, 4));
    nan[[1, 2]] = f32::NAN;
    for (name, fit) in heads() {
        let head = fit(&samples, &all_rows(20)).unwrap();
        assert_eq!(
            head.predict(narrow.view()).err(),
            Some(LearnError::FeatureCountMismatch {
                found: 3,
                expected: 4
            }),
            "{name}"
        );
        assert!(
            matches!(
                head.predict(nan.view()),
                Err(LearnError::NonFiniteFeature {
                    sample: 1,
                    column: 2,
                    ..
                })
            ),
            "{name}"
        );
    }
}

#[test]
fn invalid_training_rows_are_refused() {
    let (features, labels) = blobs(&[5, 5], 2, 3.0, 6);
    let samples = Samples::new(features.view(), &labels, 2).unwrap();
    for (name, fit) in heads() {
        assert!(
            matches!(fit(&samples, &[]), Err(LearnError::Empty { .. })),
            "{name}"
        );
        assert!(
            matches!(
                fit(&samples, &[0, 5, 10]),
                Err(LearnError::IndexOutOfRange { index: 10, .. })
            ),
            "{name}"
        );
    }
}
