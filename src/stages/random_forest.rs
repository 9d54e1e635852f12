//! `random_forest`: a random forest as scikit-learn's `RandomForestClassifier` (gini,
//! bootstrap, features drawn per split), fitted on the training split `train_head` would make
//! with the same seed; `evaluate` tests it (see `head_fit` for the output). The seed also seeds the trees; the forest does not depend on the thread count.

use serde::{Deserialize, Serialize};

use super::head_fit::{HeadSplit, check_classes, check_split, fit_head};
use super::train_head::SplitParams;
use crate::dataset::Dataset;
use crate::learn::{ForestConfig, MaxFeatures, RandomForest as Model};
use crate::stage_api::{ParamError, Port, Stage, StageContext, StageError};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Seeds the split and every tree's bootstrap and feature draws.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub split: SplitParams,
    /// Class order (default: the sorted class names found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<String>>,
    #[serde(default = "default_trees")]
    pub n_estimators: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<usize>,
    #[serde(default = "default_split")]
    pub min_samples_split: usize,
    #[serde(default = "default_leaf")]
    pub min_samples_leaf: usize,
    /// `sqrt` (default), `log2`, `all`, a count or a fraction.
    #[serde(default)]
    pub max_features: MaxFeatures,
    #[serde(default = "default_true")]
    pub bootstrap: bool,
    #[serde(default)]
    pub standardize: bool,
}

fn default_trees() -> usize {
    ForestConfig::default().n_estimators
}
fn default_split() -> usize {
    ForestConfig::default().min_samples_split
}
fn default_leaf() -> usize {
    ForestConfig::default().min_samples_leaf
}
fn default_true() -> bool {
    true
}

pub struct RandomForest {
    params: Params,
    config: ForestConfig,
}

impl Stage for RandomForest {
    const KIND: &'static str = "random_forest";
    const VERSION: u32 = 1;
    const ABOUT: &'static str =
        "random forest, gini, bootstrap, features drawn per split (as scikit-learn)";
    const PORTS: &'static [Port] = &[Port::one("features")];
    type Params = Params;

    fn new(params: Params) -> Result<Self, ParamError> {
        let config = ForestConfig {
            n_estimators: params.n_estimators,
            max_depth: params.max_depth,
            min_samples_split: params.min_samples_split,
            min_samples_leaf: params.min_samples_leaf,
            max_features: params.max_features,
            bootstrap: params.bootstrap,
            seed: params.seed,
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
