//! Item keys: the cache key of one item of a map stage.
//!
//! An item key is blake3 of a per-stage prefix (kind, version, runtime facts, output-deciding
//! parameters and shared key material such as a model's hash) followed by the item's own key fields, each as
//! [`Value::key_material`] (files and blobs by content). Fields the stage does not declare
//! (passed-through metadata, the record id unless `$id` is declared) are not part of it, so
//! they can change without recomputing the item. A field name ending in `?` is optional: absent,
//! it counts as null.

use std::collections::BTreeMap;

use serde::Serialize;

use super::canonical::{canonical_bytes, digest_of};
use super::stage_key::KEY_FORMAT;
use crate::dataset::{FieldError, Record};
use crate::digest::Digest;

/// What an item key takes from its stage instance: the same kind, version, runtime facts and
/// output-deciding parameters as the stage key.
pub struct ItemStage<'a> {
    pub kind: &'a str,
    pub version: u32,
    pub runtime: &'a BTreeMap<String, String>,
    pub params: &'a serde_json::Value,
}

/// Computes item keys for one map of one stage instance.
pub struct ItemKeyer {
    prefix: Digest,
    fields: Vec<String>,
}

#[derive(Serialize)]
struct Prefix<'a> {
    format: u32,
    kind: &'a str,
    version: u32,
    runtime: &'a BTreeMap<String, String>,
    params: &'a serde_json::Value,
    shared: &'a serde_json::Value,
    fields: &'a [String],
}

impl ItemKeyer {
    pub fn new(stage: &ItemStage<'_>, shared: &serde_json::Value, fields: &[&str]) -> Self {
        let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        let prefix = digest_of(&Prefix {
            format: KEY_FORMAT,
            kind: stage.kind,
            version: stage.version,
            runtime: stage.runtime,
            params: stage.params,
            shared,
            fields: &fields,
        });
        Self { prefix, fields }
    }

    /// The key of `record`; a missing declared field is an error (the stage would fail on it).
    pub fn key(&self, record: &Record) -> Result<Digest, FieldError> {
        let mut material: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
        if self.fields.is_empty() {
            for (name, value) in &record.fields {
                material.insert(name, value.key_material());
            }
        } else {
            for name in &self.fields {
                if name == "$id" {
                    material.insert("$id", serde_json::Value::String(record.id.clone()));
                } else if let Some(optional) = name.strip_suffix('?') {
                    let value = record
                        .fields
                        .get(optional)
                        .map_or(serde_json::Value::Null, |v| v.key_material());
                    material.insert(optional, value);
                } else {
                    material.insert(name, record.get(name)?.key_material());
                }
            }
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update(self.prefix.as_bytes());
        hasher.update(&canonical_bytes(&material));
        Ok(hasher.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyer(params: serde_json::Value) -> ItemKeyer {
        let runtime = BTreeMap::new();
        let stage = ItemStage {
            kind: "resize",
            version: 1,
            runtime: &runtime,
            params: &params,
        };
        ItemKeyer::new(&stage, &serde_json::Value::Null, &["pixels"])
    }

    #[test]
    fn undeclared_fields_do_not_change_item_keys() {
        let k = keyer(serde_json::json!({"size": 299}));
        let a = Record::new("P1/z001")
            .with("pixels", "abc")
            .with("grade", "II");
        let b = Record::new("P9/z777")
            .with("pixels", "abc")
            .with("grade", "IV");
        assert_eq!(k.key(&a).unwrap(), k.key(&b).unwrap());
    }

    #[test]
    fn declared_fields_and_parameters_change_item_keys() {
        let k = keyer(serde_json::json!({"size": 299}));
        let a = Record::new("a").with("pixels", "abc");
        let b = Record::new("a").with("pixels", "abd");
        assert_ne!(k.key(&a).unwrap(), k.key(&b).unwrap());
        let other = keyer(serde_json::json!({"size": 64}));
        assert_ne!(k.key(&a).unwrap(), other.key(&a).unwrap());
    }

    #[test]
    fn a_new_runtime_changes_item_keys() {
        let params = serde_json::json!({});
        let old = BTreeMap::from([("onnx runtime".to_string(), "1.31.1".to_string())]);
        let new = BTreeMap::from([("onnx runtime".to_string(), "1.32.0".to_string())]);
        let keyer = |runtime| {
            let stage = ItemStage {
                kind: "onnx_features",
                version: 1,
                runtime,
                params: &params,
            };
            ItemKeyer::new(&stage, &serde_json::Value::Null, &["image"])
        };
        let record = Record::new("a").with("image", "abc");
        assert_ne!(
            keyer(&old).key(&record).unwrap(),
            keyer(&new).key(&record).unwrap()
        );
    }

    #[test]
    fn a_missing_declared_field_is_an_error() {
        let k = keyer(serde_json::json!({}));
        assert!(k.key(&Record::new("a")).is_err());
    }
}
