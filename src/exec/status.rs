//! `radflow status`: what a run would do, and why, without running anything.
//!
//! An instance whose inputs are all known (its upstream instances are cached) gets its real
//! key; it is cached when its entry and every object it references exist. Otherwise the reason
//! is the first key component that changed since it last ran. An instance downstream of one that
//! will run cannot know its key yet: it *may* run (early cutoff can still spare it).

use std::collections::BTreeMap;

use serde::Serialize;

use super::instance::{describe_change, missing_objects, stage_key};
use super::run_context::RunContext;
use crate::digest::Digest;
use crate::key::{Change, first_change, hash_inputs};
use crate::plan::Selection;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Predicted {
    Cached,
    Run,
    /// Depends on an instance that will run; runs unless that one's output comes out the same.
    Maybe,
    /// Cannot run: an input cannot be read.
    Blocked,
}

#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    pub instance: String,
    pub stage: String,
    pub kind: String,
    pub state: Predicted,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Digest>,
}

pub fn predict(run: &RunContext<'_>, selection: &Selection) -> Vec<Prediction> {
    let instances = &run.plan.instances;
    let mut out: Vec<Option<Prediction>> = (0..instances.len()).map(|_| None).collect();
    for (i, inst) in instances.iter().enumerate() {
        if !selection.included[i] {
            continue;
        }
        let mut p = Prediction {
            instance: inst.id.clone(),
            stage: inst.stage.clone(),
            kind: inst.kind.kind().to_string(),
            state: Predicted::Run,
            reason: String::new(),
            key: None,
            output: None,
        };
        let mut upstream: BTreeMap<String, Vec<(String, Digest)>> = BTreeMap::new();
        let mut unknown: Option<(String, Predicted)> = None;
        for (port, ups) in &inst.inputs {
            let mut outs = Vec::new();
            for &u in ups {
                match out[u].as_ref() {
                    Some(Prediction {
                        output: Some(o), ..
                    }) => outs.push((instances[u].label.clone(), *o)),
                    Some(up) => {
                        unknown.get_or_insert((instances[u].id.clone(), up.state));
                    }
                    None => {
                        unknown.get_or_insert((instances[u].id.clone(), Predicted::Blocked));
                    }
                }
            }
            upstream.insert(port.clone(), outs);
        }
        if let Some((up, state)) = unknown {
            p.state = if state == Predicted::Blocked {
                Predicted::Blocked
            } else {
                Predicted::Maybe
            };
            p.reason = match state {
                Predicted::Blocked => format!("input {up} cannot run"),
                _ if selection.forced[i] => "forced".into(),
                _ => format!("input {up} will be recomputed"),
            };
            if selection.forced[i] && state != Predicted::Blocked {
                p.state = Predicted::Run;
            }
            out[i] = Some(p);
            continue;
        }
        let files = match hash_inputs(&run.plan.pipeline.workspace, &inst.kind.files(), &run.stat) {
            Ok(files) => files,
            Err(e) => {
                p.state = Predicted::Blocked;
                p.reason = e.to_string();
                out[i] = Some(p);
                continue;
            }
        };
        let key = stage_key(inst, &upstream, &files);
        let digest = key.digest();
        p.key = Some(digest);
        let last = run.last_keys.get(&inst.id).and_then(|l| l.key.clone());
        match run.store.stage_entry(&digest) {
            _ if selection.forced[i] => p.reason = "forced".into(),
            Some(entry) => match missing_objects(run, &entry) {
                0 => {
                    p.state = Predicted::Cached;
                    p.output = Some(entry.output);
                    p.reason = "up to date".into();
                }
                n => p.reason = format!("{n} cached objects missing"),
            },
            None => {
                p.reason = match &last {
                    None => "never run".into(),
                    Some(old) => match first_change(old, &key) {
                        None => "not in the cache".into(),
                        Some(Change::Input { port }) => {
                            let counts = changed_items(run, old, &key, &port);
                            format!(
                                "{}{}",
                                describe_change(run, inst, Change::Input { port }),
                                counts
                            )
                        }
                        Some(change) => describe_change(run, inst, change),
                    },
                };
            }
        }
        out[i] = Some(p);
    }
    out.into_iter().flatten().collect()
}

/// ` (3 of 1208 items)`: records of the new input that differ from the old input's, when both
/// datasets are still in the cache; empty otherwise.
fn changed_items(
    run: &RunContext<'_>,
    old: &crate::key::StageKey,
    new: &crate::key::StageKey,
    port: &str,
) -> String {
    let (Some(old_in), Some(new_in)) = (old.inputs.get(port), new.inputs.get(port)) else {
        return String::new();
    };
    if old_in.len() != 1 || new_in.len() != 1 {
        return String::new();
    }
    let (Ok(a), Ok(b)) = (
        run.dataset(&old_in[0].output),
        run.dataset(&new_in[0].output),
    ) else {
        return String::new();
    };
    let changed = b
        .records()
        .iter()
        .filter(|r| a.get(&r.id) != Some(*r))
        .count();
    format!(" ({changed} of {} items)", b.len())
}
