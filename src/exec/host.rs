//! The executor's side of [`StageContext`]: what one running instance may touch.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::interrupt;
use super::map;
use super::progress::StageBar;
use super::run_context::{RunContext, object_reason};
use crate::cache::{ItemCounts, temp_name};
use crate::dataset::{BlobRef, FileRef};
use crate::digest::Digest;
use crate::plan::Instance;
use crate::stages::{Host, MapOutput, MapRequest, StageContext, StageError, Upstream};
use crate::workspace::{Workspace, checked_write_path};

pub struct LocalHost<'r, 'p> {
    pub run: &'r RunContext<'p>,
    pub instance: &'p Instance,
    pub inputs: BTreeMap<String, Vec<Upstream>>,
    pub files: BTreeMap<String, FileRef>,
    /// Ignore item entries (the instance is forced).
    pub forced: bool,
    pub bar: StageBar,
    /// Item keys the output was assembled from (recorded in the stage entry for `gc`).
    pub item_keys: Mutex<Vec<Digest>>,
    pub items: Mutex<Option<ItemCounts>>,
    pub saved_ms: AtomicU64,
    pub warnings: Mutex<Vec<String>>,
    scratch: Mutex<Vec<PathBuf>>,
}

impl<'r, 'p> LocalHost<'r, 'p> {
    pub fn new(
        run: &'r RunContext<'p>,
        instance: &'p Instance,
        inputs: BTreeMap<String, Vec<Upstream>>,
        files: BTreeMap<String, FileRef>,
        forced: bool,
        bar: StageBar,
    ) -> Self {
        Self {
            run,
            instance,
            inputs,
            files,
            forced,
            bar,
            item_keys: Mutex::new(Vec::new()),
            items: Mutex::new(None),
            saved_ms: AtomicU64::new(0),
            warnings: Mutex::new(Vec::new()),
            scratch: Mutex::new(Vec::new()),
        }
    }
}

impl Drop for LocalHost<'_, '_> {
    fn drop(&mut self) {
        for dir in self.scratch.lock().expect("scratch list").drain(..) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Host for LocalHost<'_, '_> {
    fn workspace(&self) -> &Workspace {
        &self.run.plan.pipeline.workspace
    }

    fn inputs(&self, port: &str) -> &[Upstream] {
        self.inputs.get(port).map(Vec::as_slice).unwrap_or(&[])
    }

    fn files(&self) -> &BTreeMap<String, FileRef> {
        &self.files
    }

    fn read_blob(&self, blob: &BlobRef) -> Result<Vec<u8>, StageError> {
        self.run
            .store
            .get_object(&blob.digest)
            .map_err(|e| StageError::Object {
                digest: blob.digest,
                reason: object_reason(e),
            })
    }

    fn put_blob(&self, bytes: &[u8], name: Option<&str>) -> Result<BlobRef, StageError> {
        if let Some(name) = name {
            checked_write_path(name).map_err(|e| StageError::invalid(format!("blob name: {e}")))?;
        }
        let digest = self
            .run
            .store
            .put_object(bytes)
            .map_err(|e| StageError::Cache(e.to_string()))?;
        Ok(BlobRef {
            digest,
            size: bytes.len() as u64,
            name: name.map(str::to_string),
        })
    }

    fn put_file(&self, path: &std::path::Path, name: Option<&str>) -> Result<BlobRef, StageError> {
        if let Some(name) = name {
            checked_write_path(name).map_err(|e| StageError::invalid(format!("blob name: {e}")))?;
        }
        let (digest, size) = self
            .run
            .store
            .put_file(path)
            .map_err(|e| StageError::Cache(e.to_string()))?;
        Ok(BlobRef {
            digest,
            size,
            name: name.map(str::to_string),
        })
    }

    fn copy_blob(&self, blob: &BlobRef, target: &std::path::Path) -> Result<(), StageError> {
        self.run
            .store
            .copy_object(&blob.digest, target)
            .map_err(|e| StageError::Object {
                digest: blob.digest,
                reason: object_reason(e),
            })
    }

    fn open_file(&self, file: &FileRef) -> Result<PathBuf, StageError> {
        let path = self.workspace().resolve(&file.path);
        let now = self
            .run
            .stat
            .hash(&path)
            .map_err(|e| StageError::file(&file.path, e))?;
        if now.digest != file.digest {
            return Err(StageError::file(
                &file.path,
                "changed since the run hashed it; run again to use the new content",
            ));
        }
        Ok(path)
    }

    fn map(
        &self,
        ctx: &StageContext<'_>,
        request: MapRequest<'_>,
    ) -> Result<MapOutput, StageError> {
        map::run_map(self, ctx, request)
    }

    fn scratch_dir(&self) -> Result<PathBuf, StageError> {
        let dir = self.run.store.tmp_dir().join(format!("{}.d", temp_name()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| StageError::Cache(format!("{}: {e}", dir.display())))?;
        self.scratch.lock().expect("scratch list").push(dir.clone());
        Ok(dir)
    }

    fn publish_dir(&self) -> PathBuf {
        self.run.plan.pipeline.output_dir.join(&self.instance.id)
    }

    fn warn(&self, message: String) {
        self.warnings.lock().expect("warnings").push(message);
    }

    fn progress(&self, done: u64, total: u64) {
        self.bar.set(done, total);
    }

    fn threads(&self) -> usize {
        self.run.options.jobs
    }

    fn cancelled(&self) -> bool {
        interrupt::cancelled()
    }

    fn instance_label(&self) -> &str {
        &self.instance.label
    }

    fn pipeline_name(&self) -> &str {
        &self.run.plan.pipeline.name
    }
}

impl LocalHost<'_, '_> {
    pub fn add_saved(&self, ms: u64) {
        self.saved_ms.fetch_add(ms, Ordering::Relaxed);
    }
}
