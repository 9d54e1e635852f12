//! dag, matrix sweeps, imports, the lock file, verify, diff, gc, cache verify.

mod common;

use common::{Project, abc};

const SWEEP: &str = r#"
pipeline: sweep
stages:
  data:
    kind: command
    with:
      run: "echo data >> calls.log; seq 1 5 > {out}/xs.txt"
      outputs: [xs.txt]
  fit:
    kind: command
    input: data
    matrix: {env: ["one", "two", "three"]}
    with:
      run: "echo fit >> calls.log; cat {input}/files/output/xs.txt > {out}/fit.txt"
      env: [HOME]
      outputs: [fit.txt]
  score:
    kind: command
    input: fit
    with:
      run: "echo score >> calls.log; cat {input}/*/files/output/fit.txt | wc -l > {out}/score.txt"
      outputs: [score.txt]
"#;

#[test]
fn dag_prints_text_dot_and_mermaid() {
    let p = abc();
    let text = p.run(&["dag"]).ok();
    assert_eq!(
        text.stdout,
        "a (command)\nb (command) <- a\nc (command) <- a\n"
    );
    let dot = p.run(&["dag", "--format", "dot"]).ok();
    assert!(
        dot.stdout.starts_with("digraph \"abc\" {"),
        "{}",
        dot.stdout
    );
    assert!(dot.stdout.contains("  \"a\" -> \"b\";"), "{}", dot.stdout);
    let mermaid = p.run(&["dag", "--format", "mermaid"]).ok();
    assert!(
        mermaid.stdout.starts_with("flowchart LR\n"),
        "{}",
        mermaid.stdout
    );
    assert!(mermaid.stdout.contains("  a --> c"), "{}", mermaid.stdout);
}

#[test]
fn a_matrix_expands_a_stage_into_instances_that_a_later_stage_gathers() {
    // `env` is a parameter of `command` (a list); sweeping it over strings is a type error.
    let p = Project::new().file("radflow.yaml", SWEEP);
    let run = p.run(&["run"]).code(2);
    assert!(
        run.stderr.contains("`stages.fit.matrix.env`"),
        "{}",
        run.stderr
    );

    let yaml = SWEEP
        .replace(
            r#"matrix: {env: ["one", "two", "three"]}"#,
            "matrix: {outputs: [[fit.txt], [fit.txt, extra.txt]]}",
        )
        .replace("      outputs: [fit.txt]\n  score", "  score")
        .replace(
            "cat {input}/files/output/xs.txt > {out}/fit.txt",
            "cat {input}/files/output/xs.txt > {out}/fit.txt; touch {out}/extra.txt",
        );
    let p = Project::new().file("radflow.yaml", &yaml);
    let run = p.run(&["run"]).ok();
    assert_eq!(run.status_of("fit[outputs=[\"fit.txt\"]]"), "ran");
    assert_eq!(
        run.status_of("fit[outputs=[\"fit.txt\",\"extra.txt\"]]"),
        "ran"
    );
    let dag = p.run(&["dag"]).ok();
    assert!(dag.stdout.contains("fit (command) x2"), "{}", dag.stdout);
    let mut calls = p.calls();
    calls.sort();
    assert_eq!(calls, ["data", "fit", "fit", "score"]);
}

#[test]
fn a_gathering_stage_reads_every_instance_of_a_swept_stage() {
    let yaml = r#"
stages:
  train:
    kind: command
    matrix: {run: ["echo 1 > {out}/m.txt", "echo 2 > {out}/m.txt"]}
    with: {outputs: [m.txt]}
  report:
    kind: command
    input: train
    with: {run: "cat {input}/*/files/output/m.txt > {out}/all.txt", outputs: [all.txt]}
"#;
    let p = Project::new().file("radflow.yaml", yaml);
    let run = p.run(&["run"]).ok();
    assert!(run.stdout.contains("3 stages: 3 ran"), "{}", run.stdout);
    let overridden = p
        .run(&[
            "status",
            "--set",
            "train.matrix.run=[\"echo 1 > {out}/m.txt\"]",
        ])
        .ok();
    assert!(
        overridden
            .stdout
            .contains("cached   train[run=echo 1 > {out}/m.txt]"),
        "{}",
        overridden.stdout
    );
    let squeezed: String = overridden
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        squeezed.contains("run report input train changed"),
        "{}",
        overridden.stdout
    );
}

#[test]
fn imported_definitions_give_defaults_the_pipeline_overrides() {
    let p = Project::new()
        .file("stages/lab.yaml", "definitions:\n  echo:\n    kind: command\n    with:\n      run: \"echo $MSG > {out}/m.txt\"\n      env: [MSG]\n      outputs: [m.txt]\n")
        .file("radflow.yaml", "import: [stages/lab.yaml]\nstages:\n  hello:\n    uses: echo\n    publish: true\n    with:\n      env: []\n      run: \"echo hello > {out}/m.txt\"\n");
    p.run(&["run"]).ok();
    assert_eq!(p.read("out/radflow/hello/m.txt"), "hello\n");
    let lock = p.read("radflow.lock");
    assert!(lock.contains("kind: command"), "{lock}");
    assert!(lock.contains("echo hello"), "{lock}");
}

#[test]
fn the_lock_file_records_each_stage_and_verify_recomputes_against_it() {
    let p = abc();
    p.run(&["run"]).ok();
    let lock = p.read("radflow.lock");
    for stage in ["a:", "b:", "c:"] {
        assert!(lock.contains(&format!("\n  {stage}\n")), "{lock}");
    }
    assert!(lock.contains("records: 1"), "{lock}");
    p.clear_calls();
    let verify = p.run(&["verify"]).ok();
    assert!(
        verify
            .stdout
            .contains("all 3 stages reproduce the lock file"),
        "{}",
        verify.stdout
    );
    let mut calls = p.calls();
    calls.sort();
    assert_eq!(calls, ["a", "b", "c"], "verify recomputes everything");
    // A stage whose output depends on the time does not reproduce.
    p.write(
        "radflow.yaml",
        &common::ABC.replace("> {out}/c.txt", "> {out}/c.txt; date +%N >> {out}/c.txt"),
    );
    p.run(&["run"]).ok();
    let verify = p.run(&["verify"]).code(3);
    assert!(
        verify.stdout.contains("c  differs (lock "),
        "{}",
        verify.stdout
    );
    assert!(
        verify
            .stderr
            .contains("1 of 3 stages do not reproduce `radflow.lock`"),
        "{}",
        verify.stderr
    );
}

#[test]
fn frozen_refuses_to_change_the_lock_file() {
    let p = abc();
    p.run(&["run"]).ok();
    p.write("data/in.txt", "other\n");
    let run = p.run(&["run", "--frozen"]).code(3);
    assert!(
        run.stderr
            .contains("`--frozen`: the lock file `radflow.lock` would change (stages: a, b, c)"),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_says_when_the_last_run_matches_the_lock_file() {
    let p = abc();
    p.run(&["run"]).ok();
    let diff = p.run(&["diff"]).ok();
    assert_eq!(diff.stdout.trim(), "the last run matches `radflow.lock`");
}

#[test]
fn gc_removes_what_nothing_reaches_and_keeps_what_the_lock_file_names() {
    let p = abc();
    p.run(&["run"]).ok();
    p.write("data/in.txt", "second version\n");
    p.run(&["run"]).ok();
    let before = p.objects().len();
    // Keep only the last run: the first version's results are unreachable.
    let gc = p
        .run(&["gc", "--keep-runs", "1", "--grace-minutes", "0"])
        .ok();
    assert!(gc.stdout.contains("removed "), "{}", gc.stdout);
    let after = p.objects().len();
    assert!(after < before, "{before} -> {after}");
    p.clear_calls();
    let run = p.run(&["run"]).ok();
    assert!(
        run.stdout.contains("nothing to do"),
        "gc removed something still needed:\n{}",
        run.stdout
    );
    p.run(&["cache", "verify"]).ok();
}

#[test]
fn gc_keeps_recent_results_during_the_grace_period() {
    let p = abc();
    p.run(&["run"]).ok();
    p.write("data/in.txt", "second\n");
    p.run(&["run"]).ok();
    let before = p.objects().len();
    p.run(&["gc", "--keep-runs", "1"]).ok();
    assert_eq!(p.objects().len(), before);
}

#[test]
fn status_json_lists_every_stage_with_its_state_and_reason() {
    let p = abc();
    let json = p.run(&["status", "--json"]).ok();
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let rows = value.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["instance"], "a");
    assert_eq!(rows[0]["state"], "run");
    assert_eq!(rows[0]["reason"], "never run");
    assert_eq!(rows[1]["state"], "maybe");
}

#[test]
fn kinds_lists_the_built_in_stage_kinds() {
    let run = Project::new().run(&["kinds"]).ok();
    assert!(run.stdout.contains("command"), "{}", run.stdout);
}
