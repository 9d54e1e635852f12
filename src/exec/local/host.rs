//! The engine's side of [`StageContext`]: what one running instance may touch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::super::interrupt;
use super::super::progress::StageBar;
use super::super::state::{RunState, object_reason};
use super::super::stream::Stream;
use super::map::{ItemScope, ItemWork, Tally, run_map};
use crate::dataset::{BlobRef, FileRef};
use crate::digest::Digest;
use crate::durable::{AtomicDir, temp_name};
use crate::plan::Instance;
use crate::stage_api::{Host, MapOutput, MapRequest, StageContext, StageError, Upstream};
use crate::workspace::{Workspace, checked_write_path};

pub struct LocalHost<'r, 'p> {
    pub state: &'r RunState<'p>,
    /// The instance's index in the plan, and the instance.
    pub index: usize,
    pub instance: &'p Instance,
    pub inputs: BTreeMap<String, Vec<Upstream>>,
    pub files: BTreeMap<String, FileRef>,
    /// The runtime facts in the instance's key (item keys take them too).
    pub runtime: BTreeMap<String, String>,
    pub work: ItemWork,
    pub bar: StageBar,
    pub tally: Tally,
    /// Where the instance's map publishes its records as they commit, when a map downstream
    /// runs ahead on them (the stream is opened before the instance's job starts).
    pub stream: Option<std::sync::Arc<Stream>>,
    scratch: Mutex<Vec<PathBuf>>,
}

impl<'r, 'p> LocalHost<'r, 'p> {
    pub fn new(
        state: &'r RunState<'p>,
        index: usize,
        inputs: BTreeMap<String, Vec<Upstream>>,
        files: BTreeMap<String, FileRef>,
        runtime: BTreeMap<String, String>,
        work: ItemWork,
        bar: StageBar,
    ) -> Self {
        Self {
            state,
            index,
            instance: &state.plan.instances[index],
            inputs,
            files,
            runtime,
            work,
            bar,
            tally: Tally::default(),
            stream: state.streams.of(index),
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
        &self.state.plan.pipeline.workspace
    }

    fn inputs(&self, port: &str) -> &[Upstream] {
        self.inputs.get(port).map(Vec::as_slice).unwrap_or(&[])
    }

    fn files(&self) -> &BTreeMap<String, FileRef> {
        &self.files
    }

    fn read_blob(&self, blob: &BlobRef) -> Result<Vec<u8>, StageError> {
        self.state
            .store
            .get_object_sized(&blob.digest, blob.size)
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
            .state
            .store
            .put_object(bytes)
            .map_err(|e| StageError::Cache(e.to_string()))?;
        Ok(BlobRef {
            digest,
            size: bytes.len() as u64,
            name: name.map(str::to_string),
        })
    }

    fn put_file(&self, path: &Path, name: Option<&str>) -> Result<BlobRef, StageError> {
        if let Some(name) = name {
            checked_write_path(name).map_err(|e| StageError::invalid(format!("blob name: {e}")))?;
        }
        let (digest, size) = self
            .state
            .store
            .put_file(path)
            .map_err(|e| StageError::Cache(e.to_string()))?;
        Ok(BlobRef {
            digest,
            size,
            name: name.map(str::to_string),
        })
    }

    fn copy_blob(&self, blob: &BlobRef, target: &Path) -> Result<(), StageError> {
        self.state
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
            .state
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
        let kind = &self.instance.kind;
        // A map's records keep their input's roles (the input its records come from); only
        // a stream needs them.
        let roles = match &self.stream {
            Some(_) => self
                .inputs
                .values()
                .flatten()
                .next()
                .map(|u| u.dataset.roles())
                .unwrap_or_default(),
            None => Default::default(),
        };
        let scope = ItemScope {
            store: &self.state.store,
            kind: kind.kind(),
            version: kind.version(),
            runtime: &self.runtime,
            params: kind.fingerprint(),
            work: self.work,
            bar: &self.bar,
            tally: &self.tally,
            streams: &self.state.streams,
            instance: self.index,
            stream: self.stream.as_deref().map(|s| (s, &roles)),
        };
        run_map(&scope, ctx, request)
    }

    fn scratch_dir(&self) -> Result<PathBuf, StageError> {
        let dir = self
            .state
            .store
            .tmp_dir()
            .join(format!("{}.d", temp_name()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| StageError::Cache(format!("{}: {e}", dir.display())))?;
        self.scratch.lock().expect("scratch list").push(dir.clone());
        Ok(dir)
    }

    fn derived_dir(
        &self,
        kind: &str,
        of: &Digest,
        build: &dyn Fn(&Path) -> Result<(), StageError>,
    ) -> Result<PathBuf, StageError> {
        let store = &self.state.store;
        let target = store.derived_dir(kind, of);
        if target.is_dir() {
            return Ok(target);
        }
        let cache_error =
            |path: &Path, e: std::io::Error| StageError::Cache(format!("{}: {e}", path.display()));
        let parent = target.parent().expect("derived folders have a parent");
        std::fs::create_dir_all(parent).map_err(|e| cache_error(parent, e))?;
        let tmp = store.tmp_dir();
        let mut building =
            AtomicDir::create(&tmp, store.durability()).map_err(|e| cache_error(&tmp, e))?;
        build(building.path())?;
        building
            .make_read_only()
            .map_err(|e| cache_error(&target, e))?;
        match building.commit(&target) {
            Ok(()) => Ok(target),
            // Another run built it at the same time: theirs is as good.
            Err(_) if target.is_dir() => Ok(target),
            Err(e) => Err(cache_error(&target, e)),
        }
    }

    fn log_dir(&self) -> PathBuf {
        let safe: String = self
            .instance
            .id
            .chars()
            .map(|c| if c == '/' { '_' } else { c })
            .collect();
        self.state
            .store
            .logs_dir()
            .join(&self.state.plan.pipeline.name)
            .join(safe)
    }

    fn publish_dir(&self) -> PathBuf {
        self.state.plan.pipeline.output_dir.join(&self.instance.id)
    }

    fn warn(&self, message: String) {
        self.tally.warn(message);
    }

    fn progress(&self, done: u64, total: u64) {
        self.bar.set(done, total);
    }

    fn threads(&self) -> usize {
        self.state.options.jobs
    }

    fn cancelled(&self) -> bool {
        interrupt::cancelled()
    }

    fn instance_label(&self) -> &str {
        &self.instance.label
    }

    fn pipeline_name(&self) -> &str {
        &self.state.plan.pipeline.name
    }
}
