//! Running a plan: the one decision ([`decide`]), the scheduler that drives executors (local
//! threads, a Slurm cluster), item-level maps, progress, status and run records.
//!
//! What runs when (see ARCHITECTURE.md): the scheduler walks the plan; an instance whose inputs
//! have ended is decided; a hit ends at once, a miss becomes a [`Job`] for an [`Executor`];
//! the job's end is recorded, which may make dependents ready. `status` walks the same plan
//! with the same decision and runs nothing; a cluster worker decides and computes the one
//! instance (or shard) it was sent.

pub mod cluster;
mod counts;
mod decide;
mod executor;
pub mod interrupt;
pub mod local;
mod outcome;
mod progress;
mod publish;
mod record;
mod scheduler;
mod state;
mod status;
mod stream;
mod summary;
mod why;
mod worker;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub use counts::summary_of;
pub use decide::{Decision, Detail, Keyed, Upstream, decide, missing_objects};
pub use executor::{Computed, Done, Executor, Failure, Finished, Job};
pub use outcome::Outcome;
pub use record::{RunRequest, lock_of_run, locked_imports};
pub use state::{RunOptions, RunState};
pub use status::{Predicted, Prediction, predict};
pub use summary::{counts_table, metrics_lines, seconds, table};
pub use why::{Blocked, Why};
pub use worker::{WorkOrder, WorkerReport, work};

use crate::cache::{CacheError, RunLog, RunOutcome, RunRecord, Store};
use crate::lockfile::lock_path;
use crate::plan::{Plan, Selection};

/// The result of a run.
pub struct RunReport {
    pub record: RunRecord,
    /// A cached object turned out damaged or missing; it was set aside and a rerun
    /// recomputes it.
    pub damaged: bool,
}

impl RunReport {
    pub fn complete(&self) -> bool {
        self.record.outcome == RunOutcome::Complete
    }
}

/// The run history of `plan`'s pipeline in `store`.
pub fn run_log(plan: &Plan, store: &Store) -> Result<RunLog, CacheError> {
    let pipeline = &plan.pipeline;
    let key_name = pipeline.workspace.key_name(&pipeline.file);
    RunLog::open(store, &pipeline.name, &key_name)
}

/// Runs the selected instances of `plan` against the cache in `store`, on this machine and,
/// when given, on a cluster executor for the jobs it takes.
pub fn run(
    plan: &Plan,
    selection: &Selection,
    store: Store,
    options: RunOptions,
    request: RunRequest,
    cluster: Option<&mut dyn Executor>,
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
    let state = RunState::new(plan, store, options, log.last_keys());
    let outcomes = scheduler::schedule(&state, selection, cluster);
    state.stat.save();
    // Everything the run committed is on disk before its record (and the lock file) name it.
    state.store.flush()?;
    let damaged = outcomes.iter().flatten().any(|o| o.damaged);
    let times = record::RunTimes {
        started_unix_ms,
        duration_ms: started.elapsed().as_millis() as u64,
        lock_file: lock_path(&plan.pipeline.file),
    };
    let (record, last) = record::record_run(plan, outcomes, request, times, interrupt::cancelled());
    if state.options.record {
        log.record(&record)?;
        log.remember(last)?;
    }
    Ok(RunReport { record, damaged })
}
