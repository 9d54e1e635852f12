//! The study's classifier: a softmax head trained by mini-batch SGD on cached
//! bottleneck features, the train/validation/test splits it is judged on, and the
//! metrics that judge it. Pure computation: no file or network access.
//!
//! Data flow: [`Samples`] (feature rows, classes) -> [`split()`] -> [`train()`] ->
//! [`TrainedHead::predict_proba`] -> [`evaluate`] and [`patient_vote`].
//!
//! Invariants across the module: every random choice comes from [`Rng`] with a
//! documented stream, so results are a function of the inputs and seeds only, never of
//! a dependency's version or of thread scheduling; every ratio with an empty
//! denominator has a stated value; no function returns NaN or infinity for finite
//! inputs (non-finite inputs are refused, overflowing training is an error).

mod batches;
mod curve;
mod error;
mod head;
mod kernel;
mod metrics;
mod patient_vote;
mod rng;
mod samples;
mod softmax;
mod split;
mod standardize;
mod train;
mod train_config;

pub use curve::CurvePoint;
pub use error::LearnError;
pub use head::TrainedHead;
pub use metrics::{ClassMetrics, ConfusionMatrix, Evaluation, accuracy, evaluate};
pub use patient_vote::{PatientPrediction, PatientVote, patient_vote};
pub use rng::Rng;
pub use samples::Samples;
pub use split::{Split, SplitConfig, SplitMode, split};
pub use standardize::Standardization;
pub use train::train;
pub use train_config::{MAX_BATCH_SIZE, TrainConfig, WeightInit};
