//! `evaluate`: a trained head on its test split (METHOD.md stage 7): accuracy, per-class
//! precision, recall and F1, the confusion matrix, and the patient-level accuracy of a
//! majority vote over each test patient's slices. The head is any head stage's output
//! (`train_head`, `logistic_regression`, `svm`, `random_forest`; see `fitted_head`), so
//! every head is judged by the same code on the slices its seed held out.
//!
//! A lab's own head plugs in through `predictions`: any dataset (a `command` stage's, say)
//! with a `probabilities` array per test case, in the order of the head's `classes`. The
//! `head` input then only fixes the split and the classes the predictions must answer for,
//! so an own head is judged on exactly the cases, and by exactly the code, of the built-in
//! ones; its runs are named after the stage that predicted.
//!
//! Beside the `evaluation` record (metrics and the run summary) the output holds one record
//! per test case, in the split's order: its id, the true class and the patient under the
//! features' own field names (the output's roles say which), and `predicted`. So `radflow
//! diff` and `verify --reference` can name the test cases whose prediction flipped.
//!
//! Its `run.json` blob is the report's per-run summary (the validation curve comes from the
//! head, the feature family from the features' meta: see `feature_family`), so a `report`
//! gathers any number of evaluations without reading heads or features again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::feature_family;
use super::feature_matrix::FeatureMatrix;
use super::fitted_head::FittedHead;
use super::study_fields::{CLASS_FIELD, PATIENT_FIELD};
use crate::dataset::{Dataset, Record, Value};
use crate::learn::{evaluate, patient_vote};
use crate::report_page::{ClassMetrics, LearningRate, RunSummary, SplitMode};
use crate::stage_api::StageContext;
use crate::stage_api::StageError;
use crate::stage_api::{ParamError, Port, Stage};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub struct Evaluate;

#[derive(Deserialize)]
struct SplitIds {
    by: super::train_head::By,
    test: Vec<String>,
}

impl Stage for Evaluate {
    const KIND: &'static str = "evaluate";
    /// 2: the run summary names its head. 3: and the family of its features. 4: and the
    /// model that made them. 5: one record per test case with its true and predicted class.
    const VERSION: u32 = 5;
    const LIGHT: bool = true;
    const ABOUT: &'static str =
        "test accuracy, per-class precision/recall/F1, confusion matrix, patient-level vote";
    const PORTS: &'static [Port] = &[
        Port::one("head"),
        Port::one("features"),
        Port::one("predictions").optional(),
    ];
    type Params = Params;

    fn new(_: Params) -> Result<Self, ParamError> {
        Ok(Self)
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let head_data = ctx.input("head")?;
        let head_record = head_data
            .get("head")
            .ok_or_else(|| StageError::invalid("input `head` is not a head stage's output"))?;
        let split: SplitIds = ctx.read_json(head_record.blob("split")?)?;
        let classes: Vec<String> = head_record
            .get("classes")?
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let matrix = FeatureMatrix::load(ctx, ctx.input("features")?, Some(&classes))?;
        // `input` succeeded, so the port holds exactly one upstream.
        let features = ctx.inputs("features").first();
        let feature_family = features.map(feature_family::family_of).unwrap_or_default();
        let feature_model = features.map(feature_family::model_of).unwrap_or_default();
        if split.test.is_empty() {
            return Err(StageError::invalid(
                "the head's test split is empty; raise `split.test`",
            ));
        }
        let rows = matrix.rows_of(&split.test)?;
        let test = matrix.features.select(ndarray::Axis(0), &rows);
        let truth: Vec<usize> = rows.iter().map(|&i| matrix.labels[i]).collect();
        let patients: Vec<&str> = rows.iter().map(|&i| matrix.patients[i].as_str()).collect();
        let learn = |e: crate::learn::LearnError| StageError::invalid(e.to_string());
        let head = FittedHead::read(ctx, head_record)?;
        let (proba, predicted, head_name) = match ctx.inputs("predictions") {
            [] => (
                head.predict_proba(test.view()).map_err(learn)?,
                head.predict(test.view()).map_err(learn)?,
                head.name().to_string(),
            ),
            [own] => {
                let proba = predictions(ctx, own, &split.test, classes.len())?;
                let predicted = proba.rows().into_iter().map(argmax).collect();
                (proba, predicted, own.stage.clone())
            }
            many => {
                return Err(StageError::invalid(format!(
                    "input `predictions` has {} datasets, expected one",
                    many.len()
                )));
            }
        };
        let evaluation = evaluate(classes.len(), &truth, &predicted).map_err(learn)?;
        let vote = patient_vote(&patients, &truth, proba.view()).map_err(learn)?;
        // An own head's predictions are judged; the built-in head only lent its split.
        let own_predictions = !ctx.inputs("predictions").is_empty();
        let softmax = head.softmax().filter(|_| !own_predictions);
        let config = softmax.map(|h| h.config());
        let run = RunSummary {
            name: ctx.instance_label().to_string(),
            split: match split.by {
                super::train_head::By::Slice => SplitMode::Slice,
                super::train_head::By::Patient => SplitMode::Patient,
            },
            head: head_name,
            head_settings: match (softmax, own_predictions) {
                (Some(_), _) | (None, true) => String::new(),
                (None, false) => head.settings(),
            },
            feature_family,
            feature_model,
            learning_rate: config.map(|c| LearningRate {
                base: c.base_learning_rate,
                min: c.min_learning_rate,
            }),
            steps: config.map(|c| c.steps as u32),
            batch: config.map(|c| c.batch_size as u32),
            test_accuracy: evaluation.accuracy,
            validation_curve: softmax
                .map(|h| h.curve())
                .unwrap_or_default()
                .iter()
                .filter_map(|p| Some((p.step as u32, p.validation_accuracy?)))
                .collect(),
            per_class: evaluation
                .per_class
                .iter()
                .map(|m| ClassMetrics {
                    class: classes[m.class].clone(),
                    precision: m.precision,
                    recall: m.recall,
                    f1: m.f1,
                    support: m.support,
                })
                .collect(),
            confusion: evaluation.confusion.rows().to_vec(),
            class_names: classes.clone(),
            patient_vote_accuracy: Some(vote.evaluation.accuracy),
        };
        let accuracy = Value::float(evaluation.accuracy).unwrap_or(Value::Null);
        let vote_accuracy = Value::float(vote.evaluation.accuracy).unwrap_or(Value::Null);
        let record = Record::new(SUMMARY_ID)
            .with("test_accuracy", accuracy.clone())
            .with("patient_vote_accuracy", vote_accuracy.clone())
            .with("test_slices", truth.len())
            .with("test_patients", vote.patients.len())
            .with("run", ctx.put_json(&run, "run.json")?);
        let metrics = BTreeMap::from([
            ("test_accuracy".to_string(), accuracy),
            ("patient_vote_accuracy".to_string(), vote_accuracy),
        ]);
        let features_roles = ctx.input("features")?.roles();
        let class_field = features_roles.class.as_deref().unwrap_or(CLASS_FIELD);
        let patient_field = features_roles.group.as_deref().unwrap_or(PATIENT_FIELD);
        let mut records = vec![record];
        for (i, id) in split.test.iter().enumerate() {
            if id == SUMMARY_ID {
                return Err(StageError::invalid(format!(
                    "a test case is named `{SUMMARY_ID}`, the id of the summary record"
                )));
            }
            records.push(
                Record::new(id.as_str())
                    .with(class_field, classes[truth[i]].as_str())
                    .with(patient_field, patients[i])
                    .with(PREDICTED_FIELD, classes[predicted[i]].as_str()),
            );
        }
        // The group role lets `diff` and `verify` name each flipped case's patient. No class
        // role: the engine counts records by class for the run summary and the lock, and an
        // evaluation's cases (plus its summary record, which has no class) are not data
        // flowing through the study.
        let roles = crate::dataset::Roles {
            class: None,
            group: Some(patient_field.to_string()),
        };
        Ok(Dataset::new(
            records,
            BTreeMap::from([("metrics".to_string(), Value::Map(metrics))]),
        )?
        .with_roles(&roles))
    }
}

/// The `probabilities` of every test case from an own head's dataset, as rows in the order of
/// `test`; records outside the test split are not judged.
fn predictions(
    ctx: &StageContext<'_>,
    own: &crate::stage_api::Upstream,
    test: &[String],
    classes: usize,
) -> Result<ndarray::Array2<f64>, StageError> {
    let stage = &own.stage;
    let mut proba = ndarray::Array2::<f64>::zeros((test.len(), classes));
    for (row, id) in test.iter().enumerate() {
        let record = own.dataset.get(id).ok_or_else(|| {
            StageError::invalid(format!(
                "predictions of `{stage}` have no record `{id}`, a test case of the head's split \
                 ({} test cases; predict every one of them)",
                test.len()
            ))
        })?;
        let values: Vec<f64> = match record.fields.get(PROBABILITIES) {
            Some(Value::Blob(blob)) => {
                let tensor = ctx.read_tensor(blob)?;
                match tensor.to_f64_exact() {
                    Ok(exact) => exact,
                    Err(_) => tensor.to_f32().into_iter().map(f64::from).collect(),
                }
            }
            Some(Value::List(items)) => items
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
                .collect(),
            _ => {
                return Err(StageError::invalid(format!(
                    "predictions of `{stage}`, record `{id}`: no `{PROBABILITIES}` array (one \
                     probability per class, in the order of the head's `classes`)"
                )));
            }
        };
        if values.len() != classes {
            return Err(StageError::invalid(format!(
                "predictions of `{stage}`, record `{id}`: `{PROBABILITIES}` has {} values, the \
                 head has {classes} classes (one probability per class, in the order of the \
                 head's `classes`)",
                values.len()
            )));
        }
        for (class, value) in values.into_iter().enumerate() {
            match value {
                p if p.is_finite() => proba[[row, class]] = p,
                _ => {
                    return Err(StageError::invalid(format!(
                        "predictions of `{stage}`, record `{id}`: `{PROBABILITIES}` holds a \
                         value that is not a finite number"
                    )));
                }
            }
        }
    }
    Ok(proba)
}

/// The id of the record with the metrics and the run summary.
pub const SUMMARY_ID: &str = "evaluation";
/// The field of a test case's record with the class the head predicted.
pub const PREDICTED_FIELD: &str = "predicted";

/// The field of a predictions dataset evaluate reads.
const PROBABILITIES: &str = "probabilities";

/// The first index of the largest value (a tie goes to the earlier class).
fn argmax(row: ndarray::ArrayView1<'_, f64>) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}
