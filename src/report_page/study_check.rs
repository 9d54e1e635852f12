//! Checks a [`StudyReport`] before anything is drawn.
//!
//! After [`check`] passes, the renderers may rely on: at least one run; every
//! accuracy, precision, recall and F1 finite and in 0..=1; learning rates finite and
//! positive; validation steps strictly increasing; every confusion matrix square and
//! sized like its `class_names` (at most [`MAX_CLASSES`], unique); per-class metrics
//! naming known classes; run names unique per head within a split; counts rows that add up.

use std::collections::BTreeSet;

use super::report_error::ReportError;
use super::study_report::{CountsRow, RunSummary, StudyReport};

/// More classes than this would make the confusion heatmap unreadable (and its
/// raster large), so the report refuses them instead of drawing noise.
pub const MAX_CLASSES: usize = 40;

pub fn check(report: &StudyReport) -> Result<(), ReportError> {
    if report.runs.is_empty() {
        return Err(ReportError::NoRuns);
    }
    let mut seen = BTreeSet::new();
    for run in &report.runs {
        if !seen.insert((run.split, run.head.as_str(), run.name.as_str())) {
            return Err(ReportError::DuplicateRun {
                run: run.name.clone(),
                head: run.head.clone(),
                split: run.split,
            });
        }
        check_run(run)?;
    }
    report.counts.iter().try_for_each(check_counts)
}

fn check_run(run: &RunSummary) -> Result<(), ReportError> {
    let fraction = |field: &str, value: f64| {
        if value.is_finite() && (0.0..=1.0).contains(&value) {
            Ok(())
        } else {
            Err(invalid(run, field, value, "a finite value in 0..=1"))
        }
    };
    let positive = |field: &str, value: f64| {
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(invalid(run, field, value, "a finite value above 0"))
        }
    };

    fraction("test_accuracy", run.test_accuracy)?;
    if let Some(vote) = run.patient_vote_accuracy {
        fraction("patient_vote_accuracy", vote)?;
    }
    if let Some(rate) = run.learning_rate {
        positive("learning_rate.base", rate.base)?;
        positive("learning_rate.min", rate.min)?;
    }

    for (index, &(step, accuracy)) in run.validation_curve.iter().enumerate() {
        fraction(&format!("validation_curve[{index}]"), accuracy)?;
        if index > 0 {
            let previous = run.validation_curve[index - 1].0;
            if step <= previous {
                return Err(ReportError::CurveNotIncreasing {
                    run: run.name.clone(),
                    index,
                    step,
                    previous,
                });
            }
        }
    }

    let classes = run.class_names.len();
    if classes > MAX_CLASSES {
        return Err(ReportError::TooManyClasses {
            run: run.name.clone(),
            classes,
            max: MAX_CLASSES,
        });
    }
    let mut names = BTreeSet::new();
    for class in &run.class_names {
        if !names.insert(class.as_str()) {
            return Err(ReportError::DuplicateClass {
                run: run.name.clone(),
                class: class.clone(),
            });
        }
    }
    if run.confusion.len() != classes || run.confusion.iter().any(|row| row.len() != classes) {
        return Err(ReportError::ConfusionShape {
            run: run.name.clone(),
            rows: run.confusion.len(),
            row_lengths: run.confusion.iter().map(Vec::len).collect(),
            classes,
        });
    }

    for metrics in &run.per_class {
        if !names.contains(metrics.class.as_str()) {
            return Err(ReportError::UnknownClass {
                run: run.name.clone(),
                class: metrics.class.clone(),
                class_names: run.class_names.clone(),
            });
        }
        let class = &metrics.class;
        fraction(&format!("per_class[{class}].precision"), metrics.precision)?;
        fraction(&format!("per_class[{class}].recall"), metrics.recall)?;
        fraction(&format!("per_class[{class}].f1"), metrics.f1)?;
    }
    Ok(())
}

fn check_counts(row: &CountsRow) -> Result<(), ReportError> {
    let sum = row
        .slices_by_class
        .values()
        .try_fold(0usize, |sum, &n| sum.checked_add(n));
    match sum {
        Some(sum) if sum == row.total_slices => Ok(()),
        sum => Err(ReportError::CountsTotal {
            stage: row.stage.clone(),
            total: row.total_slices,
            sum: sum.unwrap_or(usize::MAX),
        }),
    }
}

fn invalid(run: &RunSummary, field: &str, value: f64, expected: &'static str) -> ReportError {
    ReportError::InvalidValue {
        run: run.name.clone(),
        field: field.to_owned(),
        value,
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_page::sample_study::sample_study;

    type Breakage = fn(&mut StudyReport);

    #[test]
    fn the_sample_study_passes() {
        check(&sample_study()).unwrap();
    }

    #[test]
    fn each_kind_of_bad_input_is_refused_with_its_own_error() {
        let cases: &[(&str, Breakage, &str)] = &[
            ("no runs", |r| r.runs.clear(), "has no runs"),
            (
                "accuracy above one",
                |r| r.runs[0].test_accuracy = 1.5,
                "`test_accuracy` is 1.5, expected a finite value in 0..=1",
            ),
            (
                "nan accuracy",
                |r| r.runs[0].test_accuracy = f64::NAN,
                "`test_accuracy` is NaN",
            ),
            (
                "nan vote accuracy",
                |r| r.runs[0].patient_vote_accuracy = Some(f64::NAN),
                "`patient_vote_accuracy` is NaN",
            ),
            (
                "zero learning rate",
                |r| r.runs[0].learning_rate.as_mut().unwrap().min = 0.0,
                "`learning_rate.min` is 0",
            ),
            (
                "curve point out of range",
                |r| r.runs[1].validation_curve[3].1 = -0.1,
                "`validation_curve[3]` is -0.1",
            ),
            (
                "curve steps repeat",
                |r| r.runs[0].validation_curve[5].0 = r.runs[0].validation_curve[4].0,
                "does not follow step",
            ),
            (
                "ragged confusion matrix",
                |r| {
                    r.runs[0].confusion[1].pop();
                },
                "expected 3 x 3 for 3 class names",
            ),
            (
                "confusion matrix with a missing row",
                |r| {
                    r.runs[0].confusion.pop();
                },
                "confusion matrix is 2 rows",
            ),
            (
                "unknown per-class name",
                |r| r.runs[0].per_class[0].class = "V".into(),
                "class `V`, which is not in `class_names`",
            ),
            (
                "f1 out of range",
                |r| r.runs[0].per_class[2].f1 = 2.0,
                "`per_class[IV].f1` is 2",
            ),
            (
                "duplicate class name",
                |r| r.runs[0].class_names[1] = "II".into(),
                "class `II` appears twice",
            ),
            (
                "duplicate run name",
                |r| r.runs[1].name = r.runs[0].name.clone(),
                "appears twice among the slice-split runs",
            ),
            (
                "counts that do not add up",
                |r| r.counts[1].total_slices += 1,
                "`total_slices` is 1509, but `slices_by_class` sums to 1508",
            ),
        ];
        for (case, breakage, message) in cases {
            let mut report = sample_study();
            breakage(&mut report);
            let error = check(&report).expect_err(case).to_string();
            assert!(
                error.contains(message),
                "{case}: `{error}` lacks `{message}`"
            );
        }
    }

    #[test]
    fn the_same_run_name_may_appear_once_per_split() {
        let mut report = sample_study();
        let mut twin = report.runs[0].clone();
        twin.split = crate::report_page::SplitMode::Patient;
        report.runs.push(twin);
        check(&report).unwrap();
    }

    #[test]
    fn too_many_classes_are_refused_before_drawing() {
        let mut report = sample_study();
        let n = MAX_CLASSES + 1;
        let run = &mut report.runs[0];
        run.class_names = (0..n).map(|i| format!("c{i}")).collect();
        run.confusion = vec![vec![0; n]; n];
        run.per_class.clear();
        let error = check(&report).unwrap_err().to_string();
        assert!(
            error.contains("has 41 classes; the report draws at most 40"),
            "{error}"
        );
    }
}
