//! The Slurm client against a real Slurm cluster.
//!
//! CI starts a single-node cluster first with `.ci/slurm/start.sh` (as
//! root). Without a cluster these tests fail, so that a CI that forgot to
//! start it cannot pass silently; set `RADFLOW_SKIP_SLURM=1` to skip them
//! on a machine without Slurm.
//!
//! The scheduling-overhead measurement is ignored by default:
//! `cargo test --test slurm_client -- --ignored --nocapture`.

use std::fs;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::{Duration, Instant};

use radflow::slurm::{
    ArraySpec, JobId, JobKey, JobSpec, JobState, Payload, Slurm, SlurmError, StatusMap, Tally,
};

/// Fast polling: the tests measure, and wait on, jobs that take a second.
const POLL: Duration = Duration::from_millis(100);

/// Longest any test job may take, queueing included, on a loaded 2-core
/// machine; past it the test fails instead of hanging.
const DEADLINE: Duration = Duration::from_secs(120);

/// The cluster, or `None` when `RADFLOW_SKIP_SLURM=1` asks to skip.
fn cluster() -> Option<Slurm> {
    if std::env::var("RADFLOW_SKIP_SLURM").as_deref() == Ok("1") {
        eprintln!("RADFLOW_SKIP_SLURM=1: skipping a test that needs a Slurm cluster");
        return None;
    }
    let slurm = Slurm::new();
    if let Err(err) = slurm.ping() {
        panic!(
            "no Slurm cluster to test against ({err}); start one with `.ci/slurm/start.sh` \
             (as root), or set RADFLOW_SKIP_SLURM=1 to skip these tests"
        );
    }
    Some(slurm)
}

fn script(body: &str) -> Payload {
    Payload::Script(format!("#!/bin/sh\nset -e\n{body}\n"))
}

fn job(name: &str, payload: Payload, dir: &Path) -> JobSpec {
    JobSpec::new(
        format!("radflow-test-{name}"),
        payload,
        dir,
        dir.join(format!("{name}_%A_%a.log")),
    )
}

/// Waits with a deadline, so that a test fails rather than hangs.
fn wait(slurm: &Slurm, jobs: &[JobId]) -> StatusMap {
    let started = Instant::now();
    slurm
        .wait(jobs, POLL, |_| {
            if started.elapsed() > DEADLINE {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|err| panic!("waiting on {jobs:?}: {err}"))
}

/// Submits a job that writes `started.txt` in `dir`, then sleeps 300 s (cancel it).
fn sleeper(slurm: &Slurm, name: &str, dir: &Path) -> JobId {
    slurm
        .submit(&job(name, script("touch started.txt\nsleep 300"), dir))
        .expect("submit sleeper")
}

/// Waits, with the deadline, until the sleeper in `dir` has started.
fn wait_started(dir: &Path) {
    let started = Instant::now();
    while !dir.join("started.txt").exists() {
        assert!(started.elapsed() < DEADLINE, "the sleeper never started");
        std::thread::sleep(POLL);
    }
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn an_array_of_four_writes_its_parts_and_an_afterok_dependent_sees_them_all() {
    let Some(slurm) = cluster() else { return };
    let dir = temp_dir();
    let mut map = job(
        "map",
        script("echo \"part $SLURM_ARRAY_TASK_ID\" > part_$SLURM_ARRAY_TASK_ID.txt"),
        dir.path(),
    );
    map.array = Some(ArraySpec::range(4));
    let map_id = slurm.submit(&map).expect("submit the array");

    // Runs only after all four tasks completed: it fails unless it finds
    // every part, and it records how many it saw.
    let mut reduce = job(
        "reduce",
        script("for i in 0 1 2 3; do test -f part_$i.txt; done\ncat part_*.txt | wc -l > all.txt"),
        dir.path(),
    );
    reduce.dependencies = vec![map_id];
    let reduce_id = slurm.submit(&reduce).expect("submit the dependent");

    let statuses = wait(&slurm, &[map_id, reduce_id]);
    let tasks: Vec<JobKey> = (0..4).map(|t| JobKey::task(map_id, t)).collect();
    for key in &tasks {
        assert_eq!(statuses[key].state, JobState::Completed, "{key}");
        assert_eq!(statuses[key].exit.map(|e| e.code), Some(0), "{key}");
    }
    let reduced = &statuses[&JobKey::job(reduce_id)];
    assert_eq!(reduced.state, JobState::Completed);
    assert_eq!(statuses.len(), 5, "{statuses:?}");
    let all = fs::read_to_string(dir.path().join("all.txt")).expect("all.txt");
    assert_eq!(all.trim(), "4");
}

#[test]
fn a_failing_task_reads_failed_with_its_exit_code_and_log_path() {
    let Some(slurm) = cluster() else { return };
    let dir = temp_dir();
    let mut spec = job(
        "fail",
        script(
            "echo \"task $SLURM_ARRAY_TASK_ID says hello\"\n[ \"$SLURM_ARRAY_TASK_ID\" != 1 ] || exit 3",
        ),
        dir.path(),
    );
    spec.array = Some(ArraySpec::range(3));
    let id = slurm.submit(&spec).expect("submit");
    let statuses = wait(&slurm, &[id]);

    let failed = &statuses[&JobKey::task(id, 1)];
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.reason.as_deref(), Some("NonZeroExitCode"));
    assert_eq!(failed.exit.map(|e| (e.code, e.signal)), Some((3, 0)));
    let log = dir.path().join(format!("fail_{id}_1.log"));
    assert_eq!(failed.stdout.as_deref(), Some(log.as_path()));
    let logged = fs::read_to_string(&log).expect("the failed task's log");
    assert_eq!(logged.trim(), "task 1 says hello");

    for task in [0, 2] {
        assert_eq!(
            statuses[&JobKey::task(id, task)].state,
            JobState::Completed,
            "task {task}"
        );
    }
    assert_eq!(
        Tally::of(&statuses),
        Tally {
            waiting: 0,
            running: 0,
            completed: 2,
            failed: 1
        }
    );
}

#[test]
fn a_dependent_of_a_failed_job_never_runs_and_wait_reports_it_ended() {
    let Some(slurm) = cluster() else { return };
    let dir = temp_dir();
    let upstream = slurm
        .submit(&job("upstream", script("exit 1"), dir.path()))
        .expect("submit upstream");
    let mut downstream = job("downstream", script("touch ran.txt"), dir.path());
    downstream.dependencies = vec![upstream];
    let downstream = slurm.submit(&downstream).expect("submit downstream");
    // Two stages down the DAG: never runs either, since its own dependency
    // was removed rather than completed.
    let mut further = job("further", script("touch further.txt"), dir.path());
    further.dependencies = vec![downstream];
    let further = slurm.submit(&further).expect("submit further");

    let statuses = wait(&slurm, &[upstream, downstream, further]);
    assert_eq!(statuses[&JobKey::job(upstream)].state, JobState::Failed);
    for (id, marker) in [(downstream, "ran.txt"), (further, "further.txt")] {
        let never = &statuses[&JobKey::job(id)];
        assert_eq!(never.state, JobState::DependencyNeverSatisfied, "{id}");
        assert_eq!(never.exit, None, "{id}");
        assert!(!dir.path().join(marker).exists(), "{marker}");
    }
}

#[test]
fn cancel_ends_a_running_job_and_the_pending_tasks_of_an_array() {
    let Some(slurm) = cluster() else { return };
    let dir = temp_dir();
    let running = sleeper(&slurm, "sleeper", dir.path());
    let mut array = job("held", script("sleep 300"), dir.path());
    array.array = Some(ArraySpec {
        indices: vec![0, 1, 2, 3],
        max_concurrent: Some(1),
    });
    let array = slurm.submit(&array).expect("submit array");

    // Cancel only once the sleeper has really started, so that both a
    // running and a waiting job are cancelled.
    wait_started(dir.path());
    slurm.cancel(&[running, array]).expect("cancel");
    let statuses = wait(&slurm, &[running, array]);

    // Its exit status is not checked: Slurm records 0:15 or, when the kill
    // outruns the batch script's own report, 0:0.
    assert_eq!(statuses[&JobKey::job(running)].state, JobState::Cancelled);
    for task in 0..4 {
        assert_eq!(
            statuses[&JobKey::task(array, task)].state,
            JobState::Cancelled,
            "task {task}"
        );
    }
}

#[test]
fn options_and_environment_reach_the_job() {
    let Some(slurm) = cluster() else { return };
    let dir = temp_dir();
    let mut spec = job(
        "env",
        Payload::Command {
            program: "/bin/sh".into(),
            args: vec![
                "-c".into(),
                "printf '%s|%s|%s' \"$RADFLOW_SHARD\" \"$SLURM_CPUS_PER_TASK\" \"$SLURM_MEM_PER_NODE\" > env.txt"
                    .into(),
            ],
        },
        dir.path(),
    );
    spec.env = vec![("RADFLOW_SHARD".into(), "it's a b,c=d".into())];
    spec.cpus_per_task = 2;
    spec.mem_mb = Some(100);
    spec.time_limit = Some(Duration::from_secs(120));
    let id = slurm.submit(&spec).expect("submit");
    let statuses = wait(&slurm, &[id]);
    assert_eq!(statuses[&JobKey::job(id)].state, JobState::Completed);
    let seen = fs::read_to_string(dir.path().join("env.txt")).expect("env.txt");
    assert_eq!(seen, "it's a b,c=d|2|100");
}

#[test]
fn a_rejected_submission_names_sbatch_and_quotes_its_error() {
    let Some(slurm) = cluster() else { return };
    let dir = temp_dir();
    let mut spec = job("badpart", script("true"), dir.path());
    spec.partition = Some("no-such-partition".into());
    let err = slurm.submit(&spec).expect_err("no such partition");
    assert!(
        matches!(err, SlurmError::Failed { code: Some(1), .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with(
            "`sbatch` failed (exit 1): sbatch: error: invalid partition specified: no-such-partition"
        ),
        "{message}"
    );
}

#[test]
fn possibly_ended_lists_ended_and_unknown_jobs_but_not_running_ones_in_one_call() {
    let Some(slurm) = cluster() else { return };
    let dir = temp_dir();
    let sleeper = sleeper(&slurm, "watched-sleeper", dir.path());
    let mut array = job("watched-array", script("true"), dir.path());
    array.array = Some(ArraySpec {
        indices: vec![0, 1, 2],
        max_concurrent: None,
    });
    let array = slurm.submit(&array).expect("submit array");
    wait(&slurm, &[array]);
    wait_started(dir.path());
    // An id Slurm could have given but did not (it takes ids below 2^26 only).
    let never = JobId(array.0 + 1_000_000);
    let ended = slurm.possibly_ended(&[sleeper, array, never]);
    slurm.cancel(&[sleeper]).expect("cancel");
    let ended = ended.expect("squeue");
    assert!(ended.contains(&array), "{ended:?}");
    assert!(ended.contains(&never), "{ended:?}");
    assert!(!ended.contains(&sleeper), "{ended:?}");
    wait(&slurm, &[sleeper]);
    assert!(
        slurm
            .possibly_ended(&[sleeper])
            .expect("squeue")
            .contains(&sleeper)
    );
}

#[test]
fn status_of_a_job_the_controller_never_saw_is_an_unknown_job_error() {
    let Some(slurm) = cluster() else { return };
    let never = JobId(4_000_000_000);
    assert!(matches!(
        slurm.status(&[never]),
        Err(SlurmError::UnknownJob { job }) if job == never
    ));
}

/// Scheduling overhead: time from `sbatch` to every task ended for arrays of
/// trivial tasks, and for single trivial jobs one after another. Prints the
/// figures; fails only if a job does not complete.
#[test]
#[ignore = "a measurement, about a minute: run with --ignored --nocapture"]
fn measure_scheduling_overhead() {
    let Some(slurm) = cluster() else { return };
    let dir = temp_dir();
    let poll = Duration::from_millis(50);
    let timed = |spec: &JobSpec| {
        let started = Instant::now();
        let id = slurm.submit(spec).expect("submit");
        let submitted = started.elapsed();
        let statuses = slurm
            .wait(&[id], poll, |_| ControlFlow::Continue(()))
            .expect("wait");
        assert!(
            statuses.values().all(|s| s.state == JobState::Completed),
            "{statuses:?}"
        );
        (submitted, started.elapsed())
    };

    for count in [1, 10, 50] {
        let mut spec = job(&format!("array{count}"), script("true"), dir.path());
        spec.array = Some(ArraySpec::range(count));
        let (submitted, done) = timed(&spec);
        println!(
            "array of {count:>2} trivial tasks: sbatch {:>5.0} ms, all done after {:>5.2} s ({:.3} s per task)",
            submitted.as_secs_f64() * 1e3,
            done.as_secs_f64(),
            done.as_secs_f64() / f64::from(count)
        );
    }

    let mut latencies = Vec::new();
    for n in 0..5 {
        let (_, done) = timed(&job(&format!("single{n}"), script("true"), dir.path()));
        latencies.push(done.as_secs_f64());
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "single trivial job, sbatch to COMPLETED, 5 in a row: min {:.2} s, median {:.2} s, max {:.2} s",
        latencies[0], latencies[2], latencies[4]
    );
}
