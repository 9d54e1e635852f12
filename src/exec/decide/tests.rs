//! One table of cases per outcome of [`decide`], on a two-stage pipeline of a test kind.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::*;
use crate::cache::{LastKey, Store};
use crate::dataset::{Dataset, Record};
use crate::exec::state::RunOptions;
use crate::plan::{Plan, Selection};
use crate::stage_api::{FileInput, KindInfo, ParamError, Port, Stage, StageContext, StageError};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EchoParams {
    #[serde(default)]
    value: i64,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    runtime_fails: bool,
}

/// Writes one record holding `value` and how many datasets it read.
struct Echo(EchoParams);

impl Stage for Echo {
    const KIND: &'static str = "echo";
    const VERSION: u32 = 1;
    const ABOUT: &'static str = "a test kind";
    const PORTS: &'static [Port] = &[Port::many("input").optional()];
    type Params = EchoParams;

    fn new(params: EchoParams) -> Result<Self, ParamError> {
        Ok(Self(params))
    }

    fn files(&self) -> Vec<FileInput> {
        self.0.file.iter().cloned().map(FileInput::Path).collect()
    }

    fn runtime(&self) -> Result<BTreeMap<String, String>, StageError> {
        if self.0.runtime_fails {
            return Err(StageError::invalid("echo library not found"));
        }
        Ok(BTreeMap::from([(
            "echo lib".to_string(),
            "1.0".to_string(),
        )]))
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let record = Record::new("out")
            .with("value", self.0.value)
            .with("inputs", ctx.inputs("input").len());
        Ok(Dataset::from_records(vec![record])?)
    }
}

static TEST_KINDS: &[KindInfo] = &[KindInfo::of::<Echo>()];

struct Fixture {
    dir: tempfile::TempDir,
    plan: Plan,
    store: Store,
}

impl Fixture {
    /// `a` (with `a_with`) feeding `b`.
    fn new(a_with: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::in_dir(dir, a_with)
    }

    fn in_dir(dir: tempfile::TempDir, a_with: &str) -> Self {
        let yaml = format!(
            "pipeline: t\nstages:\n  a:\n    kind: echo\n    with: {a_with}\n  b:\n    kind: echo\n    input: a\n"
        );
        let file = dir.path().join("t.yaml");
        std::fs::write(&file, yaml).unwrap();
        let pipeline = crate::spec::load(&file, &[]).unwrap();
        let plan = crate::plan::build(pipeline, TEST_KINDS).unwrap();
        let store = Store::open(&dir.path().join("cache")).unwrap();
        Self { dir, plan, store }
    }

    fn state(&self, last: BTreeMap<String, LastKey>) -> RunState<'_> {
        RunState::new(
            &self.plan,
            self.store.clone(),
            RunOptions::local(1, false, true),
            crate::cache::LastKeys::from_keys(&last),
        )
    }

    /// Runs the whole pipeline once; returns the last keys a run remembers.
    fn run(&self) -> BTreeMap<String, LastKey> {
        let report = crate::exec::run(
            &self.plan,
            &Selection::all(&self.plan),
            self.store.clone(),
            RunOptions::local(1, false, true),
            Default::default(),
            None,
        )
        .unwrap();
        assert!(report.complete());
        report
            .record
            .instances
            .iter()
            .map(|(id, r)| {
                let key = self.store.stage_entry(&r.key.unwrap()).unwrap().key;
                (
                    id.clone(),
                    LastKey {
                        key: Some(key),
                        output: r.output,
                    },
                )
            })
            .collect()
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

/// Decides `a` (index 0) with no inputs.
fn decide_a(state: &RunState<'_>, forced: bool) -> Decision {
    decide(state, 0, forced, |_| unreachable!(), Detail::ItemCounts)
}

fn why_of(decision: &Decision) -> String {
    match decision {
        Decision::Run { why, .. } => why.to_string(),
        Decision::Cached { .. } => "cached".into(),
        Decision::Blocked(b) => format!("blocked: {b}"),
    }
}

#[test]
fn a_first_run_is_never_run_and_the_second_is_cached() {
    let f = Fixture::new("{value: 1}");
    let state = f.state(BTreeMap::new());
    assert!(matches!(
        decide_a(&state, false),
        Decision::Run {
            keyed: Some(_),
            why: Why::NeverRun
        }
    ));
    let last = f.run();
    let state = f.state(last);
    assert!(matches!(decide_a(&state, false), Decision::Cached { .. }));
}

#[test]
fn forced_runs_even_when_cached() {
    let f = Fixture::new("{value: 1}");
    let last = f.run();
    let state = f.state(last);
    assert!(matches!(
        decide_a(&state, true),
        Decision::Run {
            why: Why::Forced,
            ..
        }
    ));
}

#[test]
fn missing_objects_are_counted_and_make_it_run() {
    let f = Fixture::new("{value: 1}");
    let last = f.run();
    let output = last["a"].output.unwrap();
    let path = f.store.object_path(&output);
    std::fs::remove_file(path).unwrap();
    let state = f.state(last);
    assert_eq!(why_of(&decide_a(&state, false)), "1 cached objects missing");
}

#[test]
fn an_unchanged_key_whose_entry_is_gone_is_not_in_the_cache() {
    let f = Fixture::new("{value: 1}");
    let last = f.run();
    let key = last["a"].key.as_ref().unwrap().digest();
    f.store.remove_stage_entry(&key);
    let state = f.state(last);
    assert_eq!(why_of(&decide_a(&state, false)), "not in the cache");
}

#[test]
fn a_changed_parameter_runtime_or_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let first = Fixture::in_dir(dir, "{value: 1}");
    let last = first.run();
    let f = Fixture::in_dir(first.dir, "{value: 2}");
    let state = f.state(last.clone());
    assert_eq!(
        why_of(&decide_a(&state, false)),
        "parameter value changed 1 -> 2"
    );

    // b reads a's new output: its input changed, and both outputs are known to count items.
    let after = f.run();
    let new_a = after["a"].output.unwrap();
    f.store
        .remove_stage_entry(&after["b"].key.as_ref().unwrap().digest());
    let state = f.state(last.clone());
    let b = decide(
        &state,
        1,
        false,
        |_| Upstream::Output(new_a),
        Detail::ItemCounts,
    );
    assert_eq!(why_of(&b), "input a changed (1 of 1 items)");
    let b = decide(&state, 1, false, |_| Upstream::Output(new_a), Detail::Brief);
    assert_eq!(why_of(&b), "input a changed");
}

#[test]
fn a_changed_runtime_is_named_with_both_versions() {
    let f = Fixture::new("{value: 1}");
    let mut last = f.run();
    let key = last.get_mut("a").unwrap().key.as_mut().unwrap();
    f.store.remove_stage_entry(&key.digest());
    key.runtime.insert("echo lib".into(), "0.9".into());
    let state = f.state(last);
    assert_eq!(why_of(&decide_a(&state, false)), "echo lib 0.9 -> 1.0");
}

#[test]
fn an_input_that_will_run_leaves_the_key_unknown() {
    let f = Fixture::new("{value: 1}");
    let state = f.state(BTreeMap::new());
    let b = decide(&state, 1, false, |_| Upstream::WillRun, Detail::Brief);
    assert!(matches!(b, Decision::Run { keyed: None, .. }));
    assert_eq!(why_of(&b), "input a will be recomputed");
    let forced = decide(&state, 1, true, |_| Upstream::WillRun, Detail::Brief);
    assert_eq!(why_of(&forced), "forced");
}

#[test]
fn failed_or_blocked_inputs_unreadable_files_and_missing_runtimes_block() {
    let f = Fixture::new("{file: data/missing.csv}");
    let state = f.state(BTreeMap::new());
    let cases: Vec<(Decision, &str)> = vec![
        (
            decide(&state, 1, false, |_| Upstream::Failed, Detail::Brief),
            "blocked: input a failed",
        ),
        (
            decide(&state, 1, false, |_| Upstream::Blocked, Detail::Brief),
            "blocked: input a cannot run",
        ),
        (
            decide_a(&state, false),
            "blocked: `data/missing.csv`: no such file or folder",
        ),
    ];
    for (decision, text) in cases {
        assert_eq!(why_of(&decision), text);
    }
    let f = Fixture::new("{runtime_fails: true}");
    let state = f.state(BTreeMap::new());
    assert_eq!(
        why_of(&decide_a(&state, false)),
        "blocked: echo library not found"
    );
}

#[test]
fn a_declared_file_is_hashed_into_the_key_and_its_change_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/a.csv"), "one").unwrap();
    let f = Fixture::in_dir(dir, "{file: data/a.csv}");
    let last = f.run();
    std::fs::write(f.path("data/a.csv"), "two").unwrap();
    let state = f.state(last);
    assert_eq!(why_of(&decide_a(&state, false)), "file data/a.csv changed");
}
