//! `train_head`: the study's classifier, a softmax layer trained by mini-batch SGD on the cached
//! features (METHOD.md stage 6).
//!
//! The seed decides both the split (10% validation, 10% test, stratified; `by: slice` as the
//! study, or `by: patient` so no patient is in two sets) and the batch order, so a matrix over
//! seeds gives the study's reshuffled reruns. Same seed and features, bit-identical head.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::feature_matrix::FeatureMatrix;
use crate::dataset::{Dataset, Record, Value};
use crate::learn::{Samples, SplitConfig, SplitMode, TrainConfig, WeightInit, split, train};
use crate::stage_api::StageContext;
use crate::stage_api::StageError;
use crate::stage_api::{ParamError, Port, Stage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    Slice,
    Patient,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitParams {
    #[serde(default = "default_by")]
    pub by: By,
    #[serde(default = "default_fraction")]
    pub validation: f64,
    #[serde(default = "default_fraction")]
    pub test: f64,
}

impl Default for SplitParams {
    fn default() -> Self {
        Self {
            by: By::Slice,
            validation: 0.1,
            test: 0.1,
        }
    }
}

fn default_by() -> By {
    By::Slice
}
fn default_fraction() -> f64 {
    0.1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Seeds the split and the batch order.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub split: SplitParams,
    /// Class order (default: the sorted class names found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<String>>,
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    #[serde(default = "default_steps")]
    pub steps: usize,
    /// BLR: the learning rate of step 0.
    #[serde(default = "default_blr")]
    pub base_learning_rate: f64,
    /// MLR: the rate the exponential decay reaches at `steps`.
    #[serde(default = "default_mlr")]
    pub min_learning_rate: f64,
    /// L2 penalty on the weights (0: none, as the study).
    #[serde(default)]
    pub weight_decay: f64,
    /// Standardize features with the training split's mean and deviation (off in the study).
    #[serde(default)]
    pub standardize: bool,
    /// Initial weights: zeros (default), or normal draws with this standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_std: Option<f64>,
    /// Validation accuracy is recorded every this many steps.
    #[serde(default = "default_eval_every")]
    pub eval_every: usize,
}

fn default_batch() -> usize {
    100
}
fn default_steps() -> usize {
    10_000
}
fn default_blr() -> f64 {
    0.1
}
fn default_mlr() -> f64 {
    0.001
}
fn default_eval_every() -> usize {
    100
}

pub struct TrainHead {
    params: Params,
    config: TrainConfig,
    split: SplitConfig,
}

impl Stage for TrainHead {
    const KIND: &'static str = "train_head";
    const VERSION: u32 = 1;
    const ABOUT: &'static str = "softmax head by mini-batch SGD with exponential LR decay; seeded stratified split by slice or patient";
    const PORTS: &'static [Port] = &[Port::one("features")];
    type Params = Params;

    fn new(params: Params) -> Result<Self, ParamError> {
        let config = TrainConfig {
            batch_size: params.batch_size,
            steps: params.steps,
            base_learning_rate: params.base_learning_rate,
            min_learning_rate: params.min_learning_rate,
            weight_decay: params.weight_decay,
            standardize: params.standardize,
            init: match params.init_std {
                None => WeightInit::Zeros,
                Some(std) => WeightInit::Normal { std },
            },
            eval_every: params.eval_every,
            seed: params.seed,
        };
        config
            .validate()
            .map_err(|e| ParamError::new("", e.to_string()))?;
        let mode = match params.split.by {
            By::Slice => SplitMode::BySlice,
            By::Patient => SplitMode::ByPatient,
        };
        let split = SplitConfig {
            mode,
            validation_fraction: params.split.validation,
            test_fraction: params.split.test,
            seed: params.seed,
        };
        let held_out = params.split.validation + params.split.test;
        if !(0.0..1.0).contains(&params.split.validation)
            || !(0.0..1.0).contains(&params.split.test)
            || held_out >= 1.0
        {
            return Err(ParamError::new(
                "split",
                format!(
                    "validation {} and test {} must be shares in [0, 1) that leave data to train on",
                    params.split.validation, params.split.test
                ),
            ));
        }
        if let Some(classes) = &params.classes
            && classes.len() < 2
        {
            return Err(ParamError::new(
                "classes",
                "a classifier needs at least two classes",
            ));
        }
        Ok(Self {
            params,
            config,
            split,
        })
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let features = ctx.input("features")?;
        let matrix = FeatureMatrix::load(ctx, features, self.params.classes.as_deref())?;
        let learn = |e: crate::learn::LearnError| StageError::invalid(e.to_string());
        let samples = Samples::new(matrix.features.view(), &matrix.labels, matrix.classes.len())
            .map_err(learn)?;
        let assignment = split(&matrix.labels, &matrix.patients, &self.split).map_err(learn)?;
        ctx.check_cancelled()?;
        let head = train(&samples, &assignment, &self.config).map_err(learn)?;
        let ids = |rows: &[usize]| -> Vec<String> {
            rows.iter().map(|&i| matrix.ids[i].clone()).collect()
        };
        let split_json = serde_json::json!({
            "by": self.params.split.by,
            "train": ids(&assignment.train),
            "validation": ids(&assignment.validation),
            "test": ids(&assignment.test),
        });
        let last_validation = head
            .curve()
            .iter()
            .rev()
            .find_map(|p| p.validation_accuracy);
        let mut record = Record::new("head")
            .with("model", ctx.put_json(&head, "head.json")?)
            .with("split", ctx.put_json(&split_json, "split.json")?)
            .with("classes", matrix.classes.clone())
            .with("seed", Value::Int(self.params.seed as i64))
            .with("train_slices", assignment.train.len())
            .with("validation_slices", assignment.validation.len())
            .with("test_slices", assignment.test.len());
        let mut metrics = BTreeMap::new();
        if let Some(acc) = last_validation.and_then(Value::float) {
            record.set("validation_accuracy", acc.clone());
            metrics.insert("validation_accuracy".to_string(), acc);
        }
        let meta = BTreeMap::from([("metrics".to_string(), Value::Map(metrics))]);
        Ok(Dataset::new(vec![record], meta)?)
    }
}
