//! What the comparison heads (`logistic_regression`, `svm`, `random_forest`) share: the
//! features read as `train_head` reads them, the split made exactly as `train_head` makes
//! it (same seed, same fractions, same mode: the same slices in the same sets), and their
//! output, the `head` record `train_head` writes (see `fitted_head`), plus `kind`, so
//! `evaluate` tests every head on the same slices in the same way.
//!
//! The head is fitted on the training set only (standardization included); the validation
//! set is only scored (`validation_accuracy`), since these heads have no steps to monitor.

use std::collections::BTreeMap;

use serde::Serialize;

use super::feature_matrix::FeatureMatrix;
use super::fitted_head::KIND_FIELD;
use super::train_head::{By, SplitParams};
use crate::dataset::{Dataset, Record, Value};
use crate::learn::{Classifier, LearnError, Samples, SplitConfig, SplitMode, accuracy, split};
use crate::stage_api::{ParamError, StageContext, StageError};

/// Everything that decides which slices a head trains and is tested on.
pub struct HeadSplit<'a> {
    pub seed: u64,
    pub split: &'a SplitParams,
    pub classes: Option<&'a [String]>,
}

/// Checks the split fractions as `train_head` does.
pub fn check_split(split: &SplitParams) -> Result<(), ParamError> {
    let held_out = split.validation + split.test;
    if !(0.0..1.0).contains(&split.validation)
        || !(0.0..1.0).contains(&split.test)
        || held_out >= 1.0
    {
        return Err(ParamError::new(
            "split",
            format!(
                "validation {} and test {} must be shares in [0, 1) that leave data to train on",
                split.validation, split.test
            ),
        ));
    }
    Ok(())
}

/// A class list, when given, names at least two classes.
pub fn check_classes(classes: Option<&[String]>) -> Result<(), ParamError> {
    match classes {
        Some(c) if c.len() < 2 => Err(ParamError::new(
            "classes",
            "a classifier needs at least two classes",
        )),
        _ => Ok(()),
    }
}

/// Fits a head of kind `kind` on the training split of the `features` input and writes
/// it as a `head` record.
pub fn fit_head<M, F>(
    ctx: &StageContext<'_>,
    kind: &str,
    setup: &HeadSplit<'_>,
    fit: F,
) -> Result<Dataset, StageError>
where
    M: Classifier + Serialize,
    F: FnOnce(&Samples<'_>, &[usize]) -> Result<M, LearnError>,
{
    let features = ctx.input("features")?;
    let matrix = FeatureMatrix::load(ctx, features, setup.classes)?;
    let classes = &matrix.classes;
    let learn = |e: LearnError| StageError::invalid(describe(&e, classes, setup));
    let samples =
        Samples::new(matrix.features.view(), &matrix.labels, classes.len()).map_err(learn)?;
    let config = SplitConfig {
        mode: match setup.split.by {
            By::Slice => SplitMode::BySlice,
            By::Patient => SplitMode::ByPatient,
        },
        validation_fraction: setup.split.validation,
        test_fraction: setup.split.test,
        seed: setup.seed,
    };
    let sets = split(&matrix.labels, &matrix.patients, &config).map_err(learn)?;
    for (class, name) in classes.iter().enumerate() {
        if !sets.test.iter().any(|&i| matrix.labels[i] == class) {
            ctx.warn(format!(
                "class `{name}` has no slice in the test split (seed {}, split by {}): its recall is undefined",
                setup.seed,
                by_name(setup.split.by)
            ));
        }
    }
    ctx.check_cancelled()?;
    let model = fit(&samples, &sets.train).map_err(learn)?;

    let ids =
        |rows: &[usize]| -> Vec<String> { rows.iter().map(|&i| matrix.ids[i].clone()).collect() };
    let split_json = serde_json::json!({
        "by": setup.split.by,
        "train": ids(&sets.train),
        "validation": ids(&sets.validation),
        "test": ids(&sets.test),
    });
    let mut record = Record::new("head")
        .with(KIND_FIELD, kind)
        .with("model", ctx.put_json(&model, "head.json")?)
        .with("split", ctx.put_json(&split_json, "split.json")?)
        .with("classes", classes.clone())
        .with("seed", Value::Int(setup.seed as i64))
        .with("train_slices", sets.train.len())
        .with("validation_slices", sets.validation.len())
        .with("test_slices", sets.test.len());
    let mut metrics = BTreeMap::new();
    if !sets.validation.is_empty() {
        let held_out = matrix.features.select(ndarray::Axis(0), &sets.validation);
        let predicted = model.predict(held_out.view()).map_err(learn)?;
        let truth: Vec<usize> = sets.validation.iter().map(|&i| matrix.labels[i]).collect();
        if let Some(acc) = Value::float(accuracy(&truth, &predicted).map_err(learn)?) {
            record.set("validation_accuracy", acc.clone());
            metrics.insert("validation_accuracy".to_string(), acc);
        }
    }
    let meta = BTreeMap::from([("metrics".to_string(), Value::Map(metrics))]);
    Ok(Dataset::new(vec![record], meta)?)
}

fn by_name(by: By) -> &'static str {
    match by {
        By::Slice => "slice",
        By::Patient => "patient",
    }
}

/// A `learn` error in the stage's words: class indices become class names.
fn describe(error: &LearnError, classes: &[String], setup: &HeadSplit<'_>) -> String {
    match error {
        LearnError::ClassAbsentFromTraining { class, .. } => format!(
            "class `{}` has no slice in the training split (seed {}, split by {}), expected every \
             class of {} there; lower `split.test` and `split.validation`, or leave the class out \
             with `classes:`",
            classes.get(*class).map_or("?", String::as_str),
            setup.seed,
            by_name(setup.split.by),
            classes.join(", ")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::stage_api::lookup;
    use crate::stages::KINDS;

    fn build(kind: &str, yaml: &str) -> Result<serde_json::Value, String> {
        let with: serde_yaml::Value = serde_yaml::from_str(yaml).expect("test YAML");
        lookup(KINDS, kind)
            .expect("a registered kind")
            .build(with)
            .map(|stage| stage.fingerprint().clone())
            .map_err(|e| format!("{}: {}", e.path, e.message))
    }

    /// Ok(a key field and its value), or Err(a piece of the message).
    type Expected = Result<(&'static str, serde_json::Value), &'static str>;

    #[test]
    fn head_parameters_are_typed_checked_and_keyed() {
        let table: [(&str, &str, Expected); 12] = [
            ("logistic_regression", "{}", Ok(("c", 1.0.into()))),
            (
                "logistic_regression",
                "{c: 0.1, max_iter: 500}",
                Ok(("max_iter", 500.into())),
            ),
            (
                "logistic_regression",
                "{c: 0}",
                Err("`c` is 0, expected a finite number above 0"),
            ),
            ("logistic_regression", "{C: 2}", Err("C")),
            ("svm", "{}", Ok(("gamma", "scale".into()))),
            (
                "svm",
                "{kernel: linear, gamma: 0.5}",
                Ok(("kernel", "linear".into())),
            ),
            ("svm", "{kernel: poly}", Err("poly")),
            ("svm", "{gamma: wide}", Err("wide")),
            ("random_forest", "{}", Ok(("max_features", "sqrt".into()))),
            (
                "random_forest",
                "{n_estimators: 0}",
                Err("`n_estimators` is 0"),
            ),
            (
                "random_forest",
                "{split: {test: 0.6, validation: 0.5}}",
                Err("split"),
            ),
            (
                "random_forest",
                "{classes: [II]}",
                Err("at least two classes"),
            ),
        ];
        for (kind, yaml, expected) in table {
            match (build(kind, yaml), expected) {
                (Ok(key), Ok((field, value))) => assert_eq!(key[field], value, "{kind} {yaml}"),
                (Err(message), Err(piece)) => {
                    assert!(message.contains(piece), "{kind} {yaml}: {message}")
                }
                (found, expected) => panic!("{kind} {yaml}: {found:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn the_svm_cache_size_is_not_part_of_the_key() {
        let small = build("svm", "{cache_size_mb: 10}").unwrap();
        let large = build("svm", "{cache_size_mb: 500}").unwrap();
        assert_eq!(small, large);
        assert!(small.get("cache_size_mb").is_none());
    }
}
