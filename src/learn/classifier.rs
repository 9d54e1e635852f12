//! What every fitted classifier head offers: class probabilities and predictions for
//! raw feature rows (each head applies its own stored standardization).
//!
//! Invariants: `predict_proba` returns one row per input row and one column per class,
//! each row finite, in `[0, 1]` and summing to 1 up to rounding; `predict` is the
//! column of the largest probability, the lowest class winning a tie, unless a head
//! documents its own rule (the SVM's libsvm vote gives the same answer).

use ndarray::{Array2, ArrayView2};

use super::error::LearnError;
use super::softmax::argmax;

/// A fitted head.
pub trait Classifier {
    fn n_classes(&self) -> usize;

    fn n_features(&self) -> usize;

    /// Class probabilities, one row per row of `features`, one column per class.
    fn predict_proba(&self, features: ArrayView2<'_, f32>) -> Result<Array2<f64>, LearnError>;

    /// The predicted class per row.
    fn predict(&self, features: ArrayView2<'_, f32>) -> Result<Vec<usize>, LearnError> {
        let probabilities = self.predict_proba(features)?;
        Ok(probabilities
            .rows()
            .into_iter()
            .map(|row| argmax(&row.to_vec()))
            .collect())
    }
}
