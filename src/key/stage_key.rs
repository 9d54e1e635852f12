//! The stage key: everything that decides a stage instance's output, in one struct.
//!
//! Change any field and the instance reruns; nothing else can make it rerun. In particular no
//! path outside the workspace's own relative names, no mtime, no map order, no stage name (a
//! renamed stage with the same inputs is the same computation) and no execution-only parameter
//! (batch size, threads) is part of it. Inputs are upstream *output* hashes, so an upstream that
//! reruns and produces the same output leaves this key unchanged (early cutoff). The versions
//! of run-time libraries a kind depends on (ONNX Runtime) are in it, and radflow's own version
//! where an output embeds it, so a new release or runtime never serves a stale result.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::canonical::digest_of;
use crate::digest::Digest;

/// Version of the key layout; bump it when this struct's meaning changes.
/// 2: `runtime` (versions of run-time libraries, radflow's own where outputs embed it).
pub const KEY_FORMAT: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageKey {
    pub format: u32,
    /// The stage kind (`resize`).
    pub kind: String,
    /// The kind's implementation version.
    pub version: u32,
    /// Software the output depends on beyond the kind's code, by name (`onnx runtime` ->
    /// `1.31.1`): see `Stage::runtime`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub runtime: BTreeMap<String, String>,
    /// Output-deciding parameters, canonical, defaults filled in.
    pub params: serde_json::Value,
    /// Port -> upstream outputs, in binding order.
    pub inputs: BTreeMap<String, Vec<InputKey>>,
    /// Declared external files: workspace-relative name -> content hash.
    pub files: BTreeMap<String, Digest>,
    /// Declared environment variables and their values (`None`: unset).
    pub env: BTreeMap<String, Option<String>>,
}

/// One upstream output as a key sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputKey {
    /// The upstream instance's matrix label (`seed=3`), empty when not swept: gathering
    /// stages see it, so it is part of what they read.
    pub label: String,
    pub output: Digest,
}

impl StageKey {
    pub fn digest(&self) -> Digest {
        digest_of(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> StageKey {
        StageKey {
            format: KEY_FORMAT,
            kind: "resize".into(),
            version: 1,
            runtime: BTreeMap::new(),
            params: serde_json::json!({"size": [299, 299], "margin": 0.1}),
            inputs: BTreeMap::from([(
                "slices".into(),
                vec![InputKey {
                    label: String::new(),
                    output: Digest::of(b"in"),
                }],
            )]),
            files: BTreeMap::new(),
            env: BTreeMap::new(),
        }
    }

    #[test]
    fn every_component_changes_the_key() {
        let base = key().digest();
        type Mutation = Box<dyn Fn(&mut StageKey)>;
        let mutations: Vec<(&str, Mutation)> = vec![
            ("kind", Box::new(|k| k.kind = "crop".into())),
            ("version", Box::new(|k| k.version = 2)),
            (
                "runtime",
                Box::new(|k| {
                    k.runtime.insert("onnx runtime".into(), "1.32.0".into());
                }),
            ),
            (
                "params",
                Box::new(|k| k.params["margin"] = serde_json::json!(0.2)),
            ),
            (
                "inputs",
                Box::new(|k| k.inputs.get_mut("slices").unwrap()[0].output = Digest::of(b"other")),
            ),
            (
                "files",
                Box::new(|k| {
                    k.files.insert("data/a.csv".into(), Digest::of(b"a"));
                }),
            ),
            (
                "env",
                Box::new(|k| {
                    k.env.insert("LANG".into(), None);
                }),
            ),
        ];
        for (what, mutate) in mutations {
            let mut k = key();
            mutate(&mut k);
            assert_ne!(k.digest(), base, "changing {what} must change the key");
        }
    }

    #[test]
    fn parameter_order_does_not_change_the_key() {
        let mut k = key();
        k.params = serde_json::from_str(r#"{"margin": 0.1, "size": [299, 299]}"#).unwrap();
        assert_eq!(k.digest(), key().digest());
    }
}
