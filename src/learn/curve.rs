//! The training curve: what a run looked like every `eval_every` steps.

use serde::{Deserialize, Serialize};

/// The state after `step` updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurvePoint {
    /// Updates done so far (1-based: the first point after `eval_every` updates).
    pub step: usize,
    /// The rate of the last update.
    pub learning_rate: f64,
    /// Mean cross-entropy of the batches since the previous point.
    pub train_loss: f64,
    /// Share of validation samples classified correctly; `None` without validation set.
    pub validation_accuracy: Option<f64>,
    /// Mean validation cross-entropy; `None` without validation set.
    pub validation_loss: Option<f64>,
}
