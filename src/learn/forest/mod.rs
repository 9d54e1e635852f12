//! Random forests as scikit-learn's `RandomForestClassifier`: CART trees on gini,
//! each on a bootstrap sample, drawing `max_features` candidate features anew at every
//! split; predictions average the trees' class shares.
//!
//! Why our own: linfa-ensemble 0.8 draws one feature subset per tree, not per split
//! (a different estimator, and it pulls ndarray 0.16 beside our 0.17); smartcore 0.7
//! took 1.8 times scikit-learn's single-threaded time in issue 13's measurement and
//! would raise our `rust-version` to 1.90. The builder here follows scikit-learn's
//! splitter rule for rule (see `builder`), so a forest differs from scikit-learn's only
//! through the random draws, and it grows trees in parallel.
//!
//! Data flow: [`ForestConfig`] -> `RandomForest::fit` (feature-major copy of the
//! training rows, one `builder::grow` per tree in parallel) -> [`DecisionTree`]s ->
//! averaged leaf shares.

mod builder;
mod config;
mod model;
mod tree;

pub use config::{ForestConfig, MAX_ESTIMATORS, MaxFeatures};
pub use model::RandomForest;
pub use tree::{DecisionTree, Node};

#[cfg(test)]
mod tests;
