//! Multinomial logistic regression with an L2 penalty, as scikit-learn's
//! `LogisticRegression(penalty='l2', C=..., solver='lbfgs')`: the same objective (see
//! `objective`), minimized from zero weights by L-BFGS with SciPy's stopping rules.
//!
//! Invariants: the fit is a pure function of the training rows and the config (no
//! randomness; single-threaded, so no dependence on thread count); the objective is
//! strictly convex in the weights, so any solver converging to its tolerance lands on
//! scikit-learn's optimum up to that tolerance.

mod config;
mod model;
mod objective;

pub use config::LogisticConfig;
pub use model::{LogisticFit, LogisticRegression};

#[cfg(test)]
mod tests;
