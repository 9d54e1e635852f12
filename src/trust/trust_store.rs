//! Where the user's acceptances live: one JSON file per pipeline in a per-user folder.
//!
//! Outside the project on purpose (as direnv keeps its `allow` files): a pack cannot ship its
//! own acceptance, and unpacking the same study twice, or a copy at another path, asks again.
//! `$RADFLOW_TRUST_DIR` overrides the folder (tests, a shared account); otherwise
//! `$XDG_DATA_HOME/radflow/trust`, else `$HOME/.local/share/radflow/trust`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::TrustError;
use super::program_pin::ProgramPin;
use crate::digest::Digest;
use crate::durable::{Durability, write_beside};

/// The variable naming the folder of acceptances.
pub const TRUST_DIR_VAR: &str = "RADFLOW_TRUST_DIR";

/// What the user accepted for one pipeline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustRecord {
    /// The pipeline file, canonical.
    pub pipeline: PathBuf,
    pub programs: Vec<ProgramPin>,
}

pub struct TrustStore {
    dir: PathBuf,
}

impl TrustStore {
    /// The user's folder of acceptances (see the module doc).
    pub fn locate() -> Result<Self, TrustError> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let dir = if let Some(dir) = var(TRUST_DIR_VAR) {
            PathBuf::from(dir)
        } else if let Some(data) = var("XDG_DATA_HOME") {
            PathBuf::from(data).join("radflow/trust")
        } else if let Some(home) = var("HOME") {
            PathBuf::from(home).join(".local/share/radflow/trust")
        } else {
            return Err(TrustError::NoFolder);
        };
        Ok(Self { dir })
    }

    pub fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The record of `pipeline` (canonical): named by the blake3 of its path.
    pub fn record_path(&self, pipeline: &Path) -> PathBuf {
        let name = Digest::of(pipeline.as_os_str().as_encoded_bytes()).to_hex();
        self.dir.join(format!("{name}.json"))
    }

    pub fn read(&self, pipeline: &Path) -> Result<Option<TrustRecord>, TrustError> {
        let path = self.record_path(pipeline);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(TrustError::Read { path, source }),
        };
        let record: TrustRecord =
            serde_json::from_slice(&bytes).map_err(|e| TrustError::Record {
                path: path.clone(),
                message: e.to_string(),
            })?;
        // A record renamed by hand onto another pipeline's name accepts nothing.
        Ok((record.pipeline == pipeline).then_some(record))
    }

    /// Writes `record`, replacing the pipeline's earlier one; returns its path.
    pub fn write(&self, record: &TrustRecord) -> Result<PathBuf, TrustError> {
        let path = self.record_path(&record.pipeline);
        let write = |source| TrustError::Write {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(write)?;
        let bytes = serde_json::to_vec_pretty(record).unwrap_or_default();
        write_beside(&path, &bytes, Durability::Safe).map_err(write)?;
        Ok(path)
    }

    /// Removes the pipeline's record; whether there was one.
    pub fn revoke(&self, pipeline: &Path) -> Result<bool, TrustError> {
        let path = self.record_path(pipeline);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(TrustError::Write { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_is_only_read_for_its_own_pipeline() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path().to_path_buf());
        let pipeline = PathBuf::from("/labs/b/radflow.yaml");
        assert_eq!(store.read(&pipeline).unwrap(), None);
        let record = TrustRecord {
            pipeline: pipeline.clone(),
            programs: vec![ProgramPin {
                stage: "notes".into(),
                command: "sh notes.sh".into(),
                scripts: [("notes.sh".to_string(), Digest::of(b"echo"))].into(),
            }],
        };
        store.write(&record).unwrap();
        assert_eq!(store.read(&pipeline).unwrap(), Some(record.clone()));
        let other = PathBuf::from("/labs/c/radflow.yaml");
        std::fs::copy(store.record_path(&pipeline), store.record_path(&other)).unwrap();
        assert_eq!(store.read(&other).unwrap(), None, "a copied record");
        assert!(store.revoke(&pipeline).unwrap());
        assert!(!store.revoke(&pipeline).unwrap());
        assert_eq!(store.read(&pipeline).unwrap(), None);
    }

    #[test]
    fn a_damaged_record_is_an_error_naming_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path().to_path_buf());
        let pipeline = PathBuf::from("/labs/b/radflow.yaml");
        std::fs::write(store.record_path(&pipeline), "{").unwrap();
        let error = store.read(&pipeline).unwrap_err().to_string();
        assert!(error.contains(".json"), "{error}");
    }
}
