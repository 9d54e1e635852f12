//! A fitted random forest: trees grown in parallel, predictions averaged.
//!
//! Tree `t` draws its bootstrap sample and its features from its own generator,
//! `Rng::with_stream(seed, FOREST_STREAM + t)`, and trees are collected in index
//! order, so the forest is the same whatever the number of threads. The class
//! probabilities of a row are the mean over trees of its leaves' class shares, summed
//! in tree order (scikit-learn's `predict_proba`).

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::builder::{TreeData, grow};
use super::config::ForestConfig;
use super::tree::DecisionTree;
use crate::learn::classifier::Classifier;
use crate::learn::error::LearnError;
use crate::learn::rng::Rng;
use crate::learn::samples::{Samples, check_finite};
use crate::learn::standardize::Standardization;
use crate::learn::training_set::{check_standardization, check_training_rows};

/// The [`Rng`] streams of the trees start here ("FOREST"), one per tree index.
const FOREST_STREAM: u64 = 0x464F_5245_5354 << 16;

/// Trees and what made them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomForest {
    n_classes: usize,
    n_features: usize,
    trees: Vec<DecisionTree>,
    standardization: Option<Standardization>,
    config: ForestConfig,
}

impl RandomForest {
    /// Fits on `rows` of `samples`; every class must have a row there.
    pub fn fit(
        samples: &Samples<'_>,
        rows: &[usize],
        config: &ForestConfig,
    ) -> Result<Self, LearnError> {
        config.validate()?;
        check_training_rows(samples, rows)?;
        if u32::try_from(rows.len()).is_err() {
            return Err(LearnError::InvalidParameter {
                name: "training rows",
                found: rows.len().to_string(),
                expected: "at most 4294967295 rows",
            });
        }
        let d = samples.n_features();
        let max_features = config.max_features.resolve(d)?;
        let standardization = config
            .standardize
            .then(|| Standardization::fit(rows.iter().map(|&i| samples.row(i)), d));
        // Feature-major copy: a node's values of one feature are then one short slice.
        let n = rows.len();
        let mut columns = vec![0.0f32; d * n];
        let mut scratch = vec![0.0f32; d];
        for (r, &i) in rows.iter().enumerate() {
            let row = samples.row(i);
            match &standardization {
                Some(s) => s.apply(row, &mut scratch),
                None => scratch
                    .iter_mut()
                    .zip(row.iter())
                    .for_each(|(o, &v)| *o = v),
            }
            for (f, &v) in scratch.iter().enumerate() {
                columns[f * n + r] = v;
            }
        }
        let labels: Vec<usize> = rows.iter().map(|&i| samples.labels()[i]).collect();
        let data = TreeData {
            columns: &columns,
            n_rows: n,
            n_features: d,
            labels: &labels,
            n_classes: samples.n_classes(),
            max_depth: config.max_depth.unwrap_or(usize::MAX),
            min_samples_split: config.min_samples_split,
            min_samples_leaf: config.min_samples_leaf,
            max_features,
        };
        let trees = (0..config.n_estimators)
            .into_par_iter()
            .map(|t| {
                let mut rng = Rng::with_stream(config.seed, FOREST_STREAM + t as u64);
                let weights = if config.bootstrap {
                    let mut counts = vec![0u32; n];
                    for _ in 0..n {
                        counts[rng.index(n)] += 1;
                    }
                    counts
                } else {
                    vec![1u32; n]
                };
                grow(&data, &weights, &mut rng)
            })
            .collect();
        Ok(Self {
            n_classes: samples.n_classes(),
            n_features: d,
            trees,
            standardization,
            config: config.clone(),
        })
    }

    pub fn trees(&self) -> &[DecisionTree] {
        &self.trees
    }

    pub fn standardization(&self) -> Option<&Standardization> {
        self.standardization.as_ref()
    }

    pub fn config(&self) -> &ForestConfig {
        &self.config
    }

    fn check_consistent(&self) -> Result<(), LearnError> {
        if self.n_classes < 2 {
            return Err(LearnError::TooFewClasses {
                found: self.n_classes,
            });
        }
        if self.trees.is_empty() {
            return Err(LearnError::CorruptModel {
                what: "trees",
                found: 0,
                expected: self.config.n_estimators.max(1),
            });
        }
        for tree in &self.trees {
            tree.check(self.n_features, self.n_classes)?;
        }
        check_standardization(self.standardization.as_ref(), self.n_features)
    }
}

impl Classifier for RandomForest {
    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn n_features(&self) -> usize {
        self.n_features
    }

    fn predict_proba(&self, features: ArrayView2<'_, f32>) -> Result<Array2<f64>, LearnError> {
        self.check_consistent()?;
        if features.ncols() != self.n_features {
            return Err(LearnError::FeatureCountMismatch {
                found: features.ncols(),
                expected: self.n_features,
            });
        }
        check_finite(features)?;
        let mut probabilities = Array2::zeros((features.nrows(), self.n_classes));
        let mut x = vec![0.0f32; self.n_features];
        let share = 1.0 / self.trees.len() as f64;
        for (row, mut out) in features.rows().into_iter().zip(probabilities.rows_mut()) {
            match &self.standardization {
                Some(s) => s.apply(row, &mut x),
                None => x.iter_mut().zip(row.iter()).for_each(|(o, &v)| *o = v),
            }
            for tree in &self.trees {
                for (o, &s) in out.iter_mut().zip(tree.leaf(&x)) {
                    *o += s;
                }
            }
            out.iter_mut().for_each(|p| *p *= share);
        }
        Ok(probabilities)
    }
}
