//! A trained softmax head and its predictions.
//!
//! Invariants (checked before every prediction, since a head may come from a file):
//! `weights` holds `n_classes` rows of `n_features` values, row-major; `bias` holds
//! `n_classes` values; a standardization, when present, covers `n_features` features.
//! Prediction applies the stored standardization, then computes the logits with the
//! same kernel and the same arithmetic as training, so a validation score recomputed
//! from a saved head equals the one recorded in its curve.

use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::curve::CurvePoint;
use super::error::LearnError;
use super::kernel::Kernel;
use super::samples::check_finite;
use super::softmax::{argmax, softmax};
use super::standardize::Standardization;
use super::train_config::TrainConfig;

/// One fully connected layer with softmax output, with what made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainedHead {
    n_classes: usize,
    n_features: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
    standardization: Option<Standardization>,
    config: TrainConfig,
    curve: Vec<CurvePoint>,
}

impl TrainedHead {
    pub(crate) fn from_parts(
        n_features: usize,
        weights: Vec<f32>,
        bias: Vec<f32>,
        standardization: Option<Standardization>,
        config: TrainConfig,
        curve: Vec<CurvePoint>,
    ) -> Self {
        Self {
            n_classes: bias.len(),
            n_features,
            weights,
            bias,
            standardization,
            config,
            curve,
        }
    }

    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// `n_classes` rows of `n_features` weights, row-major.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// The training split's statistics, when the head was trained on standardized
    /// features.
    pub fn standardization(&self) -> Option<&Standardization> {
        self.standardization.as_ref()
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    pub fn curve(&self) -> &[CurvePoint] {
        &self.curve
    }

    /// Class probabilities, one row per row of `features` (raw, as given to training:
    /// the stored standardization is applied here).
    pub fn predict_proba(&self, features: ArrayView2<'_, f32>) -> Result<Array2<f64>, LearnError> {
        self.check_consistent()?;
        if features.ncols() != self.n_features {
            return Err(LearnError::FeatureCountMismatch {
                found: features.ncols(),
                expected: self.n_features,
            });
        }
        check_finite(features)?;
        let kernel = Kernel::detect();
        let mut probabilities = Array2::zeros((features.nrows(), self.n_classes));
        let mut x = vec![0.0f32; self.n_features];
        let mut logits = vec![0.0f32; self.n_classes];
        let mut row_probabilities = vec![0.0f64; self.n_classes];
        for (sample, (row, mut out)) in features
            .rows()
            .into_iter()
            .zip(probabilities.rows_mut())
            .enumerate()
        {
            match &self.standardization {
                Some(s) => s.apply(row, &mut x),
                None => x.iter_mut().zip(row.iter()).for_each(|(o, &v)| *o = v),
            }
            score(kernel, &self.weights, &self.bias, &[&x], &[], &mut logits);
            if !logits.iter().all(|l| l.is_finite()) {
                return Err(LearnError::NonFiniteLogit { sample });
            }
            softmax(&logits, &mut row_probabilities);
            out.assign(&ArrayView1::from(&row_probabilities));
        }
        Ok(probabilities)
    }

    /// The most probable class per row; the lowest class wins a tie.
    pub fn predict(&self, features: ArrayView2<'_, f32>) -> Result<Vec<usize>, LearnError> {
        let probabilities = self.predict_proba(features)?;
        Ok(probabilities
            .rows()
            .into_iter()
            .map(|row| argmax(&row.to_vec()))
            .collect())
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
        expect("bias", self.bias.len(), self.n_classes)?;
        expect(
            "weights",
            self.weights.len(),
            self.n_classes * self.n_features,
        )?;
        if let Some(s) = &self.standardization {
            expect("standardization.mean", s.mean.len(), self.n_features)?;
            expect("standardization.scale", s.scale.len(), self.n_features)?;
        }
        Ok(())
    }
}

/// `logits[s] = weights . xs[s] + bias` (row `s` of `logits`, one value per class):
/// the one scoring rule of training and prediction. `next` are the vectors the
/// following call will score, prefetched meanwhile.
pub(crate) fn score(
    kernel: Kernel,
    weights: &[f32],
    bias: &[f32],
    xs: &[&[f32]],
    next: &[&[f32]],
    logits: &mut [f32],
) {
    kernel.logits(weights, xs, next, logits);
    for row in logits.chunks_mut(bias.len()) {
        for (l, &b) in row.iter_mut().zip(bias) {
            *l += b;
        }
    }
}
