//! The record `radflow unpack` leaves in the folder it writes: this study came from a pack.
//!
//! Its presence is what makes a study need trust (`radflow trust`) before its command stages
//! run: it is written before any member, a pack cannot ship a member of that name, and it
//! lists every member with its blake3, so trust can tell the files that came from the other
//! lab (pinned whatever their name) from those this lab supplied (its data). Deleting it
//! makes the study the user's own, which is a deliberate act like editing a script.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::manifest::Manifest;
use crate::digest::Digest;

/// The record's file name, in the folder a pack was unpacked into.
pub const UNPACK_RECORD_NAME: &str = "radflow-unpacked.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnpackRecord {
    /// The pack's file name, for people.
    pub pack: String,
    pub pipeline_name: String,
    /// The pipeline file's path below the folder.
    pub pipeline: String,
    /// The radflow that wrote the pack.
    pub radflow: String,
    /// Every member path below the folder, with the blake3 it had when unpacked.
    pub members: BTreeMap<String, Digest>,
}

impl UnpackRecord {
    pub fn of(pack: &Path, manifest: &Manifest) -> Self {
        Self {
            pack: pack
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            pipeline_name: manifest.pipeline_name.clone(),
            pipeline: manifest.pipeline.clone(),
            radflow: manifest.radflow.clone(),
            members: manifest
                .members
                .iter()
                .map(|(name, member)| (name.clone(), member.blake3))
                .collect(),
        }
    }

    /// The nearest folder at or above `start` holding a record, with the record; one that
    /// cannot be read still marks the study as unpacked (with no members known), so damage
    /// never turns a study from a pack into one that needs no trust.
    pub fn find(start: &Path) -> Option<(PathBuf, Option<UnpackRecord>)> {
        let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
        start.ancestors().find_map(|dir| {
            let path = dir.join(UNPACK_RECORD_NAME);
            if !path.exists() {
                return None;
            }
            let record = std::fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok());
            Some((dir.to_path_buf(), record))
        })
    }
}

/// Whether member `name` would be written where the record is (`./radflow-unpacked.json`).
pub fn is_record_path(name: &str) -> bool {
    let parts: Vec<Component> = Path::new(name)
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    parts == [Component::Normal(UNPACK_RECORD_NAME.as_ref())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_named_like_the_record_is_recognised_however_it_is_written() {
        let cases = [
            ("radflow-unpacked.json", true),
            ("./radflow-unpacked.json", true),
            ("././radflow-unpacked.json", true),
            ("sub/radflow-unpacked.json", false),
            ("radflow-unpacked.json.bak", false),
        ];
        for (name, expected) in cases {
            assert_eq!(is_record_path(name), expected, "{name}");
        }
    }

    #[test]
    fn the_record_is_found_from_a_folder_below_it_and_a_damaged_one_still_counts() {
        let dir = tempfile::tempdir().unwrap();
        let below = dir.path().join("pipelines/sub");
        std::fs::create_dir_all(&below).unwrap();
        assert!(UnpackRecord::find(&below).is_none());
        std::fs::write(dir.path().join(UNPACK_RECORD_NAME), "{not json").unwrap();
        let (found, record) = UnpackRecord::find(&below).expect("found above");
        assert_eq!(found, std::fs::canonicalize(dir.path()).unwrap());
        assert!(record.is_none());
    }
}
