//! Per-feature standardization `(x - mean) / std`, fitted on the training split only
//! and stored with the model so that prediction applies the very same transform.
//!
//! Statistics are computed in `f64` with two passes (mean, then squared deviations):
//! features near 1e10 from random-weight networks would lose all precision in a
//! one-pass `f32` sum of squares. The standard deviation is the population one
//! (divide by `n`). A feature that does not vary in training (std 0) is only centred:
//! dividing by 0 would create infinities, and such a feature carries no information.

use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

/// Mean and divisor per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standardization {
    pub mean: Vec<f64>,
    /// The standard deviation, or 1 where it is 0.
    pub scale: Vec<f64>,
}

impl Standardization {
    /// Fits the statistics of `rows`, each `n_features` long. `rows` must not be empty.
    pub(crate) fn fit<'a>(
        rows: impl Iterator<Item = ArrayView1<'a, f32>> + Clone,
        n_features: usize,
    ) -> Self {
        let mut count = 0usize;
        let mut mean = vec![0.0f64; n_features];
        for row in rows.clone() {
            count += 1;
            for (m, &x) in mean.iter_mut().zip(row.iter()) {
                *m += f64::from(x);
            }
        }
        let n = count.max(1) as f64;
        for m in &mut mean {
            *m /= n;
        }
        let mut variance = vec![0.0f64; n_features];
        for row in rows {
            for ((v, &m), &x) in variance.iter_mut().zip(&mean).zip(row.iter()) {
                let d = f64::from(x) - m;
                *v += d * d;
            }
        }
        let scale = variance
            .into_iter()
            .map(|v| {
                let std = (v / n).sqrt();
                if std > 0.0 && std.is_finite() {
                    std
                } else {
                    1.0
                }
            })
            .collect();
        Self { mean, scale }
    }

    /// Writes the standardized `row` into `out` (both `n_features` long).
    pub(crate) fn apply(&self, row: ArrayView1<'_, f32>, out: &mut [f32]) {
        for (((o, &x), &m), &s) in out
            .iter_mut()
            .zip(row.iter())
            .zip(&self.mean)
            .zip(&self.scale)
        {
            *o = ((f64::from(x) - m) / s) as f32;
        }
    }

    /// Writes the standardized `row` into `out` in `f64`, for the heads that compute in
    /// double precision (logistic regression, SVM): no rounding to `f32` on the way.
    pub(crate) fn apply_f64(&self, row: ArrayView1<'_, f32>, out: &mut [f64]) {
        for (((o, &x), &m), &s) in out
            .iter_mut()
            .zip(row.iter())
            .zip(&self.mean)
            .zip(&self.scale)
        {
            *o = (f64::from(x) - m) / s;
        }
    }

    pub fn n_features(&self) -> usize {
        self.mean.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn standardized_training_features_have_zero_mean_and_unit_variance() {
        let features = array![[1.0f32, 1e10, 5.0], [3.0, 3e10, 5.0], [5.0, 2e10, 5.0]];
        let fitted = Standardization::fit(features.rows().into_iter(), 3);
        let exact_mean = |c: usize| {
            features
                .column(c)
                .iter()
                .map(|&x| f64::from(x))
                .sum::<f64>()
                / 3.0
        };
        for c in 0..3 {
            assert!((fitted.mean[c] - exact_mean(c)).abs() <= 1e-15 * exact_mean(c).abs());
        }
        // The constant third feature is centred, not divided by zero.
        assert_eq!(fitted.scale[2], 1.0);
        let mut out = vec![0.0f32; 3];
        let mut columns = [[0.0f32; 3]; 3];
        for (r, row) in features.rows().into_iter().enumerate() {
            fitted.apply(row, &mut out);
            for c in 0..3 {
                columns[c][r] = out[c];
            }
        }
        for column in &columns[..2] {
            let mean: f32 = column.iter().sum::<f32>() / 3.0;
            let variance: f32 = column.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / 3.0;
            assert!(mean.abs() < 1e-6 && (variance - 1.0).abs() < 1e-5);
        }
        assert_eq!(columns[2], [0.0; 3]);
    }
}
