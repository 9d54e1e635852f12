//! A fitted logistic-regression head: fitting by L-BFGS, and prediction.
//!
//! Invariants (checked before every prediction, since a model may come from a file):
//! `coef` holds `n_classes` rows of `n_features` values, row-major; `intercept` holds
//! `n_classes` values; a standardization, when present, covers `n_features` features.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::config::LogisticConfig;
use super::objective::Objective;
use crate::learn::classifier::Classifier;
use crate::learn::error::LearnError;
use crate::learn::lbfgs::{LbfgsOptions, LbfgsStop, minimize};
use crate::learn::samples::Samples;
use crate::learn::standardize::Standardization;
use crate::learn::training_set::{TrainingSet, check_standardization, prediction_rows};

/// SciPy's relative-decrease tolerance as scikit-learn sets it (`64 * eps`).
const FTOL: f64 = 64.0 * f64::EPSILON;

/// How the solver ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticFit {
    /// The mean objective (see `objective`) at the solution.
    pub objective: f64,
    /// The largest gradient component there.
    pub gradient_max: f64,
    pub iterations: usize,
    pub evaluations: usize,
    pub stop: LbfgsStop,
    /// Whether a tolerance test stopped the run (not `max_iter` or the line search).
    pub converged: bool,
}

/// Weights and intercepts per class, with what made them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticRegression {
    n_classes: usize,
    n_features: usize,
    coef: Vec<f64>,
    intercept: Vec<f64>,
    standardization: Option<Standardization>,
    config: LogisticConfig,
    fit: LogisticFit,
}

impl LogisticRegression {
    /// Fits on `rows` of `samples`; every class must have a row there.
    ///
    /// With two classes scikit-learn fits one binary weight vector `v` penalized by
    /// `|v|^2 / (2C)`; the softmax over two classes fitted with `C / 2` has exactly that
    /// optimum (`v = w_1 - w_0`, the penalty shared equally by `w_0 = -w_1`), so the
    /// same decision function comes out with one code path.
    pub fn fit(
        samples: &Samples<'_>,
        rows: &[usize],
        config: &LogisticConfig,
    ) -> Result<Self, LearnError> {
        config.validate()?;
        let set = TrainingSet::gather(samples, rows, config.standardize)?;
        let c = if set.n_classes == 2 {
            config.c / 2.0
        } else {
            config.c
        };
        let mut objective = Objective::new(&set.x, &set.y, set.n_classes, c);
        let x0 = vec![0.0; objective.n_parameters()];
        let options = LbfgsOptions {
            max_iter: config.max_iter,
            gtol: config.tol,
            ftol: FTOL,
            memory: 10,
            max_line_search: 50,
        };
        let result = minimize(|w, g| objective.evaluate(w, g), x0, &options);
        let d = samples.n_features();
        let mut coef = result.x;
        let intercept = coef.split_off(set.n_classes * d);
        Ok(Self {
            n_classes: set.n_classes,
            n_features: d,
            coef,
            intercept,
            standardization: set.standardization,
            config: config.clone(),
            fit: LogisticFit {
                objective: result.f,
                gradient_max: result.gradient_max,
                iterations: result.iterations,
                evaluations: result.evaluations,
                stop: result.stop,
                converged: matches!(result.stop, LbfgsStop::Gradient | LbfgsStop::Objective),
            },
        })
    }

    /// `n_classes` rows of `n_features` weights, row-major, on standardized features
    /// when the model standardizes.
    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    pub fn intercept(&self) -> &[f64] {
        &self.intercept
    }

    pub fn standardization(&self) -> Option<&Standardization> {
        self.standardization.as_ref()
    }

    pub fn config(&self) -> &LogisticConfig {
        &self.config
    }

    pub fn fit_report(&self) -> &LogisticFit {
        &self.fit
    }

    /// The class scores `W x + b`, one row per row of `features` (raw, as given to
    /// fitting).
    pub fn decision_function(
        &self,
        features: ArrayView2<'_, f32>,
    ) -> Result<Array2<f64>, LearnError> {
        self.check_consistent()?;
        let x = prediction_rows(features, self.n_features, self.standardization.as_ref())?;
        let coef = ArrayView2::from_shape((self.n_classes, self.n_features), &self.coef)
            .expect("checked shape");
        let mut scores = x.dot(&coef.t());
        for mut row in scores.rows_mut() {
            row.iter_mut()
                .zip(&self.intercept)
                .for_each(|(s, &b)| *s += b);
        }
        Ok(scores)
    }

    fn check_consistent(&self) -> Result<(), LearnError> {
        let expect = |what, found, expected| {
            if found == expected {
                Ok(())
            } else {
                Err(LearnError::CorruptModel {
                    what,
                    found,
                    expected,
                })
            }
        };
        expect("intercept", self.intercept.len(), self.n_classes)?;
        expect("coef", self.coef.len(), self.n_classes * self.n_features)?;
        check_standardization(self.standardization.as_ref(), self.n_features)
    }
}

impl Classifier for LogisticRegression {
    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn n_features(&self) -> usize {
        self.n_features
    }

    /// Softmax of the class scores (the row maximum subtracted first).
    fn predict_proba(&self, features: ArrayView2<'_, f32>) -> Result<Array2<f64>, LearnError> {
        let mut scores = self.decision_function(features)?;
        for mut row in scores.rows_mut() {
            let max = row.iter().fold(f64::NEG_INFINITY, |m, &s| m.max(s));
            row.iter_mut().for_each(|s| *s = (*s - max).exp());
            let sum = row.sum();
            row.iter_mut().for_each(|p| *p /= sum);
        }
        Ok(scores)
    }
}
