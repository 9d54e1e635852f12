//! The lock file (`<pipeline>.lock` next to the pipeline): per stage instance, its key,
//! parameters, output hash, record count and headline summary.
//!
//! Committed with the pipeline, it lets another lab check that its run reproduces the same
//! outputs (`radflow verify`) and shows in review what a change did to the results. `radflow
//! run` rewrites it after a complete run of the pipeline as written (no `--set`, no `--only`);
//! experiments leave it alone, so `radflow diff` can compare them with it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dataset::Value;
use crate::digest::Digest;
use crate::durable::Durability;

pub const LOCK_VERSION: u32 = 1;

const HEADER: &str = "# radflow lock file: written by `radflow run`, checked by `radflow verify`.\n# Commit it next to the pipeline.\n";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockFile {
    pub version: u32,
    pub pipeline: String,
    /// By instance id.
    pub stages: BTreeMap<String, LockedStage>,
    /// Every imported definition file, by its import id (the path as written, or
    /// `<repo>@<rev>:<path>`): where it came from and the blake3 of its bytes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub imports: BTreeMap<String, LockedImport>,
}

/// An imported definition file as the run read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedImport {
    pub blake3: Digest,
    /// The commit a git import's `rev` named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedStage {
    pub kind: String,
    pub version: u32,
    pub key: Digest,
    pub params: serde_json::Value,
    pub output: Digest,
    pub records: usize,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub summary: BTreeMap<String, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("`{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a valid lock file: {message}", .path.display())]
    Parse { path: PathBuf, message: String },
}

/// `pipelines/demo.yaml` -> `pipelines/demo.lock`.
pub fn lock_path(pipeline_file: &Path) -> PathBuf {
    pipeline_file.with_extension("lock")
}

impl LockFile {
    /// `None` when there is no lock file.
    pub fn read(path: &Path) -> Result<Option<LockFile>, LockError> {
        Self::read_text(path)?
            .map(|text| Self::parse(&text, path))
            .transpose()
    }

    /// The file's text as it is; `None` when there is no lock file.
    pub fn read_text(path: &Path) -> Result<Option<String>, LockError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LockError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Parses the text of the lock file at `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<LockFile, LockError> {
        serde_yaml::from_str(text).map_err(|e| LockError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// The YAML text: deterministic (sorted maps), so unchanged results give unchanged files.
    pub fn to_text(&self) -> String {
        let body = serde_yaml::to_string(self).unwrap_or_default();
        format!("{HEADER}{body}")
    }

    /// Writes atomically and durably (temp file beside it, flushed, renamed, folder
    /// flushed). The run flushes the cache first, so the lock never names a result that a
    /// power loss could take away.
    pub fn write(&self, path: &Path) -> Result<(), LockError> {
        crate::durable::write_beside(path, self.to_text().as_bytes(), Durability::Safe).map_err(
            |source| LockError::Io {
                path: path.to_path_buf(),
                source,
            },
        )
    }

    /// The imports whose lock entry differs from what was read now (`--frozen` refuses them):
    /// `(id, locked, now)`, `None` where one side has no such import.
    pub fn import_drift<'a>(
        &'a self,
        now: &'a BTreeMap<String, LockedImport>,
    ) -> Vec<(&'a str, Option<&'a LockedImport>, Option<&'a LockedImport>)> {
        let ids: std::collections::BTreeSet<&String> =
            self.imports.keys().chain(now.keys()).collect();
        ids.into_iter()
            .filter(|id| self.imports.get(*id) != now.get(*id))
            .map(|id| (id.as_str(), self.imports.get(id), now.get(id)))
            .collect()
    }

    /// The stage keys and outputs this lock file names (what `gc` must keep).
    pub fn roots(&self) -> impl Iterator<Item = (Digest, Digest)> + '_ {
        self.stages.values().map(|s| (s.key, s.output))
    }
}
