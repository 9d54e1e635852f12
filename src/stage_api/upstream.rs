//! An upstream output as a running stage receives it.

use std::sync::Arc;

use crate::dataset::Dataset;
use crate::digest::Digest;

/// One upstream output bound to a port: the producing instance's stage name, its matrix
/// label (empty when the stage is not swept), its output hash and its dataset.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub stage: String,
    pub label: String,
    /// The dataset's manifest hash (the instance's output hash).
    pub output: Digest,
    pub dataset: Arc<Dataset>,
}
