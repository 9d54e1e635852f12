//! `metrics.json`: the report's numbers for scripts.
//!
//! Byte-stable by construction: keys in struct declaration order, maps sorted, floats
//! in serde_json's shortest round-trip form, no timestamps or paths. Validation
//! curves are left out (they are in the report's input); the last and best
//! validation accuracy of each run are kept. `schema` changes when a field's meaning
//! does: 2 added `comparison` and `verdicts`, and `splits` summarizes each split's first
//! feature family and head only (see `split_summary`).

use serde::Serialize;

use super::comparison::{ClassRecall, Comparison, Verdict};
use super::report_error::ReportError;
use super::split_summary::{ClassSpread, SplitSummary};
use super::spread::Spread;
use super::study_report::{ClassMetrics, CountsRow, LearningRate, SplitMode, StudyReport};

pub const SCHEMA: &str = "radflow.report.metrics/2";

#[derive(Serialize)]
struct Metrics<'a> {
    schema: &'static str,
    title: &'a str,
    pipeline: &'a str,
    generated_by: &'a str,
    /// One entry per split mode present, slice-level first; never pooled.
    splits: Vec<SplitMetrics<'a>>,
    /// One entry per split, feature family and head: the page's comparison table.
    comparison: Vec<ComparisonMetrics<'a>>,
    /// Per split holding CNN and radiomics rows: does the study's conclusion hold?
    verdicts: &'a [Verdict],
    runs: Vec<RunMetrics<'a>>,
    counts: &'a [CountsRow],
}

#[derive(Serialize)]
struct ComparisonMetrics<'a> {
    split: SplitMode,
    feature_family: &'a str,
    head: &'a str,
    head_settings: &'a str,
    runs: usize,
    /// The runs' names, in report order.
    run_names: Vec<&'a str>,
    test_accuracy: Spread,
    recall: &'a [ClassRecall],
    /// Under the patient-level split only.
    patient_vote_accuracy: Option<Spread>,
    best_of_family: bool,
}

#[derive(Serialize)]
struct SplitMetrics<'a> {
    split: SplitMode,
    /// The family and head summarized.
    group: &'a str,
    runs: usize,
    best_run: &'a str,
    test_accuracy: Spread,
    patient_vote_accuracy: Option<Spread>,
    per_class: &'a [ClassSpread],
    class_names: &'a [String],
    /// Summed over the split's runs, `[true][predicted]`.
    confusion: &'a [Vec<u64>],
}

#[derive(Serialize)]
struct RunMetrics<'a> {
    name: &'a str,
    split: SplitMode,
    head: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    head_settings: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    feature_family: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    feature_model: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    learning_rate: Option<LearningRate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<u32>,
    test_accuracy: f64,
    patient_vote_accuracy: Option<f64>,
    final_validation_accuracy: Option<f64>,
    best_validation_accuracy: Option<f64>,
    per_class: &'a [ClassMetrics],
    class_names: &'a [String],
    confusion: &'a [Vec<u64>],
}

pub fn metrics_json(
    report: &StudyReport,
    summaries: &[SplitSummary],
) -> Result<String, ReportError> {
    let comparison = Comparison::of(report);
    let metrics = Metrics {
        schema: SCHEMA,
        title: &report.title,
        pipeline: &report.pipeline,
        generated_by: &report.generated_by,
        splits: summaries
            .iter()
            .map(|s| SplitMetrics {
                split: s.split,
                group: &s.group,
                runs: s.runs.len(),
                best_run: &s.best_run().name,
                test_accuracy: s.test_accuracy,
                patient_vote_accuracy: s.patient_vote_accuracy,
                per_class: &s.per_class,
                class_names: &s.class_names,
                confusion: &s.confusion,
            })
            .collect(),
        comparison: comparison
            .rows
            .iter()
            .map(|r| ComparisonMetrics {
                split: r.split,
                feature_family: r.feature_family,
                head: r.head,
                head_settings: r.head_settings,
                runs: r.runs.len(),
                run_names: r.runs.iter().map(|run| run.name.as_str()).collect(),
                test_accuracy: r.test_accuracy,
                recall: &r.recall,
                patient_vote_accuracy: r.patient_vote_accuracy,
                best_of_family: r.best_of_family,
            })
            .collect(),
        verdicts: &comparison.verdicts,
        runs: report
            .runs
            .iter()
            .map(|r| RunMetrics {
                name: &r.name,
                split: r.split,
                head: &r.head,
                head_settings: &r.head_settings,
                feature_family: &r.feature_family,
                feature_model: &r.feature_model,
                learning_rate: r.learning_rate,
                steps: r.steps,
                batch: r.batch,
                test_accuracy: r.test_accuracy,
                patient_vote_accuracy: r.patient_vote_accuracy,
                final_validation_accuracy: r.validation_curve.last().map(|p| p.1),
                best_validation_accuracy: r.validation_curve.iter().map(|p| p.1).reduce(f64::max),
                per_class: &r.per_class,
                class_names: &r.class_names,
                confusion: &r.confusion,
            })
            .collect(),
        counts: &report.counts,
    };
    let mut json = serde_json::to_string_pretty(&metrics)?;
    json.push('\n');
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_page::sample_study::sample_study_both_splits;

    fn rendered() -> serde_json::Value {
        let report = sample_study_both_splits();
        let summaries = SplitSummary::all(&report).unwrap();
        serde_json::from_str(&metrics_json(&report, &summaries).unwrap()).unwrap()
    }

    #[test]
    fn aggregates_are_per_split_with_both_variances_named() {
        let json = rendered();
        assert_eq!(json["schema"], SCHEMA);
        let slice = &json["splits"][0];
        assert_eq!(slice["split"], "slice");
        assert_eq!(slice["runs"], 10);
        assert_eq!(slice["best_run"], "seed=9");
        let accuracy = &slice["test_accuracy"];
        let sample = accuracy["sample_variance"].as_f64().unwrap();
        let population = accuracy["population_variance"].as_f64().unwrap();
        assert_eq!(format!("{sample:.6} {population:.6}"), "0.000401 0.000360");
        assert_eq!(json["splits"][1]["split"], "patient");
        assert_eq!(json["comparison"].as_array().unwrap().len(), 2);
        assert_eq!(json["comparison"][1]["runs"], 10);
        assert_eq!(json["comparison"][1]["best_of_family"], true);
        assert!(json["comparison"][1]["patient_vote_accuracy"]["mean"].is_f64());
        assert_eq!(json["verdicts"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn every_run_is_listed_with_its_numbers_but_not_its_curve() {
        let json = rendered();
        let runs = json["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 20);
        assert_eq!(runs[0]["test_accuracy"], 0.952);
        assert!(runs[0]["final_validation_accuracy"].is_f64());
        assert!(runs[0].get("validation_curve").is_none());
        assert_eq!(runs[0]["learning_rate"]["base"], 0.1);
        assert_eq!(json["counts"][2]["total_slices"], 1208);
    }

    #[test]
    fn the_json_is_the_same_text_every_time() {
        let report = sample_study_both_splits();
        let summaries = SplitSummary::all(&report).unwrap();
        let first = metrics_json(&report, &summaries).unwrap();
        assert_eq!(first, metrics_json(&report, &summaries).unwrap());
        assert!(first.ends_with("}\n"));
    }
}
