//! What a cluster job runs (`radflow worker`): one instance, or one shard of a map instance's
//! items, computed into the shared cache with the same decision and the same code as a local
//! run. Its inputs must already be in the cache (their jobs ended first).

use serde::{Deserialize, Serialize};

use super::decide::{Decision, Detail, Upstream, decide};
use super::executor::Job;
use super::local::{Shard, compute, compute_shard};
use super::state::{RunOptions, RunState};
use crate::cache::{ItemCounts, LastKeys, Store};
use crate::plan::Plan;

/// The work one job was sent.
#[derive(Debug, Clone)]
pub struct WorkOrder {
    pub instance: usize,
    pub shard: Option<Shard>,
    pub forced: bool,
    pub jobs: usize,
}

/// What a worker did, written where the coordinator reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerReport {
    pub instance: String,
    /// `cached`, `ran`, or `items` (a shard computed its items).
    pub did: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<ItemCounts>,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Does `order`; an error is one line naming what went wrong.
pub fn work(
    plan: &Plan,
    store: Store,
    last_keys: LastKeys,
    order: &WorkOrder,
) -> Result<WorkerReport, String> {
    let options = RunOptions {
        record: false,
        ..RunOptions::local(order.jobs, false, true)
    };
    let state = RunState::new(plan, store, options, last_keys);
    let target = &plan.instances[order.instance];
    let mut outputs: Vec<Option<crate::digest::Digest>> = vec![None; plan.instances.len()];
    let needed = ancestors(plan, order.instance);
    let mut job = None;
    for i in 0..=order.instance {
        if !needed[i] {
            continue;
        }
        let upstream = |u: usize| match outputs[u] {
            Some(output) => Upstream::Output(output),
            None => Upstream::Blocked,
        };
        let forced = order.forced && i == order.instance;
        match decide(&state, i, forced, upstream, Detail::Brief) {
            Decision::Cached { entry, .. } => outputs[i] = Some(entry.output),
            Decision::Run {
                keyed: Some(keyed),
                why,
            } if i == order.instance => {
                let inputs = target
                    .inputs
                    .iter()
                    .map(|(port, ups)| {
                        let outs = ups
                            .iter()
                            .map(|&u| (u, outputs[u].expect("inputs are cached")))
                            .collect();
                        (port.clone(), outs)
                    })
                    .collect();
                job = Some(Job {
                    instance: i,
                    keyed,
                    inputs,
                    forced,
                    why,
                    assemble_only: false,
                });
            }
            Decision::Run { why, .. } => {
                return Err(format!(
                    "input `{}` is not in the cache ({why}); its job must end first",
                    plan.instances[i].id
                ));
            }
            Decision::Blocked(blocked) => {
                return Err(format!("`{}`: {blocked}", plan.instances[i].id));
            }
        }
    }
    let report = |did: &str, items, duration_ms, warnings| WorkerReport {
        instance: target.id.clone(),
        did: did.to_string(),
        items,
        duration_ms,
        warnings,
    };
    let Some(job) = job else {
        return Ok(report("cached", None, 0, Vec::new()));
    };
    let started = std::time::Instant::now();
    match order.shard {
        Some(shard) => {
            let items = compute_shard(&state, &job, shard).map_err(|f| f.error)?;
            state.store.flush().map_err(|e| e.to_string())?;
            let ms = started.elapsed().as_millis() as u64;
            Ok(report("items", items, ms, Vec::new()))
        }
        None => {
            let computed = compute(&state, &job).map_err(|f| f.error)?;
            state.store.flush().map_err(|e| e.to_string())?;
            Ok(report(
                "ran",
                computed.items,
                computed.duration_ms,
                computed.warnings,
            ))
        }
    }
}

/// `instance` and everything it reads, transitively.
fn ancestors(plan: &Plan, instance: usize) -> Vec<bool> {
    let mut needed = vec![false; plan.instances.len()];
    let mut stack = vec![instance];
    while let Some(i) = stack.pop() {
        if !needed[i] {
            needed[i] = true;
            stack.extend(plan.instances[i].inputs.values().flatten().copied());
        }
    }
    needed
}
