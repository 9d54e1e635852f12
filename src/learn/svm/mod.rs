//! Support vector classification as libsvm's C-SVC (scikit-learn's `SVC`): linear and
//! RBF kernels, one-vs-one over class pairs with voting, each pair solved by libsvm's
//! SMO (second-order working set selection, optional shrinking, an LRU kernel cache).
//!
//! Why our own: no Rust crate offers it fast and multi-class. linfa-svm 0.8 is binary
//! only (and pulls ndarray 0.16 beside our 0.17); smartcore 0.7 took 33 s where
//! scikit-learn takes 0.16 s on 1,000 x 256 with 3 classes (issue 13's measurement).
//! Porting libsvm's solver keeps scikit-learn's optimum, support vectors and tie rules.
//!
//! Data flow: [`SvmConfig`] -> `SupportVectorMachine::fit` (standardize, resolve
//! gamma, one `smo::solve` per class pair) -> decision values -> votes.

mod cache;
mod config;
mod kernel;
mod model;
mod smo;

pub use config::{Gamma, MAX_CACHE_MB, SvmConfig, SvmKernel};
pub use kernel::KernelFunction;
pub use model::{SupportVectorMachine, SvmFit};

#[cfg(test)]
mod tests;
