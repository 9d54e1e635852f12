//! Item-level maps: what a map stage asks the engine to compute per record.
//!
//! A map stage hands the engine its input records, the fields that decide each item's
//! output, and a function computing a batch; the engine keys each item, takes cached items
//! from the cache, computes the others and commits each as soon as its batch ends.

use std::collections::BTreeMap;

use super::context::StageContext;
use super::error::StageError;
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

/// The computation of a map stage over a batch of records (one output list per record).
pub type ItemFn<'a> =
    dyn Fn(&[&Record], &StageContext<'_>) -> Result<Vec<Vec<Emit>>, StageError> + Sync + 'a;

/// An item-level cached computation over records.
pub struct MapRequest<'a> {
    pub records: &'a [Record],
    /// Fields whose values decide an item's output (`$id` for the record id); the item key
    /// is built from these, the stage's parameters and `shared_key`, so other fields can
    /// change without recomputing. Empty means every field; `name?` marks an optional field.
    pub key_fields: &'a [&'a str],
    /// Key material shared by all items (a model's hash, a script's hash).
    pub shared_key: serde_json::Value,
    /// Records per call of `compute`.
    pub batch: usize,
    /// Run batches on several threads (false when `compute` is itself multi-threaded).
    pub parallel: bool,
    pub on_error: OnError,
    pub compute: &'a ItemFn<'a>,
}

/// The result of a map: output records (in input order) and the items dropped by `on_error:
/// skip` with their reasons.
#[derive(Debug, Default)]
pub struct MapOutput {
    pub records: Vec<Record>,
    pub dropped: Vec<(String, String)>,
}
