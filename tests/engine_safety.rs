//! Item-level caching, crash safety, concurrent runs, damaged objects, write paths.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::{Project, abc, per_file};

#[test]
fn changing_one_of_many_items_computes_one_and_takes_the_rest_from_the_cache() {
    let p = per_file(8, "0");
    p.run(&["run"]).ok();
    assert_eq!(p.calls().len(), 8);
    p.clear_calls();
    p.write("data/f03.txt", "changed\n");
    let status = p.run(&["status"]).ok();
    assert!(
        status.stdout.contains("file data/f03.txt changed"),
        "{}",
        status.stdout
    );
    let run = p.run(&["run"]).ok();
    assert_eq!(p.calls(), ["f03.txt"]);
    assert_eq!(run.items_of("upper"), (8, 1));
    assert!(p.read("out/items/join/all.txt").contains("CHANGED"));
}

#[test]
fn adding_a_file_computes_only_the_new_item() {
    let p = per_file(4, "0");
    p.run(&["run"]).ok();
    p.clear_calls();
    p.write("data/f99.txt", "new\n");
    let run = p.run(&["run"]).ok();
    assert_eq!(p.calls(), ["f99.txt"]);
    assert_eq!(run.items_of("upper"), (5, 1));
}

#[test]
fn a_run_killed_mid_stage_keeps_its_finished_items_and_the_rerun_completes() {
    let p = per_file(12, "0.3");
    let mut child = p.spawn(&["run", "-j", "2"]);
    let started = Instant::now();
    while p.calls().len() < 4 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no cleanup of any kind
    child.wait().unwrap();
    let finished_before = p.calls();
    assert!(
        finished_before.len() >= 4 && finished_before.len() < 12,
        "{finished_before:?}"
    );
    p.clear_calls();
    let run = p.run(&["run"]).ok();
    let recomputed = p.calls();
    for item in &recomputed {
        // An item can have logged its call just before the kill yet not have committed.
        let committed_before = finished_before.iter().filter(|f| *f == item).count();
        assert!(committed_before <= 1, "{item} ran twice before the kill");
    }
    let (total, computed) = run.items_of("upper");
    assert_eq!(total, 12);
    assert!(
        computed <= 12 - (finished_before.len() - 2),
        "finished items were recomputed: {computed} computed, {} finished before",
        finished_before.len()
    );
    assert_eq!(p.read("out/items/join/all.txt").lines().count(), 12);
    p.run(&["cache", "verify"]).ok();
}

#[test]
fn ctrl_c_stops_the_run_cleanly_and_the_rerun_completes() {
    let p = per_file(12, "0.3");
    let child = p.spawn(&["run", "-j", "2"]);
    let started = Instant::now();
    while p.calls().len() < 3 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe_sigint(child.id());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let before = p.calls().len();
    p.clear_calls();
    let run = p.run(&["run"]).ok();
    assert!(run.items_of("upper").1 <= 12 - before + 2);
    assert!(
        !p.cache_dir().join("tmp").read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp"))
    );
}

fn unsafe_sigint(pid: u32) {
    std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
}

#[test]
fn a_failing_item_fails_the_stage_but_keeps_the_items_it_finished() {
    let p = per_file(6, "0");
    p.write(
        "radflow.yaml",
        &p.read("radflow.yaml")
            .replace("sleep 0;", "sleep 0; grep -q bad {item} && exit 7;"),
    );
    p.write("data/f02.txt", "bad\n");
    let run = p.run(&["run", "-j", "1"]).code(1);
    assert!(
        run.stderr.contains("`f02.txt`: `sh` exited with status 7"),
        "{}",
        run.stderr
    );
    assert_eq!(
        p.calls().len(),
        2,
        "items before the failing one ran: {:?}",
        p.calls()
    );
    p.clear_calls();
    p.write("data/f02.txt", "good\n");
    let run = p.run(&["run", "-j", "1"]).ok();
    let mut calls = p.calls();
    calls.sort();
    assert_eq!(calls, ["f02.txt", "f03.txt", "f04.txt", "f05.txt"]);
    assert_eq!(run.items_of("upper"), (6, 4));
}

#[test]
fn on_error_skip_drops_the_failing_item_and_lists_it() {
    let p = per_file(4, "0");
    let yaml = p
        .read("radflow.yaml")
        .replace("sleep 0;", "sleep 0; grep -q bad {item} && exit 7;")
        .replace(
            "      outputs: [up.txt]\n  join",
            "      outputs: [up.txt]\n      on_error: skip\n  join",
        );
    p.write("radflow.yaml", &yaml);
    p.write("data/f01.txt", "bad\n");
    let run = p.run(&["run"]).ok();
    assert!(
        run.stderr.contains("warning: upper: dropped `f01.txt`"),
        "{}",
        run.stderr
    );
    assert_eq!(p.read("out/items/join/all.txt").lines().count(), 3);
}

#[test]
fn two_runs_at_once_on_one_cache_both_succeed_and_leave_it_intact() {
    let p = per_file(10, "0.05");
    let a = p.spawn(&["run", "-q"]);
    let b = p.spawn(&["run", "-q"]);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    p.run(&["cache", "verify"]).ok();
    let again = p.run(&["run"]).ok();
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

#[test]
fn a_missing_cached_object_is_detected_and_recomputed() {
    let p = abc();
    p.run(&["run"]).ok();
    p.clear_calls();
    for object in p.objects() {
        if fs::read(&object).unwrap() == b"hello\n" {
            fs::remove_file(&object).unwrap();
        }
    }
    let status = p.run(&["status"]).ok();
    assert!(
        status.stdout.contains("cached objects missing"),
        "{}",
        status.stdout
    );
    p.run(&["run"]).ok();
    assert_eq!(p.calls(), ["a"]);
    assert_eq!(p.read("out/abc/c/c.txt").trim(), "6");
}

#[test]
fn a_damaged_cached_object_is_never_returned() {
    let p = abc();
    p.run(&["run"]).ok();
    p.clear_calls();
    // Damage a's output (same size, other bytes): `b` reads it when forced to rerun.
    for object in p.objects() {
        if fs::read(&object).unwrap() == b"hello\n" {
            fs::set_permissions(&object, fs::Permissions::from_mode(0o644)).unwrap();
            fs::write(&object, b"jello\n").unwrap();
        }
    }
    let verify = p.run(&["cache", "verify"]).code(3);
    assert!(
        verify.stdout.contains("damaged object"),
        "{}",
        verify.stdout
    );
    // `{input}` is a dataset directory derived once from verified objects and kept as a
    // copy (`cache/derived/`): b would read that good copy, never the damaged object. Drop
    // the derived copies so that b's rerun has to read a's object itself.
    remove_read_only_tree(&p.cache_dir().join("derived"));
    let run = p.run(&["run", "--force", "b"]).ok();
    assert!(run.stderr.contains("running again"), "{}", run.stderr);
    let mut calls = p.calls();
    calls.sort();
    assert_eq!(
        calls,
        ["a", "b"],
        "a recomputed its damaged output, b read the good one"
    );
    assert!(!p.read("out/abc/c/c.txt").is_empty());
    p.run(&["cache", "verify"]).ok();
}

#[test]
fn paths_that_would_write_outside_the_workspace_are_refused() {
    let cases = [
        (
            "output: /tmp/elsewhere\n",
            "`output`: `/tmp/elsewhere` is absolute",
        ),
        (
            "output: ../elsewhere\n",
            "`output`: `../elsewhere` leaves the workspace",
        ),
    ];
    for (line, expected) in cases {
        let p = abc();
        p.write("radflow.yaml", &format!("{line}{}", common::ABC));
        let run = p.run(&["run"]).code(2);
        assert!(run.stderr.contains(expected), "{line}: {}", run.stderr);
    }
    let p = Project::new().file(
        "radflow.yaml",
        "stages:\n  x:\n    kind: command\n    with: {run: 'true', outputs: [../../etc/evil]}\n",
    );
    let run = p.run(&["run"]).code(2);
    assert!(
        run.stderr
            .contains("`stages.x.with.outputs.0`: `../../etc/evil` leaves the workspace"),
        "{}",
        run.stderr
    );
}

#[test]
fn published_outputs_are_ordinary_files_in_the_output_folder() {
    let p = abc();
    let run = p.run(&["run"]).ok();
    assert!(
        run.stdout.contains("published c: out/abc/c"),
        "{}",
        run.stdout
    );
    assert_eq!(p.read("out/abc/c/c.txt").trim(), "6");
    let mode = fs::metadata(p.path().join("out/abc/c/c.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o200,
        0o200,
        "published files are writable copies, not cache objects"
    );
}

/// Removes a tree the cache made read-only.
fn remove_read_only_tree(root: &std::path::Path) {
    fn writable(path: &std::path::Path) {
        let Ok(meta) = fs::symlink_metadata(path) else {
            return;
        };
        if meta.is_dir() {
            fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
            for entry in fs::read_dir(path).unwrap().flatten() {
                writable(&entry.path());
            }
        } else if !meta.file_type().is_symlink() {
            fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    writable(root);
    if root.exists() {
        fs::remove_dir_all(root).unwrap();
    }
}
