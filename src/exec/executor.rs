//! Where jobs run. The scheduler owns the DAG, the decisions and the cache; an executor only
//! starts a job, reports when it ends, and cancels what is running (as Snakemake's executor
//! plugins and Nextflow's task handlers do). Two exist: [`super::local::LocalExecutor`]
//! (threads of this process) and [`super::cluster::SlurmExecutor`] (jobs on a Slurm cluster,
//! meeting in a shared cache).

use std::collections::BTreeMap;
use std::sync::mpsc::Sender;
use std::time::Duration;

use super::decide::Keyed;
use super::why::Why;
use crate::cache::{ItemCounts, StageEntry};
use crate::digest::Digest;

/// An instance the scheduler decided to run, with everything needed to run it anywhere.
#[derive(Debug, Clone)]
pub struct Job {
    /// Index into the plan's instances.
    pub instance: usize,
    pub keyed: Keyed,
    /// Port -> (upstream instance, its output), in binding order.
    pub inputs: BTreeMap<String, Vec<(usize, Digest)>>,
    /// Ignore cached items too.
    pub forced: bool,
    pub why: Why,
    /// The items are in the cache already (a cluster computed them): assemble the output and
    /// compute nothing; a missing item is an error, not work.
    pub assemble_only: bool,
}

/// What a finished job left behind.
#[derive(Debug, Clone)]
pub enum Done {
    /// The stage entry is committed.
    Committed(Box<Computed>),
    /// A map's items are in the cache; the output is not assembled yet (the scheduler
    /// assembles it locally next, with [`Job::assemble_only`]).
    ItemsComputed { items: Option<ItemCounts> },
    /// The instance ran ahead on its input's stream (some of its items are in the cache); it
    /// is not decided yet, and is decided as usual once its inputs have ended.
    Ahead,
}

/// A committed result and how it came about.
#[derive(Debug, Clone)]
pub struct Computed {
    pub entry: StageEntry,
    pub items: Option<ItemCounts>,
    pub duration_ms: u64,
    /// Compute time of the items taken from the cache.
    pub saved_ms: u64,
    pub warnings: Vec<String>,
}

/// A job that did not produce a result.
#[derive(Debug, Clone, Default)]
pub struct Failure {
    pub error: String,
    /// A cached object turned out damaged or missing: the run is worth retrying.
    pub damaged: bool,
    /// Stopped by Ctrl-C rather than failed.
    pub interrupted: bool,
    pub items: Option<ItemCounts>,
    pub duration_ms: u64,
    pub warnings: Vec<String>,
}

impl Failure {
    pub fn new(error: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            ..Self::default()
        }
    }
}

/// A job's end, as an executor reports it on the run's channel.
#[derive(Debug)]
pub struct Finished {
    pub instance: usize,
    pub result: Result<Done, Failure>,
}

/// A place jobs run.
pub trait Executor {
    /// A word for messages (`local`, `slurm`).
    fn name(&self) -> &'static str;
    /// Whether this executor runs instance `instance` (a cluster may leave light stages to
    /// this machine); the local executor takes everything.
    fn takes(&self, _instance: usize) -> bool {
        true
    }
    /// Whether another job may start now.
    fn has_room(&self) -> bool;
    /// Starts `job` and returns at once; its end (or a failure to start) is sent on `done`.
    fn start(&mut self, job: Job, done: &Sender<Finished>);
    /// Checks running jobs and sends those that ended; executors that report from their own
    /// threads need not poll.
    fn poll(&mut self, _done: &Sender<Finished>) {}
    /// How often [`Executor::poll`] is wanted while jobs run.
    fn poll_interval(&self) -> Option<Duration> {
        None
    }
    /// Stops every running job (Ctrl-C); their ends are still reported.
    fn cancel(&mut self, _done: &Sender<Finished>) {}
}
