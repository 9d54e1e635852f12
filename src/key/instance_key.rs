//! The key of one planned instance, from what its inputs produced and what its files hold.

use std::collections::BTreeMap;

use super::stage_key::{InputKey, KEY_FORMAT, StageKey};
use crate::dataset::FileRef;
use crate::plan::Instance;

/// Port -> the upstream outputs bound to it, in binding order.
pub type InputKeys = BTreeMap<String, Vec<InputKey>>;

/// The stage key of `instance` given its upstream outputs, its declared files (hashed) and
/// its kind's runtime facts. Declared environment variables are read here, once.
pub fn instance_key(
    instance: &Instance,
    inputs: InputKeys,
    files: &BTreeMap<String, FileRef>,
    runtime: BTreeMap<String, String>,
) -> StageKey {
    let kind = &instance.kind;
    StageKey {
        format: KEY_FORMAT,
        kind: kind.kind().to_string(),
        version: kind.version(),
        runtime,
        params: kind.fingerprint().clone(),
        inputs,
        files: files
            .iter()
            .map(|(name, f)| (name.clone(), f.digest))
            .collect(),
        env: kind
            .env()
            .into_iter()
            .map(|name| {
                let value = std::env::var(&name).ok();
                (name, value)
            })
            .collect(),
    }
}
