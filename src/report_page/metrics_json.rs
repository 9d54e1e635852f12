//! `metrics.json`: the report's numbers for scripts.
//!
//! Byte-stable by construction: keys in struct declaration order, maps sorted, floats
//! in serde_json's shortest round-trip form, no timestamps or paths. Validation
//! curves are left out (they are in the report's input); the last and best
//! validation accuracy of each run are kept. `schema` changes when a field's meaning
//! does.

use serde::Serialize;

use super::report_error::ReportError;
use super::split_summary::{ClassSpread, SplitSummary};
use super::spread::Spread;
use super::study_report::{ClassMetrics, CountsRow, LearningRate, SplitMode, StudyReport};

pub const SCHEMA: &str = "radflow.report.metrics/1";

#[derive(Serialize)]
struct Metrics<'a> {
    schema: &'static str,
    title: &'a str,
    pipeline: &'a str,
    generated_by: &'a str,
    /// One entry per split mode present, slice-level first; never pooled.
    splits: Vec<SplitMetrics<'a>>,
    runs: Vec<RunMetrics<'a>>,
    counts: &'a [CountsRow],
}

#[derive(Serialize)]
struct SplitMetrics<'a> {
    split: SplitMode,
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
    let metrics = Metrics {
        schema: SCHEMA,
        title: &report.title,
        pipeline: &report.pipeline,
        generated_by: &report.generated_by,
        splits: summaries
            .iter()
            .map(|s| SplitMetrics {
                split: s.split,
                runs: s.runs.len(),
                best_run: &s.best_run().name,
                test_accuracy: s.test_accuracy,
                patient_vote_accuracy: s.patient_vote_accuracy,
                per_class: &s.per_class,
                class_names: &s.class_names,
                confusion: &s.confusion,
            })
            .collect(),
        runs: report
            .runs
            .iter()
            .map(|r| RunMetrics {
                name: &r.name,
                split: r.split,
                head: &r.head,
                head_settings: &r.head_settings,
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
