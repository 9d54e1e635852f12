//! The Slurm executor: submits each job as `radflow worker` (a job array for a map
//! instance), watches for their ends, and cancels them on Ctrl-C. It takes only the
//! instances its [`Placement`] leaves to the cluster; the scheduler gives the others to the
//! local executor.
//!
//! Watching costs the controller one `squeue` call per poll for all running jobs, plus one
//! `scontrol show job` per job that has ended (its exit codes and logs), never a call per job
//! per poll. Polls come at a tenth of the youngest running job's age, between
//! [`POLL_FASTEST`] and [`POLL_SLOWEST`]: a job that takes seconds is seen ending within a
//! fraction of a second, an array that runs for an hour is asked about every few seconds.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::ClusterError;
use super::placement::Placement;
use super::resources::{ClusterConfig, parse_mem_mb, parse_time, shard_count};
use crate::cache::{RunRecord, Store};
use crate::dataset::Dataset;
use crate::digest::Digest;
use crate::exec::executor::{Computed, Done, Executor, Failure, Finished, Job};
use crate::exec::worker::WorkerReport;
use crate::plan::Plan;
use crate::slurm::{
    ArraySpec, JobId, JobKey, JobSpec, JobState, Payload, Slurm, SlurmError, StatusMap,
};

/// How to start a worker for this run: the pipeline as the user named it, the cache, the
/// `--set`s (workers must build the same plan).
pub struct Invocation {
    pub pipeline_file: PathBuf,
    pub cache_dir: PathBuf,
    pub overrides: Vec<String>,
}

/// The shortest time between two polls (a job just submitted)...
const POLL_FASTEST: Duration = Duration::from_millis(250);
/// ... and the longest (once the youngest running job is 50 s old).
const POLL_SLOWEST: Duration = Duration::from_secs(5);

/// How long to wait before the next poll when the youngest running job is `age` old: a
/// tenth of it, so a job is seen ending at most about 10% after its end, and a long wait
/// costs the controller few calls.
fn poll_every(age: Duration) -> Duration {
    (age / 10).clamp(POLL_FASTEST, POLL_SLOWEST)
}

/// A submitted job of one instance.
struct Submitted {
    instance: usize,
    job: JobId,
    /// When it was submitted.
    since: Instant,
    /// Array tasks, for a map instance.
    shards: Option<usize>,
    /// The stage key whose entry a single job commits.
    digest: Digest,
    /// Where the worker writes its [`WorkerReport`].
    report: PathBuf,
}

pub struct SlurmExecutor<'p> {
    slurm: Slurm,
    plan: &'p Plan,
    store: Store,
    cluster: ClusterConfig,
    invocation: Invocation,
    log_dir: PathBuf,
    last_run: Option<RunRecord>,
    placement: Placement,
    program: String,
    workdir: PathBuf,
    quiet: bool,
    running: Vec<Submitted>,
    announced: bool,
}

impl<'p> SlurmExecutor<'p> {
    /// Checks the controller answers and every instance's resources parse, before anything
    /// is submitted. `history` is the pipeline's recent run records, newest first: they size
    /// shards and place instances.
    pub fn new(
        plan: &'p Plan,
        store: Store,
        cluster: ClusterConfig,
        invocation: Invocation,
        history: Vec<RunRecord>,
        quiet: bool,
    ) -> Result<Self, ClusterError> {
        let below = cluster.local_below_seconds;
        if !(below.is_finite() && below >= 0.0) {
            return Err(ClusterError::LocalBelow(below));
        }
        let slurm = Slurm::new();
        slurm.ping()?;
        for instance in &plan.instances {
            let resources = cluster.for_stage(&instance.resources);
            let bad = |message| ClusterError::Resources {
                stage: instance.stage.clone(),
                message,
            };
            resources
                .time
                .as_deref()
                .map(parse_time)
                .transpose()
                .map_err(bad)?;
            resources
                .mem
                .as_deref()
                .map(parse_mem_mb)
                .transpose()
                .map_err(bad)?;
        }
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let log_dir = store.logs_dir().join("slurm").join(started.to_string());
        std::fs::create_dir_all(&log_dir).map_err(|e| crate::cache::CacheError::io(&log_dir, e))?;
        let program = std::env::current_exe()
            .map_err(|e| crate::cache::CacheError::io("radflow", e))?
            .to_string_lossy()
            .into_owned();
        let workdir = std::env::current_dir().map_err(|e| crate::cache::CacheError::io(".", e))?;
        let placement = Placement::new(plan, &history, below);
        let last_run = history.into_iter().next();
        Ok(Self {
            slurm,
            plan,
            store,
            cluster,
            invocation,
            log_dir,
            last_run,
            placement,
            program,
            workdir,
            quiet,
            running: Vec::new(),
            announced: false,
        })
    }

    /// The job (or array) running `radflow worker` for `job`.
    fn spec(&self, job: &Job, shards: Option<usize>, report: &Path) -> JobSpec {
        let instance = &self.plan.instances[job.instance];
        let resources = self.cluster.for_stage(&instance.resources);
        let cpus = resources.cpus.unwrap_or(1).max(1);
        let mut args = vec![
            "worker".to_string(),
            self.invocation.pipeline_file.to_string_lossy().into_owned(),
            "--cache".into(),
            self.invocation.cache_dir.to_string_lossy().into_owned(),
            "--instance".into(),
            instance.id.clone(),
            "-j".into(),
            cpus.to_string(),
        ];
        for set in &self.invocation.overrides {
            args.push("--set".into());
            args.push(set.clone());
        }
        if job.forced {
            args.push("--force".into());
        }
        let (name, log) = match shards {
            Some(n) => {
                args.push("--shards".into());
                args.push(n.to_string());
                (
                    format!("{}-items", job_name(&self.plan.pipeline.name, &instance.id)),
                    self.log_dir.join(format!("{}-%a.log", safe(&instance.id))),
                )
            }
            None => {
                args.push("--report".into());
                args.push(report.to_string_lossy().into_owned());
                (
                    job_name(&self.plan.pipeline.name, &instance.id),
                    self.log_dir.join(format!("{}.log", safe(&instance.id))),
                )
            }
        };
        let mut spec = JobSpec::new(
            name,
            Payload::Command {
                program: self.program.clone(),
                args,
            },
            &self.workdir,
            log,
        );
        spec.partition = resources.partition.clone();
        spec.cpus_per_task = cpus;
        // Both were checked in `new`.
        spec.time_limit = resources.time.as_deref().and_then(|t| parse_time(t).ok());
        spec.mem_mb = resources.mem.as_deref().and_then(|m| parse_mem_mb(m).ok());
        if let Some(n) = shards {
            spec.array = Some(ArraySpec {
                indices: (0..n as u32).collect(),
                max_concurrent: self.cluster.max_parallel,
            });
        }
        spec
    }

    /// Array tasks for a map job: enough work per task that scheduling stays cheap.
    fn shards(&self, job: &Job) -> usize {
        let instance = &self.plan.instances[job.instance];
        let items: usize = if job.inputs.is_empty() {
            // A map over declared files (`command` with `foreach: {files}`).
            job.keyed.files.len().max(1)
        } else {
            job.inputs
                .values()
                .flatten()
                .map(|(_, output)| {
                    self.store
                        .get_object(output)
                        .ok()
                        .and_then(|bytes| Dataset::from_manifest(&bytes).ok())
                        .map_or(16, |d| d.len())
                })
                .sum()
        };
        let per_item = seconds_per_item(self.last_run.as_ref(), &instance.id);
        shard_count(
            items,
            per_item,
            self.cluster.shard_seconds,
            self.cluster.max_parallel,
        )
    }

    fn ended(&self, submitted: &Submitted, statuses: &StatusMap) -> Result<Done, Failure> {
        let all_completed = statuses
            .range(JobKey::job(submitted.job)..)
            .take_while(|(key, _)| key.job == submitted.job)
            .all(|(_, status)| status.state == JobState::Completed);
        if !all_completed {
            return Err(Failure::new(
                failure_detail(submitted.job, statuses)
                    .unwrap_or_else(|| "the job did not complete".into()),
            ));
        }
        if submitted.shards.is_some() {
            return Ok(Done::ItemsComputed { items: None });
        }
        let report: Option<WorkerReport> = std::fs::read(&submitted.report)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let Some(entry) = self.store.stage_entry(&submitted.digest) else {
            return Err(Failure::new(format!(
                "the job completed but its result is not in the cache; log {}",
                crate::spec::display_path(&self.log_dir)
            )));
        };
        let report = report.unwrap_or(WorkerReport {
            instance: String::new(),
            did: String::new(),
            items: None,
            duration_ms: entry.duration_ms,
            warnings: Vec::new(),
        });
        Ok(Done::Committed(Box::new(Computed {
            entry,
            items: report.items,
            duration_ms: report.duration_ms,
            saved_ms: 0,
            warnings: report.warnings,
        })))
    }
}

impl Executor for SlurmExecutor<'_> {
    fn name(&self) -> &'static str {
        "slurm"
    }

    fn takes(&self, instance: usize) -> bool {
        !self.placement.here(instance)
    }

    fn has_room(&self) -> bool {
        true
    }

    fn start(&mut self, job: Job, done: &Sender<Finished>) {
        let instance = &self.plan.instances[job.instance];
        let shards = instance.kind.is_map().then(|| self.shards(&job));
        let report = self
            .log_dir
            .join(format!("{}.report.json", safe(&instance.id)));
        let spec = self.spec(&job, shards, &report);
        match self.slurm.submit(&spec) {
            Ok(id) => {
                if !self.quiet {
                    if !self.announced {
                        eprintln!(
                            "slurm: logs in {}",
                            crate::spec::display_path(&self.log_dir)
                        );
                        self.announced = true;
                    }
                    let tasks = shards
                        .map(|n| format!(" ({n} array tasks)"))
                        .unwrap_or_default();
                    eprintln!("slurm: submitted {}{tasks} as job {id}", instance.id);
                }
                self.running.push(Submitted {
                    instance: job.instance,
                    job: id,
                    since: Instant::now(),
                    shards,
                    digest: job.keyed.digest,
                    report,
                });
            }
            Err(error) => {
                let _ = done.send(Finished {
                    instance: job.instance,
                    result: Err(Failure::new(format!("slurm: {error}"))),
                });
            }
        }
    }

    fn poll(&mut self, done: &Sender<Finished>) {
        if self.running.is_empty() {
            return;
        }
        let jobs: Vec<JobId> = self.running.iter().map(|s| s.job).collect();
        let candidates = match self.slurm.possibly_ended(&jobs) {
            Ok(candidates) => candidates,
            // No `squeue` here: ask `scontrol` about each job, as it alone can tell.
            Err(SlurmError::Spawn { .. }) => jobs.iter().copied().collect(),
            // A controller hiccup: ask again at the next poll.
            Err(_) => return,
        };
        let mut statuses = StatusMap::new();
        for &job in &candidates {
            match self.slurm.status(&[job]) {
                Ok(found) => statuses.extend(found),
                // Ended longer than `MinJobAge` ago and purged: nothing is left to read but
                // the cache, which `ended` then trusts (a map's missing items are computed
                // here; a single job's missing entry is its failure).
                Err(SlurmError::UnknownJob { .. }) => {}
                Err(_) => return,
            }
        }
        let mut still = Vec::with_capacity(self.running.len());
        for submitted in std::mem::take(&mut self.running) {
            // `scontrol` has the last word: `squeue` only says which jobs to ask about.
            let ended = candidates.contains(&submitted.job)
                && statuses
                    .range(JobKey::job(submitted.job)..)
                    .take_while(|(key, _)| key.job == submitted.job)
                    .all(|(_, status)| status.state.is_ended());
            if !ended {
                still.push(submitted);
                continue;
            }
            let result = self.ended(&submitted, &statuses);
            let _ = done.send(Finished {
                instance: submitted.instance,
                result,
            });
        }
        self.running = still;
    }

    fn poll_interval(&self) -> Option<Duration> {
        let youngest = self.running.iter().map(|s| s.since.elapsed()).min();
        Some(youngest.map_or(POLL_FASTEST, poll_every))
    }

    fn cancel(&mut self, done: &Sender<Finished>) {
        let jobs: Vec<JobId> = self.running.iter().map(|s| s.job).collect();
        if !jobs.is_empty() {
            let _ = self.slurm.cancel(&jobs);
        }
        for submitted in std::mem::take(&mut self.running) {
            let _ = done.send(Finished {
                instance: submitted.instance,
                result: Err(Failure {
                    interrupted: true,
                    ..Failure::new("interrupted; its Slurm job was cancelled")
                }),
            });
        }
    }
}

/// What went wrong in a job: the failed tasks, their logs and the error lines.
fn failure_detail(job: JobId, statuses: &StatusMap) -> Option<String> {
    let mut parts = Vec::new();
    for (key, status) in statuses.range(JobKey::job(job)..) {
        if key.job != job {
            break;
        }
        match &status.state {
            JobState::Completed => {}
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

/// Seconds per item in this instance's last run, else one second: the run's cost (its own
/// time plus the recorded cost of the items it took from the cache) over all its items. The
/// computed items alone would say nothing after a cluster run, whose coordinator pass takes
/// every item from the cache the array tasks filled.
fn seconds_per_item(last_run: Option<&RunRecord>, id: &str) -> f64 {
    last_run
        .and_then(|r| r.instances.iter().find(|(i, _)| i == id))
        .and_then(|(_, r)| {
            let cost_ms = r.duration_ms + r.saved_ms;
            r.items
                .filter(|c| c.total > 0 && cost_ms > 0)
                .map(|c| cost_ms as f64 / 1000.0 / c.total as f64)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_come_at_a_tenth_of_the_youngest_jobs_age_within_bounds() {
        let ms = |n| Duration::from_millis(n);
        assert_eq!(poll_every(ms(0)), POLL_FASTEST);
        assert_eq!(poll_every(ms(1_000)), POLL_FASTEST);
        assert_eq!(poll_every(ms(4_000)), ms(400));
        assert_eq!(poll_every(ms(30_000)), ms(3_000));
        assert_eq!(poll_every(ms(3_600_000)), POLL_SLOWEST);
    }
}
