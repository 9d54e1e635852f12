//! What the cache records about computed results.
//!
//! A [`StageEntry`] is the commit point of a stage instance: it is written last, after every
//! object it references, so its presence means the result is complete. An [`ItemEntry`] plays
//! the same role for one item of a map stage.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dataset::Value;
use crate::digest::Digest;
use crate::key::StageKey;
use crate::stage_api::Emit;

pub const ENTRY_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageEntry {
    pub format: u32,
    /// The key's components, for "why did this rerun".
    pub key: StageKey,
    /// The output manifest's digest: the stage's output hash.
    pub output: Digest,
    /// An object listing every object the output references (32-byte digests, sorted).
    pub refs: Digest,
    pub ref_count: usize,
    /// An object listing the item keys the output was assembled from (map stages).
    pub items: Option<Digest>,
    pub records: usize,
    /// Records counted by class and group (from the output's roles) and the headline metrics
    /// the stage recorded in its output's `meta.metrics`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub summary: BTreeMap<String, Value>,
    /// Wall time of the run that made this entry.
    pub duration_ms: u64,
    /// What computing it from scratch would cost: this run's time plus the recorded cost of
    /// the items it took from the cache. Reported as time saved on a hit.
    pub cost_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemEntry {
    pub format: u32,
    pub emits: Vec<Emit>,
    /// Compute time of this item (its share of the batch it ran in).
    pub cost_ms: u64,
}

/// Encodes a digest list as an object body.
pub fn encode_digests(digests: &[Digest]) -> Vec<u8> {
    let mut out = Vec::with_capacity(digests.len() * 32);
    for d in digests {
        out.extend_from_slice(d.as_bytes());
    }
    out
}

pub fn decode_digests(bytes: &[u8]) -> Option<Vec<Digest>> {
    if !bytes.len().is_multiple_of(32) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(32)
            .map(|c| Digest::from_bytes(c.try_into().expect("32 bytes")))
            .collect(),
    )
}
