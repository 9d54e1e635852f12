//! The report's input: what a study's runs produced, as plain serializable data.
//!
//! The engine builds a [`StudyReport`] from cached evaluation results (or deserializes
//! one); nothing here computes anything. Unknown keys are errors so that a misspelt
//! field in a hand-written or cached report is caught instead of silently dropped.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Everything one report page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyReport {
    /// Page and document title, e.g. "Glioma grading by transfer learning".
    pub title: String,
    /// Name of the pipeline that produced the runs.
    pub pipeline: String,
    /// The radflow version string that rendered the page, e.g. "radflow 0.1.0".
    pub generated_by: String,
    /// What each filtering stage left (table 5 of the study), in pipeline order.
    #[serde(default)]
    pub counts: Vec<CountsRow>,
    /// One entry per training run, in the order the page lists them.
    pub runs: Vec<RunSummary>,
    /// Free-text paragraphs shown under "What was run" (e.g. what differs from the study).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// What one stage left, per class: one row of the study's table 5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsRow {
    /// Stage name as the page shows it, e.g. "lesion area filter".
    pub stage: String,
    pub patients_by_class: BTreeMap<String, usize>,
    pub slices_by_class: BTreeMap<String, usize>,
    /// Must equal the sum of `slices_by_class`; kept explicit because the study prints it.
    pub total_slices: usize,
}

/// How a run split its slices into training, validation and test sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitMode {
    /// Slices shuffled regardless of patient, as in the study: optimistic.
    Slice,
    /// Patients grouped (and stratified), so no patient is in two sets.
    Patient,
}

impl SplitMode {
    /// Both modes in the order the page shows them: the study's first.
    pub const ALL: [SplitMode; 2] = [SplitMode::Slice, SplitMode::Patient];

    pub fn as_str(self) -> &'static str {
        match self {
            SplitMode::Slice => "slice",
            SplitMode::Patient => "patient",
        }
    }

    /// How headings name the split: "Slice-level split".
    pub fn heading(self) -> &'static str {
        match self {
            SplitMode::Slice => "Slice-level split",
            SplitMode::Patient => "Patient-level split",
        }
    }
}

impl fmt::Display for SplitMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The exponential learning-rate schedule of the study: from `base` down to `min`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearningRate {
    pub base: f64,
    pub min: f64,
}

/// Precision, recall and F1 of one class on one run's test set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassMetrics {
    pub class: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Number of test samples whose true class this is.
    pub support: u64,
}

/// The outcome of one training run (one seed of the study's ten).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSummary {
    /// Unique within its split mode, e.g. "seed=3".
    pub name: String,
    pub split: SplitMode,
    /// The classifier, in words ("softmax", "SVM"); older summaries, softmax only, lack it.
    #[serde(default = "softmax")]
    pub head: String,
    /// The head's distinguishing parameters in one line ("RBF kernel, C 1, gamma scale").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub head_settings: String,
    /// The features the head was trained on ([`CNN_FAMILY`], [`RADIOMICS_FAMILY`], or the
    /// feature stage's name); older summaries lack it and form one unnamed family.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub feature_family: String,
    /// The model that made the features and its precision ("`model.onnx` of stage
    /// `quantize` (blake3 ...): int8 (...)"); empty for features no model made.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub feature_model: String,
    /// The softmax head's training schedule; the other heads have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<LearningRate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u32>,
    /// Fraction of test slices classified correctly, in 0..=1.
    pub test_accuracy: f64,
    /// `(training step, validation accuracy)`, steps strictly increasing.
    #[serde(default)]
    pub validation_curve: Vec<(u32, f64)>,
    #[serde(default)]
    pub per_class: Vec<ClassMetrics>,
    /// `confusion[true][predicted]`, square, indexed like `class_names`.
    pub confusion: Vec<Vec<u64>>,
    pub class_names: Vec<String>,
    /// Accuracy of a per-patient majority vote over its test slices, where computed.
    #[serde(default)]
    pub patient_vote_accuracy: Option<f64>,
}

/// The head of a summary that names none: the study's softmax.
pub fn softmax() -> String {
    SOFTMAX.to_string()
}

/// The study's own head, as [`RunSummary::head`] names it.
pub const SOFTMAX: &str = "softmax";

/// The feature family of a network's bottleneck features (`onnx_features`).
pub const CNN_FAMILY: &str = "CNN";

/// The feature family of per-slice PyRadiomics features (`radiomics`, `mode: 2d`).
pub const RADIOMICS_FAMILY: &str = "radiomics";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_page::sample_study::sample_study_both_splits;

    #[test]
    fn a_report_survives_a_json_round_trip() {
        let report = sample_study_both_splits();
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(serde_json::from_str::<StudyReport>(&json).unwrap(), report);
    }

    #[test]
    fn splits_are_written_as_lowercase_words() {
        assert_eq!(
            serde_json::to_string(&SplitMode::Slice).unwrap(),
            "\"slice\""
        );
        assert_eq!(
            serde_json::to_string(&SplitMode::Patient).unwrap(),
            "\"patient\""
        );
        assert!(serde_json::from_str::<SplitMode>("\"voxel\"").is_err());
    }

    #[test]
    fn curves_are_pairs_and_optional_fields_may_be_left_out() {
        let json = r#"{
            "name": "seed=0", "split": "patient",
            "learning_rate": {"base": 0.1, "min": 0.001},
            "steps": 100, "batch": 10, "test_accuracy": 0.5,
            "validation_curve": [[10, 0.25], [20, 0.5]],
            "confusion": [[1]], "class_names": ["II"]
        }"#;
        let run: RunSummary = serde_json::from_str(json).unwrap();
        assert_eq!(run.validation_curve, [(10, 0.25), (20, 0.5)]);
        assert_eq!(run.patient_vote_accuracy, None);
        assert!(run.per_class.is_empty());
    }

    #[test]
    fn a_misspelt_field_is_an_error_not_ignored() {
        let json =
            r#"{"title": "t", "pipeline": "p", "generated_by": "g", "runs": [], "note": []}"#;
        let error = serde_json::from_str::<StudyReport>(json)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `note`"), "{error}");
    }
}
