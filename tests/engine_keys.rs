//! The engine's key rules, each both ways: what must rerun a stage and what must not.

mod common;

use common::{ABC, Project, abc};

fn ran(project: &Project) -> Vec<String> {
    let mut calls = project.calls();
    calls.sort();
    project.clear_calls();
    calls
}

#[test]
fn a_rerun_with_nothing_changed_runs_nothing_and_says_so() {
    let p = abc();
    p.run(&["run"]).ok();
    assert_eq!(ran(&p), ["a", "b", "c"]);
    let second = p.run(&["run"]).ok();
    assert!(ran(&p).is_empty());
    assert!(
        second
            .stdout
            .contains("nothing to do: all 3 stages are cached"),
        "{}",
        second.stdout
    );
    let status = p.run(&["status"]).ok();
    assert!(status.stdout.contains("nothing to do"), "{}", status.stdout);
}

#[test]
fn changing_a_parameter_reruns_the_stage_and_its_dependents_only() {
    let p = abc();
    p.run(&["run"]).ok();
    ran(&p);
    p.write(
        "radflow.yaml",
        &ABC.replace("tr a-z A-Z", "tr a-z A-Z | rev"),
    );
    let status = p.run(&["status"]).ok();
    assert!(
        status.stdout.contains("run      b  parameter run changed"),
        "{}",
        status.stdout
    );
    p.run(&["run"]).ok();
    assert_eq!(ran(&p), ["b"]);
    p.write(
        "radflow.yaml",
        &ABC.replace("cat data/in.txt", "cat data/in.txt data/in.txt"),
    );
    p.run(&["run"]).ok();
    assert_eq!(ran(&p), ["a", "b", "c"]);
}

#[test]
fn touching_a_file_without_changing_it_reruns_nothing() {
    let p = abc();
    p.run(&["run"]).ok();
    ran(&p);
    let file = std::fs::File::options()
        .write(true)
        .open(p.path().join("data/in.txt"))
        .unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    p.run(&["run"]).ok();
    assert!(ran(&p).is_empty());
}

#[test]
fn changing_a_file_reruns_its_readers_and_status_names_the_file() {
    let p = abc();
    p.run(&["run"]).ok();
    ran(&p);
    p.write("data/in.txt", "changed\n");
    let status = p.run(&["status"]).ok();
    assert!(
        status
            .stdout
            .contains("run      a  file data/in.txt changed"),
        "{}",
        status.stdout
    );
    assert!(
        status
            .stdout
            .contains("maybe    b  input a will be recomputed"),
        "{}",
        status.stdout
    );
    p.run(&["run"]).ok();
    assert_eq!(ran(&p), ["a", "b", "c"]);
}

#[test]
fn reordering_keys_comments_and_whitespace_in_the_yaml_reruns_nothing() {
    let p = abc();
    p.run(&["run"]).ok();
    ran(&p);
    let reordered = r#"
# the same pipeline, written differently
stages:
  c:
    publish: true
    input: a
    kind: command
    with: {outputs: [c.txt], run: "echo c >> calls.log; wc -c < {input}/files/output/a.txt > {out}/c.txt"}

  b:
    with:
      outputs:    [b.txt]     # a comment
      run: "echo b >> calls.log; tr a-z A-Z < {input}/files/output/a.txt > {out}/b.txt"
    kind: command
    input: a
  a:
    kind: command
    with:
      outputs: [a.txt]
      files: [data/in.txt]
      run: "echo a >> calls.log; cat data/in.txt > {out}/a.txt"
pipeline: abc
"#;
    p.write("radflow.yaml", reordered);
    p.run(&["run"]).ok();
    assert!(ran(&p).is_empty());
}

#[test]
fn an_unrelated_env_var_reruns_nothing_and_a_declared_one_reruns_its_stage() {
    let yaml = r#"
stages:
  greet:
    kind: command
    with:
      run: "echo greet >> calls.log; echo $GREETING > {out}/g.txt"
      env: [GREETING]
      outputs: [g.txt]
"#;
    let p = Project::new().file("radflow.yaml", yaml);
    p.run_env(&["run"], &[("GREETING", "hi")]).ok();
    ran(&p);
    p.run_env(&["run"], &[("GREETING", "hi"), ("UNRELATED", "x")])
        .ok();
    assert!(ran(&p).is_empty());
    let status = p.run_env(&["status"], &[("GREETING", "hello")]).ok();
    assert!(
        status
            .stdout
            .contains("environment variable GREETING changed"),
        "{}",
        status.stdout
    );
    p.run_env(&["run"], &[("GREETING", "hello")]).ok();
    assert_eq!(ran(&p), ["greet"]);
}

#[test]
fn two_checkouts_at_different_paths_have_the_same_keys() {
    let shared = tempfile::tempdir().unwrap();
    let first = abc().with_cache(shared.path());
    first.run(&["run"]).ok();
    let second = abc().with_cache(shared.path());
    assert_ne!(first.path(), second.path());
    let run = second.run(&["run"]).ok();
    assert!(
        second.calls().is_empty(),
        "the second checkout recomputed: {:?}",
        second.calls()
    );
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert_eq!(first.read("radflow.lock"), second.read("radflow.lock"));
}

#[test]
fn a_stage_that_reruns_with_an_identical_output_stops_the_rerun_there() {
    let p = abc();
    p.run(&["run"]).ok();
    ran(&p);
    // `a` changes (a new command) but writes the same bytes: `b` and `c` stay cached.
    p.write(
        "radflow.yaml",
        &ABC.replace(
            "cat data/in.txt > {out}/a.txt",
            "cat < data/in.txt > {out}/a.txt",
        ),
    );
    let run = p.run(&["run"]).ok();
    assert_eq!(ran(&p), ["a"]);
    assert_eq!(run.status_of("b"), "cached");
    assert_eq!(run.status_of("c"), "cached");
}

#[test]
fn renaming_a_stage_does_not_recompute_it() {
    let p = abc();
    p.run(&["run"]).ok();
    ran(&p);
    p.write("radflow.yaml", &ABC.replace("  c:\n", "  count:\n"));
    p.run(&["run"]).ok();
    assert!(ran(&p).is_empty());
}

#[test]
fn set_overrides_a_parameter_for_one_run_without_touching_the_lock_file() {
    let p = abc();
    p.run(&["run"]).ok();
    ran(&p);
    let lock = p.read("radflow.lock");
    p.run(&[
        "run",
        "--set",
        "b.run=echo b >> calls.log; echo override > {out}/b.txt",
    ])
    .ok();
    assert_eq!(ran(&p), ["b"]);
    assert_eq!(
        p.read("radflow.lock"),
        lock,
        "an experiment must not rewrite the lock file"
    );
    let diff = p.run(&["diff"]).ok();
    assert!(diff.stdout.contains("params.run"), "{}", diff.stdout);
    assert!(diff.stdout.contains("output"), "{}", diff.stdout);
}

#[test]
fn only_runs_a_stage_and_what_it_needs_and_force_reruns_regardless() {
    let p = abc();
    let run = p.run(&["run", "--only", "b"]).ok();
    assert_eq!(ran(&p), ["a", "b"]);
    assert!(!run.stdout.contains("\nc "), "{}", run.stdout);
    p.run(&["run", "--force", "a"]).ok();
    assert_eq!(
        ran(&p),
        ["a", "c"],
        "forced a reruns; b is cached since a's output is the same, c never ran"
    );
}
