//! From outcomes to what a run leaves behind: the run record (kept in the cache), each
//! instance's last key (for "why" next time), and the lock file of a complete run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::outcome::Outcome;
use crate::cache::{InstanceRecord, LastKey, RUN_FORMAT, RunOutcome, RunRecord, Status};
use crate::lockfile::{LOCK_VERSION, LockFile, LockedImport, LockedStage};
use crate::plan::Plan;

/// What the user asked for, recorded with the run.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    pub overrides: Vec<String>,
    pub only: Vec<String>,
    pub forced: Vec<String>,
}

/// When and where the run happened.
pub struct RunTimes {
    pub started_unix_ms: u64,
    pub duration_ms: u64,
    pub lock_file: PathBuf,
}

/// The run record and the last keys to remember.
pub fn record_run(
    plan: &Plan,
    outcomes: Vec<Option<Outcome>>,
    request: RunRequest,
    times: RunTimes,
    interrupted: bool,
) -> (RunRecord, BTreeMap<String, LastKey>) {
    let mut instances = Vec::with_capacity(plan.instances.len());
    let mut last = BTreeMap::new();
    for (inst, outcome) in plan.instances.iter().zip(outcomes) {
        let record = match outcome {
            None => InstanceRecord {
                stage: inst.stage.clone(),
                kind: inst.kind.kind().to_string(),
                label: inst.label.clone(),
                status: Status::NotSelected,
                key: None,
                output: None,
                records: None,
                items: None,
                summary: BTreeMap::new(),
                params: inst.kind.params().clone(),
                duration_ms: 0,
                saved_ms: 0,
                why: None,
                error: None,
                warnings: Vec::new(),
            },
            Some(o) => {
                if let (Some(key), true) = (&o.key, o.status != Status::Failed) {
                    last.insert(
                        inst.id.clone(),
                        LastKey {
                            key: Some(key.clone()),
                            output: o.output(),
                        },
                    );
                }
                let why = match (&o.why, o.place) {
                    (Some(why), Some(place)) if o.status == Status::Ran => {
                        Some(format!("{why} (on {place})"))
                    }
                    (Some(why), None) if o.status == Status::Ran => Some(why.to_string()),
                    _ => None,
                };
                InstanceRecord {
                    stage: inst.stage.clone(),
                    kind: inst.kind.kind().to_string(),
                    label: inst.label.clone(),
                    status: o.status,
                    key: o.key_digest,
                    output: o.output(),
                    records: o.entry.as_ref().map(|e| e.records),
                    items: o.items,
                    summary: o
                        .entry
                        .as_ref()
                        .map(|e| e.summary.clone())
                        .unwrap_or_default(),
                    params: inst.kind.params().clone(),
                    duration_ms: o.duration_ms,
                    saved_ms: o.saved_ms,
                    why,
                    error: o.error,
                    warnings: o.warnings,
                }
            }
        };
        instances.push((inst.id.clone(), record));
    }
    let failed = instances
        .iter()
        .any(|(_, r)| matches!(r.status, Status::Failed | Status::Skipped));
    let outcome = if interrupted {
        RunOutcome::Interrupted
    } else if failed {
        RunOutcome::Failed
    } else {
        RunOutcome::Complete
    };
    let record = RunRecord {
        format: RUN_FORMAT,
        pipeline: plan.pipeline.name.clone(),
        pipeline_file: plan.pipeline.file.clone(),
        lock_file: times.lock_file,
        started_unix_ms: times.started_unix_ms,
        duration_ms: times.duration_ms,
        overrides: request.overrides,
        only: request.only,
        forced: request.forced,
        outcome,
        instances,
    };
    (record, last)
}

/// The lock file a complete run of `plan` produced.
pub fn lock_of_run(plan: &Plan, run: &RunRecord) -> LockFile {
    let mut stages = BTreeMap::new();
    for (inst, (id, record)) in plan.instances.iter().zip(&run.instances) {
        if let (Some(key), Some(output)) = (record.key, record.output) {
            stages.insert(
                id.clone(),
                LockedStage {
                    kind: record.kind.clone(),
                    version: inst.kind.version(),
                    key,
                    params: record.params.clone(),
                    output,
                    records: record.records.unwrap_or(0),
                    summary: record.summary.clone(),
                },
            );
        }
    }
    LockFile {
        version: LOCK_VERSION,
        pipeline: plan.pipeline.name.clone(),
        stages,
        imports: locked_imports(&plan.pipeline.imports),
    }
}

/// The lock's record of the imports a pipeline read.
pub fn locked_imports(imports: &[crate::spec::ResolvedImport]) -> BTreeMap<String, LockedImport> {
    imports
        .iter()
        .map(|import| {
            let commit = match &import.source {
                crate::spec::ImportSource::Git { commit, .. } => Some(commit.clone()),
                crate::spec::ImportSource::Local(_) => None,
            };
            (
                import.id.clone(),
                LockedImport {
                    blake3: import.blake3,
                    commit,
                },
            )
        })
        .collect()
}
