//! The multinomial logistic loss with an L2 penalty, and its gradient: the function
//! scikit-learn's `LogisticRegression(solver='lbfgs')` minimizes for three or more
//! classes (and, with its softmax over two columns, what we minimize for two).
//!
//! With `n` training rows, `K` classes, weights `W` (`K x d`) and intercepts `b`:
//!
//! `f(W, b) = (1/n) sum_i [logsumexp(W x_i + b) - (W x_i + b)_{y_i}] + |W|^2 / (2 C n)`
//!
//! which is scikit-learn's objective (the sum of log-losses plus `|W|^2 / (2C)`) divided
//! by `n`, as scikit-learn itself scales it before calling L-BFGS: the same optimum,
//! and a gradient tolerance that means the same there and here.
//!
//! Invariants: the log-sum-exp subtracts the row maximum, so nothing overflows; the
//! intercept gradient sums to zero over classes, so intercepts that start at zero keep
//! summing to zero (softmax does not see a shift common to all classes, and this is the
//! representative scikit-learn reports too).

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// The loss on fixed training rows, with buffers reused across evaluations.
pub(super) struct Objective<'a> {
    x: &'a Array2<f64>,
    y: &'a [usize],
    n_classes: usize,
    /// `1 / (C n)`.
    l2: f64,
    logits: Array2<f64>,
}

impl<'a> Objective<'a> {
    pub fn new(x: &'a Array2<f64>, y: &'a [usize], n_classes: usize, c: f64) -> Self {
        let n = x.nrows();
        Self {
            x,
            y,
            n_classes,
            l2: 1.0 / (c * n as f64),
            logits: Array2::zeros((n, n_classes)),
        }
    }

    /// Parameters: `K x d` weights, row-major, then `K` intercepts.
    pub fn n_parameters(&self) -> usize {
        self.n_classes * (self.x.ncols() + 1)
    }

    /// The objective at `w`, its gradient written into `gradient`.
    pub fn evaluate(&mut self, w: &[f64], gradient: &mut [f64]) -> f64 {
        let (n, d, k) = (self.x.nrows(), self.x.ncols(), self.n_classes);
        let (coef, intercept) = w.split_at(k * d);
        let coef = ArrayView2::from_shape((k, d), coef).expect("k * d weights");
        general_mat_mul(1.0, self.x, &coef.t(), 0.0, &mut self.logits);
        let inv_n = 1.0 / n as f64;
        let mut loss = 0.0;
        // Each row of logits becomes the residual (softmax - onehot) / n.
        for (mut row, &y) in self.logits.rows_mut().into_iter().zip(self.y) {
            let mut max = f64::NEG_INFINITY;
            for (z, &b) in row.iter_mut().zip(intercept) {
                *z += b;
                max = max.max(*z);
            }
            let sum: f64 = row.iter().map(|&z| (z - max).exp()).sum();
            let log_sum_exp = max + sum.ln();
            loss += log_sum_exp - row[y];
            for (class, z) in row.iter_mut().enumerate() {
                let p = (*z - log_sum_exp).exp();
                *z = (p - if class == y { 1.0 } else { 0.0 }) * inv_n;
            }
        }
        let (grad_coef, grad_intercept) = gradient.split_at_mut(k * d);
        let mut grad_coef = ArrayViewMut2::from_shape((k, d), grad_coef).expect("k * d weights");
        general_mat_mul(1.0, &self.logits.t(), self.x, 0.0, &mut grad_coef);
        let mut penalty = 0.0;
        for (g, &w) in grad_coef.iter_mut().zip(coef.iter()) {
            *g += self.l2 * w;
            penalty += w * w;
        }
        for (class, g) in grad_intercept.iter_mut().enumerate() {
            *g = self.logits.column(class).sum();
        }
        loss * inv_n + 0.5 * self.l2 * penalty
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_gradient_matches_central_differences() {
        let x = array![
            [0.5, -1.0],
            [2.0, 0.3],
            [-0.7, 0.8],
            [1.1, 1.9],
            [0.0, -0.4]
        ];
        let y = [0, 1, 2, 1, 0];
        let mut objective = Objective::new(&x, &y, 3, 0.7);
        let w: Vec<f64> = (0..objective.n_parameters())
            .map(|i| (i as f64 * 0.37).sin())
            .collect();
        let mut gradient = vec![0.0; w.len()];
        objective.evaluate(&w, &mut gradient);
        let mut scratch = vec![0.0; w.len()];
        for i in 0..w.len() {
            let h = 1e-6;
            let (mut plus, mut minus) = (w.clone(), w.clone());
            plus[i] += h;
            minus[i] -= h;
            let numeric = (objective.evaluate(&plus, &mut scratch)
                - objective.evaluate(&minus, &mut scratch))
                / (2.0 * h);
            assert!(
                (numeric - gradient[i]).abs() < 1e-8,
                "parameter {i}: {numeric} vs {}",
                gradient[i]
            );
        }
        // Intercept gradients sum to zero.
        assert!(gradient[6..].iter().sum::<f64>().abs() < 1e-15);
    }

    #[test]
    fn at_zero_weights_the_loss_is_log_k() {
        let x = array![[1e10, -3e9], [2.0, 1.0]];
        let mut objective = Objective::new(&x, &[0, 1], 3, 1.0);
        let mut gradient = vec![0.0; 9];
        let loss = objective.evaluate(&[0.0; 9], &mut gradient);
        assert!((loss - 3f64.ln()).abs() < 1e-15);
        assert!(gradient.iter().all(|g| g.is_finite()));
    }
}
