//! Runs instances in dependency order, independent ones in parallel (at most `jobs` at once).
//!
//! An instance starts when all its inputs have an output. After a failure no new instance
//! starts (running ones finish and commit) unless `keep_going`, in which case only the
//! failure's dependents are skipped. Ctrl-C stops starting new instances too.

use std::collections::BTreeMap;
use std::sync::mpsc;

use super::instance::{Outcome, execute};
use super::interrupt;
use super::publish::publish;
use super::run_context::RunContext;
use super::summary::finished_line;
use crate::cache::Status;
use crate::digest::Digest;
use crate::plan::Selection;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Running,
    Done,
}

/// One outcome per instance; `None` for instances outside the selection.
pub fn schedule(run: &RunContext<'_>, selection: &Selection) -> Vec<Option<Outcome>> {
    let instances = &run.plan.instances;
    let n = instances.len();
    let mut state = vec![State::Waiting; n];
    let mut outcomes: Vec<Option<Outcome>> = (0..n).map(|_| None).collect();
    for (slot, included) in state.iter_mut().zip(&selection.included) {
        if !included {
            *slot = State::Done;
        }
    }
    let jobs = run.options.jobs.max(1);
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    let mut running = 0usize;
    let mut stopping = false;

    std::thread::scope(|scope| {
        loop {
            // Instances whose inputs failed or were skipped are skipped in turn.
            for i in 0..n {
                if state[i] != State::Waiting {
                    continue;
                }
                let blocked = instances[i].inputs.values().flatten().any(|&u| {
                    state[u] == State::Done
                        && outcomes[u].as_ref().is_some_and(|o| o.output().is_none())
                });
                if blocked {
                    state[i] = State::Done;
                    outcomes[i] = Some(Outcome::skipped("an input failed"));
                }
            }
            if interrupt::cancelled() {
                stopping = true;
            }
            if !stopping {
                for i in 0..n {
                    if running >= jobs {
                        break;
                    }
                    if state[i] != State::Waiting {
                        continue;
                    }
                    let ready = instances[i]
                        .inputs
                        .values()
                        .flatten()
                        .all(|&u| state[u] == State::Done);
                    if !ready {
                        continue;
                    }
                    let mut upstream: BTreeMap<String, Vec<(String, Digest)>> = BTreeMap::new();
                    for (port, ups) in &instances[i].inputs {
                        let outs = ups
                            .iter()
                            .map(|&u| {
                                let output = outcomes[u]
                                    .as_ref()
                                    .and_then(Outcome::output)
                                    .expect("ready inputs have outputs");
                                (instances[u].label.clone(), output)
                            })
                            .collect();
                        upstream.insert(port.clone(), outs);
                    }
                    state[i] = State::Running;
                    running += 1;
                    let tx = tx.clone();
                    let forced = selection.forced[i];
                    scope.spawn(move || {
                        let mut outcome = execute(run, &instances[i], upstream, forced);
                        if instances[i].publish
                            && let Some(output) = outcome.output()
                            && let Err(e) = publish(run, &instances[i], &output)
                        {
                            outcome.status = Status::Failed;
                            outcome.error = Some(e.to_string());
                        }
                        let _ = tx.send((i, outcome));
                    });
                }
            }
            if running == 0 {
                break;
            }
            let Ok((i, outcome)) = rx.recv() else { break };
            running -= 1;
            run.progress
                .line(&finished_line(&instances[i].id, &outcome));
            if outcome.status == Status::Failed && !run.options.keep_going {
                stopping = true;
            }
            state[i] = State::Done;
            outcomes[i] = Some(outcome);
        }
    });

    let reason = if interrupt::cancelled() {
        "the run was interrupted"
    } else {
        "the run stopped after a failure"
    };
    for i in 0..n {
        if state[i] == State::Waiting {
            outcomes[i] = Some(Outcome::skipped(reason));
        }
    }
    outcomes
}
