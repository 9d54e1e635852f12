//! Bad input: every kind of mistake gives one clear line naming the file, the position or key
//! path, and what was expected, with exit code 2. One row per kind of mistake.

mod common;

use common::Project;

const GOOD_STAGE: &str = "    kind: command\n    with: {run: 'true'}\n";

/// (what, pipeline text, expected line on stderr)
const CASES: &[(&str, &str, &str)] = &[
    (
        "yaml syntax",
        "stages:\n  a:\n    kind: command\n   with: [\n",
        "radflow: error: radflow.yaml:4:",
    ),
    (
        "unknown top-level key",
        "stagez:\n  a: {kind: command}\n",
        "radflow: error: radflow.yaml:1:1: unknown key `stagez`; did you mean `stages`?",
    ),
    (
        "unknown stage key",
        "stages:\n  a:\n    kind: command\n    inputz: [b]\n",
        "radflow: error: radflow.yaml:4:5: `stages.a.inputz`: unknown key `inputz`; did you mean `inputs`?",
    ),
    (
        "unknown parameter",
        "stages:\n  a:\n    kind: command\n    with:\n      run: 'true'\n      outptus: [x]\n",
        "radflow: error: radflow.yaml:6:7: `stages.a.with.outptus`: unknown key `outptus`; did you mean `outputs`?",
    ),
    (
        "wrong parameter type",
        "stages:\n  a:\n    kind: command\n    with:\n      run: 'true'\n      outputs: 3\n",
        "radflow: error: radflow.yaml:6:7: `stages.a.with.outputs`: invalid type: integer `3`, expected a sequence",
    ),
    (
        "unknown kind",
        "stages:\n  a:\n    kind: comand\n",
        "radflow: error: radflow.yaml:3:5: `stages.a.kind`: unknown stage kind `comand`; did you mean `command`?",
    ),
    (
        "unknown input stage",
        "stages:\n  a:\n    kind: command\n    with: {run: 'true'}\n  b:\n    kind: command\n    input: aa\n    with: {run: 'true'}\n",
        "radflow: error: radflow.yaml:7:5: `stages.b.input`: no stage is named `aa`; did you mean `a`?",
    ),
    (
        "cycle",
        "stages:\n  a:\n    kind: command\n    input: c\n    with: {run: 'true'}\n  b:\n    kind: command\n    input: a\n    with: {run: 'true'}\n  c:\n    kind: command\n    input: b\n    with: {run: 'true'}\n",
        "radflow: error: radflow.yaml:2:3: `stages.a`: the stages form a cycle: a -> b -> c -> a",
    ),
    (
        "duplicate stage name",
        "stages:\n  a:\n    kind: command\n    with: {run: 'true'}\n  a:\n    kind: command\n    with: {run: 'false'}\n",
        "radflow: error: radflow.yaml:5:3: `stages`: duplicate name `a`: each must be given once",
    ),
    (
        "missing kind",
        "stages:\n  a:\n    with: {run: 'true'}\n",
        "radflow: error: radflow.yaml:2:3: `stages.a`: stage `a` needs `kind:` (or `uses:` an imported definition)",
    ),
    (
        "bad matrix",
        "stages:\n  a:\n    kind: command\n    matrix: {seed: []}\n    with: {run: 'true'}\n",
        "radflow: error: radflow.yaml:4:14: `stages.a.matrix.seed`: a matrix axis needs at least one value",
    ),
    (
        "invalid stage name",
        "stages:\n  a.b:\n    kind: command\n    with: {run: 'true'}\n",
        "radflow: error: radflow.yaml:2:3: `stages.a.b`: `a.b` is not a valid name: use letters, digits, `_` and `-`",
    ),
    (
        "missing import",
        "import: [stages/none.yaml]\nstages:\n  a:\n    kind: command\n    with: {run: 'true'}\n",
        "radflow: error: radflow.yaml:1:1: `import`: import #1: file not found",
    ),
    (
        "unknown definition",
        "stages:\n  a:\n    uses: resize-299\n",
        "radflow: error: radflow.yaml:3:5: `stages.a.uses`: no imported definition is named `resize-299` (the pipeline imports no definitions)",
    ),
    (
        "input on a kind with several ports",
        "stages:\n  a:\n    kind: command\n    with: {run: 'true'}\n  b:\n    kind: command\n    inputs: {inptu: a}\n    with: {run: 'true'}\n",
        "radflow: error: radflow.yaml:7:14: `stages.b.inputs.inptu`: kind `command` has no input `inptu`; did you mean `input`?",
    ),
];

#[test]
fn every_kind_of_pipeline_mistake_is_one_clear_line() {
    let mut failures = Vec::new();
    for (what, yaml, expected) in CASES {
        let p = Project::new().file("radflow.yaml", yaml);
        let run = p.run(&["run"]);
        let first = run.stderr.lines().next().unwrap_or("");
        if run.code != 2 || !first.starts_with(expected) || run.stderr.lines().count() != 1 {
            failures.push(format!(
                "{what}: exit {}\n  expected: {expected}\n  got:      {}",
                run.code,
                run.stderr.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn command_line_mistakes_are_one_clear_line() {
    let base = format!("stages:\n  head:\n{GOOD_STAGE}");
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "--set", "haed.run=x"],
            "radflow: error: radflow.yaml: `--set haed.run=x`: no stage is named `haed`; did you mean `head`?",
        ),
        (
            &["run", "--set", "head.runn=x"],
            "radflow: error: radflow.yaml: `--set head.runn`: unknown key `runn`; did you mean `run`?",
        ),
        (
            &["run", "--set", "head"],
            "radflow: error: `--set head`: expected STAGE.PARAM=VALUE, e.g. `--set head.steps=5000`",
        ),
        (
            &["run", "--only", "hed"],
            "radflow: error: radflow.yaml: `--only`: no stage is named `hed`; did you mean `head`?",
        ),
        (
            &["run", "-j", "0"],
            "radflow: error: `--jobs 0`: expected at least 1",
        ),
        (
            &["run", "missing.yaml"],
            "radflow: error: missing.yaml: file not found",
        ),
    ];
    let mut failures = Vec::new();
    for (args, expected) in cases {
        let p = Project::new().file("radflow.yaml", &base);
        let run = p.run(args);
        if run.code != 2 || run.stderr.trim() != *expected {
            failures.push(format!(
                "{args:?}: exit {}\n  expected: {expected}\n  got:      {}",
                run.code,
                run.stderr.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn no_pipeline_here_lists_the_ones_in_pipelines() {
    let p = Project::new().file(
        "pipelines/demo.yaml",
        &format!("stages:\n  a:\n{GOOD_STAGE}"),
    );
    let run = p.run(&["status"]).code(2);
    assert_eq!(
        run.stderr.trim(),
        "radflow: error: no pipeline given and no `radflow.yaml` in this folder; pipelines here: pipelines/demo.yaml"
    );
}

#[test]
fn a_parameter_from_an_imported_definition_points_at_the_definition_file() {
    let p = Project::new()
        .file("stages/lab.yaml", "definitions:\n  shout:\n    kind: command\n    with:\n      run: 'true'\n      outputz: [x]\n")
        .file("radflow.yaml", "import: [stages/lab.yaml]\nstages:\n  a:\n    uses: shout\n");
    let run = p.run(&["run"]).code(2);
    assert!(run.stderr.contains("stages/lab.yaml:6:7: `definitions.shout.with.outputz`: unknown key `outputz`; did you mean `outputs`?"), "{}", run.stderr);
}
