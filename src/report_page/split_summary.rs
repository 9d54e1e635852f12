//! Aggregates over the runs of one split mode: what the page and `metrics.json` report.
//!
//! Runs of different split modes are never pooled: a slice-level split leaks patients
//! between training and test sets, so its accuracy answers a different question from
//! the patient-level one, and the two are shown side by side instead. Nor are feature
//! families and heads: where a report compares several (see `comparison`), a split's
//! summary covers the runs of its first family and head only (the study's own, as a
//! comparison pipeline lists it first), so its best run and figures never mix heads.

use serde::Serialize;

use super::report_error::ReportError;
use super::spread::Spread;
use super::study_report::{RunSummary, SplitMode, StudyReport};

/// Everything aggregated over the runs of one split mode.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitSummary<'a> {
    pub split: SplitMode,
    /// The family and head of the runs summarized: "CNN features, softmax".
    pub group: String,
    /// The runs of this split, in report order.
    pub runs: Vec<&'a RunSummary>,
    /// Index into `runs` of the highest test accuracy (the first one on ties).
    pub best: usize,
    pub test_accuracy: Spread,
    /// Over the runs that computed a patient vote; `None` if none did.
    pub patient_vote_accuracy: Option<Spread>,
    pub per_class: Vec<ClassSpread>,
    /// The classes of the summed confusion matrix, in the first run's order.
    pub class_names: Vec<String>,
    /// Element-wise sum of the runs' confusion matrices, `[true][predicted]`.
    pub confusion: Vec<Vec<u64>>,
}

/// Precision, recall and F1 of one class across the runs that report it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassSpread {
    pub class: String,
    pub precision: Spread,
    pub recall: Spread,
    pub f1: Spread,
    /// Test samples of this class, summed over runs.
    pub support: u64,
}

impl<'a> SplitSummary<'a> {
    /// One summary per split mode that has runs, slice-level first. Expects a report
    /// that passed `study_check::check`.
    pub fn all(report: &'a StudyReport) -> Result<Vec<SplitSummary<'a>>, ReportError> {
        SplitMode::ALL
            .into_iter()
            .filter_map(|split| {
                let mut runs = report.runs.iter().filter(|r| r.split == split).peekable();
                let first = *runs.peek()?;
                let same = |r: &&RunSummary| {
                    (&r.feature_family, &r.head, &r.head_settings)
                        == (&first.feature_family, &first.head, &first.head_settings)
                };
                Some(SplitSummary::of(split, runs.filter(same).collect()))
            })
            .collect()
    }

    fn of(split: SplitMode, runs: Vec<&'a RunSummary>) -> Result<SplitSummary<'a>, ReportError> {
        let accuracies: Vec<f64> = runs.iter().map(|r| r.test_accuracy).collect();
        let votes: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.patient_vote_accuracy)
            .collect();
        let best =
            accuracies.iter().enumerate().fold(
                0,
                |best, (i, &a)| if a > accuracies[best] { i } else { best },
            );
        let (class_names, confusion) = summed_confusion(split, &runs)?;
        let head = match runs[0].head_settings.as_str() {
            "" => runs[0].head.clone(),
            settings => format!("{} ({settings})", runs[0].head),
        };
        let group = match runs[0].feature_family.as_str() {
            "" => head,
            family => format!("{family} features, {head}"),
        };
        Ok(SplitSummary {
            split,
            group,
            best,
            test_accuracy: Spread::of(&accuracies).ok_or(ReportError::NoRuns)?,
            patient_vote_accuracy: Spread::of(&votes),
            per_class: class_spreads(&class_names, &runs),
            class_names,
            confusion,
            runs,
        })
    }

    pub fn best_run(&self) -> &'a RunSummary {
        self.runs[self.best]
    }
}

fn summed_confusion(
    split: SplitMode,
    runs: &[&RunSummary],
) -> Result<(Vec<String>, Vec<Vec<u64>>), ReportError> {
    let first = runs[0];
    let n = first.class_names.len();
    let mut sum = vec![vec![0u64; n]; n];
    for run in runs {
        if run.class_names != first.class_names {
            return Err(ReportError::ClassNamesDiffer {
                split,
                first_run: first.name.clone(),
                run: run.name.clone(),
                expected: first.class_names.clone(),
                found: run.class_names.clone(),
            });
        }
        for (sum_row, row) in sum.iter_mut().zip(&run.confusion) {
            for (total, &count) in sum_row.iter_mut().zip(row) {
                *total = total
                    .checked_add(count)
                    .ok_or(ReportError::ConfusionOverflow { split })?;
            }
        }
    }
    Ok((first.class_names.clone(), sum))
}

fn class_spreads(class_names: &[String], runs: &[&RunSummary]) -> Vec<ClassSpread> {
    class_names
        .iter()
        .filter_map(|class| {
            let metrics: Vec<_> = runs
                .iter()
                .flat_map(|r| r.per_class.iter().filter(|m| &m.class == class))
                .collect();
            let spread = |get: fn(&super::ClassMetrics) -> f64| {
                Spread::of(&metrics.iter().map(|m| get(m)).collect::<Vec<_>>())
            };
            Some(ClassSpread {
                class: class.clone(),
                precision: spread(|m| m.precision)?,
                recall: spread(|m| m.recall)?,
                f1: spread(|m| m.f1)?,
                support: metrics
                    .iter()
                    .map(|m| m.support)
                    .fold(0, u64::saturating_add),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_page::sample_study::{sample_study, sample_study_both_splits};

    #[test]
    fn a_slice_only_study_has_one_summary_with_the_studys_numbers() {
        let report = sample_study();
        let summaries = SplitSummary::all(&report).unwrap();
        assert_eq!(summaries.len(), 1);
        let slice = &summaries[0];
        assert_eq!(slice.split, SplitMode::Slice);
        assert_eq!(slice.runs.len(), 10);
        assert_eq!(format!("{:.4}", slice.test_accuracy.mean), "0.9611");
        assert_eq!(slice.best_run().test_accuracy, 0.996);
        assert_eq!(slice.best, 9);
    }

    #[test]
    fn both_splits_are_summarized_apart_slice_first() {
        let report = sample_study_both_splits();
        let summaries = SplitSummary::all(&report).unwrap();
        let splits: Vec<_> = summaries.iter().map(|s| s.split).collect();
        assert_eq!(splits, [SplitMode::Slice, SplitMode::Patient]);
        assert!(summaries.iter().all(|s| s.runs.len() == 10));
        assert!(
            summaries[1]
                .runs
                .iter()
                .all(|r| r.split == SplitMode::Patient)
        );
        assert!(summaries[1].test_accuracy.mean < summaries[0].test_accuracy.mean);
    }

    #[test]
    fn a_split_summarizes_its_first_family_and_head_only() {
        let mut report = sample_study();
        for run in &mut report.runs[5..] {
            run.head = "SVM".into();
            run.test_accuracy = 1.0;
        }
        report.runs[0].feature_family = "CNN".into();
        let summary = &SplitSummary::all(&report).unwrap()[0];
        assert_eq!(summary.runs.len(), 1);
        assert_eq!(summary.group, "CNN features, softmax");
        assert!(summary.best_run().head == "softmax");
    }

    #[test]
    fn the_best_run_is_the_first_of_equal_highest_accuracies() {
        let mut report = sample_study();
        for (run, accuracy) in report.runs.iter_mut().zip([0.9, 0.95, 0.95, 0.8]) {
            run.test_accuracy = accuracy;
        }
        report.runs.truncate(4);
        assert_eq!(SplitSummary::all(&report).unwrap()[0].best, 1);
    }

    #[test]
    fn confusion_matrices_are_summed_cell_by_cell() {
        let mut report = sample_study();
        report.runs.truncate(2);
        report.runs[0].confusion = vec![vec![1, 2, 3], vec![4, 5, 6], vec![7, 8, 9]];
        report.runs[1].confusion = vec![vec![10, 0, 0], vec![0, 10, 0], vec![0, 0, 10]];
        let summary = &SplitSummary::all(&report).unwrap()[0];
        assert_eq!(
            summary.confusion,
            [[11, 2, 3], [4, 15, 6], [7, 8, 19]].map(Vec::from).to_vec()
        );
    }

    #[test]
    fn runs_with_different_classes_cannot_be_summed() {
        let mut report = sample_study();
        report.runs[3].class_names.swap(0, 1);
        let error = SplitSummary::all(&report).unwrap_err().to_string();
        assert!(
            error.contains("slice-split runs disagree on classes"),
            "{error}"
        );
    }

    #[test]
    fn summed_counts_that_overflow_are_an_error_not_a_wrap() {
        let mut report = sample_study();
        report.runs[0].confusion[0][0] = u64::MAX;
        let error = SplitSummary::all(&report).unwrap_err().to_string();
        assert!(error.contains("overflow"), "{error}");
    }

    #[test]
    fn per_class_spreads_follow_class_order_and_sum_support() {
        let report = sample_study();
        let summary = &SplitSummary::all(&report).unwrap()[0];
        let classes: Vec<_> = summary.per_class.iter().map(|c| c.class.as_str()).collect();
        assert_eq!(classes, ["II", "III", "IV"]);
        let support: u64 = report.runs.iter().map(|r| r.per_class[0].support).sum();
        assert_eq!(summary.per_class[0].support, support);
        assert_eq!(summary.per_class[0].f1.n, 10);
    }

    #[test]
    fn vote_accuracy_is_summarized_only_over_runs_that_have_one() {
        let mut report = sample_study();
        for run in &mut report.runs {
            run.patient_vote_accuracy = None;
        }
        report.runs[2].patient_vote_accuracy = Some(0.75);
        let summary = &SplitSummary::all(&report).unwrap()[0];
        let vote = summary.patient_vote_accuracy.unwrap();
        assert_eq!((vote.n, vote.mean), (1, 0.75));
    }
}
