//! Kernel functions with `gamma` resolved, evaluated as libsvm evaluates them.
//!
//! Training computes the RBF kernel from a dot product and the two squared norms,
//! `exp(-gamma (|x|^2 + |z|^2 - 2 x.z))` (libsvm's `kernel_rbf`: one dot product per
//! entry of the kernel matrix); prediction from the squared distance itself (libsvm's
//! `k_function`). Dot products run over eight independent partial sums so the compiler
//! can vectorize them; the order of the additions is fixed, so results do not depend on
//! the machine beyond its `exp`.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::config::{Gamma, SvmKernel};

/// A kernel ready to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KernelFunction {
    Linear,
    Rbf { gamma: f64 },
}

impl KernelFunction {
    /// The kernel of `kind`, with `gamma` resolved on the training matrix `x` as
    /// scikit-learn resolves it.
    pub(crate) fn resolve(kind: SvmKernel, gamma: Gamma, x: &Array2<f64>) -> Self {
        match kind {
            SvmKernel::Linear => Self::Linear,
            SvmKernel::Rbf => {
                let gamma = match gamma {
                    Gamma::Value(g) => g,
                    Gamma::Auto => 1.0 / x.ncols() as f64,
                    Gamma::Scale => {
                        let variance = variance(x);
                        if variance > 0.0 {
                            1.0 / (x.ncols() as f64 * variance)
                        } else {
                            1.0
                        }
                    }
                };
                Self::Rbf { gamma }
            }
        }
    }

    /// Whether training needs the rows' squared norms.
    pub(crate) fn needs_norms(self) -> bool {
        matches!(self, Self::Rbf { .. })
    }

    /// The kernel of two training rows from their dot product and squared norms.
    pub(crate) fn of_dot(self, dot: f64, square_a: f64, square_b: f64) -> f64 {
        match self {
            Self::Linear => dot,
            Self::Rbf { gamma } => (-gamma * (square_a + square_b - 2.0 * dot)).exp(),
        }
    }

    /// The kernel of a new row and a support vector.
    pub(crate) fn between(self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Self::Linear => dot(a, b),
            Self::Rbf { gamma } => (-gamma * squared_distance(a, b)).exp(),
        }
    }
}

/// The population variance of every entry of `x`, in two passes.
fn variance(x: &Array2<f64>) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    x.iter().map(|&v| (v - mean) * (v - mean)).sum::<f64>() / n
}

/// Lanes of the partial sums.
const LANES: usize = 8;

/// `a . b` (equally long slices).
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut partial = [0.0f64; LANES];
    let (chunks_a, chunks_b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in chunks_a.zip(chunks_b) {
        for lane in 0..LANES {
            partial[lane] += x[lane] * y[lane];
        }
    }
    reduce(partial) + tail
}

/// `|a - b|^2` (equally long slices).
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    let mut partial = [0.0f64; LANES];
    let (chunks_a, chunks_b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    for (x, y) in chunks_a.zip(chunks_b) {
        for lane in 0..LANES {
            let d = x[lane] - y[lane];
            partial[lane] += d * d;
        }
    }
    reduce(partial) + tail
}

fn reduce(p: [f64; LANES]) -> f64 {
    ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn dot_and_distance_agree_with_plain_sums_for_every_tail_length() {
        for n in [0, 1, 7, 8, 9, 16, 31] {
            let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos()).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            let plain_distance: f64 = a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-12, "n = {n}");
            assert!((squared_distance(&a, &b) - plain_distance).abs() < 1e-12);
        }
    }

    #[test]
    fn gamma_rules_follow_scikit_learn() {
        let x = array![[1.0, 2.0], [3.0, 6.0]];
        // Entries 1, 2, 3, 6: mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5.
        let table = [
            (Gamma::Scale, 1.0 / (2.0 * 3.5)),
            (Gamma::Auto, 0.5),
            (Gamma::Value(0.125), 0.125),
        ];
        for (gamma, expected) in table {
            assert_eq!(
                KernelFunction::resolve(SvmKernel::Rbf, gamma, &x),
                KernelFunction::Rbf { gamma: expected }
            );
        }
        let constant = array![[4.0, 4.0], [4.0, 4.0]];
        assert_eq!(
            KernelFunction::resolve(SvmKernel::Rbf, Gamma::Scale, &constant),
            KernelFunction::Rbf { gamma: 1.0 }
        );
        assert_eq!(
            KernelFunction::resolve(SvmKernel::Linear, Gamma::Scale, &x),
            KernelFunction::Linear
        );
    }

    #[test]
    fn the_training_and_prediction_forms_of_rbf_agree() {
        let (a, b) = ([0.5, -1.0, 2.0], [1.5, 0.25, -0.5]);
        let k = KernelFunction::Rbf { gamma: 0.3 };
        let via_dot = k.of_dot(dot(&a, &b), dot(&a, &a), dot(&b, &b));
        assert!((via_dot - k.between(&a, &b)).abs() < 1e-15);
    }
}
