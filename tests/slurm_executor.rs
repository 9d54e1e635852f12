//! `radflow run --executor slurm` against a real single-node Slurm (`.ci/slurm/start.sh`).
//! Without a cluster these tests fail; `RADFLOW_SKIP_SLURM=1` skips them.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Project, per_file};

fn cluster_available() -> bool {
    if std::env::var("RADFLOW_SKIP_SLURM").as_deref() == Ok("1") {
        eprintln!("RADFLOW_SKIP_SLURM=1: skipping a test that needs a Slurm cluster");
        return false;
    }
    let ping = Command::new("scontrol").arg("ping").output();
    assert!(
        ping.is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("UP")),
        "no Slurm cluster answers `scontrol ping`; start one with `.ci/slurm/start.sh` (as root), or set RADFLOW_SKIP_SLURM=1"
    );
    true
}

const STUDY: &str = concat!(
    r#"
pipeline: cluster
stages:
"#,
    common::slice_stages!(),
    r#"  lesions:
    kind: lesion_filter
    input: slices
    with: {min_pixels: 10}
  resized:
    kind: resize
    input: lesions
    with: {size: [32, 32]}
  features:
    kind: onnx_features
    input: resized
    with: {model: models/tiny_cnn.onnx, input: images, output: features}
  head:
    kind: train_head
    input: features
    matrix: {seed: [0, 1]}
    with: {steps: 200, standardize: true, split: {validation: 0.2, test: 0.2}}
  evaluation:
    kind: evaluate
    inputs: {head: head, features: features}
  report:
    kind: report
    inputs: {runs: evaluation, counts: [slices, lesions]}
"#
);

fn study() -> Project {
    common::tiny_study(STUDY, "16", "48", "10,14")
}

#[test]
fn a_pipeline_run_on_slurm_gives_the_same_lock_file_as_a_local_run() {
    if !cluster_available() {
        return;
    }
    let on_slurm = study();
    let run = on_slurm.run(&["run", "--executor", "slurm"]).ok();
    assert!(
        run.stderr.contains("slurm: submitted features"),
        "{}",
        run.stderr
    );
    assert_eq!(run.status_of("features"), "ran", "{}", run.stdout);
    let local = study();
    local.run(&["run", "--executor", "local"]).ok();
    assert_eq!(on_slurm.read("radflow.lock"), local.read("radflow.lock"));
    assert_eq!(
        on_slurm.read("out/cluster/report/metrics.json"),
        local.read("out/cluster/report/metrics.json")
    );
    let again = on_slurm.run(&["run", "--executor", "slurm"]).ok();
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

/// The instances a Slurm run reports submitting (`slurm: submitted ID ... as job N`).
fn submitted(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("slurm: submitted "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

const STUDY_STAGES: [&str; 8] = [
    "patients",
    "slices",
    "lesions",
    "resized",
    "features",
    "head",
    "evaluation",
    "report",
];

#[test]
fn on_slurm_light_and_quick_stages_run_in_the_coordinator_and_only_heavy_ones_are_submitted() {
    if !cluster_available() {
        return;
    }
    let on_slurm = study();
    // Cold: no recorded times, so the light kinds (filters, evaluation, report) stay here and
    // the maps and the training are submitted.
    let cold = on_slurm.run(&["run", "--executor", "slurm"]).ok();
    let heavy = BTreeSet::from(
        [
            "slices",
            "resized",
            "features",
            "head[seed=0]",
            "head[seed=1]",
        ]
        .map(str::to_string),
    );
    assert_eq!(submitted(&cold.stderr), heavy, "{}", cold.stderr);
    let local = study();
    local.run(&["run", "--executor", "local"]).ok();
    assert_eq!(on_slurm.read("radflow.lock"), local.read("radflow.lock"));
    assert_eq!(
        on_slurm.read("out/cluster/report/metrics.json"),
        local.read("out/cluster/report/metrics.json")
    );

    // Every stage recomputed, now with recorded times all under the threshold: no job.
    let mut all = vec![
        "run",
        "--executor",
        "slurm",
        "--local-below-seconds",
        "1000",
    ];
    for stage in STUDY_STAGES {
        all.extend(["--force", stage]);
    }
    let recorded = on_slurm.run(&all).ok();
    assert_eq!(recorded.status_of("features"), "ran", "{}", recorded.stdout);
    assert_eq!(
        submitted(&recorded.stderr),
        BTreeSet::<String>::new(),
        "{}",
        recorded.stderr
    );
    assert_eq!(on_slurm.read("radflow.lock"), local.read("radflow.lock"));

    // A threshold of 0 submits every stage, light ones included.
    let everything = on_slurm
        .run(&[
            "run",
            "--executor",
            "slurm",
            "--local-below-seconds",
            "0",
            "--force",
            "evaluation",
        ])
        .ok();
    assert_eq!(
        submitted(&everything.stderr),
        BTreeSet::from(["evaluation[seed=0]", "evaluation[seed=1]"].map(str::to_string)),
        "{}",
        everything.stderr
    );
    assert_eq!(on_slurm.read("radflow.lock"), local.read("radflow.lock"));
}

/// A folder of wrappers that log each call of Slurm's client tools (`tool first-argument`) to
/// `calls.log` beside them, then run the real tool.
fn logging_slurm_tools(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    for tool in ["sbatch", "squeue", "scontrol", "scancel"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        let real = String::from_utf8(found.stdout).unwrap().trim().to_string();
        assert!(!real.is_empty(), "no `{tool}` on PATH");
        let wrapper = dir.join(tool);
        let log = dir.join("calls.log");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\necho \"{tool} $1\" >> '{}'\nexec '{real}' \"$@\"\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn running_jobs_are_watched_with_squeue_and_each_is_shown_by_scontrol_once_at_its_end() {
    if !cluster_available() {
        return;
    }
    let project = study();
    let tools = project.path().join("slurm-tools");
    logging_slurm_tools(&tools);
    let path = format!(
        "{}:{}",
        tools.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = project
        .run_env(&["run", "--executor", "slurm"], &[("PATH", &path)])
        .ok();
    let jobs = submitted(&run.stderr).len();
    assert!(jobs >= 3, "{}", run.stderr);
    let calls = project.read("slurm-tools/calls.log");
    let count = |prefix: &str| calls.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("sbatch"), jobs, "{calls}");
    assert!(count("squeue") >= 1, "{calls}");
    // Before, every poll asked `scontrol show job` about every running job (about 30 calls
    // for this study); now only a job `squeue` lists as ended is shown, once (a second time
    // only if the two tools disagreed for a moment).
    let shown = count("scontrol show");
    assert!(
        (jobs..=jobs + 2).contains(&shown),
        "{shown} `scontrol show job` calls for {jobs} jobs:\n{calls}"
    );
}

#[test]
fn a_negative_local_threshold_is_refused_before_anything_is_submitted() {
    let p = study();
    let run = p
        .run(&["run", "--executor", "slurm", "--local-below-seconds=-1"])
        .code(2);
    assert!(
        run.stderr.contains("local_below_seconds") && run.stderr.contains("found -1"),
        "{}",
        run.stderr
    );
}

#[test]
fn map_items_are_spread_over_array_tasks_and_a_failed_item_is_named_with_its_log() {
    if !cluster_available() {
        return;
    }
    let p = per_file(6, "0");
    let yaml = p
        .read("radflow.yaml")
        .replace("echo $RADFLOW_ITEM_ID >> calls.log;", "echo $RADFLOW_ITEM_ID $SLURM_ARRAY_TASK_ID >> calls.log; grep -q bad {item} && exit 3;")
        .replace("pipeline: items\n", "pipeline: items\nexecutor: {kind: slurm, shard_seconds: 1}\n");
    p.write("radflow.yaml", &yaml);
    p.write("data/f04.txt", "bad\n");
    let run = p.run(&["run"]).code(1);
    assert!(run.stderr.contains("upper: task"), "{}", run.stderr);
    assert!(
        run.stderr.contains("`f04.txt`: `sh` exited with status 3"),
        "the failed item is named:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("log cache/logs/slurm/"),
        "{}",
        run.stderr
    );
    let tasks: std::collections::BTreeSet<String> = p
        .calls()
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect();
    assert!(
        tasks.len() > 1,
        "items ran in several array tasks: {:?}",
        p.calls()
    );
    p.clear_calls();
    p.write("data/f04.txt", "good\n");
    p.run(&["run"]).ok();
    let again: Vec<String> = p
        .calls()
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(
        again,
        ["f04.txt"],
        "the rerun computes only what is missing"
    );
    assert_eq!(p.read("out/items/join/all.txt").lines().count(), 6);
}

#[test]
fn ctrl_c_at_the_coordinator_cancels_the_runs_jobs() {
    if !cluster_available() {
        return;
    }
    let p = per_file(4, "30");
    let yaml = p.read("radflow.yaml").replace(
        "pipeline: items\n",
        "pipeline: cancelme\nexecutor: {kind: slurm}\n",
    );
    p.write("radflow.yaml", &yaml);
    let child = p.spawn(&["run"]);
    let pid = child.id();
    let started = Instant::now();
    while jobs_named("rf-cancelme").is_empty() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        !jobs_named("rf-cancelme").is_empty(),
        "the coordinator submitted jobs"
    );
    Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let deadline = Instant::now();
    while !jobs_named("rf-cancelme").is_empty() && deadline.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        jobs_named("rf-cancelme").is_empty(),
        "jobs left: {:?}",
        jobs_named("rf-cancelme")
    );
}

/// Jobs still queued or running whose name starts with `prefix`.
fn jobs_named(prefix: &str) -> Vec<String> {
    let out = Command::new("squeue")
        .args(["-h", "-o", "%j %T"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_string)
        .collect()
}
