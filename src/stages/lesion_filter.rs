//! `lesion_filter`: keeps the slices that show the lesion clearly (METHOD.md stage 3).
//!
//! First the slices inside the lesion's extent that hold lesion voxels, then an area policy:
//! - `per_patient` (the study): area >= max(`min_pixels`, `fraction` x the patient's largest
//!   lesion area), and always the patient's `keep_at_least` largest slices, so no patient loses
//!   all its slices;
//! - `global` (the study's proposed improvement): area >= `min_pixels` for everyone;
//! - `top_k`: each patient's `k` largest slices.
//!
//! Kept records pass through unchanged, so downstream item keys do not move: changing a
//! threshold recomputes only the slices it newly admits. Ties in area are broken by record id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, Record, Value};
use crate::stage_api::StageContext;
use crate::stage_api::StageError;
use crate::stage_api::{ParamError, Port, Stage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    PerPatient,
    Global,
    TopK,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_policy")]
    pub policy: Policy,
    /// `per_patient`: share of the patient's largest lesion area a slice needs.
    #[serde(default = "default_fraction")]
    pub fraction: f64,
    /// `per_patient` and `global`: lesion pixels a slice needs at least.
    #[serde(default = "default_min_pixels")]
    pub min_pixels: u64,
    /// `per_patient`: the patient's largest slices kept whatever the thresholds say.
    #[serde(default = "default_keep_at_least")]
    pub keep_at_least: usize,
    /// `top_k`: slices kept per patient.
    #[serde(default = "default_k")]
    pub k: usize,
}

fn default_policy() -> Policy {
    Policy::PerPatient
}
fn default_fraction() -> f64 {
    0.25
}
fn default_min_pixels() -> u64 {
    50
}
fn default_keep_at_least() -> usize {
    1
}
fn default_k() -> usize {
    5
}

pub struct LesionFilter {
    params: Params,
}

impl Stage for LesionFilter {
    const KIND: &'static str = "lesion_filter";
    const VERSION: u32 = 1;
    const LIGHT: bool = true;
    const ABOUT: &'static str =
        "keeps lesion slices by area: per patient, global threshold or top k";
    const PORTS: &'static [Port] = &[Port::one("slices")];
    type Params = Params;

    fn new(params: Params) -> Result<Self, ParamError> {
        if !(0.0..=1.0).contains(&params.fraction) {
            return Err(ParamError::new(
                "fraction",
                format!("{} is not between 0 and 1", params.fraction),
            ));
        }
        if params.policy == Policy::TopK && params.k == 0 {
            return Err(ParamError::new(
                "k",
                "`top_k` with k = 0 would drop every slice",
            ));
        }
        Ok(Self { params })
    }

    /// Every policy decides a patient's slices by that patient's slices alone (`global` each
    /// slice by itself), and kept records pass through unchanged.
    fn filters_by_group(&self) -> bool {
        true
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let slices = ctx.input("slices")?;
        // Slices are grouped by the group field their roles name (the patient).
        let roles = slices.roles();
        let group = roles.group.as_deref();
        let mut by_patient: BTreeMap<&str, Vec<(&Record, i64)>> = BTreeMap::new();
        for record in slices.records() {
            let area = record.int("lesion_pixels")?;
            if record.bool("in_extent")? && area > 0 {
                let patient = group.and_then(|g| record.str(g).ok()).unwrap_or(&record.id);
                by_patient.entry(patient).or_default().push((record, area));
            }
        }
        let p = &self.params;
        let mut kept: Vec<Record> = Vec::new();
        let mut thresholds: BTreeMap<String, Value> = BTreeMap::new();
        let mut emptied: Vec<&str> = Vec::new();
        for (patient, mut lesion) in by_patient {
            lesion.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
            let largest = lesion[0].1;
            let (threshold, at_least) = match p.policy {
                Policy::PerPatient => {
                    let t = (p.min_pixels as f64).max(p.fraction * largest as f64);
                    (Some(t), p.keep_at_least)
                }
                Policy::Global => (Some(p.min_pixels as f64), 0),
                Policy::TopK => (None, p.k),
            };
            if let Some(t) = threshold {
                thresholds.insert(patient.to_string(), Value::float(t).unwrap_or(Value::Null));
            }
            let before = kept.len();
            for (rank, (record, area)) in lesion.iter().enumerate() {
                if rank < at_least || threshold.is_some_and(|t| *area as f64 >= t) {
                    kept.push((*record).clone());
                }
            }
            if kept.len() == before {
                emptied.push(patient);
            }
        }
        if kept.is_empty() {
            return Err(StageError::invalid(format!(
                "the filter keeps no slice ({} input slices, policy `{:?}`, min_pixels {}); lower the thresholds",
                slices.len(),
                p.policy,
                p.min_pixels
            )));
        }
        if !emptied.is_empty() {
            ctx.warn(format!(
                "{} patients keep no slice under this threshold: {}",
                emptied.len(),
                emptied.join(", ")
            ));
        }
        let mut meta = BTreeMap::new();
        if !thresholds.is_empty() {
            meta.insert("thresholds".into(), Value::Map(thresholds));
        }
        Ok(Dataset::new(kept, meta)?.with_roles(&roles))
    }
}
