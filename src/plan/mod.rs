//! The plan: the pipeline's stages expanded into instances (one per matrix combination) and
//! ordered so every instance comes after the instances it reads.
//!
//! Invariants: `instances` is in a valid execution order; an instance's `inputs` point only at
//! earlier instances; every instance's parameters have been checked by its kind.

mod cycle;
mod expand;
mod file_refs;
mod render;
mod select;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use expand::build;
pub use render::{Format, render};
pub use select::{Selection, select};

use crate::spec::{Coordinates, Pipeline, document::ResourcesDoc};
use crate::stage_api::DynStage;

/// A pipeline ready to run.
pub struct Plan {
    pub pipeline: Arc<Pipeline>,
    /// In execution order.
    pub instances: Vec<Instance>,
}

/// One stage instance.
pub struct Instance {
    /// `head` or `head[seed=3]`.
    pub id: String,
    pub stage: String,
    /// `seed=3`, empty when not swept.
    pub label: String,
    pub coordinates: Coordinates,
    pub kind: Arc<dyn DynStage>,
    /// Port -> upstream instance indices into [`Plan::instances`].
    pub inputs: BTreeMap<String, Vec<usize>>,
    pub publish: bool,
    pub resources: ResourcesDoc,
}

impl Plan {
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.instances.iter().position(|i| i.id == id)
    }

    /// Instances that read instance `index`, directly.
    pub fn dependents(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        self.instances
            .iter()
            .enumerate()
            .filter(move |(_, inst)| inst.inputs.values().flatten().any(|&u| u == index))
            .map(|(i, _)| i)
    }
}

/// `head[seed=3]` from a stage name and a label.
pub fn instance_id(stage: &str, label: &str) -> String {
    if label.is_empty() {
        stage.to_string()
    } else {
        format!("{stage}[{label}]")
    }
}
