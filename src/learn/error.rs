//! The one error type of `learn`: what a caller can get wrong about samples, splits,
//! configurations and models, and the one numerical failure a training can meet.

use thiserror::Error;

/// Everything `learn` refuses, with the offending value and what was expected.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LearnError {
    #[error("`{what}` has {found} entries, expected {expected} (one per sample)")]
    LengthMismatch {
        what: &'static str,
        found: usize,
        expected: usize,
    },
    #[error("`{what}` is empty, expected at least one {unit}")]
    Empty {
        what: &'static str,
        unit: &'static str,
    },
    #[error("`n_classes` is {found}, expected at least 2")]
    TooFewClasses { found: usize },
    #[error("sample {sample} has class {found}, expected a class below `n_classes` = {n_classes}")]
    ClassOutOfRange {
        sample: usize,
        found: usize,
        n_classes: usize,
    },
    #[error("feature {column} of sample {sample} is {value}, expected a finite number")]
    NonFiniteFeature {
        sample: usize,
        column: usize,
        value: f32,
    },
    #[error("features have {found} columns, expected {expected}")]
    FeatureCountMismatch { found: usize, expected: usize },
    #[error("sample index {index} in the `{set}` set is out of range for {n_samples} samples")]
    IndexOutOfRange {
        set: &'static str,
        index: usize,
        n_samples: usize,
    },
    #[error(
        "group `{group}` holds samples of class {first} and class {second}, expected one class per group"
    )]
    MixedGroupClass {
        group: String,
        first: usize,
        second: usize,
    },
    #[error("`{name}` is {found}, expected {expected}")]
    InvalidParameter {
        name: &'static str,
        found: String,
        expected: &'static str,
    },
    #[error(
        "class {class} has no sample among the {n_rows} training rows, expected all {n_classes} classes there: a head cannot learn a class it never sees"
    )]
    ClassAbsentFromTraining {
        class: usize,
        n_classes: usize,
        n_rows: usize,
    },
    #[error("probabilities have {found} columns, expected {expected} (one per class)")]
    ProbabilityShape { found: usize, expected: usize },
    #[error("model is inconsistent: `{what}` has {found} values, expected {expected}")]
    CorruptModel {
        what: &'static str,
        found: usize,
        expected: usize,
    },
    #[error(
        "the logits of sample {sample} are not finite: its features are far larger than the head can score"
    )]
    NonFiniteLogit { sample: usize },
    #[error(
        "training diverged at step {step}: a logit is no longer finite; standardize the features (`standardize: true`) or lower `base_learning_rate`"
    )]
    Diverged { step: usize },
}
