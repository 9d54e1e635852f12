//! Running jobs on a Slurm cluster: `radflow run --executor slurm`.
//!
//! The scheduler decides; this executor only submits, polls and cancels. A map instance
//! (slice extraction, resize, features, `command` with `foreach`) becomes a job array: task `i`
//! of `n` is a `radflow worker` computing the missing items `i, i+n, ...` into the shared
//! cache; when the array ends, the coordinator assembles the output from the cached items. Any
//! other instance is one job running `radflow worker` for it, which commits its stage entry.
//! The cache on a shared file system is the only channel between jobs (atomic renames, which
//! NFS keeps atomic; no locks needed). The run record and the lock file are written by the
//! coordinator's scheduler, as in a local run, so they are identical to a local run's. Ctrl-C
//! at the coordinator cancels every job of the run. Instances whose recorded time is small
//! (and light kinds not yet recorded) are not submitted: the coordinator runs them
//! (`placement.rs`).

mod placement;
mod resources;
mod slurm_executor;

pub use placement::{Placement, RECORDS_READ};
pub use resources::{ClusterConfig, LOCAL_BELOW_SECONDS, parse_mem_mb, parse_time, shard_count};
pub use slurm_executor::{Invocation, SlurmExecutor};

use crate::cache::CacheError;
use crate::slurm::SlurmError;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("slurm: {0}")]
    Slurm(#[from] SlurmError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("stage `{stage}`: {message}")]
    Resources { stage: String, message: String },
    #[error("executor: `local_below_seconds` must be a number of seconds >= 0, found {0}")]
    LocalBelow(f64),
}
