//! A stage's output: records sorted by id plus dataset-level metadata, stored as a canonical
//! manifest whose blake3 hash is the stage's output hash.
//!
//! Invariants: ids are unique; records are sorted by id (byte order), whatever order the stage
//! produced them in, so parallel stages give identical manifests; the manifest is compact
//! canonical JSON (sorted maps, shortest floats), so equal datasets have equal hashes and
//! early cutoff works.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::record::Record;
use super::roles::{ROLES_META, Roles};
use super::value::Value;
use crate::digest::Digest;

/// Version of the manifest layout; part of every manifest.
pub const MANIFEST_FORMAT: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    records: Vec<Record>,
    meta: BTreeMap<String, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("two records have the id `{0}`")]
    DuplicateId(String),
    #[error("manifest is not valid: {0}")]
    Manifest(String),
    #[error("manifest format {found} is not supported (expected {MANIFEST_FORMAT})")]
    Format { found: u32 },
}

impl Dataset {
    /// Sorts the records by id and refuses duplicate ids.
    pub fn new(
        mut records: Vec<Record>,
        meta: BTreeMap<String, Value>,
    ) -> Result<Self, DatasetError> {
        records.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        if let Some(pair) = records.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(DatasetError::DuplicateId(pair[0].id.clone()));
        }
        Ok(Self { records, meta })
    }

    pub fn from_records(records: Vec<Record>) -> Result<Self, DatasetError> {
        Self::new(records, BTreeMap::new())
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub fn into_records(self) -> Vec<Record> {
        self.records
    }

    pub fn meta(&self) -> &BTreeMap<String, Value> {
        &self.meta
    }

    /// Which fields are the class label and the group (see [`Roles`]).
    pub fn roles(&self) -> Roles {
        Roles::from_meta(&self.meta)
    }

    /// Sets (or, with empty roles, removes) `meta.roles`.
    pub fn set_roles(&mut self, roles: &Roles) {
        match roles.to_value() {
            Some(value) => self.meta.insert(ROLES_META.to_string(), value),
            None => self.meta.remove(ROLES_META),
        };
    }

    /// The same dataset with `roles`.
    pub fn with_roles(mut self, roles: &Roles) -> Self {
        self.set_roles(roles);
        self
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The record with this id (binary search: records are sorted).
    pub fn get(&self, id: &str) -> Option<&Record> {
        self.records
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.records[i])
    }

    /// Canonical manifest bytes.
    pub fn to_manifest(&self) -> Result<Vec<u8>, DatasetError> {
        #[derive(Serialize)]
        struct ManifestRef<'a> {
            format: u32,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            meta: &'a BTreeMap<String, Value>,
            records: &'a [Record],
        }
        serde_json::to_vec(&ManifestRef {
            format: MANIFEST_FORMAT,
            meta: &self.meta,
            records: &self.records,
        })
        .map_err(|e| DatasetError::Manifest(e.to_string()))
    }

    /// Reads a manifest. The records are first only delimited (each kept as its raw text),
    /// then parsed in parallel: building a record's maps and strings is most of the work, and
    /// a map's output may hold a million records.
    pub fn from_manifest(bytes: &[u8]) -> Result<Self, DatasetError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawManifest<'a> {
            format: u32,
            #[serde(default)]
            meta: BTreeMap<String, Value>,
            #[serde(borrow)]
            records: Vec<&'a RawValue>,
        }
        let manifest: RawManifest<'_> =
            serde_json::from_slice(bytes).map_err(|e| DatasetError::Manifest(e.to_string()))?;
        if manifest.format != MANIFEST_FORMAT {
            return Err(DatasetError::Format {
                found: manifest.format,
            });
        }
        let records = manifest
            .records
            .par_iter()
            .enumerate()
            .map(|(i, raw)| {
                serde_json::from_str::<Record>(raw.get())
                    .map_err(|e| DatasetError::Manifest(format!("record {i}: {e}")))
            })
            .collect::<Result<Vec<Record>, DatasetError>>()?;
        Self::new(records, manifest.meta)
    }

    /// Every object the dataset references, sorted and unique.
    pub fn blob_digests(&self) -> Vec<Digest> {
        let mut out = Vec::new();
        let mut push = |blob: &super::value::BlobRef| out.push(blob.digest);
        for record in &self.records {
            for value in record.fields.values() {
                value.for_each_blob(&mut push);
            }
        }
        for value in self.meta.values() {
            value.for_each_blob(&mut push);
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_order_does_not_change_the_manifest() {
        let a = Record::new("b").with("x", 1i64);
        let b = Record::new("a").with("y", "z");
        let one = Dataset::from_records(vec![a.clone(), b.clone()]).unwrap();
        let two = Dataset::from_records(vec![b, a]).unwrap();
        assert_eq!(one.to_manifest().unwrap(), two.to_manifest().unwrap());
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let err = Dataset::from_records(vec![Record::new("a"), Record::new("a")]).unwrap_err();
        assert_eq!(err.to_string(), "two records have the id `a`");
    }

    #[test]
    fn manifests_round_trip() {
        let mut meta = BTreeMap::new();
        meta.insert("dropped".to_string(), Value::from(vec!["P9"]));
        let dataset = Dataset::new(vec![Record::new("a").with("area", 12i64)], meta).unwrap();
        let bytes = dataset.to_manifest().unwrap();
        assert_eq!(Dataset::from_manifest(&bytes).unwrap(), dataset);
    }

    #[test]
    fn get_finds_records_by_id() {
        let dataset =
            Dataset::from_records((0..10).map(|i| Record::new(format!("r{i}"))).collect()).unwrap();
        assert_eq!(dataset.get("r7").map(|r| r.id.as_str()), Some("r7"));
        assert!(dataset.get("r70").is_none());
    }
}
