//! Pinned imports (`{path, blake3}`, `{git, rev, path}`), the lock's record of them,
//! `run --frozen` and `radflow update-imports`, through the real binary. Expected hashes come
//! from the blake3 crate and commits from `git rev-parse`, never from radflow's own output.

mod common;

use std::path::Path;
use std::process::Command;

use common::Project;

/// A definition file whose `echo` stage writes `word`.
fn definitions(word: &str) -> String {
    format!(
        "definitions:\n  echo:\n    kind: command\n    with:\n      run: \"echo {word} > {{out}}/m.txt\"\n      outputs: [m.txt]\n"
    )
}

fn pipeline(import: &str) -> String {
    format!(
        "# lab B's study\nimport:\n  - {import}  # pinned by hand\nstages:\n  hello:\n    uses: echo\n    publish: true\n"
    )
}

fn blake3_hex(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=lab", "-c", "user.email=lab@example.org"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository `lab_a` in the project with `stages/lab.yaml` saying `v1` (tagged `v1`), then
/// `v2` (committed on top). Returns the commit of `v1`.
fn lab_a_repository(p: &Project) -> String {
    let repo = p.path().join("lab_a");
    std::fs::create_dir_all(repo.join("stages")).unwrap();
    git(&repo, &["init", "--quiet"]);
    std::fs::write(repo.join("stages/lab.yaml"), definitions("v1")).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "v1"]);
    git(&repo, &["tag", "v1"]);
    std::fs::write(repo.join("stages/lab.yaml"), definitions("v2")).unwrap();
    git(&repo, &["commit", "--quiet", "-am", "v2"]);
    git(&repo, &["rev-parse", "v1"])
}

#[test]
fn a_blake3_pinned_import_runs_and_the_lock_records_its_hash() {
    let defs = definitions("pinned");
    let hex = blake3_hex(&defs);
    let p = Project::new().file("stages/lab.yaml", &defs).file(
        "radflow.yaml",
        &pipeline(&format!("{{path: stages/lab.yaml, blake3: {hex}}}")),
    );
    p.run(&["run"]).ok();
    assert_eq!(p.read("out/radflow/hello/m.txt"), "pinned\n");
    let lock = p.read("radflow.lock");
    assert!(
        lock.contains(&format!("stages/lab.yaml:\n    blake3: {hex}")),
        "{lock}"
    );
}

#[test]
fn a_tampered_pinned_import_is_refused_naming_the_import_and_both_hashes() {
    let defs = definitions("pinned");
    let hex = blake3_hex(&defs);
    let p = Project::new().file("stages/lab.yaml", &defs).file(
        "radflow.yaml",
        &pipeline(&format!("{{path: stages/lab.yaml, blake3: {hex}}}")),
    );
    let tampered = definitions("tampered");
    p.write("stages/lab.yaml", &tampered);
    let run = p.run(&["run"]).code(2);
    for needle in ["`stages/lab.yaml`", &hex, &blake3_hex(&tampered)] {
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
    assert!(!p.exists("out/radflow/hello/m.txt"), "nothing ran");
}

#[test]
fn update_imports_rewrites_only_the_drifted_pin_and_the_run_then_passes() {
    let defs = definitions("first");
    let p = Project::new().file("stages/lab.yaml", &defs).file(
        "radflow.yaml",
        &pipeline(&format!(
            "{{path: stages/lab.yaml, blake3: {}}}",
            blake3_hex(&defs)
        )),
    );
    let changed = definitions("second");
    p.write("stages/lab.yaml", &changed);
    p.run(&["run"]).code(2);
    let update = p.run(&["update-imports"]).ok();
    assert!(
        update.stdout.contains("stages/lab.yaml"),
        "{}",
        update.stdout
    );
    let expected = pipeline(&format!(
        "{{path: stages/lab.yaml, blake3: {}}}",
        blake3_hex(&changed)
    ));
    assert_eq!(p.read("radflow.yaml"), expected, "only the hex changed");
    p.run(&["run"]).ok();
    assert_eq!(p.read("out/radflow/hello/m.txt"), "second\n");
}

#[test]
fn run_frozen_refuses_an_unpinned_import_that_changed_since_the_lock() {
    let p = Project::new()
        .file("stages/lab.yaml", &definitions("one"))
        .file("radflow.yaml", &pipeline("stages/lab.yaml"));
    p.run(&["run"]).ok();
    p.run(&["run", "--frozen"]).ok();
    let changed = definitions("two");
    p.write("stages/lab.yaml", &changed);
    let frozen = p.run(&["run", "--frozen"]).code(3);
    for needle in [
        "`stages/lab.yaml`",
        &blake3_hex(&definitions("one")),
        &blake3_hex(&changed),
    ] {
        assert!(
            frozen.stderr.contains(needle),
            "{needle}: {}",
            frozen.stderr
        );
    }
    assert_eq!(p.read("out/radflow/hello/m.txt"), "one\n", "nothing ran");
}

#[test]
fn a_git_import_reads_the_file_at_its_rev_and_the_lock_records_the_commit() {
    let p = Project::new();
    let v1 = lab_a_repository(&p);
    p.write(
        "radflow.yaml",
        &pipeline("{git: lab_a, rev: v1, path: stages/lab.yaml}"),
    );
    p.run(&["run"]).ok();
    assert_eq!(
        p.read("out/radflow/hello/m.txt"),
        "v1\n",
        "the tag, not the tip"
    );
    let lock = p.read("radflow.lock");
    assert!(lock.contains("lab_a@v1:stages/lab.yaml:"), "{lock}");
    assert!(lock.contains(&format!("commit: {v1}")), "{lock}");
    assert!(
        lock.contains(&format!("blake3: {}", blake3_hex(&definitions("v1")))),
        "{lock}"
    );
}

#[test]
fn a_git_import_through_a_url_is_read_from_a_mirror() {
    let p = Project::new();
    let v1 = lab_a_repository(&p);
    let url = format!("file://{}", p.path().join("lab_a").display());
    p.write(
        "radflow.yaml",
        &pipeline(&format!(
            "{{git: \"{url}\", rev: {v1}, path: stages/lab.yaml}}"
        )),
    );
    p.run(&["run"]).ok();
    assert_eq!(p.read("out/radflow/hello/m.txt"), "v1\n");
}

#[test]
fn a_git_rev_that_does_not_exist_is_named() {
    let p = Project::new();
    lab_a_repository(&p);
    p.write(
        "radflow.yaml",
        &pipeline("{git: lab_a, rev: v9, path: stages/lab.yaml}"),
    );
    let run = p.run(&["run"]).code(2);
    assert!(
        run.stderr
            .contains("rev `v9` does not exist in repository `lab_a`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_git_import_with_a_wrong_blake3_pin_is_refused() {
    let p = Project::new();
    lab_a_repository(&p);
    let wrong = blake3_hex("something else");
    p.write(
        "radflow.yaml",
        &pipeline(&format!(
            "{{git: lab_a, rev: v1, path: stages/lab.yaml, blake3: {wrong}}}"
        )),
    );
    let run = p.run(&["run"]).code(2);
    assert!(run.stderr.contains(&wrong), "{}", run.stderr);
    assert!(
        run.stderr.contains(&blake3_hex(&definitions("v1"))),
        "{}",
        run.stderr
    );
}

#[test]
fn an_import_cycle_across_files_is_named() {
    let p = Project::new()
        .file(
            "stages/a.yaml",
            &format!("import: [stages/b.yaml]\n{}", definitions("a")),
        )
        .file(
            "stages/b.yaml",
            "import: [stages/a.yaml]\ndefinitions:\n  other:\n    kind: command\n    with: {run: 'true'}\n",
        )
        .file("radflow.yaml", &pipeline("stages/a.yaml"));
    let run = p.run(&["run"]).code(2);
    assert!(
        run.stderr
            .contains("import cycle: stages/a.yaml -> stages/b.yaml -> stages/a.yaml"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_imported_twice_through_other_imports_is_loaded_once() {
    let p = Project::new()
        .file("stages/common.yaml", &definitions("shared"))
        .file(
            "stages/a.yaml",
            "import: [stages/common.yaml]\ndefinitions: {}\n",
        )
        .file(
            "radflow.yaml",
            "import: [stages/a.yaml, stages/common.yaml]\nstages:\n  hello:\n    uses: echo\n    publish: true\n",
        );
    p.run(&["run"]).ok();
    assert_eq!(p.read("out/radflow/hello/m.txt"), "shared\n");
}

#[test]
fn status_names_the_imported_definition_whose_change_reruns_a_stage() {
    let p = Project::new()
        .file("stages/lab.yaml", &definitions("one"))
        .file("radflow.yaml", &pipeline("stages/lab.yaml"));
    p.run(&["run"]).ok();
    let before = p.run(&["status"]).ok();
    assert!(
        !before.stdout.contains("imported definition"),
        "{}",
        before.stdout
    );
    let changed = definitions("two");
    p.write("stages/lab.yaml", &changed);
    let status = p.run(&["status"]).ok();
    let row = status
        .stdout
        .lines()
        .find(|l| l.contains("hello"))
        .unwrap_or_else(|| panic!("{}", status.stdout));
    let expected = format!(
        "(imported definition `stages/lab.yaml` changed, blake3 {} -> {})",
        &blake3_hex(&definitions("one"))[..12],
        &blake3_hex(&changed)[..12]
    );
    assert!(
        row.contains("parameter") && row.contains(&expected),
        "{row}"
    );
}

#[test]
fn a_drifted_pin_in_a_dirty_git_tree_names_the_uncommitted_changes() {
    let defs = definitions("committed");
    let p = Project::new().file("stages/lab.yaml", &defs).file(
        "radflow.yaml",
        &pipeline(&format!(
            "{{path: stages/lab.yaml, blake3: {}}}",
            blake3_hex(&defs)
        )),
    );
    git(p.path(), &["init", "--quiet"]);
    git(p.path(), &["add", "."]);
    git(p.path(), &["commit", "--quiet", "-m", "study"]);
    p.run(&["run"]).ok();
    p.write("stages/lab.yaml", &definitions("edited"));
    let run = p.run(&["run"]).code(2);
    let root = git(p.path(), &["rev-parse", "--show-toplevel"]);
    let expected = format!("`stages/lab.yaml` has uncommitted changes in the git tree at `{root}`");
    assert!(run.stderr.contains(&expected), "{}", run.stderr);

    // Committed, the drift is no longer a working-tree matter: the pin alone refuses it.
    git(p.path(), &["commit", "--quiet", "-am", "edited"]);
    let run = p.run(&["run"]).code(2);
    assert!(run.stderr.contains("is pinned to blake3"), "{}", run.stderr);
    assert!(!run.stderr.contains("uncommitted"), "{}", run.stderr);
}
