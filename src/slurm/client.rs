//! The client: submit, inspect, cancel and wait for jobs through Slurm's
//! command-line tools (`sbatch`, `squeue`, `scontrol`, `scancel`), so it works with any
//! Slurm that a user can use from a shell, with no Slurm library and no
//! accounting database.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use super::cli::{Programs, summarize_stderr};
use super::error::SlurmError;
use super::job_id::{JobId, JobKey};
use super::job_spec::JobSpec;
use super::job_state::{JobStatus, StatusMap};
use super::queue::{FORMAT, parse_queue};
use super::show_job::parse_show_job;

/// Consecutive polls that may fail (a busy controller answers `Socket timed
/// out on send/recv operation`) before `wait` gives up and reports the error.
pub const WAIT_TOLERATED_FAILURES: u32 = 5;

/// What `scontrol show job` and `squeue --jobs` print on stderr for an id the controller
/// does not know (`squeue`: only when it knows none of them).
const UNKNOWN_JOB: &str = "Invalid job id specified";

/// A handle on the Slurm cluster that the client tools on this machine talk
/// to (the one `/etc/slurm/slurm.conf` or `SLURM_CONF` names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slurm {
    programs: Programs,
}

impl Slurm {
    /// Finds `sbatch`, `scontrol` and `scancel` on `PATH`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs the client tools from `dir` (a Slurm installed off `PATH`).
    pub fn with_bin_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            programs: Programs {
                bin_dir: Some(dir.into()),
            },
        }
    }

    /// Succeeds when the controller answers (`scontrol ping`).
    pub fn ping(&self) -> Result<(), SlurmError> {
        let finished = self
            .programs
            .run("scontrol", vec!["ping".into()], None, &[])?;
        if finished.succeeded() && finished.stdout.contains(" is UP") {
            return Ok(());
        }
        // Its first line says it (`... is DOWN`); a banner follows.
        let output = match finished
            .stdout
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
        {
            Some(line) => line.to_owned(),
            None => summarize_stderr(&finished.stderr),
        };
        Err(SlurmError::ControllerDown { output })
    }

    /// Submits the job (or job array) and returns its id. The script goes to
    /// `sbatch` on stdin, so no script file has to exist anywhere.
    pub fn submit(&self, spec: &JobSpec) -> Result<JobId, SlurmError> {
        spec.check()?;
        let script = spec.script();
        let stdout = self
            .programs
            .run("sbatch", spec.sbatch_args(), Some(&script), &spec.env)?
            .into_stdout()?;
        parse_parsable(&stdout)
    }

    /// The status of each job, and of each task of each job array, keyed by
    /// job (or by array id and task index). One `scontrol show job` per id
    /// (about 35 ms each here). An id the controller does not know fails the
    /// whole call with [`SlurmError::UnknownJob`].
    pub fn status(&self, jobs: &[JobId]) -> Result<StatusMap, SlurmError> {
        let mut statuses = StatusMap::new();
        for &job in jobs {
            statuses.extend(self.status_of(job)?);
        }
        Ok(statuses)
    }

    /// Which of `jobs` may have ended, from one `squeue` call for all of them: those whose
    /// every task `squeue` lists as ended, and those it no longer lists (ended longer than
    /// the cluster's `MinJobAge` ago). Confirm each with [`Slurm::status`], which reads exit
    /// codes and logs; the others are still pending or running. This is how a watcher of
    /// many jobs stays one call per poll however many it watches.
    pub fn possibly_ended(&self, jobs: &[JobId]) -> Result<BTreeSet<JobId>, SlurmError> {
        if jobs.is_empty() {
            return Ok(BTreeSet::new());
        }
        let list: Vec<String> = jobs.iter().map(JobId::to_string).collect();
        let args = vec![
            format!("--jobs={}", list.join(",")),
            "--array".into(),
            "--states=all".into(),
            "--noheader".into(),
            format!("--format={FORMAT}"),
        ];
        let finished = self.programs.run("squeue", args, None, &[])?;
        if !finished.succeeded() {
            // When it knows none of the ids, `squeue` fails instead of listing nothing.
            if finished.stderr.contains(UNKNOWN_JOB) {
                return Ok(jobs.iter().copied().collect());
            }
            return Err(finished.into_error());
        }
        let listed =
            parse_queue(&finished.stdout).map_err(|line| SlurmError::UnexpectedOutput {
                program: "squeue",
                found: line,
                expected: "lines of `array-or-job-id|task|state|reason` (`--format=%F|%K|%T|%r`)",
            })?;
        Ok(jobs
            .iter()
            .copied()
            .filter(|job| listed.get(job).is_none_or(|&ended| ended))
            .collect())
    }

    fn status_of(&self, job: JobId) -> Result<Vec<(JobKey, JobStatus)>, SlurmError> {
        let args = vec![
            "show".into(),
            "job".into(),
            "--oneliner".into(),
            job.to_string(),
        ];
        let finished = self.programs.run("scontrol", args, None, &[])?;
        if !finished.succeeded() {
            if finished.stderr.contains(UNKNOWN_JOB) {
                return Err(SlurmError::UnknownJob { job });
            }
            return Err(finished.into_error());
        }
        let entries = parse_show_job(&finished.stdout)
            .map_err(|problem| SlurmError::Parse { job, problem })?;
        if entries.is_empty() {
            return Err(SlurmError::UnknownJob { job });
        }
        Ok(entries)
    }

    /// Cancels the jobs (a job array's id cancels all its tasks). Jobs that
    /// already ended are left as they are.
    pub fn cancel(&self, jobs: &[JobId]) -> Result<(), SlurmError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let args = jobs.iter().map(JobId::to_string).collect();
        self.programs
            .run("scancel", args, None, &[])?
            .into_stdout()
            .map(drop)
    }

    /// Polls every `poll` until every job and task has ended (see
    /// [`JobState::is_ended`](super::JobState::is_ended)), and returns their
    /// final statuses.
    ///
    /// `on_progress` sees all statuses after each poll, the last one
    /// included; returning `ControlFlow::Break` stops waiting with
    /// [`SlurmError::WaitStopped`] (the jobs keep running: cancel them if
    /// that is meant). A job whose statuses have all ended is not asked
    /// about again. Up to [`WAIT_TOLERATED_FAILURES`] polls in a row may
    /// fail; an unknown job or unreadable output fails at once.
    ///
    /// Polling, not `sbatch --wait`, which sleeps ever longer between checks
    /// and returns seconds late.
    pub fn wait(
        &self,
        jobs: &[JobId],
        poll: Duration,
        mut on_progress: impl FnMut(&StatusMap) -> ControlFlow<()>,
    ) -> Result<StatusMap, SlurmError> {
        let mut open: BTreeSet<JobId> = jobs.iter().copied().collect();
        let mut latest: BTreeMap<JobId, Vec<(JobKey, JobStatus)>> = BTreeMap::new();
        let mut failures = 0;
        loop {
            let mut failed = None;
            for job in open.clone() {
                match self.status_of(job) {
                    Ok(entries) => {
                        if entries.iter().all(|(_, status)| status.state.is_ended()) {
                            open.remove(&job);
                        }
                        latest.insert(job, entries);
                    }
                    Err(err @ (SlurmError::Failed { .. } | SlurmError::Spawn { .. })) => {
                        failed = Some(err);
                        break;
                    }
                    Err(err) => return Err(err),
                }
            }
            match failed {
                Some(err) if failures + 1 >= WAIT_TOLERATED_FAILURES => return Err(err),
                Some(_) => failures += 1,
                None => failures = 0,
            }
            let statuses: StatusMap = latest.values().flatten().cloned().collect();
            let flow = on_progress(&statuses);
            if open.is_empty() {
                return Ok(statuses);
            }
            if flow.is_break() {
                let unfinished = statuses.values().filter(|s| !s.state.is_ended()).count()
                    + open.iter().filter(|job| !latest.contains_key(job)).count();
                return Err(SlurmError::WaitStopped { unfinished });
            }
            thread::sleep(poll);
        }
    }
}

/// Reads `sbatch --parsable` output: `id` or `id;cluster` on its last line.
fn parse_parsable(stdout: &str) -> Result<JobId, SlurmError> {
    let unexpected = || SlurmError::UnexpectedOutput {
        program: "sbatch",
        found: stdout.trim().to_owned(),
        expected: "a job id (`--parsable`)",
    };
    let line = stdout
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .ok_or_else(unexpected)?;
    let id = line.split_once(';').map_or(line, |(id, _cluster)| id);
    id.parse().map(JobId).map_err(|_| unexpected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slurm::job_spec::Payload;
    use crate::slurm::job_state::JobState;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    #[test]
    fn parsable_output_reads_the_id_with_or_without_a_cluster() {
        let cases = [
            ("12\n", 12),
            ("12;cluster\n", 12),
            ("  7  \n", 7),
            ("note\n31\n", 31),
        ];
        for (stdout, expected) in cases {
            assert_eq!(
                parse_parsable(stdout).ok(),
                Some(JobId(expected)),
                "{stdout:?}"
            );
        }
    }

    #[test]
    fn parsable_output_without_an_id_is_an_error_that_quotes_it() {
        for stdout in ["", "\n", "Submitted batch job 12\n"] {
            let err = parse_parsable(stdout).expect_err(stdout).to_string();
            assert!(err.starts_with("`sbatch` printed `"), "{err}");
            assert!(err.contains("expected a job id"), "{err}");
        }
    }

    /// A folder of stand-in Slurm tools: shell scripts that print what the
    /// real ones printed, so that the process plumbing is tested without a
    /// cluster.
    struct FakeSlurm {
        dir: tempfile::TempDir,
    }

    impl FakeSlurm {
        fn new() -> Self {
            Self {
                dir: tempfile::tempdir().expect("temp dir"),
            }
        }

        fn tool(self, name: &str, body: &str) -> Self {
            let path = self.dir.path().join(name);
            fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write fake tool");
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
            self
        }

        fn path(&self) -> &Path {
            self.dir.path()
        }

        fn client(&self) -> Slurm {
            Slurm::with_bin_dir(self.dir.path())
        }
    }

    fn spec(workdir: &Path) -> JobSpec {
        JobSpec::new(
            "probe",
            Payload::Script("#!/bin/sh\necho hello\n".into()),
            workdir,
            "out_%j.log",
        )
    }

    #[test]
    fn submit_hands_the_script_on_stdin_and_the_env_to_sbatch() {
        let fake = FakeSlurm::new().tool(
            "sbatch",
            r#"cat > "$(dirname "$0")/script"; printf '%s\n' "$@" > "$(dirname "$0")/args"; printf '%s' "$RADFLOW_PROBE" > "$(dirname "$0")/env"; echo '42;radflow'"#,
        );
        let mut spec = spec(fake.path());
        spec.env = vec![("RADFLOW_PROBE".into(), "a b,c=d".into())];
        assert_eq!(fake.client().submit(&spec).ok(), Some(JobId(42)));
        let read = |name: &str| fs::read_to_string(fake.path().join(name)).expect(name);
        assert_eq!(read("script"), "#!/bin/sh\necho hello\n");
        assert_eq!(read("env"), "a b,c=d");
        assert!(read("args").lines().any(|a| a == "--parsable"));
    }

    #[test]
    fn a_failing_sbatch_reports_its_exit_code_and_stderr() {
        let fake = FakeSlurm::new().tool(
            "sbatch",
            "cat >/dev/null; echo 'sbatch: error: invalid partition specified: gpu' >&2; exit 1",
        );
        let err = fake.client().submit(&spec(fake.path())).expect_err("fails");
        assert_eq!(
            err.to_string(),
            "`sbatch` failed (exit 1): sbatch: error: invalid partition specified: gpu"
        );
    }

    #[test]
    fn a_sbatch_that_exits_without_reading_the_script_still_reports_its_stderr() {
        let fake = FakeSlurm::new().tool("sbatch", "echo 'sbatch: error: no' >&2; exit 2");
        let mut spec = spec(fake.path());
        // Larger than a pipe buffer, so the writer meets the closed pipe.
        spec.payload = Payload::Script(format!("#!/bin/sh\n#{}\n", "x".repeat(1 << 20)));
        let err = fake.client().submit(&spec).expect_err("fails").to_string();
        assert_eq!(err, "`sbatch` failed (exit 2): sbatch: error: no");
    }

    #[test]
    fn a_missing_tool_is_reported_as_not_runnable() {
        let fake = FakeSlurm::new();
        let err = fake.client().ping().expect_err("no scontrol").to_string();
        assert!(err.starts_with("cannot run `scontrol`"), "{err}");
    }

    #[test]
    fn an_invalid_spec_is_refused_without_running_sbatch() {
        let fake = FakeSlurm::new().tool("sbatch", "touch \"$(dirname \"$0\")/ran\"; echo 1");
        let mut spec = spec(fake.path());
        spec.name = "two words".into();
        assert!(matches!(
            fake.client().submit(&spec),
            Err(SlurmError::InvalidSpec { .. })
        ));
        assert!(!fake.path().join("ran").exists());
    }

    #[test]
    fn ping_tells_an_up_controller_from_a_down_one() {
        let up = FakeSlurm::new().tool("scontrol", "echo 'Slurmctld(primary) at vm is UP'");
        assert!(up.client().ping().is_ok());
        let down = FakeSlurm::new().tool(
            "scontrol",
            "echo 'Slurmctld(primary) at vm is DOWN'; echo '** RESTORE SLURMCTLD DAEMON TO SERVICE **'; exit 1",
        );
        let err = down.client().ping().expect_err("down").to_string();
        assert_eq!(
            err,
            "the Slurm controller is not up: `scontrol ping` printed `Slurmctld(primary) at vm is DOWN`"
        );
        let unconfigured = FakeSlurm::new().tool(
            "scontrol",
            "echo 'scontrol: error: s_p_parse_file: unable to status file /etc/slurm/slurm.conf' >&2; exit 1",
        );
        let err = unconfigured
            .client()
            .ping()
            .expect_err("no config")
            .to_string();
        assert!(
            err.ends_with("unable to status file /etc/slurm/slurm.conf`"),
            "{err}"
        );
    }

    #[test]
    fn status_of_an_unknown_job_is_an_unknown_job_error() {
        let fake = FakeSlurm::new().tool(
            "scontrol",
            "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1",
        );
        assert!(matches!(
            fake.client().status(&[JobId(99)]),
            Err(SlurmError::UnknownJob { job: JobId(99) })
        ));
    }

    #[test]
    fn wait_polls_until_every_task_has_ended_and_reports_each_poll() {
        // The first two polls see the array still running; the third sees it
        // finished, as captured from a real cluster.
        let fake = FakeSlurm::new();
        fs::write(
            fake.path().join("running.txt"),
            include_str!("fixtures/array_throttled_two_running.txt"),
        )
        .expect("fixture");
        fs::write(
            fake.path().join("finished.txt"),
            include_str!("fixtures/array_finished_one_task_failed.txt"),
        )
        .expect("fixture");
        let fake = fake.tool(
            "scontrol",
            r#"d=$(dirname "$0"); echo x >> "$d/polls"
               if [ "$(wc -l < "$d/polls")" -lt 3 ]; then cat "$d/running.txt"; else cat "$d/finished.txt"; fi"#,
        );
        let mut seen = Vec::new();
        let statuses = fake
            .client()
            .wait(&[JobId(3)], Duration::from_millis(1), |statuses| {
                seen.push(statuses.len());
                ControlFlow::Continue(())
            })
            .expect("wait");
        assert_eq!(seen.len(), 3);
        assert_eq!(statuses.len(), 6);
        assert_eq!(statuses[&JobKey::task(JobId(3), 2)].state, JobState::Failed);
    }

    #[test]
    fn wait_stops_when_the_callback_breaks_and_counts_what_is_unfinished() {
        let fake = FakeSlurm::new();
        fs::write(
            fake.path().join("running.txt"),
            include_str!("fixtures/array_throttled_two_running.txt"),
        )
        .expect("fixture");
        let fake = fake.tool("scontrol", r#"cat "$(dirname "$0")/running.txt""#);
        let result = fake
            .client()
            .wait(&[JobId(21)], Duration::from_millis(1), |_| {
                ControlFlow::Break(())
            });
        assert!(matches!(
            result,
            Err(SlurmError::WaitStopped { unfinished: 6 })
        ));
    }

    #[test]
    fn wait_tolerates_a_few_failed_polls_but_not_endless_ones() {
        let flaky = FakeSlurm::new();
        fs::write(
            flaky.path().join("done.txt"),
            include_str!("fixtures/completed_single.txt"),
        )
        .expect("fixture");
        let flaky = flaky.tool(
            "scontrol",
            r#"d=$(dirname "$0"); echo x >> "$d/polls"
               if [ "$(wc -l < "$d/polls")" -lt 3 ]; then echo 'Socket timed out on send/recv operation' >&2; exit 1; fi
               cat "$d/done.txt""#,
        );
        let done = flaky
            .client()
            .wait(&[JobId(20)], Duration::from_millis(1), |_| {
                ControlFlow::Continue(())
            });
        assert_eq!(
            done.expect("recovers")[&JobKey::job(JobId(20))].state,
            JobState::Completed
        );

        let broken = FakeSlurm::new().tool(
            "scontrol",
            "echo 'Socket timed out on send/recv operation' >&2; exit 1",
        );
        let err = broken
            .client()
            .wait(&[JobId(20)], Duration::from_millis(1), |_| {
                ControlFlow::Continue(())
            })
            .expect_err("gives up")
            .to_string();
        assert!(err.contains("Socket timed out"), "{err}");
    }

    #[test]
    fn possibly_ended_asks_squeue_once_for_all_jobs() {
        let fake = FakeSlurm::new();
        fs::write(
            fake.path().join("queue.txt"),
            include_str!("fixtures/squeue_array_throttled_job_done_dependent_waiting.txt"),
        )
        .expect("fixture");
        let fake = fake.tool(
            "squeue",
            r#"d=$(dirname "$0"); printf '%s\n' "$@" >> "$d/args"; cat "$d/queue.txt""#,
        );
        // 9 runs, 10 has ended, 11 waits on 9, 12 is no longer listed (purged).
        let jobs = [JobId(9), JobId(10), JobId(11), JobId(12)];
        let ended = fake.client().possibly_ended(&jobs).expect("squeue");
        assert_eq!(
            ended.into_iter().collect::<Vec<_>>(),
            [JobId(10), JobId(12)]
        );
        // Watching nothing asks nothing (the arguments below are the first call's only).
        assert!(
            fake.client()
                .possibly_ended(&[])
                .expect("no call")
                .is_empty()
        );
        let args = fs::read_to_string(fake.path().join("args")).expect("args");
        let args: Vec<&str> = args.lines().collect();
        assert_eq!(
            args,
            [
                "--jobs=9,10,11,12",
                "--array",
                "--states=all",
                "--noheader",
                "--format=%F|%K|%T|%r"
            ],
            "one call for all four jobs"
        );
    }

    #[test]
    fn possibly_ended_takes_jobs_squeue_does_not_know_as_ended_and_reports_its_errors() {
        let unknown = FakeSlurm::new().tool(
            "squeue",
            "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1",
        );
        let ended = unknown.client().possibly_ended(&[JobId(5), JobId(6)]);
        assert_eq!(
            ended.expect("all unknown").into_iter().collect::<Vec<_>>(),
            [JobId(5), JobId(6)]
        );

        let busy = FakeSlurm::new().tool(
            "squeue",
            "echo 'squeue: error: Socket timed out on send/recv operation' >&2; exit 1",
        );
        let err = busy
            .client()
            .possibly_ended(&[JobId(5)])
            .expect_err("fails");
        assert!(
            err.to_string()
                .starts_with("`squeue` failed (exit 1): squeue: error: Socket"),
            "{err}"
        );

        let odd = FakeSlurm::new().tool("squeue", "echo 'JOBID PARTITION NAME'");
        let err = odd
            .client()
            .possibly_ended(&[JobId(5)])
            .expect_err("unreadable");
        assert!(
            err.to_string()
                .starts_with("`squeue` printed `JOBID PARTITION NAME`, expected"),
            "{err}"
        );
    }
}
