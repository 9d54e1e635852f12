//! An upstream output as a running stage receives it.

use std::sync::Arc;

use crate::dataset::Dataset;

/// One upstream output bound to a port: the producing instance's stage name, its matrix
/// label (empty when the stage is not swept) and its dataset.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub stage: String,
    pub label: String,
    pub dataset: Arc<Dataset>,
}
