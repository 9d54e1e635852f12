//! Slice-level classification metrics: confusion matrix, accuracy, and per-class
//! precision, recall and F1.
//!
//! Conventions: confusion rows are true classes, columns predicted classes. A ratio
//! whose denominator is 0 is 0 (precision of a class never predicted, recall of a class
//! absent from the truth, F1 when precision and recall are both 0), as scikit-learn
//! does with `zero_division=0`. The macro F1 averages the classes that occur in the
//! truth or the predictions, so a class absent from a small test set does not count as
//! a failure. An empty evaluation is refused: its accuracy would be meaningless.

use serde::{Deserialize, Serialize};

use super::error::LearnError;

/// Counts of (true class, predicted class) pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfusionMatrix {
    /// `counts[t][p]`: samples of true class `t` predicted as `p`.
    counts: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    /// Tallies `truth` against `predicted`; both must be non-empty, equally long and
    /// hold classes below `n_classes`.
    pub fn new(n_classes: usize, truth: &[usize], predicted: &[usize]) -> Result<Self, LearnError> {
        if predicted.len() != truth.len() {
            return Err(LearnError::LengthMismatch {
                what: "predicted",
                found: predicted.len(),
                expected: truth.len(),
            });
        }
        if truth.is_empty() {
            return Err(LearnError::Empty {
                what: "truth",
                unit: "sample",
            });
        }
        if n_classes < 2 {
            return Err(LearnError::TooFewClasses { found: n_classes });
        }
        let mut counts = vec![vec![0u64; n_classes]; n_classes];
        for (sample, (&t, &p)) in truth.iter().zip(predicted).enumerate() {
            if let Some(&found) = [t, p].iter().find(|&&c| c >= n_classes) {
                return Err(LearnError::ClassOutOfRange {
                    sample,
                    found,
                    n_classes,
                });
            }
            counts[t][p] += 1;
        }
        Ok(Self { counts })
    }

    pub fn n_classes(&self) -> usize {
        self.counts.len()
    }

    /// Row `t` holds the predictions for samples of true class `t`.
    pub fn rows(&self) -> &[Vec<u64>] {
        &self.counts
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Correct predictions over all predictions.
    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.n_classes()).map(|c| self.counts[c][c]).sum();
        ratio(correct, self.total())
    }

    /// Samples whose true class is `class`.
    pub fn support(&self, class: usize) -> u64 {
        self.counts[class].iter().sum()
    }

    /// Samples predicted as `class`.
    pub fn predicted(&self, class: usize) -> u64 {
        self.counts.iter().map(|row| row[class]).sum()
    }
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassMetrics {
    pub class: usize,
    /// Samples of this class in the truth.
    pub support: u64,
    /// Samples predicted as this class.
    pub predicted: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Everything reported for one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    pub n_samples: u64,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_class: Vec<ClassMetrics>,
    pub confusion: ConfusionMatrix,
}

/// Evaluates `predicted` against `truth`; see the module docs for the conventions.
pub fn evaluate(
    n_classes: usize,
    truth: &[usize],
    predicted: &[usize],
) -> Result<Evaluation, LearnError> {
    Ok(Evaluation::from_confusion(ConfusionMatrix::new(
        n_classes, truth, predicted,
    )?))
}

/// Share of equal entries in `truth` and `predicted` (equally long, not empty).
pub fn accuracy(truth: &[usize], predicted: &[usize]) -> Result<f64, LearnError> {
    if predicted.len() != truth.len() {
        return Err(LearnError::LengthMismatch {
            what: "predicted",
            found: predicted.len(),
            expected: truth.len(),
        });
    }
    if truth.is_empty() {
        return Err(LearnError::Empty {
            what: "truth",
            unit: "sample",
        });
    }
    let correct = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
    Ok(ratio(correct as u64, truth.len() as u64))
}

impl Evaluation {
    pub fn from_confusion(confusion: ConfusionMatrix) -> Self {
        let per_class: Vec<ClassMetrics> = (0..confusion.n_classes())
            .map(|class| {
                let correct = confusion.rows()[class][class];
                let support = confusion.support(class);
                let predicted = confusion.predicted(class);
                let precision = ratio(correct, predicted);
                let recall = ratio(correct, support);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassMetrics {
                    class,
                    support,
                    predicted,
                    precision,
                    recall,
                    f1,
                }
            })
            .collect();
        let present: Vec<f64> = per_class
            .iter()
            .filter(|m| m.support + m.predicted > 0)
            .map(|m| m.f1)
            .collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().sum::<f64>() / present.len() as f64
        };
        Self {
            n_samples: confusion.total(),
            accuracy: confusion.accuracy(),
            macro_f1,
            per_class,
            confusion,
        }
    }
}

/// `numerator / denominator`, with 0/0 = 0.
fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confusion_matrix_has_true_classes_as_rows() {
        let truth = [0, 0, 0, 1, 1, 2];
        let predicted = [0, 0, 1, 1, 2, 2];
        let confusion = ConfusionMatrix::new(3, &truth, &predicted).unwrap();
        assert_eq!(
            confusion.rows(),
            &[vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]
        );
        assert_eq!(confusion.total(), 6);
        assert_eq!(confusion.accuracy(), 4.0 / 6.0);
    }

    #[test]
    fn per_class_metrics_match_hand_computed_values() {
        let truth = [0, 0, 0, 1, 1, 2];
        let predicted = [0, 0, 1, 1, 2, 2];
        let evaluation = evaluate(3, &truth, &predicted).unwrap();
        // class: (precision, recall, f1)
        let expected = [
            (1.0, 2.0 / 3.0, 0.8),
            (0.5, 0.5, 0.5),
            (0.5, 1.0, 2.0 / 3.0),
        ];
        for (metrics, (precision, recall, f1)) in evaluation.per_class.iter().zip(expected) {
            assert!((metrics.precision - precision).abs() < 1e-12);
            assert!((metrics.recall - recall).abs() < 1e-12);
            assert!((metrics.f1 - f1).abs() < 1e-12, "class {}", metrics.class);
        }
        assert!((evaluation.macro_f1 - (0.8 + 0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert_eq!(evaluation.n_samples, 6);
    }

    #[test]
    fn zero_over_zero_is_zero_and_absent_classes_leave_the_macro_average() {
        // Class 2 is neither true nor predicted; class 1 is predicted but never true.
        let evaluation = evaluate(3, &[0, 0], &[0, 1]).unwrap();
        let class1 = &evaluation.per_class[1];
        assert_eq!(
            (class1.precision, class1.recall, class1.f1),
            (0.0, 0.0, 0.0)
        );
        let class2 = &evaluation.per_class[2];
        assert_eq!(
            (class2.precision, class2.recall, class2.f1),
            (0.0, 0.0, 0.0)
        );
        let class0_f1 = 2.0 * 1.0 * 0.5 / 1.5;
        assert!((evaluation.macro_f1 - class0_f1 / 2.0).abs() < 1e-12);
    }

    #[test]
    fn invalid_inputs_are_refused() {
        assert!(matches!(
            evaluate(3, &[], &[]),
            Err(LearnError::Empty { .. })
        ));
        assert!(matches!(
            evaluate(3, &[0, 1], &[0]),
            Err(LearnError::LengthMismatch { .. })
        ));
        assert!(matches!(
            evaluate(3, &[0, 1], &[0, 3]),
            Err(LearnError::ClassOutOfRange {
                sample: 1,
                found: 3,
                ..
            })
        ));
        assert_eq!(accuracy(&[1, 2, 3, 4], &[1, 2, 0, 0]), Ok(0.5));
        assert!(accuracy(&[], &[]).is_err());
    }

    #[test]
    fn an_evaluation_round_trips_through_json() {
        let evaluation = evaluate(3, &[0, 1, 2, 2], &[0, 2, 2, 1]).unwrap();
        let json = serde_json::to_string(&evaluation).unwrap();
        assert_eq!(
            serde_json::from_str::<Evaluation>(&json).unwrap(),
            evaluation
        );
    }
}
