//! Drives a run: instances in dependency order, each decided once its inputs are known
//! ([`decide`]), cached ones taken, the others handed to an executor, independent ones at the
//! same time.
//!
//! An instance is decided when all its inputs have ended. A hit ends it at once; a miss becomes
//! a [`Job`] for the local executor, or for the cluster executor when there is one and it takes
//! the job (a cluster leaves light instances to this machine). After a failure no new job
//! starts (running ones finish and commit) unless `keep_going`, in which case only the
//! failure's dependents are blocked. Ctrl-C stops new jobs and cancels the cluster's.
//!
//! A map that waits only for a map running here (directly, through a filter by group, or
//! behind another map running ahead) may run ahead on the records that map has committed so
//! far ([`super::stream`]); it is decided as usual once that map has ended.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Instant;

use super::decide::{Decision, Detail, Keyed, Upstream, decide};
use super::executor::{Done, Executor, Failure, Finished, Job};
use super::interrupt;
use super::local::{Ahead, LocalExecutor};
use super::outcome::Outcome;
use super::publish::publish;
use super::state::RunState;
use super::summary::finished_line;
use crate::cache::Status;
use crate::digest::Digest;
use crate::plan::Selection;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Waiting,
    /// Not decided yet: running ahead on a stream of its input ([`super::stream`]).
    Ahead,
    Queued,
    Running,
    Done,
}

/// What a map running ahead names its streamed input by in its job: no output's hash (each
/// round replaces it with its part of the stream).
fn streamed() -> Digest {
    Digest::of(b"radflow: records of a running map, not an output")
}

/// One outcome per instance; `None` for instances outside the selection.
pub fn schedule(
    state: &RunState<'_>,
    selection: &Selection,
    mut cluster: Option<&mut dyn Executor>,
) -> Vec<Option<Outcome>> {
    let n = state.plan.instances.len();
    let mut run = Run {
        state,
        selection,
        slots: selection
            .included
            .iter()
            .map(|&inc| if inc { Slot::Waiting } else { Slot::Done })
            .collect(),
        outcomes: (0..n).map(|_| None).collect(),
        queue: VecDeque::new(),
        jobs: HashMap::new(),
        stopping: false,
    };
    std::thread::scope(|scope| {
        let mut local = LocalExecutor::new(scope, state);
        let (tx, rx) = mpsc::channel::<Finished>();
        let mut running = 0usize;
        let mut last_poll = Instant::now();
        loop {
            if interrupt::cancelled() && !run.stopping {
                run.stopping = true;
                if let Some(cluster) = cluster.as_deref_mut() {
                    cluster.cancel(&tx);
                }
            }
            if !run.stopping {
                run.decide_ready();
                // In plan order, each job to its executor while it has room; a full local
                // executor does not hold back the cluster's jobs queued behind its own.
                let mut waiting = VecDeque::with_capacity(run.queue.len());
                while let Some(job) = run.queue.pop_front() {
                    let remote = cluster.as_deref_mut().filter(|c| c.takes(job.instance));
                    let on_cluster = remote.is_some();
                    let executor: &mut dyn Executor = match remote {
                        Some(remote) => remote,
                        None => &mut local,
                    };
                    if !executor.has_room() {
                        waiting.push_back(job);
                        continue;
                    }
                    run.slots[job.instance] = Slot::Running;
                    run.jobs
                        .insert(job.instance, (job.clone(), executor.name()));
                    // Maps that may run ahead on this one's stream (or on the stream of one
                    // running ahead on it), while there is room for them beside it; every
                    // stream they read is opened before any job that publishes to it starts.
                    let ahead = if cluster.is_none() && state.options.overlap {
                        run.ahead_of(job.instance, local.free().saturating_sub(1))
                    } else {
                        Vec::new()
                    };
                    let streams: HashMap<usize, _> = ahead
                        .iter()
                        .map(|a| (a.source, state.streams.open(a.source)))
                        .collect();
                    for a in ahead.iter().filter(|a| !a.via.is_empty()) {
                        streams[&a.source].want_whole_groups();
                    }
                    let executor: &mut dyn Executor = match cluster.as_deref_mut() {
                        Some(remote) if on_cluster => remote,
                        _ => &mut local,
                    };
                    executor.start(job, &tx);
                    running += 1;
                    for ahead_job in ahead {
                        let stream = streams[&ahead_job.source].clone();
                        local.start_ahead(ahead_job, stream, &tx);
                        running += 1;
                    }
                }
                run.queue = waiting;
            }
            if run.stopping {
                // No job that would end them starts any more: maps running ahead stop.
                state.streams.end_all();
            }
            if running == 0 && (run.stopping || run.queue.is_empty()) {
                break;
            }
            let interval = cluster.as_deref().and_then(|c| c.poll_interval());
            let received = match interval {
                // Counted from the last poll, so local jobs ending in between do not put the
                // cluster's next poll off.
                Some(every) => {
                    rx.recv_timeout((last_poll + every).saturating_duration_since(Instant::now()))
                }
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            let finished = match received {
                Ok(finished) => finished,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(cluster) = cluster.as_deref_mut() {
                        cluster.poll(&tx);
                    }
                    last_poll = Instant::now();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            running -= 1;
            if matches!(finished.result, Ok(Done::Ahead)) {
                // Ran ahead as far as its input's stream went; decided once its inputs end.
                run.slots[finished.instance] = Slot::Waiting;
                continue;
            }
            // `finish` ends the instance (and so its stream, in `end`) unless a cluster computed
            // its items, and a cluster's instances have no stream.
            if let Some(assemble) = run.finish(finished) {
                // A cluster computed the items; the output is assembled here from the cache.
                run.jobs
                    .insert(assemble.instance, (assemble.clone(), "local"));
                local.start(assemble, &tx);
                running += 1;
            }
        }
    });
    let reason = if interrupt::cancelled() {
        "the run was interrupted"
    } else {
        "the run stopped after a failure"
    };
    for i in 0..n {
        if matches!(run.slots[i], Slot::Waiting | Slot::Queued) {
            run.outcomes[i] = Some(Outcome::skipped(reason));
        }
    }
    run.outcomes
}

struct Run<'s, 'p> {
    state: &'s RunState<'p>,
    selection: &'s Selection,
    slots: Vec<Slot>,
    outcomes: Vec<Option<Outcome>>,
    /// Decided to run, waiting for room in their executor, in plan order.
    queue: VecDeque<Job>,
    /// Running jobs and where they run.
    jobs: HashMap<usize, (Job, &'static str)>,
    stopping: bool,
}

impl Run<'_, '_> {
    /// Decides every waiting instance whose inputs have all ended, until none is left: hits
    /// end at once (which may make their dependents ready), misses are queued.
    fn decide_ready(&mut self) {
        let instances = &self.state.plan.instances;
        loop {
            let mut progressed = false;
            for (i, instance) in instances.iter().enumerate() {
                if self.slots[i] != Slot::Waiting {
                    continue;
                }
                let ready = instance
                    .inputs
                    .values()
                    .flatten()
                    .all(|&u| self.slots[u] == Slot::Done);
                if !ready {
                    continue;
                }
                progressed = true;
                let outcomes = &self.outcomes;
                let upstream = |u: usize| match outcomes[u].as_ref().and_then(Outcome::output) {
                    Some(output) => Upstream::Output(output),
                    None => Upstream::Failed,
                };
                let forced = self.selection.forced[i];
                match decide(self.state, i, forced, upstream, Detail::Brief) {
                    Decision::Cached { keyed, entry } => {
                        self.end(i, Outcome::cached(keyed, *entry));
                    }
                    Decision::Blocked(blocked) => self.end(i, Outcome::blocked(blocked)),
                    Decision::Run {
                        keyed: Some(keyed),
                        why,
                    } => {
                        let inputs = self.job_inputs(i, None);
                        self.slots[i] = Slot::Queued;
                        self.queue.push_back(Job {
                            instance: i,
                            keyed,
                            inputs,
                            forced,
                            why,
                            assemble_only: false,
                        });
                    }
                    Decision::Run { keyed: None, why } => {
                        // Every input has ended, so the key is known; this cannot happen.
                        self.end(
                            i,
                            Outcome::failed(None, Failure::new(format!("no key ({why})"))),
                        );
                    }
                }
            }
            if !progressed {
                return;
            }
        }
    }

    /// Port -> (upstream, output) of instance `i`, every input ended with an output, except
    /// `streamed.0`, named `streamed.1`.
    fn job_inputs(
        &self,
        i: usize,
        streamed: Option<(usize, Digest)>,
    ) -> BTreeMap<String, Vec<(usize, Digest)>> {
        let output = |u: usize| match streamed {
            Some((source, name)) if source == u => name,
            _ => self.outcomes[u]
                .as_ref()
                .and_then(Outcome::output)
                .expect("ready inputs have outputs"),
        };
        self.state.plan.instances[i]
            .inputs
            .iter()
            .map(|(port, ups)| (port.clone(), ups.iter().map(|&u| (u, output(u))).collect()))
            .collect()
    }

    /// Maps (at most `room`) that may run ahead while `running` runs: a waiting map kind that
    /// [runs ahead](crate::stage_api::Stage::runs_ahead), not forced, whose other inputs have
    /// all ended with an output, on the stream of `running` or of a map already chosen here,
    /// bound to it on its first port directly or through one waiting filter by group (on the
    /// stream of `running` only, whose input tells whole groups). Each is marked
    /// [`Slot::Ahead`] until its job ends.
    fn ahead_of(&mut self, running: usize, room: usize) -> Vec<Ahead> {
        let instances = &self.state.plan.instances;
        if room == 0 || !instances[running].kind.is_map() {
            return Vec::new();
        }
        let mut starts = Vec::new();
        let mut sources = VecDeque::from([running]);
        while let Some(source) = sources.pop_front() {
            for i in 0..instances.len() {
                if starts.len() == room {
                    return starts;
                }
                let Some(via) = self.ahead_path(i, source, source == running) else {
                    continue;
                };
                let streamed_from = via.unwrap_or(source);
                let Some((keyed, why)) = self.decide_streamed(i, streamed_from) else {
                    continue;
                };
                let via = match via {
                    None => Vec::new(),
                    Some(filter) => match self.decide_streamed(filter, source) {
                        Some((keyed, why)) => vec![self.ahead_job(filter, source, keyed, why)],
                        None => continue,
                    },
                };
                starts.push(Ahead {
                    job: self.ahead_job(i, streamed_from, keyed, why),
                    source,
                    via,
                });
                self.slots[i] = Slot::Ahead;
                sources.push_back(i);
            }
        }
        starts
    }

    /// Whether waiting instance `i` may run ahead on `source`'s stream: `Some(None)` when its
    /// first port is bound to `source`, `Some(Some(filter))` when bound to a waiting filter by
    /// group that is bound to `source` (only when `whole_groups`, the stream tells them).
    fn ahead_path(&self, i: usize, source: usize, whole_groups: bool) -> Option<Option<usize>> {
        let kind = &self.state.plan.instances[i].kind;
        if self.slots[i] != Slot::Waiting
            || self.selection.forced[i]
            || !kind.is_map()
            || !kind.runs_ahead()
        {
            return None;
        }
        let first = self.first_input(i)?;
        let via = if first == source {
            None
        } else {
            let filter = &self.state.plan.instances[first].kind;
            let by_group = whole_groups
                && self.slots[first] == Slot::Waiting
                && !filter.is_map()
                && filter.filters_by_group()
                && self.first_input(first) == Some(source)
                && self.others_ended(first, source);
            if !by_group {
                return None;
            }
            Some(first)
        };
        self.others_ended(i, first).then_some(via)
    }

    /// The one instance bound to `i`'s first port.
    fn first_input(&self, i: usize) -> Option<usize> {
        let instance = &self.state.plan.instances[i];
        let port = instance.kind.ports().first()?.name;
        match instance.inputs.get(port)?.as_slice() {
            [u] => Some(*u),
            _ => None,
        }
    }

    /// Whether every input of `i` but `except` has ended with an output.
    fn others_ended(&self, i: usize, except: usize) -> bool {
        let outcomes = &self.outcomes;
        self.state.plan.instances[i]
            .inputs
            .values()
            .flatten()
            .filter(|&&u| u != except)
            .all(|&u| outcomes[u].as_ref().and_then(Outcome::output).is_some())
    }

    /// Decides instance `i` as if `streamed_from`'s output were the records it streams: its
    /// key to run with, or `None` when it would not run.
    fn decide_streamed(&self, i: usize, streamed_from: usize) -> Option<(Keyed, super::why::Why)> {
        let outcomes = &self.outcomes;
        let upstream = |u: usize| match outcomes[u].as_ref().and_then(Outcome::output) {
            _ if u == streamed_from => Upstream::Output(streamed()),
            Some(output) => Upstream::Output(output),
            None => Upstream::Failed,
        };
        match decide(self.state, i, false, upstream, Detail::Brief) {
            Decision::Run {
                keyed: Some(keyed),
                why,
            } => Some((keyed, why)),
            _ => None,
        }
    }

    fn ahead_job(&self, i: usize, source: usize, keyed: Keyed, why: super::why::Why) -> Job {
        Job {
            instance: i,
            keyed,
            inputs: self.job_inputs(i, Some((source, streamed()))),
            forced: false,
            why,
            assemble_only: false,
        }
    }

    /// Records a finished job; returns the assemble job when a cluster computed a map's items.
    fn finish(&mut self, finished: Finished) -> Option<Job> {
        let i = finished.instance;
        let (job, place) = self.jobs.remove(&i).expect("a finished job was started");
        let place = (place != "local").then_some(place);
        match finished.result {
            Ok(Done::Committed(computed)) => {
                let why = job.why.clone();
                self.end(i, Outcome::ran(&job.keyed, why, place, *computed));
                None
            }
            Ok(Done::ItemsComputed { .. }) if !self.stopping => Some(Job {
                assemble_only: true,
                ..job
            }),
            Ok(Done::ItemsComputed { .. }) => {
                self.end(i, Outcome::skipped("the run was interrupted"));
                None
            }
            Ok(Done::Ahead) => unreachable!("the scheduler takes a run ahead's end itself"),
            Err(failure) => {
                if !self.state.options.keep_going || failure.interrupted {
                    self.stopping = true;
                }
                self.end(i, Outcome::failed(Some(&job.keyed), failure));
                None
            }
        }
    }

    /// Ends instance `i`: publishes its output when it publishes, prints its line.
    fn end(&mut self, i: usize, mut outcome: Outcome) {
        let instance = &self.state.plan.instances[i];
        if instance.publish
            && let Some(output) = outcome.output()
            && let Err(e) = publish(self.state, instance, &output)
        {
            outcome.status = Status::Failed;
            outcome.error = Some(e.to_string());
            if !self.state.options.keep_going {
                self.stopping = true;
            }
        }
        self.state
            .progress
            .line(&finished_line(&instance.id, &outcome));
        self.slots[i] = Slot::Done;
        self.outcomes[i] = Some(outcome);
        // Whatever its outcome: a map running ahead on its stream takes the rest.
        self.state.streams.end(i);
    }
}
