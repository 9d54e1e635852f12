//! What every instance of one run shares: the plan, the store, file hashes, earlier keys,
//! parsed datasets and which objects exist.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::progress::Progress;
use super::stream::Streams;
use crate::cache::{LastKeys, ObjectError, ObjectPresence, Store};
use crate::dataset::Dataset;
use crate::digest::Digest;
use crate::key::StatCache;
use crate::plan::Plan;
use crate::stage_api::StageError;

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Instances at once, and threads for items inside one.
    pub jobs: usize,
    /// After a failure, go on with what does not depend on it.
    pub keep_going: bool,
    /// No progress output.
    pub quiet: bool,
    /// Write a run record and remember keys (a cluster worker does not: the coordinator
    /// records the run).
    pub record: bool,
    /// A map may run ahead on the items a running map has committed ([`super::stream`]).
    pub overlap: bool,
}

impl RunOptions {
    pub fn local(jobs: usize, keep_going: bool, quiet: bool) -> Self {
        Self {
            jobs,
            keep_going,
            quiet,
            record: true,
            overlap: true,
        }
    }
}

pub struct RunState<'a> {
    pub plan: &'a Plan,
    pub store: Store,
    pub stat: StatCache,
    pub options: RunOptions,
    pub progress: Progress,
    /// Each instance's last known key (from earlier runs), for "why".
    pub last_keys: LastKeys,
    /// Records of running maps that maps downstream run ahead on.
    pub streams: Streams,
    datasets: Mutex<HashMap<Digest, Arc<Dataset>>>,
    /// Objects seen to exist in this run: stages share many (slices flow through several),
    /// so each is looked up once.
    presence: ObjectPresence,
}

impl<'a> RunState<'a> {
    pub fn new(plan: &'a Plan, store: Store, options: RunOptions, last_keys: LastKeys) -> Self {
        let stat = StatCache::load(store.state_dir().join("stat-cache.bin"));
        crate::onnx::runtime::remember_versions_in(store.state_dir().join("runtime-versions.json"));
        let progress = Progress::new(options.quiet);
        let presence = ObjectPresence::new(store.clone());
        Self {
            plan,
            store,
            stat,
            options,
            progress,
            last_keys,
            streams: Streams::default(),
            datasets: Mutex::new(HashMap::new()),
            presence,
        }
    }

    /// The dataset stored under `output`, parsed once per run.
    pub fn dataset(&self, output: &Digest) -> Result<Arc<Dataset>, StageError> {
        if let Some(found) = self.datasets.lock().expect("dataset memo").get(output) {
            return Ok(found.clone());
        }
        let bytes = self
            .store
            .get_object(output)
            .map_err(|e| StageError::Object {
                digest: *output,
                reason: object_reason(e),
            })?;
        let dataset = Arc::new(Dataset::from_manifest(&bytes)?);
        self.datasets
            .lock()
            .expect("dataset memo")
            .insert(*output, dataset.clone());
        Ok(dataset)
    }

    /// How many of `digests` are not in the object store.
    pub fn count_missing(&self, digests: &[Digest]) -> usize {
        self.presence.count_missing(digests)
    }

    /// Whether every object of the reference list stored as `list` is known present.
    pub fn all_present(&self, list: &Digest) -> bool {
        self.presence.all_present(list)
    }

    /// How many objects of `digests`, the reference list stored as `list`, are missing.
    pub fn count_missing_in_list(&self, list: &Digest, digests: &[Digest]) -> usize {
        self.presence.count_missing_in_list(list, digests)
    }

    /// Keeps a freshly computed dataset so readers need not parse it back.
    pub fn remember(&self, output: Digest, dataset: Arc<Dataset>) {
        self.datasets
            .lock()
            .expect("dataset memo")
            .insert(output, dataset);
    }

    /// Drops a remembered dataset (a part of a stream a map ran ahead on).
    pub fn forget(&self, output: &Digest) {
        self.datasets.lock().expect("dataset memo").remove(output);
    }
}

pub fn object_reason(error: ObjectError) -> &'static str {
    match error {
        ObjectError::Missing => "missing",
        ObjectError::Damaged => "damaged",
        ObjectError::Unreadable => "unreadable",
    }
}
