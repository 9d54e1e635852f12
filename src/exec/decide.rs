//! The one decision: is an instance's result in the cache, must it run (and why), or can it
//! not run?
//!
//! `run` asks it when an instance's inputs are ready, `status` and `verify` ask it walking the
//! plan without running anything, a cluster worker asks it for the instance it was sent; none
//! of them re-derives it. The rules, in order:
//! 1. an input that failed (or cannot run) blocks; an input that will be recomputed makes the
//!    key unknowable until it has run ([`Why::InputRecomputed`]);
//! 2. declared files are hashed and the kind's runtime facts read; either failing blocks;
//! 3. with the key: forced runs; an entry whose every referenced object exists is a hit; an
//!    entry with missing objects runs; no entry runs, for the first key component that
//!    changed since the last run ([`Why`]).

use std::collections::BTreeMap;

use super::state::RunState;
use super::why::{Blocked, Why};
use crate::cache::{StageEntry, decode_digests};
use crate::dataset::FileRef;
use crate::digest::Digest;
use crate::key::{Change, InputKey, InputKeys, StageKey, first_change, hash_inputs, instance_key};

/// What an upstream instance is, as the decision sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    /// It has this output.
    Output(Digest),
    /// It runs first; its output is not known yet.
    WillRun,
    /// It failed or was skipped in this run.
    Failed,
    /// It cannot run (a prediction).
    Blocked,
}

/// A computed key with what went into it.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub key: StageKey,
    pub digest: Digest,
    /// The declared files, hashed: what the stage reads is what was hashed.
    pub files: BTreeMap<String, FileRef>,
}

#[derive(Debug, Clone)]
pub enum Decision {
    /// The result is in the cache, complete.
    Cached {
        keyed: Keyed,
        entry: Box<StageEntry>,
    },
    /// The instance must run; `keyed` is `None` only for [`Why::InputRecomputed`].
    Run {
        keyed: Option<Keyed>,
        why: Why,
    },
    Blocked(Blocked),
}

/// How much to explain: counting changed items of a changed input reads both datasets, which
/// `status` wants and `run` need not pay for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Brief,
    ItemCounts,
}

/// Decides instance `index` of the plan; `upstream(i)` says what upstream instance `i` is.
pub fn decide(
    state: &RunState<'_>,
    index: usize,
    forced: bool,
    upstream: impl Fn(usize) -> Upstream,
    detail: Detail,
) -> Decision {
    let plan = state.plan;
    let instance = &plan.instances[index];
    let mut inputs: InputKeys = BTreeMap::new();
    let mut pending: Option<usize> = None;
    for (port, ups) in &instance.inputs {
        let mut keys = Vec::with_capacity(ups.len());
        for &u in ups {
            let name = || plan.instances[u].id.clone();
            match upstream(u) {
                Upstream::Output(output) => keys.push(InputKey {
                    label: plan.instances[u].label.clone(),
                    output,
                }),
                Upstream::Failed => {
                    return Decision::Blocked(Blocked::InputFailed { upstream: name() });
                }
                Upstream::Blocked => {
                    return Decision::Blocked(Blocked::InputBlocked { upstream: name() });
                }
                Upstream::WillRun => {
                    pending.get_or_insert(u);
                }
            }
        }
        inputs.insert(port.clone(), keys);
    }
    if let Some(u) = pending {
        let why = if forced {
            Why::Forced
        } else {
            Why::InputRecomputed {
                upstream: plan.instances[u].id.clone(),
            }
        };
        return Decision::Run { keyed: None, why };
    }

    let kind = &instance.kind;
    let files = match hash_inputs(&plan.pipeline.workspace, &kind.files(), &state.stat) {
        Ok(files) => files,
        Err(error) => {
            let hint = kind.missing_file_hint(&error.path);
            return Decision::Blocked(Blocked::File { error, hint });
        }
    };
    let runtime = match kind.runtime() {
        Ok(runtime) => runtime,
        Err(error) => return Decision::Blocked(Blocked::Runtime(error.to_string())),
    };
    let key = instance_key(instance, inputs, &files, runtime);
    let digest = key.digest();
    let keyed = Keyed { key, digest, files };
    if forced {
        return Decision::Run {
            keyed: Some(keyed),
            why: Why::Forced,
        };
    }
    if let Some(entry) = state.store.stage_entry(&digest) {
        return match missing_objects(state, &entry) {
            0 => Decision::Cached {
                keyed,
                entry: Box::new(entry),
            },
            n => Decision::Run {
                keyed: Some(keyed),
                why: Why::ObjectsMissing(n),
            },
        };
    }
    let why = match state.last_keys.get(&instance.id).and_then(|l| l.key) {
        None => Why::NeverRun,
        Some(old) => match first_change(&old, &keyed.key) {
            None => Why::NotInCache,
            Some(Change::Input { port }) => Why::InputChanged {
                stages: upstream_stages(state, index, &port),
                items: match detail {
                    Detail::Brief => None,
                    Detail::ItemCounts => changed_items(state, &old, &keyed.key, &port),
                },
            },
            Some(change) => Why::Changed(change),
        },
    };
    Decision::Run {
        keyed: Some(keyed),
        why,
    }
}

/// How many objects an entry needs that are not in the store: its manifest, reference and
/// item lists, and every object the manifest references.
pub fn missing_objects(state: &RunState<'_>, entry: &StageEntry) -> usize {
    let store = &state.store;
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
    if state.all_present(&entry.refs) {
        return 0;
    }
    match store
        .get_object(&entry.refs)
        .ok()
        .and_then(|b| decode_digests(&b))
    {
        Some(refs) => state.count_missing_in_list(&entry.refs, &refs),
        None => entry.ref_count.max(1),
    }
}

/// The upstream stages bound to `port`, for "input X changed".
fn upstream_stages(state: &RunState<'_>, index: usize, port: &str) -> String {
    let instance = &state.plan.instances[index];
    let mut stages: Vec<&str> = instance
        .inputs
        .get(port)
        .map(|ups| {
            ups.iter()
                .map(|&u| state.plan.instances[u].stage.as_str())
                .collect()
        })
        .unwrap_or_default();
    stages.dedup();
    if stages.is_empty() {
        port.to_string()
    } else {
        stages.join(", ")
    }
}

/// Records of the new input that differ from the old input's, when the port has one input and
/// both datasets are still in the cache.
fn changed_items(
    state: &RunState<'_>,
    old: &StageKey,
    new: &StageKey,
    port: &str,
) -> Option<(usize, usize)> {
    let (old_in, new_in) = (old.inputs.get(port)?, new.inputs.get(port)?);
    let ([old_in], [new_in]) = (old_in.as_slice(), new_in.as_slice()) else {
        return None;
    };
    let a = state.dataset(&old_in.output).ok()?;
    let b = state.dataset(&new_in.output).ok()?;
    let changed = b
        .records()
        .iter()
        .filter(|r| a.get(&r.id) != Some(*r))
        .count();
    Some((changed, b.len()))
}

#[cfg(test)]
mod tests;
