//! The small API a stage sees while it runs.
//!
//! A stage reads its upstream datasets, its declared files and cached blobs, and writes blobs,
//! only through this context; it never sees the executor or the cache. The engine implements
//! [`Host`]; [`StageContext::map`] is where item-level caching happens.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::StageError;
use super::file_param::{FileParam, ParamFile};
use super::map::{Emit, MapOutput, OnError};
use super::upstream::Upstream;
use crate::dataset::{BlobRef, Dataset, FileRef, Record, Tensor};
use crate::digest::Digest;
use crate::workspace::Workspace;

/// What the engine provides to a running stage.
pub trait Host: Sync {
    fn workspace(&self) -> &Workspace;
    fn inputs(&self, port: &str) -> &[Upstream];
    /// The declared files, hashed, by their key name.
    fn files(&self) -> &BTreeMap<String, FileRef>;
    /// Reads a blob and checks its hash.
    fn read_blob(&self, blob: &BlobRef) -> Result<Vec<u8>, StageError>;
    fn put_blob(&self, bytes: &[u8], name: Option<&str>) -> Result<BlobRef, StageError>;
    /// Stores a finished file (written in a scratch folder) without reading it into memory.
    fn put_file(&self, path: &std::path::Path, name: Option<&str>) -> Result<BlobRef, StageError>;
    /// Copies a blob out to an ordinary file, checking its hash.
    fn copy_blob(&self, blob: &BlobRef, target: &std::path::Path) -> Result<(), StageError>;
    /// Checks that a declared file still has the content it was hashed with and gives its path.
    fn open_file(&self, file: &FileRef) -> Result<PathBuf, StageError>;
    fn map(&self, ctx: &StageContext<'_>, request: MapRequest<'_>)
    -> Result<MapOutput, StageError>;
    /// A fresh, empty folder inside the cache, removed when the stage ends.
    fn scratch_dir(&self) -> Result<PathBuf, StageError>;
    /// A folder in the cache derived from the cached dataset `of` (`kind` names what it holds,
    /// with its format version): built once by `build` (in a temp folder renamed into place),
    /// read-only, and shared by every later caller, across runs and processes.
    fn derived_dir(
        &self,
        kind: &str,
        of: &Digest,
        build: &dyn Fn(&Path) -> Result<(), StageError>,
    ) -> Result<PathBuf, StageError>;
    /// A folder in the cache for this instance's logs, kept after the stage ends.
    fn log_dir(&self) -> PathBuf;
    /// Where this instance's published files go (inside the output folder).
    fn publish_dir(&self) -> PathBuf;
    fn warn(&self, message: String);
    fn progress(&self, done: u64, total: u64);
    fn threads(&self) -> usize;
    fn cancelled(&self) -> bool;
    fn instance_label(&self) -> &str;
    fn pipeline_name(&self) -> &str;
}

/// A running stage's view of the world.
pub struct StageContext<'a> {
    host: &'a dyn Host,
}

impl<'a> StageContext<'a> {
    pub fn new(host: &'a dyn Host) -> Self {
        Self { host }
    }

    pub fn workspace(&self) -> &Workspace {
        self.host.workspace()
    }

    /// The one dataset bound to `port` (a `One` port, or a `Many` port bound once).
    pub fn input(&self, port: &str) -> Result<&Arc<Dataset>, StageError> {
        match self.host.inputs(port) {
            [one] => Ok(&one.dataset),
            [] => Err(StageError::invalid(format!(
                "input `{port}` is not connected"
            ))),
            many => Err(StageError::invalid(format!(
                "input `{port}` has {} datasets, expected one",
                many.len()
            ))),
        }
    }

    /// Every dataset bound to `port` (all instances of a swept stage, or several stages).
    pub fn inputs(&self, port: &str) -> &[Upstream] {
        self.host.inputs(port)
    }

    pub fn files(&self) -> &BTreeMap<String, FileRef> {
        self.host.files()
    }

    pub fn open_file(&self, file: &FileRef) -> Result<PathBuf, StageError> {
        self.host.open_file(file)
    }

    pub fn read_blob(&self, blob: &BlobRef) -> Result<Vec<u8>, StageError> {
        self.host.read_blob(blob)
    }

    /// The file a [`FileParam`] at `param` names, ready to read: a declared workspace file
    /// (checked against the hash it was keyed with), or another stage's output file, copied
    /// once into a read-only folder of the cache that every reader shares.
    pub fn file_param(&self, param: &str, value: &FileParam) -> Result<ParamFile, StageError> {
        let output = match value {
            FileParam::Path(path) => {
                let ws = self.workspace();
                let name = ws.key_name(&ws.resolve(path));
                let file = self.files().get(&name).ok_or_else(|| {
                    StageError::invalid(format!("`{path}` (`{param}`) was not hashed"))
                })?;
                return Ok(ParamFile {
                    path: self.open_file(file)?,
                    digest: file.digest,
                });
            }
            FileParam::Output(output) => output,
        };
        let dataset = self.input(&FileParam::port(param))?;
        let blob = dataset.file(&output.file).map_err(|found| {
            let found = if found.is_empty() {
                "it has no files".to_string()
            } else {
                format!("its files are {}", found.join(", "))
            };
            StageError::invalid(format!(
                "`{param}`: stage `{}` wrote no single file `{}`; {found}",
                output.from, output.file
            ))
        })?;
        // The folder is keyed by the blob alone (so `gc` keeps it exactly as long as the
        // blob), hence one name for every file of the same content.
        let name = "content";
        let dir = self.derived_dir("stage-file-v1", &blob.digest, &|dir: &Path| {
            self.copy_blob(&blob, &dir.join(name))
        })?;
        Ok(ParamFile {
            path: dir.join(name),
            digest: blob.digest,
        })
    }

    pub fn put_blob(&self, bytes: &[u8], name: Option<&str>) -> Result<BlobRef, StageError> {
        self.host.put_blob(bytes, name)
    }

    pub fn put_file(
        &self,
        path: &std::path::Path,
        name: Option<&str>,
    ) -> Result<BlobRef, StageError> {
        self.host.put_file(path, name)
    }

    /// Copies a blob out to an ordinary file (for a program to read), checking its hash.
    pub fn copy_blob(&self, blob: &BlobRef, target: &std::path::Path) -> Result<(), StageError> {
        self.host.copy_blob(blob, target)
    }

    pub fn read_tensor(&self, blob: &BlobRef) -> Result<Tensor, StageError> {
        Ok(Tensor::decode(&self.read_blob(blob)?)?)
    }

    pub fn put_tensor(&self, tensor: &Tensor) -> Result<BlobRef, StageError> {
        self.put_blob(&tensor.encode(), None)
    }

    /// Serializes `value` as pretty JSON and stores it under `name`.
    pub fn put_json<T: serde::Serialize>(
        &self,
        value: &T,
        name: &str,
    ) -> Result<BlobRef, StageError> {
        let bytes =
            serde_json::to_vec_pretty(value).map_err(|e| StageError::invalid(e.to_string()))?;
        self.put_blob(&bytes, Some(name))
    }

    pub fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        blob: &BlobRef,
    ) -> Result<T, StageError> {
        serde_json::from_slice(&self.read_blob(blob)?).map_err(|e| {
            StageError::invalid(format!(
                "cached object {} is not the expected JSON: {e}",
                blob.digest.short()
            ))
        })
    }

    /// Item-level cached map over records.
    pub fn map(&self, request: MapRequest<'_>) -> Result<MapOutput, StageError> {
        self.host.map(self, request)
    }

    pub fn scratch_dir(&self) -> Result<PathBuf, StageError> {
        self.host.scratch_dir()
    }

    pub fn publish_dir(&self) -> PathBuf {
        self.host.publish_dir()
    }

    /// A read-only folder derived from the cached dataset `of`, built once ([`Host::derived_dir`]).
    pub fn derived_dir(
        &self,
        kind: &str,
        of: &Digest,
        build: &dyn Fn(&Path) -> Result<(), StageError>,
    ) -> Result<PathBuf, StageError> {
        self.host.derived_dir(kind, of, build)
    }

    /// Where this instance keeps logs for people (a failed program's output).
    pub fn log_dir(&self) -> PathBuf {
        self.host.log_dir()
    }

    /// A note the run summary shows (a dropped patient, a clipped crop).
    pub fn warn(&self, message: impl Into<String>) {
        self.host.warn(message.into())
    }

    pub fn progress(&self, done: u64, total: u64) {
        self.host.progress(done, total)
    }

    pub fn threads(&self) -> usize {
        self.host.threads()
    }

    /// True once the user asked to stop (Ctrl-C); long loops check it and return
    /// [`StageError::Interrupted`].
    pub fn check_cancelled(&self) -> Result<(), StageError> {
        if self.host.cancelled() {
            Err(StageError::Interrupted)
        } else {
            Ok(())
        }
    }

    /// The name of the pipeline being run.
    pub fn pipeline_name(&self) -> &str {
        self.host.pipeline_name()
    }

    /// `seed=3` for a swept instance, empty otherwise.
    pub fn instance_label(&self) -> &str {
        self.host.instance_label()
    }
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
