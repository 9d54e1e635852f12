//! One instance, from key to committed entry.
//!
//! Order of work: hash declared files; build the [`StageKey`]; on a hit whose objects all
//! exist, done; otherwise run the stage, store its manifest and reference lists, and write the
//! stage entry last (the commit point).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use super::host::LocalHost;
use super::run_context::RunContext;
use crate::cache::{ENTRY_FORMAT, ItemCounts, StageEntry, Status, decode_digests, encode_digests};
use crate::dataset::{Dataset, FileRef, Value};
use crate::digest::Digest;
use crate::key::{Change, InputKey, KEY_FORMAT, StageKey, first_change, hash_inputs};
use crate::plan::Instance;
use crate::stages::{StageContext, StageError, Upstream};

/// What happened to one instance.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub key: Option<StageKey>,
    pub key_digest: Option<Digest>,
    pub entry: Option<StageEntry>,
    pub items: Option<ItemCounts>,
    pub duration_ms: u64,
    pub saved_ms: u64,
    pub why: Option<String>,
    pub error: Option<String>,
    /// A damaged or missing object stopped it: the run is worth retrying.
    pub damaged: bool,
    pub warnings: Vec<String>,
}

impl Outcome {
    pub fn skipped(reason: &str) -> Self {
        Self {
            status: Status::Skipped,
            key: None,
            key_digest: None,
            entry: None,
            items: None,
            duration_ms: 0,
            saved_ms: 0,
            why: None,
            error: Some(reason.to_string()),
            damaged: false,
            warnings: Vec::new(),
        }
    }

    pub fn output(&self) -> Option<Digest> {
        self.entry.as_ref().map(|e| e.output)
    }
}

/// The key of `instance` given its upstream outputs (port -> [(label, output)]).
pub fn stage_key(
    instance: &Instance,
    upstream: &BTreeMap<String, Vec<(String, Digest)>>,
    files: &BTreeMap<String, FileRef>,
) -> StageKey {
    let kind = &instance.kind;
    StageKey {
        format: KEY_FORMAT,
        kind: kind.kind().to_string(),
        version: kind.version(),
        params: kind.fingerprint().clone(),
        inputs: upstream
            .iter()
            .map(|(port, outs)| {
                (
                    port.clone(),
                    outs.iter()
                        .map(|(label, output)| InputKey {
                            label: label.clone(),
                            output: *output,
                        })
                        .collect(),
                )
            })
            .collect(),
        files: files
            .iter()
            .map(|(name, f)| (name.clone(), f.digest))
            .collect(),
        env: kind
            .env()
            .into_iter()
            .map(|name| {
                let value = std::env::var(&name).ok();
                (name, value)
            })
            .collect(),
    }
}

/// Whether an entry's output, reference lists and every referenced object exist. Returns the
/// number of missing objects.
pub fn missing_objects(run: &RunContext<'_>, entry: &StageEntry) -> usize {
    let store = &run.store;
    let mut missing = [entry.output, entry.refs]
        .iter()
        .filter(|d| !store.has_object(d))
        .count();
    if let Some(items) = &entry.items {
        missing += usize::from(!store.has_object(items));
    }
    if missing > 0 {
        return missing + entry.ref_count;
    }
    match store
        .get_object(&entry.refs)
        .ok()
        .and_then(|b| decode_digests(&b))
    {
        Some(refs) => run.count_missing(&refs),
        None => entry.ref_count.max(1),
    }
}

/// Why the instance runs, against the key it last had.
pub fn why(run: &RunContext<'_>, instance: &Instance, key: &StageKey, forced: bool) -> String {
    if forced {
        return "forced".into();
    }
    match run.last_keys.get(&instance.id).and_then(|l| l.key.as_ref()) {
        None => "never run".into(),
        Some(old) => match first_change(old, key) {
            Some(change) => describe_change(run, instance, change),
            None => "not in the cache".into(),
        },
    }
}

/// A key change in words; an input is named by its upstream stage.
pub fn describe_change(run: &RunContext<'_>, instance: &Instance, change: Change) -> String {
    match change {
        Change::Input { port } => {
            let mut stages: Vec<&str> = instance
                .inputs
                .get(&port)
                .map(|ups| {
                    ups.iter()
                        .map(|&u| run.plan.instances[u].stage.as_str())
                        .collect()
                })
                .unwrap_or_default();
            stages.dedup();
            let name = if stages.is_empty() {
                port
            } else {
                stages.join(", ")
            };
            format!("input {name} changed")
        }
        other => other.to_string(),
    }
}

/// Runs (or takes from the cache) one instance whose inputs are ready.
pub fn execute(
    run: &RunContext<'_>,
    instance: &Instance,
    upstream: BTreeMap<String, Vec<(String, Digest)>>,
    forced: bool,
) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome::skipped("");
    outcome.error = None;
    let fail = |mut outcome: Outcome, error: StageError| {
        outcome.status = Status::Failed;
        outcome.damaged = error.damaged_object().is_some();
        outcome.error = Some(error.to_string());
        outcome.duration_ms = started.elapsed().as_millis() as u64;
        outcome
    };
    let workspace = &run.plan.pipeline.workspace;
    let files = match hash_inputs(workspace, &instance.kind.files(), &run.stat) {
        Ok(files) => files,
        Err(e) => {
            let hint = instance
                .kind
                .missing_file_hint(&e.path)
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            return fail(
                outcome,
                StageError::file(e.path, format!("{}{hint}", e.message)),
            );
        }
    };
    let key = stage_key(instance, &upstream, &files);
    let key_digest = key.digest();
    outcome.key = Some(key.clone());
    outcome.key_digest = Some(key_digest);

    if !forced && let Some(entry) = run.store.stage_entry(&key_digest) {
        if missing_objects(run, &entry) == 0 {
            outcome.status = Status::Cached;
            outcome.saved_ms = entry.cost_ms;
            outcome.duration_ms = started.elapsed().as_millis() as u64;
            outcome.entry = Some(entry);
            return outcome;
        }
        outcome.why = Some(format!(
            "{} cached objects missing",
            missing_objects(run, &entry)
        ));
    }
    if outcome.why.is_none() {
        outcome.why = Some(why(run, instance, &key, forced));
    }
    if run.options.cached_only {
        let why = outcome.why.clone().unwrap_or_default();
        return fail(
            outcome,
            StageError::invalid(format!(
                "no result in the cache after the cluster jobs ({why})"
            )),
        );
    }

    let mut inputs: BTreeMap<String, Vec<Upstream>> = BTreeMap::new();
    for (port, outs) in &upstream {
        let mut list = Vec::new();
        for (i, (label, output)) in outs.iter().enumerate() {
            let dataset = match run.dataset(output) {
                Ok(d) => d,
                Err(e) => return fail(outcome, e),
            };
            let up = instance.inputs[port][i];
            list.push(Upstream {
                stage: run.plan.instances[up].stage.clone(),
                label: label.clone(),
                dataset,
            });
        }
        inputs.insert(port.clone(), list);
    }

    let bar = run.progress.start(&instance.id);
    let host = LocalHost::new(run, instance, inputs, files, forced, bar.clone());
    let result = instance.kind.run(&StageContext::new(&host));
    bar.finish();
    outcome.warnings = host.warnings.lock().expect("warnings").clone();
    outcome.items = *host.items.lock().expect("item counts");
    let dataset = match result {
        Ok(dataset) => dataset,
        Err(StageError::ShardDone) => {
            outcome.status = Status::Shard;
            outcome.duration_ms = started.elapsed().as_millis() as u64;
            return outcome;
        }
        Err(e) => return fail(outcome, e),
    };
    let duration_ms = started.elapsed().as_millis() as u64;
    let saved_ms = host.saved_ms.load(std::sync::atomic::Ordering::Relaxed);
    let item_keys = std::mem::take(&mut *host.item_keys.lock().expect("item keys"));
    match commit(
        run,
        &key,
        key_digest,
        dataset,
        item_keys,
        duration_ms,
        saved_ms,
    ) {
        Ok(entry) => {
            outcome.status = Status::Ran;
            outcome.entry = Some(entry);
            outcome.duration_ms = duration_ms;
            outcome.saved_ms = saved_ms;
            outcome
        }
        Err(e) => fail(outcome, e),
    }
}

/// Stores the dataset and writes the stage entry, last.
fn commit(
    run: &RunContext<'_>,
    key: &StageKey,
    key_digest: Digest,
    dataset: Dataset,
    mut item_keys: Vec<Digest>,
    duration_ms: u64,
    saved_ms: u64,
) -> Result<StageEntry, StageError> {
    let cache_err = |e: crate::cache::CacheError| StageError::Cache(e.to_string());
    let manifest = dataset.to_manifest()?;
    let refs = dataset.blob_digests();
    let output = run.store.put_object(&manifest).map_err(cache_err)?;
    let refs_digest = run
        .store
        .put_object(&encode_digests(&refs))
        .map_err(cache_err)?;
    let items = if item_keys.is_empty() {
        None
    } else {
        item_keys.sort_unstable();
        item_keys.dedup();
        Some(
            run.store
                .put_object(&encode_digests(&item_keys))
                .map_err(cache_err)?,
        )
    };
    let summary = summary_of(&dataset);
    let records = dataset.len();
    run.remember(output, Arc::new(dataset));
    let entry = StageEntry {
        format: ENTRY_FORMAT,
        key: key.clone(),
        output,
        refs: refs_digest,
        ref_count: refs.len(),
        items,
        records,
        summary,
        duration_ms,
        cost_ms: duration_ms + saved_ms,
    };
    run.store
        .put_stage_entry(&key_digest, &entry)
        .map_err(cache_err)?;
    Ok(entry)
}

/// `counts` and `metrics` from a dataset's meta: what summaries and lock files show.
pub fn summary_of(dataset: &Dataset) -> BTreeMap<String, Value> {
    ["counts", "metrics"]
        .iter()
        .filter_map(|k| dataset.meta().get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}
