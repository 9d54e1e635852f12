//! The study's classifier: a softmax head trained by mini-batch SGD on cached
//! bottleneck features, the train/validation/test splits it is judged on, and the
//! metrics that judge it; beside it, the heads the study names for comparison
//! ([`logistic`], [`svm`], [`forest`]), each a [`Classifier`]. Pure computation: no
//! file or network access.
//!
//! Data flow: [`Samples`] (feature rows, classes) -> [`split()`] -> [`train()`] ->
//! [`TrainedHead::predict_proba`] -> [`evaluate`] and [`patient_vote`]; or
//! [`split()`] -> `fit(samples, &split.train, config)` of another head ->
//! [`Classifier::predict_proba`].
//!
//! Invariants across the module: every random choice comes from [`Rng`] with a
//! documented stream, so results are a function of the inputs and seeds only, never of
//! a dependency's version or of thread scheduling; every ratio with an empty
//! denominator has a stated value; no function returns NaN or infinity for finite
//! inputs (non-finite inputs are refused, overflowing training is an error).

mod batches;
mod classifier;
mod curve;
mod error;
pub mod forest;
mod head;
#[cfg(test)]
mod heads_tests;
mod kernel;
mod lbfgs;
pub mod logistic;
mod metrics;
mod patient_vote;
mod rng;
mod samples;
mod softmax;
mod split;
mod standardize;
pub mod svm;
mod train;
mod train_config;
mod training_set;

pub use classifier::Classifier;
pub use curve::CurvePoint;
pub use error::LearnError;
pub use forest::{ForestConfig, MaxFeatures, RandomForest};
pub use head::TrainedHead;
pub use lbfgs::LbfgsStop;
pub use logistic::{LogisticConfig, LogisticRegression};
pub use metrics::{ClassMetrics, ConfusionMatrix, Evaluation, accuracy, evaluate};
pub use patient_vote::{PatientPrediction, PatientVote, patient_vote};
pub use rng::Rng;
pub use samples::Samples;
pub use split::{Split, SplitConfig, SplitMode, split};
pub use standardize::Standardization;
pub use svm::{Gamma, SupportVectorMachine, SvmConfig, SvmKernel};
pub use train::train;
pub use train_config::{MAX_BATCH_SIZE, TrainConfig, WeightInit};
