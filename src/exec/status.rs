//! `radflow status`: what a run would do, and why, without running anything.
//!
//! The plan is walked in order with the same decision a run makes ([`decide`]); an instance
//! predicted to run makes its dependents' keys unknowable, so they *may* run (early cutoff can
//! still spare them).

use serde::Serialize;

use super::decide::{Decision, Detail, Upstream, decide};
use super::state::RunState;
use crate::digest::Digest;
use crate::plan::Selection;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Predicted {
    Cached,
    Run,
    /// Depends on an instance that will run; runs unless that one's output comes out the same.
    Maybe,
    /// Cannot run: an input or a declared file cannot be read.
    Blocked,
}

impl Predicted {
    pub fn word(self) -> &'static str {
        match self {
            Predicted::Cached => "cached",
            Predicted::Run => "run",
            Predicted::Maybe => "maybe",
            Predicted::Blocked => "blocked",
        }
    }
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

pub fn predict(state: &RunState<'_>, selection: &Selection) -> Vec<Prediction> {
    let instances = &state.plan.instances;
    let mut out: Vec<Option<Prediction>> = (0..instances.len()).map(|_| None).collect();
    for (i, inst) in instances.iter().enumerate() {
        if !selection.included[i] {
            continue;
        }
        let upstream = |u: usize| match &out[u] {
            Some(Prediction {
                output: Some(o), ..
            }) => Upstream::Output(*o),
            Some(Prediction {
                state: Predicted::Blocked,
                ..
            })
            | None => Upstream::Blocked,
            Some(_) => Upstream::WillRun,
        };
        let decision = decide(state, i, selection.forced[i], upstream, Detail::ItemCounts);
        let (state_word, reason, key, output) = match decision {
            Decision::Cached { keyed, entry } => (
                Predicted::Cached,
                "up to date".to_string(),
                Some(keyed.digest),
                Some(entry.output),
            ),
            Decision::Run {
                keyed: Some(keyed),
                why,
            } => (Predicted::Run, why.to_string(), Some(keyed.digest), None),
            Decision::Run { keyed: None, why } => {
                let word = if why.is_certain() {
                    Predicted::Run
                } else {
                    Predicted::Maybe
                };
                (word, why.to_string(), None, None)
            }
            Decision::Blocked(blocked) => (Predicted::Blocked, blocked.to_string(), None, None),
        };
        out[i] = Some(Prediction {
            instance: inst.id.clone(),
            stage: inst.stage.clone(),
            kind: inst.kind.kind().to_string(),
            state: state_word,
            reason,
            key,
            output,
        });
    }
    out.into_iter().flatten().collect()
}
