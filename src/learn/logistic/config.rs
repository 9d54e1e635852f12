//! The parameters of a logistic-regression head, as a pipeline file states them.
//!
//! Defaults are scikit-learn's `LogisticRegression()` (C 1, tol 1e-4, max_iter 100),
//! except that features are standardized on the training split by default: without it
//! raw network features of very different scales make the L2 penalty act unevenly and
//! L-BFGS stop at `max_iter` far from the optimum. Unknown keys are errors.

use serde::{Deserialize, Serialize};

use crate::learn::error::LearnError;

/// Everything that decides a logistic-regression fit besides its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogisticConfig {
    /// Inverse regularization strength, scikit-learn's `C`: the objective is the sum of
    /// the samples' log-losses plus `|W|^2 / (2 C)`; intercepts are not penalized.
    pub c: f64,
    /// Stop when the largest gradient component of the mean objective is at most this.
    pub tol: f64,
    /// Stop after this many L-BFGS iterations.
    pub max_iter: usize,
    /// Standardize each feature with the training split's mean and deviation.
    pub standardize: bool,
}

impl Default for LogisticConfig {
    fn default() -> Self {
        Self {
            c: 1.0,
            tol: 1e-4,
            max_iter: 100,
            standardize: true,
        }
    }
}

impl LogisticConfig {
    pub fn validate(&self) -> Result<(), LearnError> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !positive(self.c) {
            return Err(LearnError::InvalidParameter {
                name: "c",
                found: self.c.to_string(),
                expected: "a finite number above 0",
            });
        }
        if !positive(self.tol) {
            return Err(LearnError::InvalidParameter {
                name: "tol",
                found: self.tol.to_string(),
                expected: "a finite number above 0",
            });
        }
        if self.max_iter == 0 {
            return Err(LearnError::InvalidParameter {
                name: "max_iter",
                found: "0".into(),
                expected: "at least 1",
            });
        }
        Ok(())
    }
}
