//! A typed client for Slurm, the scheduler research clusters run, over its
//! command-line tools: `sbatch` to submit, `squeue` to watch many jobs in one
//! call, `scontrol show job` to read one job's states, exit codes and logs,
//! `scancel` to cancel. No Slurm library and no accounting database
//! (`sacct`/`slurmdbd`) are needed.
//!
//! radflow hands work to Slurm as job arrays (a map stage over shards of its
//! cache misses), single jobs (an aggregate stage) and `afterok`
//! dependencies (DAG order); results meet in a cache on a shared file
//! system.
//!
//! Invariants:
//! - Every job or array task [`Slurm::status`] reports is keyed by the id
//!   [`Slurm::submit`] returned ([`JobKey`]: the array id plus the task
//!   index), whatever per-task job ids Slurm assigns internally.
//! - A job whose `afterok` dependency failed is reported as
//!   [`JobState::DependencyNeverSatisfied`], an ended state, so
//!   [`Slurm::wait`] cannot hang on it; submitted jobs also carry
//!   `--kill-on-invalid-dep=yes`, so Slurm removes them.
//! - A state this client does not know is [`JobState::Other`] and counts as
//!   not ended: `wait` may wait longer than needed, never stop too early.
//! - Finished jobs stay visible to `scontrol` only for the cluster's
//!   `MinJobAge` (300 s by default); `wait` stops asking about a job once all
//!   of it has ended, so only a poll interval longer than that loses one.
//!
//! Tested against a real single-node Slurm that `.ci/slurm/start.sh` starts
//! (`tests/slurm_client.rs`); the parsers against outputs captured from it
//! (`fixtures/`).

mod array_spec;
mod cli;
mod client;
mod error;
mod job_id;
mod job_spec;
mod job_state;
mod queue;
mod show_job;

pub use array_spec::{ArraySpec, MAX_ARRAY_TASKS};
pub use client::{Slurm, WAIT_TOLERATED_FAILURES};
pub use error::SlurmError;
pub use job_id::{JobId, JobKey};
pub use job_spec::{JobSpec, Payload};
pub use job_state::{ExitStatus, JobState, JobStatus, StatusMap, Tally};
