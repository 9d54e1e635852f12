//! A map running ahead on the records of a map still running (`exec::stream`): a cold run
//! computes items of the downstream map while its input is still being computed, and what it
//! stores is what a run without streams stores (the same stage keys and outputs, the same item
//! keys and emits, the same objects, the same lock file).
//!
//! `--no-overlap` is the run without streams; so is `-j 1` (a map runs ahead only where there
//! is room for a second job beside the one it waits for).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::Project;
use serde_json::Value as Json;

/// The lesion slices of a tiny cohort resized, then a slow command per slice (`slow`: adds one
/// scalar, so the resized image carries over), then the built-in features on its output.
const PIPELINE: &str = concat!(
    r#"
pipeline: streams
stages:
"#,
    common::slice_stages!(),
    r#"  lesions:
    kind: lesion_filter
    input: slices
    with: {policy: global, min_pixels: 1}
  resized:
    kind: resize
    input: lesions
    with: {size: [48, 48]}
  slow:
    kind: command
    input: resized
    with:
      run: "sleep 0.05; cp passed.json {out}/record.json"
      files: [passed.json]
      foreach: input
      output: dataset
  features:
    kind: onnx_features
    input: slow
    with: {model: models/tiny_cnn.onnx, input: images, output: features, features: 16}
"#
);

fn study() -> Project {
    let p = common::tiny_study(PIPELINE, "40", "48", "12,20");
    p.write("passed.json", r#"{"passed": 1}"#);
    p
}

/// `run --json`'s items of `instance`: (total, computed, ahead).
fn items(run_json: &Json, instance: &str) -> (u64, u64, u64) {
    let entry = run_json["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == instance)
        .unwrap_or_else(|| panic!("no `{instance}` in the run record"));
    let items = &entry[1]["items"];
    let count = |name: &str| items[name].as_u64().unwrap_or(0);
    (count("total"), count("computed"), count("ahead"))
}

/// What a cache holds, without the times it records: each stage entry's key and output, each
/// item entry's key and emits, every object's name.
fn stored(cache: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for family in ["stages", "items"] {
        for shard in fs::read_dir(cache.join(family)).unwrap() {
            for file in fs::read_dir(shard.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                let entry: Json = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
                let kept = match family {
                    "stages" => entry["output"].to_string(),
                    _ => entry["emits"].to_string(),
                };
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                found.insert(format!("{family}/{name}"), kept);
            }
        }
    }
    for shard in fs::read_dir(cache.join("objects")).unwrap() {
        for file in fs::read_dir(shard.unwrap().path()).unwrap() {
            let name = file.unwrap().file_name().to_string_lossy().into_owned();
            found.insert(format!("objects/{name}"), String::new());
        }
    }
    found
}

#[test]
fn a_map_runs_ahead_on_its_running_input_and_stores_what_a_run_without_streams_stores() {
    let streamed = study();
    let plain = study();

    let run = streamed.run(&["run", "--json", "-j", "2"]).ok();
    let run: Json = serde_json::from_str(&run.stdout).unwrap();
    let (total, computed, ahead) = items(&run, "features");
    assert!(total > 40, "a cohort big enough to stream: {total} items");
    assert_eq!(computed, total, "a cold run computes every item");
    assert!(
        ahead > 0 && ahead <= total,
        "features ran ahead on part of `slow` while it ran: {ahead} of {total}"
    );
    assert_eq!(
        items(&run, "slow").2,
        0,
        "`slow` is a command: it never runs ahead"
    );

    let run = plain.run(&["run", "--json", "-j", "1"]).ok();
    let run: Json = serde_json::from_str(&run.stdout).unwrap();
    let (total_plain, computed_plain, ahead_plain) = items(&run, "features");
    assert_eq!(
        (total_plain, computed_plain, ahead_plain),
        (total, total, 0)
    );

    assert_eq!(
        stored(&streamed.cache_dir()),
        stored(&plain.cache_dir()),
        "the same entries and objects"
    );
    assert_eq!(
        streamed.read("radflow.lock"),
        plain.read("radflow.lock"),
        "the same lock file"
    );

    // A rerun finds everything, and nothing counts as computed ahead any more.
    let rerun = streamed.run(&["run", "--json"]).ok();
    let rerun: Json = serde_json::from_str(&rerun.stdout).unwrap();
    assert_eq!(items(&rerun, "features").1, 0);
    assert_eq!(items(&rerun, "features").2, 0);
}

#[test]
fn a_failing_input_ends_the_map_running_ahead_and_keeps_its_items() {
    let p = study();
    // `slow` fails on the last patient's slices, after the others have committed.
    p.write(
        "radflow.yaml",
        &PIPELINE.replace(
            "sleep 0.05;",
            "case $RADFLOW_ITEM_ID in SYN-0040/*) sleep 1; exit 3;; esac; sleep 0.05;",
        ),
    );
    let run = p.run(&["run", "-j", "2"]).code(1);
    assert_eq!(run.status_of("slow"), "FAILED", "{}", run.stdout);
    assert_eq!(run.status_of("features"), "skipped", "{}", run.stdout);
    // What ran ahead is kept: after the fix, features computes only the rest.
    p.write("radflow.yaml", PIPELINE);
    let rerun = p.run(&["run", "--json", "-j", "1"]).ok();
    // (`-j 1`: no room to run ahead, so the counts are this run's own.)
    let rerun: Json = serde_json::from_str(&rerun.stdout).unwrap();
    let (total, computed, _) = items(&rerun, "features");
    assert!(
        computed < total,
        "items computed ahead were kept: {computed} of {total}"
    );
}

/// The study's own order: a slow command per slice, then the lesion filter (per patient, the
/// study's policy), then resize and features. Both maps run ahead while `slow` runs: resize
/// on the whole patients `slow` has committed, each filtered as the filter would, and features
/// on what resize computes ahead. `slow` takes longer on even slices, so a patient's slices
/// commit in pieces: a filter given part of a patient (a lower largest area, so a lower
/// threshold) would keep slices the whole patient's filter drops, and the caches would differ
/// (checked: reading the stream by record instead of by whole patient fails this test).
const THROUGH_FILTER: &str = concat!(
    r#"
pipeline: streams
stages:
"#,
    common::slice_stages!(),
    r#"  slow:
    kind: command
    input: slices
    with:
      run: "case $RADFLOW_ITEM_ID in *[02468]) sleep 0.02;; esac; cp passed.json {out}/record.json"
      files: [passed.json]
      foreach: input
      output: dataset
  lesions:
    kind: lesion_filter
    input: slow
    with: {policy: per_patient, fraction: 0.3, min_pixels: 1}
  resized:
    kind: resize
    input: lesions
    with: {size: [48, 48]}
  features:
    kind: onnx_features
    input: resized
    with: {model: models/tiny_cnn.onnx, input: images, output: features, features: 16}
"#
);

#[test]
fn maps_run_ahead_through_a_filter_by_patient_and_store_what_a_run_without_streams_stores() {
    let make = || {
        let p = common::tiny_study(THROUGH_FILTER, "60", "48", "16,24");
        p.write("passed.json", r#"{"passed": 1}"#);
        p
    };
    let streamed = make();
    let plain = make();

    // Room for `slow` and both maps running ahead beside it.
    let run = streamed.run(&["run", "--json", "-j", "3"]).ok();
    let run: Json = serde_json::from_str(&run.stdout).unwrap();
    for instance in ["resized", "features"] {
        let (total, computed, ahead) = items(&run, instance);
        assert_eq!(
            computed, total,
            "a cold run computes every `{instance}` item"
        );
        assert!(
            ahead > 0 && ahead <= total,
            "`{instance}` ran ahead while `slow` ran: {ahead} of {total}"
        );
    }

    let run = plain
        .run(&["run", "--json", "--no-overlap", "-j", "3"])
        .ok();
    let run: Json = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(items(&run, "resized").2, 0);
    assert_eq!(items(&run, "features").2, 0);

    // Nothing the filter drops was computed ahead: the same entries, objects and lock.
    assert_eq!(
        stored(&streamed.cache_dir()),
        stored(&plain.cache_dir()),
        "the same entries and objects"
    );
    assert_eq!(streamed.read("radflow.lock"), plain.read("radflow.lock"));
    let rerun = streamed.run(&["run", "--json"]).ok();
    let rerun: Json = serde_json::from_str(&rerun.stdout).unwrap();
    assert_eq!(items(&rerun, "resized").1, 0);
    assert_eq!(items(&rerun, "features").1, 0);
}

#[test]
fn a_failing_input_ends_every_map_running_ahead_behind_a_filter_and_keeps_their_items() {
    let make = |yaml: &str| {
        let p = common::tiny_study(yaml, "60", "48", "16,24");
        p.write("passed.json", r#"{"passed": 1}"#);
        p
    };
    // `slow` fails on the last patient's slices: the run stops, so `resized` is never run and
    // `features`, running ahead on resize's stream, must be ended by the stop, not wait for it.
    let failing = THROUGH_FILTER.replace(
        "run: \"case",
        "run: \"case $RADFLOW_ITEM_ID in SYN-0060/*) sleep 1; exit 3;; esac; case",
    );
    let p = make(&failing);
    let run = p.run(&["run", "-j", "3"]).code(1);
    assert_eq!(run.status_of("slow"), "FAILED", "{}", run.stdout);
    assert_eq!(run.status_of("resized"), "skipped", "{}", run.stdout);
    assert_eq!(run.status_of("features"), "skipped", "{}", run.stdout);
    // What ran ahead is kept: after the fix, only the rest is computed.
    p.write("radflow.yaml", THROUGH_FILTER);
    let rerun = p.run(&["run", "--json", "-j", "1"]).ok();
    let rerun: Json = serde_json::from_str(&rerun.stdout).unwrap();
    for instance in ["resized", "features"] {
        let (total, computed, _) = items(&rerun, instance);
        assert!(
            computed < total,
            "`{instance}` items computed ahead were kept: {computed} of {total}"
        );
    }
}
