//! Item-level maps: what a map stage asks the engine to compute per record.
//!
//! A map stage hands the engine its input records, the fields that decide each item's
//! output, and a function computing a batch (`MapRequest`, beside `StageContext` in
//! `context.rs`, since the function receives the context); the engine keys each item, takes
//! cached items from the cache, computes the others and commits each as soon as its batch
//! ends. This file holds the data both sides exchange.

use std::collections::BTreeMap;

use crate::dataset::{Record, Value};

/// What a map computes for one input record: each `Emit` becomes one output record. `suffix`
/// `None` keeps the input's id; `Some("z042")` makes `<input id>/z042`. The output record is
/// the input record's fields overlaid with `fields`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Emit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    pub fields: BTreeMap<String, Value>,
}

impl Emit {
    pub fn same(fields: BTreeMap<String, Value>) -> Self {
        Self {
            suffix: None,
            fields,
        }
    }
}

/// What to do when one item fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Stop the stage (finished items stay cached).
    #[default]
    Stop,
    /// Drop the item, list it in the stage's output (`meta.dropped`) and go on.
    Skip,
}

/// The result of a map: output records (in input order) and the items dropped by `on_error:
/// skip` with their reasons.
#[derive(Debug, Default)]
pub struct MapOutput {
    pub records: Vec<Record>,
    pub dropped: Vec<(String, String)>,
}
