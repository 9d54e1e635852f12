//! `svm`: a support vector classifier, linear or RBF kernel, one-vs-one as libsvm
//! (scikit-learn's `SVC`), fitted on the training split `train_head` would make with the same
//! seed; `evaluate` tests it (see `head_fit` for the output). Class
//! probabilities are the one-vs-one vote fractions; `predicted` is libsvm's vote.

use serde::{Deserialize, Serialize};

use super::head_fit::{HeadSplit, check_classes, check_split, fit_head};
use super::train_head::SplitParams;
use crate::dataset::Dataset;
use crate::learn::{Gamma, SupportVectorMachine, SvmConfig, SvmKernel};
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
    /// `rbf` (default) or `linear`.
    #[serde(default)]
    pub kernel: SvmKernel,
    /// Penalty of margin violations (scikit-learn's `C`).
    #[serde(default = "default_c")]
    pub c: f64,
    /// RBF width: `scale` (default), `auto` or a number.
    #[serde(default)]
    pub gamma: Gamma,
    #[serde(default = "default_tol")]
    pub tol: f64,
    #[serde(default = "default_true")]
    pub shrinking: bool,
    /// Kernel cache per class pair, in MB: speed only, never the result.
    #[serde(default = "default_cache")]
    pub cache_size_mb: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iter: Option<u64>,
    /// Standardize features with the training split's mean and deviation.
    #[serde(default = "default_true")]
    pub standardize: bool,
}

fn default_c() -> f64 {
    SvmConfig::default().c
}
fn default_tol() -> f64 {
    SvmConfig::default().tol
}
fn default_cache() -> f64 {
    SvmConfig::default().cache_size_mb
}
fn default_true() -> bool {
    true
}

pub struct Svm {
    params: Params,
    config: SvmConfig,
}

impl Stage for Svm {
    const KIND: &'static str = "svm";
    const VERSION: u32 = 1;
    const ABOUT: &'static str =
        "support vector classifier, linear or RBF, one-vs-one SMO (as libsvm)";
    const PORTS: &'static [Port] = &[Port::one("features")];
    /// The cache only decides how often kernel columns are recomputed (tested bit-identical).
    const EXEC_ONLY: &'static [&'static str] = &["cache_size_mb"];
    type Params = Params;

    fn new(params: Params) -> Result<Self, ParamError> {
        let config = SvmConfig {
            kernel: params.kernel,
            c: params.c,
            gamma: params.gamma,
            tol: params.tol,
            shrinking: params.shrinking,
            cache_size_mb: params.cache_size_mb,
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
            SupportVectorMachine::fit(samples, rows, &self.config)
        })
    }
}
