//! `logistic_regression`: multinomial logistic regression with an L2 penalty on any feature
//! dataset (scikit-learn's `LogisticRegression(solver='lbfgs')`), fitted on the training
//! split `train_head` would make with the same seed, and its `evaluate` tests it (see `head_fit` for the
//! output).

use serde::{Deserialize, Serialize};

use super::head_fit::{HeadSplit, check_classes, check_split, fit_head};
use super::train_head::SplitParams;
use crate::dataset::Dataset;
use crate::learn::{LogisticConfig, LogisticRegression as Model};
use crate::stage_api::{ParamError, Port, Stage, StageContext, StageError};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Seeds the split (the fit itself has no randomness).
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub split: SplitParams,
    /// Class order (default: the sorted class names found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<String>>,
    /// Inverse regularization strength (scikit-learn's `C`).
    #[serde(default = "default_c")]
    pub c: f64,
    #[serde(default = "default_tol")]
    pub tol: f64,
    #[serde(default = "default_max_iter")]
    pub max_iter: usize,
    /// Standardize features with the training split's mean and deviation.
    #[serde(default = "default_true")]
    pub standardize: bool,
}

fn default_c() -> f64 {
    LogisticConfig::default().c
}
fn default_tol() -> f64 {
    LogisticConfig::default().tol
}
fn default_max_iter() -> usize {
    LogisticConfig::default().max_iter
}
fn default_true() -> bool {
    true
}

pub struct LogisticRegression {
    params: Params,
    config: LogisticConfig,
}

impl Stage for LogisticRegression {
    const KIND: &'static str = "logistic_regression";
    const VERSION: u32 = 1;
    const ABOUT: &'static str = "multinomial logistic regression, L2, L-BFGS (as scikit-learn)";
    const PORTS: &'static [Port] = &[Port::one("features")];
    type Params = Params;

    fn new(params: Params) -> Result<Self, ParamError> {
        let config = LogisticConfig {
            c: params.c,
            tol: params.tol,
            max_iter: params.max_iter,
            standardize: params.standardize,
        };
        config
            .validate()
            .map_err(|e| ParamError::new("", e.to_string()))?;
        check_split(&params.split)?;
        check_classes(params.classes.as_deref())?;
        Ok(Self { params, config })
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let setup = HeadSplit {
            seed: self.params.seed,
            split: &self.params.split,
            classes: self.params.classes.as_deref(),
        };
        fit_head(ctx, Self::KIND, &setup, |samples, rows| {
            Model::fit(samples, rows, &self.config)
        })
    }
}
