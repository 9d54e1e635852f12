//! The comparison table: runs grouped by feature family, head and split, and the verdict on
//! the study's conclusion under each split.
//!
//! The study concludes that radiomics features with SVM or random forest stay below CNN
//! features with a softmax head, so the bottleneck is the features, not the classifier
//! (METHOD.md, "What the study leaves open"). A report that holds both families says, per
//! split, whether the best radiomics head's mean test accuracy stays below the CNN softmax
//! head's, from the numbers, whichever way it comes out.
//!
//! Invariants:
//! - A row is one (split, feature family, head with its settings): heads and families are
//!   never pooled, nor are splits. Rows follow the splits' order, then the order in which
//!   their first run appears in the report.
//! - Exactly one row per (split, family) is the family's best: the highest mean test
//!   accuracy, the first on ties.
//! - The patient vote is summarized under the patient-level split only.

use serde::Serialize;

use super::spread::Spread;
use super::study_report::{
    CNN_FAMILY, RADIOMICS_FAMILY, RunSummary, SOFTMAX, SplitMode, StudyReport,
};

/// The runs of one split, feature family and head.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow<'a> {
    pub split: SplitMode,
    /// Empty for summaries that predate feature families.
    pub feature_family: &'a str,
    pub head: &'a str,
    pub head_settings: &'a str,
    /// In report order.
    pub runs: Vec<&'a RunSummary>,
    pub test_accuracy: Spread,
    /// Recall of each class over the runs that report it, in the first run's class order.
    pub recall: Vec<ClassRecall>,
    /// Under the patient-level split, over the runs that computed a vote.
    pub patient_vote_accuracy: Option<Spread>,
    /// The highest mean test accuracy of its family under its split.
    pub best_of_family: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassRecall {
    pub class: String,
    pub recall: Spread,
}

/// Whether the study's conclusion holds under one split, in one sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub split: SplitMode,
    pub holds: bool,
    /// Mean test accuracy of the best radiomics row and of the CNN softmax row.
    pub best_radiomics: f64,
    pub cnn_softmax: f64,
    pub sentence: String,
}

/// Every row and, per split holding both families, the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison<'a> {
    pub rows: Vec<ComparisonRow<'a>>,
    pub verdicts: Vec<Verdict>,
}

impl ComparisonRow<'_> {
    /// "SVM (RBF kernel, C 1, gamma scale)", "softmax".
    pub fn head_in_words(&self) -> String {
        if self.head_settings.is_empty() {
            self.head.to_string()
        } else {
            format!("{} ({})", self.head, self.head_settings)
        }
    }

    /// The family as a table shows it; "–" when the runs name none.
    pub fn family_in_words(&self) -> &str {
        if self.feature_family.is_empty() {
            "–"
        } else {
            self.feature_family
        }
    }

    /// Index into `runs` of the highest test accuracy (the first on ties).
    pub fn best_run(&self) -> usize {
        self.runs.iter().enumerate().fold(0, |best, (i, r)| {
            if r.test_accuracy > self.runs[best].test_accuracy {
                i
            } else {
                best
            }
        })
    }
}

impl<'a> Comparison<'a> {
    /// Expects a report that passed `study_check::check` (finite accuracies, some runs).
    pub fn of(report: &'a StudyReport) -> Comparison<'a> {
        let mut rows = Vec::new();
        for split in SplitMode::ALL {
            let runs = report.runs.iter().filter(|r| r.split == split);
            let mut groups: Vec<(Key<'a>, Vec<&'a RunSummary>)> = Vec::new();
            for run in runs {
                let key = Key::of(run);
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, members)) => members.push(run),
                    None => groups.push((key, vec![run])),
                }
            }
            let first = rows.len();
            rows.extend(
                groups
                    .into_iter()
                    .filter_map(|(key, runs)| row(split, key, runs)),
            );
            mark_best_of_family(&mut rows[first..]);
        }
        let verdicts = SplitMode::ALL
            .into_iter()
            .filter_map(|split| verdict(split, &rows))
            .collect();
        Comparison { rows, verdicts }
    }

    /// More than one family or head: the study's own page is not enough to read it.
    pub fn compares(&self) -> bool {
        self.rows.first().is_some_and(|first| {
            self.rows
                .iter()
                .any(|r| Key::of_row(r) != Key::of_row(first))
        })
    }
}

/// What a row groups by, within one split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key<'a> {
    family: &'a str,
    head: &'a str,
    settings: &'a str,
}

impl<'a> Key<'a> {
    fn of(run: &'a RunSummary) -> Self {
        Key {
            family: &run.feature_family,
            head: &run.head,
            settings: &run.head_settings,
        }
    }

    fn of_row(row: &ComparisonRow<'a>) -> Self {
        Key {
            family: row.feature_family,
            head: row.head,
            settings: row.head_settings,
        }
    }
}

fn row<'a>(split: SplitMode, key: Key<'a>, runs: Vec<&'a RunSummary>) -> Option<ComparisonRow<'a>> {
    let accuracies: Vec<f64> = runs.iter().map(|r| r.test_accuracy).collect();
    let votes: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.patient_vote_accuracy)
        .collect();
    let recall = runs[0]
        .class_names
        .iter()
        .filter_map(|class| {
            let values: Vec<f64> = runs
                .iter()
                .flat_map(|r| r.per_class.iter().filter(|m| &m.class == class))
                .map(|m| m.recall)
                .collect();
            Some(ClassRecall {
                class: class.clone(),
                recall: Spread::of(&values)?,
            })
        })
        .collect();
    Some(ComparisonRow {
        split,
        feature_family: key.family,
        head: key.head,
        head_settings: key.settings,
        test_accuracy: Spread::of(&accuracies)?,
        recall,
        patient_vote_accuracy: match split {
            SplitMode::Patient => Spread::of(&votes),
            SplitMode::Slice => None,
        },
        best_of_family: false,
        runs,
    })
}

/// Marks, among rows of one split, the best row of each family (the first on ties).
fn mark_best_of_family(rows: &mut [ComparisonRow<'_>]) {
    let mut families: Vec<&str> = Vec::new();
    for row in rows.iter() {
        if !families.contains(&row.feature_family) {
            families.push(row.feature_family);
        }
    }
    for family in families {
        let best = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.feature_family == family)
            .fold(None, |best: Option<usize>, (i, r)| match best {
                Some(b) if rows[b].test_accuracy.mean >= r.test_accuracy.mean => Some(b),
                _ => Some(i),
            });
        if let Some(best) = best {
            rows[best].best_of_family = true;
        }
    }
}

fn verdict(split: SplitMode, rows: &[ComparisonRow<'_>]) -> Option<Verdict> {
    let best_of = |keep: &dyn Fn(&ComparisonRow<'_>) -> bool| {
        rows.iter().filter(|r| r.split == split && keep(r)).fold(
            None,
            |best: Option<&ComparisonRow<'_>>, r| match best {
                Some(b) if b.test_accuracy.mean >= r.test_accuracy.mean => Some(b),
                _ => Some(r),
            },
        )
    };
    let radiomics = best_of(&|r| r.feature_family == RADIOMICS_FAMILY)?;
    let cnn = best_of(&|r| r.feature_family == CNN_FAMILY && r.head == SOFTMAX)?;
    let (best_radiomics, cnn_softmax) = (radiomics.test_accuracy.mean, cnn.test_accuracy.mean);
    let holds = best_radiomics < cnn_softmax;
    let percent = |v: f64| format!("{:.1}%", 100.0 * v);
    let sentence = format!(
        "The study's conclusion {} under the {}: the best radiomics head, {}, reaches {} on \
         average, {} the CNN features with the softmax head at {}.",
        if holds { "holds" } else { "does not hold" },
        split.heading().to_lowercase(),
        radiomics.head_in_words(),
        percent(best_radiomics),
        if holds { "below" } else { "not below" },
        percent(cnn_softmax),
    );
    Some(Verdict {
        split,
        holds,
        best_radiomics,
        cnn_softmax,
        sentence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_page::sample_study::sample_study_both_splits;

    /// The sample study's runs relabelled: per split, five runs each of CNN softmax,
    /// radiomics SVM and radiomics random forest, with the accuracies given in that order.
    fn compared(accuracies: [[f64; 3]; 2]) -> StudyReport {
        let mut report = sample_study_both_splits();
        let mut runs = Vec::new();
        for (split, means) in SplitMode::ALL.into_iter().zip(accuracies) {
            let of_split: Vec<_> = report.runs.iter().filter(|r| r.split == split).collect();
            for (g, (family, head)) in [
                (CNN_FAMILY, SOFTMAX),
                (RADIOMICS_FAMILY, "SVM"),
                (RADIOMICS_FAMILY, "random forest"),
            ]
            .into_iter()
            .enumerate()
            {
                for k in 0..3 {
                    let mut run = of_split[(3 * g + k) % of_split.len()].clone();
                    run.name = format!("{head}-{k}");
                    run.feature_family = family.to_string();
                    run.head = head.to_string();
                    // Mean `means[g]`, spread +-0.01.
                    run.test_accuracy = means[g] + 0.01 * (k as f64 - 1.0);
                    runs.push(run);
                }
            }
        }
        report.runs = runs;
        report
    }

    #[test]
    fn runs_are_grouped_by_split_family_and_head_never_pooled() {
        let report = compared([[0.9, 0.7, 0.8], [0.6, 0.7, 0.5]]);
        let comparison = Comparison::of(&report);
        let rows: Vec<_> = comparison
            .rows
            .iter()
            .map(|r| (r.split, r.feature_family, r.head, r.runs.len()))
            .collect();
        assert_eq!(
            rows,
            [
                (SplitMode::Slice, "CNN", "softmax", 3),
                (SplitMode::Slice, "radiomics", "SVM", 3),
                (SplitMode::Slice, "radiomics", "random forest", 3),
                (SplitMode::Patient, "CNN", "softmax", 3),
                (SplitMode::Patient, "radiomics", "SVM", 3),
                (SplitMode::Patient, "radiomics", "random forest", 3),
            ]
        );
        assert!((comparison.rows[1].test_accuracy.mean - 0.7).abs() < 1e-12);
        assert!(comparison.compares());
        assert!(comparison.rows[0].patient_vote_accuracy.is_none());
        assert!(comparison.rows[3].patient_vote_accuracy.is_some());
    }

    #[test]
    fn the_best_head_of_each_family_is_marked_once_per_split() {
        let report = compared([[0.9, 0.7, 0.8], [0.6, 0.7, 0.5]]);
        let marked: Vec<bool> = Comparison::of(&report)
            .rows
            .iter()
            .map(|r| r.best_of_family)
            .collect();
        assert_eq!(marked, [true, false, true, true, true, false]);
    }

    #[test]
    fn the_verdict_follows_the_numbers_under_each_split() {
        let report = compared([[0.9, 0.7, 0.8], [0.6, 0.7, 0.5]]);
        let verdicts = Comparison::of(&report).verdicts;
        assert_eq!(verdicts.len(), 2);
        assert!(verdicts[0].holds);
        assert_eq!(
            verdicts[0].sentence,
            "The study's conclusion holds under the slice-level split: the best radiomics head, \
             random forest, reaches 80.0% on average, below the CNN features with the softmax \
             head at 90.0%."
        );
        assert!(!verdicts[1].holds);
        assert!(
            verdicts[1]
                .sentence
                .starts_with("The study's conclusion does not hold under the patient-level split")
                && verdicts[1].sentence.contains("SVM, reaches 70.0%"),
            "{}",
            verdicts[1].sentence
        );
    }

    #[test]
    fn a_plain_study_has_one_row_per_split_and_no_verdict() {
        let report = sample_study_both_splits();
        let comparison = Comparison::of(&report);
        assert_eq!(comparison.rows.len(), 2);
        assert!(comparison.rows.iter().all(|r| r.best_of_family));
        assert!(comparison.verdicts.is_empty());
        assert!(!comparison.compares());
        assert_eq!(comparison.rows[0].family_in_words(), "–");
    }

    #[test]
    fn recall_is_summarized_per_class_over_the_rows_runs() {
        let report = compared([[0.9, 0.7, 0.8], [0.6, 0.7, 0.5]]);
        let row = &Comparison::of(&report).rows[0];
        let first: Vec<f64> = row.runs.iter().map(|r| r.per_class[0].recall).collect();
        let recall = &row.recall[0];
        assert_eq!(recall.class, row.runs[0].class_names[0]);
        assert_eq!(recall.recall, Spread::of(&first).unwrap());
    }
}
