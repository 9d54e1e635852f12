//! Running a plan on Slurm: `radflow run --executor slurm`.
//!
//! The coordinator works out, without computing anything, which instances are not cached
//! ([`super::predict`]), and submits all their jobs at once, in plan order, DAG order through
//! `--dependency=afterok`:
//! - a map instance (slice extraction, resize, features, `command` with `foreach`) becomes a
//!   job array: task `i` of `n` is a `radflow worker` that computes the items `i, i+n, ...`
//!   still missing and commits each to the shared cache; then one assemble job builds the
//!   stage's output from the (now cached) items;
//! - any other instance is one assemble job.
//!
//! Workers find their inputs in the shared cache (their upstream jobs ended `COMPLETED`), so
//! the cache on a shared file system is the only channel between jobs; writes are atomic
//! renames, which NFS keeps atomic, and no lock is needed. After the jobs, the coordinator does
//! a cached-only local pass: same keys, same outputs, so the run record and the lock file are
//! exactly those of a local run. Ctrl-C at the coordinator cancels every job of the run.

mod resources;

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use resources::{ClusterConfig, parse_mem_mb, parse_time, shard_count};

use super::interrupt;
use super::run_context::{RunContext, RunOptions};
use super::status::{Predicted, predict};
use super::{RunReport, RunRequest, run, run_log};
use crate::cache::{CacheError, Status, Store};
use crate::plan::{Plan, Selection};
use crate::slurm::{
    ArraySpec, JobId, JobKey, JobSpec, JobState, Payload, Slurm, SlurmError, StatusMap,
};

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("slurm: {0}")]
    Slurm(#[from] SlurmError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("stage `{stage}`: {message}")]
    Resources { stage: String, message: String },
    #[error("interrupted; the run's Slurm jobs were cancelled")]
    Interrupted,
}

/// How to start a worker for this run: the pipeline as the user named it, the cache, the
/// `--set`s (workers must build the same plan).
pub struct Invocation {
    pub pipeline_file: PathBuf,
    pub cache_dir: PathBuf,
    pub overrides: Vec<String>,
}

/// The jobs of one instance.
struct Submitted {
    instance: usize,
    array: Option<(JobId, usize)>,
    assemble: JobId,
}

/// Runs `plan` on Slurm; see the module docs.
pub fn run_on_slurm(
    plan: &Plan,
    selection: &Selection,
    store: Store,
    options: RunOptions,
    request: RunRequest,
    cluster: &ClusterConfig,
    invocation: &Invocation,
) -> Result<RunReport, ClusterError> {
    let slurm = Slurm::new();
    slurm.ping()?;
    interrupt::install();
    let log = run_log(plan, &store)?;
    let last_run = log.last_run();
    let context = RunContext::new(
        plan,
        store.clone(),
        RunOptions {
            quiet: true,
            ..options.clone()
        },
        log.last_keys(),
    );
    let predictions = predict(&context, selection);
    let predicted: BTreeMap<&str, &super::Prediction> = predictions
        .iter()
        .map(|p| (p.instance.as_str(), p))
        .collect();

    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let log_dir = store.logs_dir().join("slurm").join(started.to_string());
    std::fs::create_dir_all(&log_dir).map_err(|e| CacheError::io(&log_dir, e))?;
    let program = std::env::current_exe()
        .map_err(|e| CacheError::io("radflow", e))?
        .to_string_lossy()
        .into_owned();
    let workdir = std::env::current_dir().map_err(|e| CacheError::io(".", e))?;

    let mut submitted: Vec<Submitted> = Vec::new();
    let mut assemble_of: BTreeMap<usize, JobId> = BTreeMap::new();
    let submit_all = |submitted: &mut Vec<Submitted>,
                      assemble_of: &mut BTreeMap<usize, JobId>|
     -> Result<(), ClusterError> {
        for (i, inst) in plan.instances.iter().enumerate() {
            if !selection.included[i] {
                continue;
            }
            let prediction = predicted.get(inst.id.as_str());
            if prediction.is_some_and(|p| p.state == Predicted::Cached) && !selection.forced[i] {
                continue;
            }
            let deps: Vec<JobId> = inst
                .inputs
                .values()
                .flatten()
                .filter_map(|u| assemble_of.get(u).copied())
                .collect();
            let resources = cluster.for_stage(&inst.resources);
            let cpus = resources.cpus.unwrap_or(1).max(1);
            let mut args = vec![
                "worker".to_string(),
                invocation.pipeline_file.to_string_lossy().into_owned(),
                "--cache".into(),
                invocation.cache_dir.to_string_lossy().into_owned(),
                "--instance".into(),
                inst.id.clone(),
                "-j".into(),
                cpus.to_string(),
            ];
            for set in &invocation.overrides {
                args.push("--set".into());
                args.push(set.clone());
            }
            if selection.forced[i] {
                args.push("--force".into());
            }
            let name = job_name(&plan.pipeline.name, &inst.id);
            let spec =
                |name: String, args: Vec<String>, log: PathBuf| -> Result<JobSpec, ClusterError> {
                    let mut spec = JobSpec::new(
                        name,
                        Payload::Command {
                            program: program.clone(),
                            args,
                        },
                        &workdir,
                        log,
                    );
                    spec.partition = resources.partition.clone();
                    spec.cpus_per_task = cpus;
                    spec.time_limit = resources
                        .time
                        .as_deref()
                        .map(parse_time)
                        .transpose()
                        .map_err(|m| ClusterError::Resources {
                            stage: inst.stage.clone(),
                            message: m,
                        })?;
                    spec.mem_mb = resources
                        .mem
                        .as_deref()
                        .map(parse_mem_mb)
                        .transpose()
                        .map_err(|m| ClusterError::Resources {
                            stage: inst.stage.clone(),
                            message: m,
                        })?;
                    Ok(spec)
                };
            let array = if inst.kind.is_map() {
                let items = estimated_items(&context, plan, i, last_run.as_ref());
                let per_item = seconds_per_item(last_run.as_ref(), &inst.id);
                let shards =
                    shard_count(items, per_item, cluster.shard_seconds, cluster.max_parallel);
                let mut shard_args = args.clone();
                shard_args.push("--shards".into());
                shard_args.push(shards.to_string());
                let mut array_spec = spec(
                    format!("{name}-items"),
                    shard_args,
                    log_dir.join(format!("{}-%a.log", safe(&inst.id))),
                )?;
                array_spec.array = Some(ArraySpec {
                    indices: (0..shards as u32).collect(),
                    max_concurrent: cluster.max_parallel,
                });
                array_spec.dependencies = deps.clone();
                Some((slurm.submit(&array_spec)?, shards))
            } else {
                None
            };
            let mut assemble = spec(name, args, log_dir.join(format!("{}.log", safe(&inst.id))))?;
            assemble.dependencies = match array {
                Some((id, _)) => vec![id],
                None => deps,
            };
            let assemble_id = slurm.submit(&assemble)?;
            assemble_of.insert(i, assemble_id);
            submitted.push(Submitted {
                instance: i,
                array,
                assemble: assemble_id,
            });
        }
        Ok(())
    };
    if let Err(error) = submit_all(&mut submitted, &mut assemble_of) {
        cancel(&slurm, &submitted);
        return Err(error);
    }
    let all_jobs: Vec<JobId> = submitted
        .iter()
        .flat_map(|s| s.array.map(|(id, _)| id).into_iter().chain([s.assemble]))
        .collect();
    if !options.quiet && !all_jobs.is_empty() {
        eprintln!(
            "slurm: {} jobs submitted for {} stages; logs in {}",
            all_jobs.len(),
            submitted.len(),
            crate::spec::display_path(&log_dir)
        );
    }

    let mut reported: Vec<bool> = vec![false; submitted.len()];
    let waited = slurm.wait(&all_jobs, Duration::from_millis(500), |statuses| {
        for (k, s) in submitted.iter().enumerate() {
            if reported[k] {
                continue;
            }
            if let Some(status) = statuses
                .get(&JobKey::job(s.assemble))
                .filter(|st| st.state.is_ended())
            {
                reported[k] = true;
                if !options.quiet {
                    let id = &plan.instances[s.instance].id;
                    let shards = s
                        .array
                        .map(|(_, n)| format!(" ({n} array tasks)"))
                        .unwrap_or_default();
                    eprintln!("slurm: {:<8} {id}{shards}", state_word(&status.state));
                }
            }
        }
        if interrupt::cancelled() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    let statuses = match waited {
        Ok(statuses) => statuses,
        Err(SlurmError::WaitStopped { .. }) => {
            cancel(&slurm, &submitted);
            return Err(ClusterError::Interrupted);
        }
        Err(error) => {
            cancel(&slurm, &submitted);
            return Err(error.into());
        }
    };

    // The coordinator's pass: every result must now be in the cache.
    let final_options = RunOptions {
        cached_only: true,
        ..options
    };
    let mut report = run(plan, selection, store, final_options, request)?;
    for s in &submitted {
        let id = &plan.instances[s.instance].id;
        let Some((_, record)) = report.record.instances.iter_mut().find(|(i, _)| i == id) else {
            continue;
        };
        match record.status {
            // Computed by the jobs: report it as run here, with the reason it had to.
            Status::Cached => {
                record.status = Status::Ran;
                record.saved_ms = 0;
                record.why = predicted
                    .get(id.as_str())
                    .map(|p| format!("{} (on slurm)", p.reason));
            }
            Status::Failed => {
                if let Some(detail) = failure_detail(s, &statuses) {
                    record.error = Some(detail);
                }
            }
            _ => {}
        }
    }
    Ok(report)
}

fn cancel(slurm: &Slurm, submitted: &[Submitted]) {
    let jobs: Vec<JobId> = submitted
        .iter()
        .flat_map(|s| s.array.map(|(id, _)| id).into_iter().chain([s.assemble]))
        .collect();
    if !jobs.is_empty() {
        let _ = slurm.cancel(&jobs);
    }
}

/// What went wrong in an instance's jobs: the failed tasks, their logs and the error lines.
fn failure_detail(s: &Submitted, statuses: &StatusMap) -> Option<String> {
    let mut parts = Vec::new();
    let jobs = s.array.map(|(id, _)| id).into_iter().chain([s.assemble]);
    for job in jobs {
        for (key, status) in statuses.range(JobKey::job(job)..) {
            if key.job != job {
                break;
            }
            match &status.state {
                JobState::Completed => {}
                JobState::DependencyNeverSatisfied => {
                    if key.task.is_none() {
                        parts.push("not run: an input's jobs failed".to_string());
                    }
                }
                state => {
                    let task = key.task.map(|t| format!("task {t} ")).unwrap_or_default();
                    let log = status
                        .stdout
                        .as_ref()
                        .map(|p| crate::spec::display_path(p))
                        .unwrap_or_default();
                    let errors = status
                        .stdout
                        .as_deref()
                        .map(error_lines)
                        .unwrap_or_default();
                    parts.push(format!("{task}{}; log {log}{errors}", state_word(state)));
                }
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The `radflow:` lines of a worker's log (they name the failed items).
fn error_lines(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("radflow:") || l.starts_with("  "))
        .take(8)
        .collect();
    if lines.is_empty() {
        String::new()
    } else {
        format!(":\n    {}", lines.join("\n    "))
    }
}

fn state_word(state: &JobState) -> String {
    match state {
        JobState::Completed => "done".into(),
        JobState::DependencyNeverSatisfied => "skipped".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Items a map instance will see: its input's record count when known now, else what its
/// input had in the last run, else a guess that gives a few tasks.
fn estimated_items(
    context: &RunContext<'_>,
    plan: &Plan,
    index: usize,
    last_run: Option<&crate::cache::RunRecord>,
) -> usize {
    let inst = &plan.instances[index];
    let mut total = 0;
    for &up in inst.inputs.values().flatten() {
        let up_id = &plan.instances[up].id;
        let known = context
            .last_keys
            .get(up_id)
            .and_then(|l| l.output)
            .and_then(|o| context.dataset(&o).ok())
            .map(|d| d.len());
        let from_last_run = last_run
            .and_then(|r| r.instances.iter().find(|(i, _)| i == up_id))
            .and_then(|(_, r)| r.records);
        total += known.or(from_last_run).unwrap_or(16);
    }
    if inst.inputs.is_empty() {
        // A map over files (`command` with `foreach`): one item per declared file.
        let files =
            crate::key::hash_inputs(&plan.pipeline.workspace, &inst.kind.files(), &context.stat);
        files.map(|f| f.len().max(1)).unwrap_or(16)
    } else {
        total
    }
}

/// Seconds per computed item in this instance's last run, else one second.
fn seconds_per_item(last_run: Option<&crate::cache::RunRecord>, id: &str) -> f64 {
    last_run
        .and_then(|r| r.instances.iter().find(|(i, _)| i == id))
        .and_then(|(_, r)| {
            r.items
                .filter(|c| c.computed > 0)
                .map(|c| r.duration_ms as f64 / 1000.0 / c.computed as f64)
        })
        .unwrap_or(1.0)
}

/// `rf-demo-head_seed_3`: Slurm job names without brackets or spaces.
fn job_name(pipeline: &str, instance: &str) -> String {
    format!("rf-{pipeline}-{}", safe(instance))
}

fn safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
