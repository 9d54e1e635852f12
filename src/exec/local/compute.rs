//! One instance on this machine: its inputs loaded, its kind run through a [`LocalHost`], its
//! output stored and its stage entry written last (the commit point).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::super::counts::summary_of;
use super::super::executor::{Computed, Failure, Job};
use super::super::state::RunState;
use super::host::LocalHost;
use super::map::ItemWork;
use crate::cache::{ENTRY_FORMAT, ItemCounts, StageEntry, encode_digests};
use crate::dataset::Dataset;
use crate::digest::Digest;
use crate::stage_api::{StageContext, StageError, Upstream};

/// Runs `job` and commits its result.
pub fn compute(state: &RunState<'_>, job: &Job) -> Result<Computed, Failure> {
    let work = if job.assemble_only {
        ItemWork::CachedOnly
    } else {
        ItemWork::Missing { forced: job.forced }
    };
    let started = Instant::now();
    let mut ran = run_stage(state, job, work);
    // Items computed ahead, while the input was still running, are part of its time.
    let duration_ms = started.elapsed().as_millis() as u64 + ran.ahead_ms;
    let result = std::mem::replace(&mut ran.result, Err(StageError::Stopped));
    let dataset = result.map_err(|error| ran.failure(error, duration_ms))?;
    let item_keys = std::mem::take(&mut ran.item_keys);
    match commit(state, job, dataset, item_keys, duration_ms, ran.saved_ms) {
        Ok(entry) => Ok(Computed {
            entry,
            items: ran.items,
            duration_ms,
            saved_ms: ran.saved_ms,
            warnings: ran.warnings,
        }),
        Err(error) => Err(Failure {
            error: error.to_string(),
            items: ran.items,
            duration_ms,
            warnings: ran.warnings,
            ..Failure::default()
        }),
    }
}

/// Computes one shard of a map instance's missing items into the cache, for a cluster task;
/// nothing is assembled or committed beyond the items.
pub fn compute_shard(
    state: &RunState<'_>,
    job: &Job,
    shard: super::map::Shard,
) -> Result<Option<ItemCounts>, Failure> {
    let started = Instant::now();
    let mut ran = run_stage(state, job, ItemWork::Shard(shard));
    match std::mem::replace(&mut ran.result, Err(StageError::Stopped)) {
        Err(StageError::Stopped) => Ok(ran.items),
        Ok(_) => Err(Failure::new(
            "the stage made no item-level map, so it cannot be split into shards",
        )),
        Err(error) => Err(ran.failure(error, started.elapsed().as_millis() as u64)),
    }
}

/// Runs a map instance ahead on part of its input (a stream's records, remembered under the
/// output named in `job`): its missing items are computed into the cache and nothing else.
pub fn compute_ahead(state: &RunState<'_>, job: &Job) -> Result<(), Failure> {
    let mut ran = run_stage(state, job, ItemWork::Ahead);
    match std::mem::replace(&mut ran.result, Err(StageError::Stopped)) {
        Err(StageError::Stopped) => Ok(()),
        Ok(_) => Err(Failure::new("the stage made no item-level map")),
        Err(error) => Err(ran.failure(error, 0)),
    }
}

/// Runs a filter on part of its input (records of whole groups, remembered under the output
/// named in `job`) for a map running ahead behind it: what it keeps of that part, or `None`
/// when it refuses the part (its warnings are the run proper's to give).
pub fn filter_part(state: &RunState<'_>, job: &Job) -> Option<Dataset> {
    let work = ItemWork::Missing { forced: false };
    run_stage(state, job, work).result.ok()
}

/// What running a kind gave, with the host's tallies.
struct Ran {
    result: Result<Dataset, StageError>,
    items: Option<ItemCounts>,
    item_keys: Vec<Digest>,
    saved_ms: u64,
    ahead_ms: u64,
    warnings: Vec<String>,
}

impl Ran {
    fn failure(&self, error: StageError, duration_ms: u64) -> Failure {
        Failure {
            damaged: error.damaged_object().is_some(),
            interrupted: matches!(error, StageError::Interrupted),
            error: error.to_string(),
            items: self.items,
            duration_ms,
            warnings: self.warnings.clone(),
        }
    }
}

fn run_stage(state: &RunState<'_>, job: &Job, work: ItemWork) -> Ran {
    let instance = &state.plan.instances[job.instance];
    let mut inputs: BTreeMap<String, Vec<Upstream>> = BTreeMap::new();
    for (port, ups) in &job.inputs {
        let mut list = Vec::with_capacity(ups.len());
        for &(up, output) in ups {
            let dataset = match state.dataset(&output) {
                Ok(dataset) => dataset,
                Err(error) => {
                    return Ran {
                        result: Err(error),
                        items: None,
                        item_keys: Vec::new(),
                        saved_ms: 0,
                        ahead_ms: 0,
                        warnings: Vec::new(),
                    };
                }
            };
            let upstream = &state.plan.instances[up];
            list.push(Upstream {
                stage: upstream.stage.clone(),
                label: upstream.label.clone(),
                output,
                dataset,
            });
        }
        inputs.insert(port.clone(), list);
    }
    let bar = state.progress.start(&instance.id);
    let host = LocalHost::new(
        state,
        job.instance,
        inputs,
        job.keyed.files.clone(),
        job.keyed.key.runtime.clone(),
        work,
        bar.clone(),
    );
    let result = instance.kind.run(&StageContext::new(&host));
    bar.finish();
    let tally = &host.tally;
    Ran {
        result,
        items: *tally.items.lock().expect("item counts"),
        item_keys: std::mem::take(&mut *tally.item_keys.lock().expect("item keys")),
        saved_ms: tally.saved_ms.load(Ordering::Relaxed),
        ahead_ms: tally.ahead_ms.load(Ordering::Relaxed),
        warnings: tally.warnings.lock().expect("warnings").clone(),
    }
}

/// Stores the dataset, its reference and item lists, and writes the stage entry last.
fn commit(
    state: &RunState<'_>,
    job: &Job,
    dataset: Dataset,
    mut item_keys: Vec<Digest>,
    duration_ms: u64,
    saved_ms: u64,
) -> Result<StageEntry, StageError> {
    let store = &state.store;
    let cache_err = |e: crate::cache::CacheError| StageError::Cache(e.to_string());
    let manifest = dataset.to_manifest()?;
    let refs = dataset.blob_digests();
    let output = store.put_object(&manifest).map_err(cache_err)?;
    let refs_digest = store
        .put_object(&encode_digests(&refs))
        .map_err(cache_err)?;
    let items = if item_keys.is_empty() {
        None
    } else {
        item_keys.sort_unstable();
        item_keys.dedup();
        Some(
            store
                .put_object(&encode_digests(&item_keys))
                .map_err(cache_err)?,
        )
    };
    let summary = summary_of(&dataset);
    let records = dataset.len();
    state.remember(output, Arc::new(dataset));
    let entry = StageEntry {
        format: ENTRY_FORMAT,
        key: job.keyed.key.clone(),
        output,
        refs: refs_digest,
        ref_count: refs.len(),
        items,
        records,
        summary,
        duration_ms,
        cost_ms: duration_ms + saved_ms,
    };
    store
        .put_stage_entry(&job.keyed.digest, &entry)
        .map_err(cache_err)?;
    Ok(entry)
}
