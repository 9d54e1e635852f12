//! Running a plan: the scheduler, the per-instance work, item-level maps, progress, status and
//! run records.

pub mod cluster;
mod host;
mod instance;
pub mod interrupt;
mod map;
mod progress;
mod publish;
mod run_context;
mod scheduler;
mod status;
mod summary;

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub use instance::{Outcome, summary_of};
pub use run_context::{RunContext, RunOptions, Shard};
pub use status::{Predicted, Prediction, predict};
pub use summary::{counts_table, metrics_lines, seconds, table};

use crate::cache::{
    CacheError, InstanceRecord, LastKey, RUN_FORMAT, RunLog, RunRecord, Status, Store,
};
use crate::lockfile::lock_path;
use crate::plan::{Plan, Selection};

/// What the user asked for, recorded with the run.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    pub overrides: Vec<String>,
    pub only: Vec<String>,
    pub forced: Vec<String>,
}

/// The result of a run.
pub struct RunReport {
    pub record: RunRecord,
    /// A cached object turned out damaged or missing; it was set aside and a rerun
    /// recomputes it.
    pub damaged: bool,
}

impl RunReport {
    pub fn complete(&self) -> bool {
        self.record.outcome == "complete"
    }
}

/// The run history of `plan`'s pipeline in `store`.
pub fn run_log(plan: &Plan, store: &Store) -> Result<RunLog, CacheError> {
    let pipeline = &plan.pipeline;
    let key_name = pipeline.workspace.key_name(&pipeline.file);
    RunLog::open(store, &pipeline.name, &key_name)
}

/// Runs the selected instances of `plan` against the cache in `store`.
pub fn run(
    plan: &Plan,
    selection: &Selection,
    store: Store,
    options: RunOptions,
    request: RunRequest,
) -> Result<RunReport, CacheError> {
    // Runs hold the cache lock shared so `gc` cannot delete what they are writing. A file
    // system without working locks (some NFS setups) only loses that protection: content
    // addressing and atomic renames keep concurrent runs safe without it.
    let _lock = match store.lock(false) {
        Ok(lock) => Some(lock),
        Err(error @ CacheError::Locked { .. }) => return Err(error),
        Err(error) => {
            eprintln!(
                "radflow: warning: cannot lock the cache ({error}); `gc` must not run at the same time"
            );
            None
        }
    };
    store.clean_orphans();
    let log = run_log(plan, &store)?;
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.max(1))
        .build_global();
    interrupt::install();
    let started = Instant::now();
    let started_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let context = RunContext::new(plan, store, options, log.last_keys());
    let outcomes = scheduler::schedule(&context, selection);
    context.stat.save();

    let mut instances = Vec::with_capacity(plan.instances.len());
    let mut last = BTreeMap::new();
    let mut damaged = false;
    for (inst, outcome) in plan.instances.iter().zip(outcomes) {
        let record = match outcome {
            None => InstanceRecord {
                stage: inst.stage.clone(),
                kind: inst.kind.kind().to_string(),
                label: inst.label.clone(),
                status: Status::NotSelected,
                key: None,
                output: None,
                records: None,
                items: None,
                summary: BTreeMap::new(),
                params: inst.kind.params().clone(),
                duration_ms: 0,
                saved_ms: 0,
                why: None,
                error: None,
                warnings: Vec::new(),
            },
            Some(o) => {
                damaged |= o.damaged;
                if let (Some(key), true) = (&o.key, o.status != Status::Failed) {
                    last.insert(
                        inst.id.clone(),
                        LastKey {
                            key: Some(key.clone()),
                            output: o.output(),
                        },
                    );
                }
                InstanceRecord {
                    stage: inst.stage.clone(),
                    kind: inst.kind.kind().to_string(),
                    label: inst.label.clone(),
                    status: o.status,
                    key: o.key_digest,
                    output: o.output(),
                    records: o.entry.as_ref().map(|e| e.records),
                    items: o.items,
                    summary: o
                        .entry
                        .as_ref()
                        .map(|e| e.summary.clone())
                        .unwrap_or_default(),
                    params: inst.kind.params().clone(),
                    duration_ms: o.duration_ms,
                    saved_ms: o.saved_ms,
                    why: if o.status == Status::Ran { o.why } else { None },
                    error: o.error,
                    warnings: o.warnings,
                }
            }
        };
        instances.push((inst.id.clone(), record));
    }
    let failed = instances
        .iter()
        .any(|(_, r)| matches!(r.status, Status::Failed | Status::Skipped));
    let outcome = if interrupt::cancelled() {
        "interrupted"
    } else if failed {
        "failed"
    } else {
        "complete"
    };
    let record = RunRecord {
        format: RUN_FORMAT,
        pipeline: plan.pipeline.name.clone(),
        pipeline_file: plan.pipeline.file.clone(),
        lock_file: lock_path(&plan.pipeline.file),
        started_unix_ms,
        duration_ms: started.elapsed().as_millis() as u64,
        overrides: request.overrides,
        only: request.only,
        forced: request.forced,
        outcome: outcome.to_string(),
        instances,
    };
    if context.options.record {
        log.record(&record)?;
        log.remember(last)?;
    }
    Ok(RunReport { record, damaged })
}
