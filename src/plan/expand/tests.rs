//! Matrix expansion, sweeps carried through single-dataset ports, gathering through `Many`
//! ports, and their errors, on pipelines of two test kinds.

use serde::{Deserialize, Serialize};

use super::*;
use crate::dataset::Dataset;
use crate::stage_api::{ParamError, Port, Stage, StageContext, StageError};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    #[serde(default)]
    seed: i64,
    #[serde(default)]
    lr: f64,
    #[serde(default)]
    model: Option<crate::stage_api::FileParam>,
}

/// One input of one dataset.
struct Map;
/// Gathers any number of datasets.
struct Gather;

impl Stage for Map {
    const KIND: &'static str = "map";
    const VERSION: u32 = 1;
    const ABOUT: &'static str = "test";
    const PORTS: &'static [Port] = &[Port::one("input").optional()];
    type Params = Params;
    fn new(params: Params) -> Result<Self, ParamError> {
        if params.seed < 0 {
            return Err(ParamError::new("seed", "must not be negative"));
        }
        Ok(Self)
    }
    fn run(&self, _: &StageContext<'_>) -> Result<Dataset, StageError> {
        Ok(Dataset::default())
    }
}

impl Stage for Gather {
    const KIND: &'static str = "gather";
    const VERSION: u32 = 1;
    const ABOUT: &'static str = "test";
    const PORTS: &'static [Port] = &[Port::many("runs")];
    type Params = Params;
    fn new(_: Params) -> Result<Self, ParamError> {
        Ok(Self)
    }
    fn run(&self, _: &StageContext<'_>) -> Result<Dataset, StageError> {
        Ok(Dataset::default())
    }
}

static KINDS: &[KindInfo] = &[KindInfo::of::<Map>(), KindInfo::of::<Gather>()];

fn plan(stages: &str) -> Result<Plan, SpecError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.yaml");
    std::fs::write(&file, format!("pipeline: p\nstages:\n{stages}")).unwrap();
    build(crate::spec::load(&file, &[])?, KINDS)
}

fn ids(plan: &Plan) -> Vec<&str> {
    plan.instances.iter().map(|i| i.id.as_str()).collect()
}

/// The instance ids each instance of `stage` reads through `port`.
fn reads<'a>(plan: &'a Plan, id: &str, port: &str) -> Vec<&'a str> {
    let inst = &plan.instances[plan.index_of(id).unwrap()];
    inst.inputs[port]
        .iter()
        .map(|&u| plan.instances[u].id.as_str())
        .collect()
}

#[test]
fn a_matrix_expands_into_one_instance_per_combination() {
    let plan =
        plan("  head:\n    kind: map\n    matrix: {seed: \"0..2\", lr: [0.1, 0.2]}\n").unwrap();
    assert_eq!(
        ids(&plan),
        [
            "head[lr=0.1,seed=0]",
            "head[lr=0.1,seed=1]",
            "head[lr=0.2,seed=0]",
            "head[lr=0.2,seed=1]"
        ]
    );
    let params = plan.instances[3].kind.params();
    assert_eq!(params["seed"], 1);
    assert_eq!(params["lr"], 0.2);
}

#[test]
fn a_one_port_reader_is_swept_along_and_a_many_port_gathers() {
    let plan = plan(
        "  head:\n    kind: map\n    matrix: {seed: [0, 1, 2]}\n  eval:\n    kind: map\n    input: head\n  report:\n    kind: gather\n    inputs: {runs: eval}\n",
    )
    .unwrap();
    assert_eq!(
        ids(&plan),
        [
            "head[seed=0]",
            "head[seed=1]",
            "head[seed=2]",
            "eval[seed=0]",
            "eval[seed=1]",
            "eval[seed=2]",
            "report"
        ]
    );
    assert_eq!(reads(&plan, "eval[seed=1]", "input"), ["head[seed=1]"]);
    assert_eq!(
        reads(&plan, "report", "runs"),
        ["eval[seed=0]", "eval[seed=1]", "eval[seed=2]"]
    );
}

#[test]
fn sweeps_of_two_upstreams_join_on_their_common_axes() {
    let plan = plan(
        "  a:\n    kind: map\n    matrix: {seed: [0, 1]}\n  b:\n    kind: map\n    input: a\n    matrix: {lr: [0.1, 0.2]}\n  all:\n    kind: gather\n    inputs: {runs: [a, b]}\n",
    )
    .unwrap();
    assert_eq!(
        ids(&plan).iter().filter(|i| i.starts_with("b[")).count(),
        4,
        "b = a's sweep x its own"
    );
    assert_eq!(reads(&plan, "b[lr=0.2,seed=1]", "input"), ["a[seed=1]"]);
    assert_eq!(reads(&plan, "all", "runs").len(), 6);
}

#[test]
fn instances_come_after_what_they_read_and_equals_stay_alphabetical() {
    let plan = plan(
        "  zeta:\n    kind: map\n  alpha:\n    kind: map\n    input: zeta\n  beta:\n    kind: map\n",
    )
    .unwrap();
    assert_eq!(ids(&plan), ["beta", "zeta", "alpha"]);
}

#[test]
fn expansion_errors_name_the_stage_and_the_problem() {
    let cases = [
        (
            "  a:\n    kind: map\n    matrix: {seed: [0, 1]}\n  b:\n    kind: map\n    input: a\n    matrix: {seed: [5]}\n",
            "axis `seed` is already swept by upstream stage `a`",
        ),
        (
            "  a:\n    kind: map\n    matrix: {seed: [0, -1]}\n",
            "must not be negative (in instance `a[seed=-1]`)",
        ),
        ("  a:\n    kind: mapp\n", "did you mean `map`?"),
        (
            "  a:\n    kind: map\n  b:\n    kind: gather\n    inputs: {run: a}\n",
            "kind `gather` has no input `run`",
        ),
        (
            "  a:\n    kind: map\n  b:\n    kind: gather\n",
            "input `runs` of kind `gather` is not bound",
        ),
        (
            "  a:\n    kind: map\n    input: b\n  b:\n    kind: map\n    input: a\n",
            "the stages form a cycle: a -> b -> a",
        ),
        (
            "  a:\n    kind: map\n  b:\n    kind: map\n    with: {model: {from: aa, file: m.onnx}}\n",
            "no stage is named `aa`; did you mean `a`?",
        ),
        (
            "  a:\n    kind: map\n    with: {model: {from: a, file: m.onnx}}\n",
            "stage `a` reads its own output",
        ),
        (
            "  a:\n    kind: map\n    input: b\n  b:\n    kind: map\n    with: {model: {from: a, file: m}}\n",
            "the stages form a cycle",
        ),
        (
            "  a:\n    kind: map\n  c:\n    kind: map\n  b:\n    kind: gather\n    inputs: {runs: a}\n    per: c\n",
            "`per: c` names a stage this stage does not read; its inputs are `a`",
        ),
    ];
    for (stages, expected) in cases {
        let error = plan(stages).err().expect("an error").to_string();
        assert!(error.contains(expected), "{expected:?} not in {error:?}");
    }
}

#[test]
fn a_file_from_another_stage_is_an_input_that_orders_and_sweeps_the_reader() {
    // `early` is declared (alphabetically) before the stage it reads a file of.
    let plan = plan(
        "  early:\n    kind: map\n    with: {model: {from: train, file: model.onnx}}\n  train:\n    kind: map\n    matrix: {seed: [0, 1]}\n",
    )
    .unwrap();
    assert_eq!(
        ids(&plan),
        [
            "train[seed=0]",
            "train[seed=1]",
            "early[seed=0]",
            "early[seed=1]"
        ]
    );
    assert_eq!(
        reads(&plan, "early[seed=1]", "with.model"),
        ["train[seed=1]"]
    );
}

#[test]
fn per_makes_a_gathering_port_read_one_upstream_instance_at_a_time() {
    let plan = plan(
        "  features:\n    kind: map\n  head:\n    kind: map\n    input: features\n    matrix: {seed: [0, 1]}\n  own:\n    kind: gather\n    inputs: {runs: [features, head]}\n    per: head\n",
    )
    .unwrap();
    let own: Vec<&str> = ids(&plan)
        .into_iter()
        .filter(|i| i.starts_with("own"))
        .collect();
    assert_eq!(own, ["own[seed=0]", "own[seed=1]"]);
    assert_eq!(
        reads(&plan, "own[seed=1]", "runs"),
        ["features", "head[seed=1]"]
    );
}
