//! `--only` and `--force`: which instances a run covers and which ignore the cache.

use super::Plan;
use crate::spec::{SpecError, SpecErrorKind, did_you_mean};

/// Per instance (same indices as [`Plan::instances`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// In this run.
    pub included: Vec<bool>,
    /// Recomputed regardless of the cache (items too).
    pub forced: Vec<bool>,
}

impl Selection {
    pub fn all(plan: &Plan) -> Self {
        Self {
            included: vec![true; plan.instances.len()],
            forced: vec![false; plan.instances.len()],
        }
    }
}

/// `only`: the named stages (or instances) and everything they read; `force`: the named ones.
/// Names are stage names (`head`, every instance) or instance ids (`head[seed=3]`).
pub fn select(plan: &Plan, only: &[String], force: &[String]) -> Result<Selection, SpecError> {
    let mut selection = Selection::all(plan);
    if !only.is_empty() {
        selection.included = vec![false; plan.instances.len()];
        for name in only {
            for index in matching(plan, name, "--only")? {
                include_with_inputs(plan, index, &mut selection.included);
            }
        }
    }
    for name in force {
        for index in matching(plan, name, "--force")? {
            selection.forced[index] = true;
        }
    }
    Ok(selection)
}

fn include_with_inputs(plan: &Plan, index: usize, included: &mut [bool]) {
    if included[index] {
        return;
    }
    included[index] = true;
    for &up in plan.instances[index].inputs.values().flatten() {
        include_with_inputs(plan, up, included);
    }
}

fn matching(plan: &Plan, name: &str, flag: &str) -> Result<Vec<usize>, SpecError> {
    let hits: Vec<usize> = plan
        .instances
        .iter()
        .enumerate()
        .filter(|(_, inst)| inst.stage == name || inst.id == name)
        .map(|(i, _)| i)
        .collect();
    if hits.is_empty() {
        let mut names: Vec<&str> = plan.instances.iter().map(|i| i.stage.as_str()).collect();
        names.dedup();
        let ids = plan.instances.iter().map(|i| i.id.as_str());
        return Err(SpecError::new(
            SpecErrorKind::UnknownReference,
            &plan.pipeline.file,
            format!(
                "no stage is named `{name}`{}",
                did_you_mean(name, names.into_iter().chain(ids))
            ),
        )
        .at(flag));
    }
    Ok(hits)
}
