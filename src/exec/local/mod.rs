//! Running jobs on this machine: one thread per running instance (at most `-j` at once),
//! items inside an instance on the rayon pool.

mod ahead;
mod commit_group;
mod compute;
mod host;
mod map;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::thread::Scope;

pub use compute::{compute, compute_shard};
pub use map::Shard;

use super::executor::{Done, Executor, Finished, Job};
use super::state::RunState;
use super::stream::Stream;

/// A map to run ahead on the stream of `source` (a map running, or itself running ahead),
/// through the filters `via` (see [`ahead::run_ahead`]).
pub struct Ahead {
    pub job: Job,
    pub source: usize,
    pub via: Vec<Job>,
}

pub struct LocalExecutor<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    state: &'env RunState<'env>,
    jobs: usize,
    running: Arc<AtomicUsize>,
}

impl<'scope, 'env> LocalExecutor<'scope, 'env> {
    pub fn new(scope: &'scope Scope<'scope, 'env>, state: &'env RunState<'env>) -> Self {
        Self {
            scope,
            state,
            jobs: state.options.jobs.max(1),
            running: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many more jobs may start now.
    pub fn free(&self) -> usize {
        self.jobs
            .saturating_sub(self.running.load(Ordering::SeqCst))
    }

    /// Starts an instance running ahead on what its source publishes to `stream`
    /// ([`ahead::run_ahead`]); [`Done::Ahead`] is sent when the stream has ended and the
    /// last round is done. It takes a job's room meanwhile.
    pub fn start_ahead(&mut self, ahead: Ahead, stream: Arc<Stream>, done: &Sender<Finished>) {
        let Ahead { job, source, via } = ahead;
        let state = self.state;
        let done = done.clone();
        let running = self.running.clone();
        running.fetch_add(1, Ordering::SeqCst);
        let threads = self.jobs;
        self.scope.spawn(move || {
            // Its own pool: the map it waits on may hold every thread of the global one,
            // each waiting for an outside program, and its items would queue behind them.
            match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
                Ok(pool) => pool.install(|| ahead::run_ahead(state, &job, source, &stream, &via)),
                Err(_) => ahead::run_ahead(state, &job, source, &stream, &via),
            }
            running.fetch_sub(1, Ordering::SeqCst);
            let _ = done.send(Finished {
                instance: job.instance,
                result: Ok(Done::Ahead),
            });
        });
    }
}

impl Executor for LocalExecutor<'_, '_> {
    fn name(&self) -> &'static str {
        "local"
    }

    fn has_room(&self) -> bool {
        self.running.load(Ordering::SeqCst) < self.jobs
    }

    fn start(&mut self, job: Job, done: &Sender<Finished>) {
        let state = self.state;
        let done = done.clone();
        let running = self.running.clone();
        running.fetch_add(1, Ordering::SeqCst);
        self.scope.spawn(move || {
            let result = compute(state, &job).map(|c| Done::Committed(Box::new(c)));
            running.fetch_sub(1, Ordering::SeqCst);
            let _ = done.send(Finished {
                instance: job.instance,
                result,
            });
        });
    }
}
