//! A fitted multi-class SVM: one-vs-one as libsvm (and scikit-learn's `SVC`), its
//! support vectors and coefficients in libsvm's layout, and prediction by voting.
//!
//! Fitting: classes in ascending order; for each pair `(i, j)`, `i < j`, in the order
//! (0,1), (0,2), ..., (1,2), ..., a binary problem with class `i` as `+1` and class `j`
//! as `-1` over their training rows (each class's rows in training order); the pairs
//! are solved in parallel and collected in order, so the model does not depend on the
//! thread count. A training row is a support vector when its coefficient is non-zero
//! in any pair; support vectors are grouped by class, in training order.
//!
//! Layout (scikit-learn's `support_`, `n_support_`, `dual_coef_`, `intercept_ = -rho`):
//! `dual_coef` has `n_classes - 1` rows of `n_sv` values; pair `(i, j)` reads class
//! `i`'s support vectors in row `j - 1` and class `j`'s in row `i`.
//!
//! Prediction, libsvm's `svm_predict_values`: the decision value of pair `p = (i, j)`
//! is `sum_s coef_s K(x, sv_s) - rho_p` over both classes' support vectors; `> 0`
//! votes for `i`, otherwise for `j`; the most votes win, the lowest class on a tie.
//! Class probabilities are the vote fractions (votes / pairs): libsvm's Platt-scaled
//! probabilities need an internal cross-validation and are not offered; the fractions'
//! largest entry, lowest class first, is exactly libsvm's prediction.
//!
//! Invariants (checked before every prediction, since a model may come from a file):
//! the shapes above; `n_support` sums to the support vector count.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::config::SvmConfig;
use super::kernel::KernelFunction;
use super::smo::{Problem, Solution, solve};
use crate::learn::classifier::Classifier;
use crate::learn::error::LearnError;
use crate::learn::samples::Samples;
use crate::learn::standardize::Standardization;
use crate::learn::training_set::{TrainingSet, check_standardization, prediction_rows};

/// How each pairwise solver ended, in pair order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SvmFit {
    pub iterations: Vec<u64>,
    /// The dual objective of each pair at its solution.
    pub objective: Vec<f64>,
    /// Whether every pair met the stopping test (not `max_iter`).
    pub converged: bool,
}

/// Support vectors, their coefficients and the pairs' offsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportVectorMachine {
    n_classes: usize,
    n_features: usize,
    kernel: KernelFunction,
    /// Support vectors, row-major (`n_sv x n_features`), on standardized features when
    /// the model standardizes.
    support_vectors: Vec<f64>,
    /// Position of each support vector among the training rows given to `fit`.
    support: Vec<usize>,
    n_support: Vec<usize>,
    dual_coef: Vec<f64>,
    rho: Vec<f64>,
    standardization: Option<Standardization>,
    config: SvmConfig,
    fit: SvmFit,
}

impl SupportVectorMachine {
    /// Fits on `rows` of `samples`; every class must have a row there.
    pub fn fit(
        samples: &Samples<'_>,
        rows: &[usize],
        config: &SvmConfig,
    ) -> Result<Self, LearnError> {
        config.validate()?;
        let set = TrainingSet::gather(samples, rows, config.standardize)?;
        let kernel = KernelFunction::resolve(config.kernel, config.gamma, &set.x);
        let k = set.n_classes;
        // Training positions grouped by class, each class in training order.
        let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); k];
        for (position, &class) in set.y.iter().enumerate() {
            by_class[class].push(position);
        }
        let pairs = class_pairs(k);
        let cache_bytes = (config.cache_size_mb * f64::from(1u32 << 20)) as usize;
        let solutions: Vec<Solution> = pairs
            .par_iter()
            .map(|&(i, j)| {
                let members: Vec<usize> = by_class[i].iter().chain(&by_class[j]).copied().collect();
                let x = set.x.select(ndarray::Axis(0), &members);
                let l = members.len() as u64;
                let problem = Problem {
                    x: &x,
                    n_positive: by_class[i].len(),
                    kernel,
                    c: config.c,
                    tol: config.tol,
                    shrinking: config.shrinking,
                    cache_bytes,
                    max_iter: config
                        .max_iter
                        .unwrap_or_else(|| 10_000_000u64.max(l.saturating_mul(100))),
                };
                solve(&problem)
            })
            .collect();

        // A row is a support vector when any pair gives it a non-zero coefficient.
        let mut nonzero = vec![false; set.y.len()];
        for (&(i, j), solution) in pairs.iter().zip(&solutions) {
            let members = by_class[i].iter().chain(&by_class[j]);
            for (&position, &coef) in members.zip(&solution.coef) {
                nonzero[position] |= coef.abs() > 0.0;
            }
        }
        let d = samples.n_features();
        let mut support = Vec::new();
        let mut n_support = vec![0usize; k];
        // Index of each training position among the support vectors.
        let mut sv_index = vec![usize::MAX; set.y.len()];
        for (class, members) in by_class.iter().enumerate() {
            for &position in members.iter().filter(|&&p| nonzero[p]) {
                sv_index[position] = support.len();
                support.push(position);
                n_support[class] += 1;
            }
        }
        let n_sv = support.len();
        let mut support_vectors = Vec::with_capacity(n_sv * d);
        for &position in &support {
            support_vectors.extend(set.x.row(position).iter());
        }
        let mut dual_coef = vec![0.0; (k - 1) * n_sv];
        for (&(i, j), solution) in pairs.iter().zip(&solutions) {
            let members = by_class[i].iter().chain(&by_class[j]);
            for (&position, &coef) in members.zip(&solution.coef) {
                if nonzero[position] {
                    let class = set.y[position];
                    let row = if class == i { j - 1 } else { i };
                    dual_coef[row * n_sv + sv_index[position]] = coef;
                }
            }
        }
        Ok(Self {
            n_classes: k,
            n_features: d,
            kernel,
            support_vectors,
            support,
            n_support,
            dual_coef,
            rho: solutions.iter().map(|s| s.rho).collect(),
            standardization: set.standardization,
            config: config.clone(),
            fit: SvmFit {
                iterations: solutions.iter().map(|s| s.iterations).collect(),
                objective: solutions.iter().map(|s| s.objective).collect(),
                converged: solutions.iter().all(|s| s.converged),
            },
        })
    }

    pub fn kernel(&self) -> KernelFunction {
        self.kernel
    }

    /// Positions of the support vectors among the training rows, grouped by class.
    pub fn support(&self) -> &[usize] {
        &self.support
    }

    /// Support vectors per class.
    pub fn n_support(&self) -> &[usize] {
        &self.n_support
    }

    /// `(n_classes - 1) x n_sv` coefficients, row-major, in libsvm's layout.
    pub fn dual_coef(&self) -> &[f64] {
        &self.dual_coef
    }

    /// Offset per pair, in pair order (scikit-learn's `intercept_` is `-rho`).
    pub fn rho(&self) -> &[f64] {
        &self.rho
    }

    pub fn standardization(&self) -> Option<&Standardization> {
        self.standardization.as_ref()
    }

    pub fn config(&self) -> &SvmConfig {
        &self.config
    }

    pub fn fit_report(&self) -> &SvmFit {
        &self.fit
    }

    /// One decision value per pair `(i, j)`, `i < j`, in the order (0,1), (0,2), ...:
    /// positive for class `i` (scikit-learn's `decision_function_shape='ovo'`).
    pub fn decision_function(
        &self,
        features: ArrayView2<'_, f32>,
    ) -> Result<Array2<f64>, LearnError> {
        self.check_consistent()?;
        let x = prediction_rows(features, self.n_features, self.standardization.as_ref())?;
        let pairs = class_pairs(self.n_classes);
        let n_sv = self.support.len();
        let mut start = vec![0usize; self.n_classes];
        for class in 1..self.n_classes {
            start[class] = start[class - 1] + self.n_support[class - 1];
        }
        let mut values = Array2::zeros((x.nrows(), pairs.len()));
        let mut kernel_values = vec![0.0; n_sv];
        for (row, mut out) in x.rows().into_iter().zip(values.rows_mut()) {
            let row = row.as_slice().expect("contiguous rows");
            for (k, sv) in kernel_values
                .iter_mut()
                .zip(self.support_vectors.chunks_exact(self.n_features.max(1)))
            {
                *k = self.kernel.between(row, sv);
            }
            for (p, &(i, j)) in pairs.iter().enumerate() {
                let mut sum = 0.0;
                let coef_i = &self.dual_coef[(j - 1) * n_sv..j * n_sv];
                for s in start[i]..start[i] + self.n_support[i] {
                    sum += coef_i[s] * kernel_values[s];
                }
                let coef_j = &self.dual_coef[i * n_sv..(i + 1) * n_sv];
                for s in start[j]..start[j] + self.n_support[j] {
                    sum += coef_j[s] * kernel_values[s];
                }
                out[p] = sum - self.rho[p];
            }
        }
        Ok(values)
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
        let k = self.n_classes;
        let n_sv = self.support.len();
        if k < 2 {
            return Err(LearnError::TooFewClasses { found: k });
        }
        expect("n_support", self.n_support.len(), k)?;
        expect("support", self.n_support.iter().sum::<usize>(), n_sv)?;
        expect(
            "support_vectors",
            self.support_vectors.len(),
            n_sv * self.n_features,
        )?;
        expect("dual_coef", self.dual_coef.len(), (k - 1) * n_sv)?;
        expect("rho", self.rho.len(), k * (k - 1) / 2)?;
        check_standardization(self.standardization.as_ref(), self.n_features)
    }
}

impl Classifier for SupportVectorMachine {
    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn n_features(&self) -> usize {
        self.n_features
    }

    /// Vote fractions of the one-vs-one machines (see the module docs).
    fn predict_proba(&self, features: ArrayView2<'_, f32>) -> Result<Array2<f64>, LearnError> {
        let values = self.decision_function(features)?;
        let pairs = class_pairs(self.n_classes);
        let share = 1.0 / pairs.len() as f64;
        let mut probabilities = Array2::zeros((values.nrows(), self.n_classes));
        for (decisions, mut out) in values.rows().into_iter().zip(probabilities.rows_mut()) {
            for (&value, &(i, j)) in decisions.iter().zip(&pairs) {
                out[if value > 0.0 { i } else { j }] += share;
            }
        }
        Ok(probabilities)
    }
}

/// The pairs `(i, j)`, `i < j`, in libsvm's order.
fn class_pairs(n_classes: usize) -> Vec<(usize, usize)> {
    (0..n_classes)
        .flat_map(|i| (i + 1..n_classes).map(move |j| (i, j)))
        .collect()
}
