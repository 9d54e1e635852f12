//! The cached output of a stage, found without running anything: the plan is walked with the
//! same decision `run` and `status` make, so what `show` and `export` read is exactly what a
//! run would reuse.

use std::sync::Arc;

use super::args::PipelineArgs;
use super::config::{Loaded, load};
use crate::cache::Store;
use crate::dataset::Dataset;
use crate::digest::Digest;
use crate::error::Error;
use crate::exec::{Predicted, RunOptions, RunState, predict, run_log};
use crate::plan::select;
use crate::spec::did_you_mean;

/// `[PIPELINE] STAGE` as typed.
pub fn split_targets(targets: &[String]) -> (Option<std::path::PathBuf>, &str) {
    match targets {
        [pipeline, stage] => (Some(pipeline.into()), stage),
        [stage] => (None, stage),
        _ => unreachable!("clap takes one or two"),
    }
}

/// One instance's cached output.
pub struct CachedOutput {
    pub instance: String,
    pub stage: String,
    pub kind: String,
    pub output: Digest,
    pub dataset: Arc<Dataset>,
}

/// Every instance of `name` (a stage, or one instance `head[seed=3]`; `None`: every instance
/// of the pipeline) with its cached output; an error names each that is not in the cache and
/// why.
pub fn cached_outputs(
    pipeline: &PipelineArgs,
    name: Option<&str>,
) -> Result<(Loaded, Store, Vec<CachedOutput>), Error> {
    let loaded = load(pipeline)?;
    let plan = &loaded.plan;
    let matching: Vec<usize> = plan
        .instances
        .iter()
        .enumerate()
        .filter(|(_, inst)| name.is_none_or(|name| inst.stage == name || inst.id == name))
        .map(|(i, _)| i)
        .collect();
    if let (true, Some(name)) = (matching.is_empty(), name) {
        let mut names: Vec<&str> = plan.instances.iter().map(|i| i.stage.as_str()).collect();
        names.dedup();
        let ids = plan.instances.iter().map(|i| i.id.as_str());
        return Err(Error::Usage(format!(
            "no stage is named `{name}`{}",
            did_you_mean(name, names.into_iter().chain(ids))
        )));
    }
    let store = loaded.open_store()?;
    let log = run_log(plan, &store)?;
    let state = RunState::new(
        plan,
        store.clone(),
        RunOptions::local(1, false, true),
        log.last_keys(),
    );
    let selection = match name {
        Some(name) => select(plan, &[name.to_string()], &[])?,
        None => crate::plan::Selection::all(plan),
    };
    let predictions = predict(&state, &selection);
    state.stat.save();
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for &index in &matching {
        let instance = &plan.instances[index];
        let prediction = predictions
            .iter()
            .find(|p| p.instance == instance.id)
            .expect("every selected instance is predicted");
        match (prediction.state, prediction.output) {
            (Predicted::Cached, Some(output)) => {
                let dataset = state
                    .dataset(&output)
                    .map_err(|e| Error::Failed(format!("`{}`: {e}", instance.id)))?;
                found.push(CachedOutput {
                    instance: instance.id.clone(),
                    stage: instance.stage.clone(),
                    kind: instance.kind.kind().to_string(),
                    output,
                    dataset,
                });
            }
            _ => missing.push(format!("`{}` ({})", instance.id, prediction.reason)),
        }
    }
    if !missing.is_empty() {
        let fix = match name {
            Some(name) => format!("`radflow run --only {name}` computes it"),
            None => "`radflow run` computes them".to_string(),
        };
        return Err(Error::Failed(format!(
            "not in the cache for the pipeline as it is now: {}; {fix}",
            missing.join(", ")
        )));
    }
    Ok((loaded, store, found))
}
