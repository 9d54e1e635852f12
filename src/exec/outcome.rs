//! What happened to one instance in a run: the scheduler's record of it, from which the run
//! record, the summary lines and the lock file are made.

use super::decide::Keyed;
use super::executor::{Computed, Failure};
use super::why::{Blocked, Why};
use crate::cache::{ItemCounts, StageEntry, Status};
use crate::digest::Digest;
use crate::key::StageKey;

#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub key: Option<StageKey>,
    pub key_digest: Option<Digest>,
    pub entry: Option<StageEntry>,
    pub items: Option<ItemCounts>,
    pub duration_ms: u64,
    pub saved_ms: u64,
    /// Why it ran (only for instances that ran).
    pub why: Option<Why>,
    /// Where it ran, when not on this machine (`slurm`).
    pub place: Option<&'static str>,
    pub error: Option<String>,
    /// A damaged or missing object stopped it: the run is worth retrying.
    pub damaged: bool,
    pub warnings: Vec<String>,
}

impl Outcome {
    fn empty(status: Status) -> Self {
        Self {
            status,
            key: None,
            key_digest: None,
            entry: None,
            items: None,
            duration_ms: 0,
            saved_ms: 0,
            why: None,
            place: None,
            error: None,
            damaged: false,
            warnings: Vec::new(),
        }
    }

    pub fn cached(keyed: Keyed, entry: StageEntry) -> Self {
        Self {
            key: Some(keyed.key),
            key_digest: Some(keyed.digest),
            saved_ms: entry.cost_ms,
            entry: Some(entry),
            ..Self::empty(Status::Cached)
        }
    }

    pub fn ran(keyed: &Keyed, why: Why, place: Option<&'static str>, computed: Computed) -> Self {
        Self {
            key: Some(keyed.key.clone()),
            key_digest: Some(keyed.digest),
            entry: Some(computed.entry),
            items: computed.items,
            duration_ms: computed.duration_ms,
            saved_ms: computed.saved_ms,
            why: Some(why),
            place,
            warnings: computed.warnings,
            ..Self::empty(Status::Ran)
        }
    }

    pub fn failed(keyed: Option<&Keyed>, failure: Failure) -> Self {
        Self {
            key: keyed.map(|k| k.key.clone()),
            key_digest: keyed.map(|k| k.digest),
            items: failure.items,
            duration_ms: failure.duration_ms,
            error: Some(failure.error),
            damaged: failure.damaged,
            warnings: failure.warnings,
            ..Self::empty(Status::Failed)
        }
    }

    pub fn blocked(blocked: Blocked) -> Self {
        let status = match blocked {
            Blocked::InputFailed { .. } | Blocked::InputBlocked { .. } => Status::Skipped,
            Blocked::File { .. } | Blocked::Runtime(_) => Status::Failed,
        };
        Self {
            error: Some(blocked.to_string()),
            ..Self::empty(status)
        }
    }

    pub fn skipped(reason: &str) -> Self {
        Self {
            error: Some(reason.to_string()),
            ..Self::empty(Status::Skipped)
        }
    }

    pub fn output(&self) -> Option<Digest> {
        self.entry.as_ref().map(|e| e.output)
    }
}
