//! A built-in stage's file parameter naming another stage's output
//! (`model: {from: make-model, file: model.onnx}`), run by the real binary on the tiny
//! synthetic study: the producing stage runs first, the reader is keyed by the file's
//! content (a producer that reruns but writes the same bytes leaves the reader cached; new
//! bytes recompute it), the features equal those of the same model named by path, and a
//! wrong name is a clear error.

mod common;

use common::{Project, python, tiny_study};

/// `make-model` writes the tiny network with its weights scaled by FACTOR (ONNX's own
/// Python package does the writing, so the bytes are not ours).
const PIPELINE: &str = concat!(
    r#"
pipeline: files
stages:
"#,
    common::imaging_stages!(),
    r#"  resized:
    kind: resize
    input: lesions
    with: {size: [48, 48]}
  make-model:
    kind: command
    with:
      run: [PYTHON, scripts/scale.py, models/tiny_cnn.onnx, "{out}/model.onnx", "FACTOR"]
      files: [scripts/scale.py, models/tiny_cnn.onnx]
      outputs: [model.onnx]
  features:
    kind: onnx_features
    input: resized
    with: {model: {from: make-model, file: model.onnx}, input: images, output: features, features: 16, batch_size: 8}
  by-path:
    kind: onnx_features
    input: resized
    with: {model: models/tiny_cnn.onnx, input: images, output: features, features: 16, batch_size: 8}
"#
);

const SCALE: &str = r#"
import sys
import numpy as np
import onnx
from onnx import numpy_helper
source, target, factor = sys.argv[1], sys.argv[2], float(sys.argv[3])
model = onnx.load(source)
if factor != 1.0:
    first = model.graph.initializer[0]
    first.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(first) * np.float32(factor), first.name))
    onnx.save(model, target)
else:
    open(target, "wb").write(open(source, "rb").read())
"#;

fn project(factor: &str) -> Project {
    python::require(&["numpy", "onnx"]);
    let yaml = PIPELINE
        .replace("PYTHON", &python::python())
        .replace("FACTOR", factor);
    let p = tiny_study(&yaml, "8", "48", "8,12");
    p.write("scripts/scale.py", SCALE);
    p
}

/// The stage's features as numpy sees them, exported by radflow.
fn features(p: &Project, stage: &str) -> String {
    let dir = format!("export-{stage}");
    p.run(&["export", stage, "--to", &dir, "--force"]).ok();
    python::run(
        p.path(),
        &format!(
            "import numpy as np, hashlib; a = np.load('{dir}/features.npy'); \
             print(a.shape, hashlib.sha256(a.tobytes()).hexdigest())"
        ),
    )
}

#[test]
fn a_model_from_another_stage_runs_after_it_and_gives_the_features_of_the_same_file_by_path() {
    let p = project("1.0");
    // `features` can only have run once `make-model` had written the file.
    let run = p.run(&["run"]).ok();
    assert_eq!(run.status_of("make-model"), "ran", "{}", run.stdout);
    assert_eq!(run.status_of("features"), "ran", "{}", run.stdout);
    assert_eq!(features(&p, "features"), features(&p, "by-path"));

    // The dag names the edge by the parameter it feeds.
    let dag = p.run(&["dag"]).ok().stdout;
    assert!(dag.contains("make-model"), "{dag}");
    assert!(dag.contains("with.model"), "{dag}");
}

#[test]
fn the_reader_is_keyed_by_the_files_content_not_by_how_the_producer_ran() {
    let p = project("1.0");
    p.run(&["run"]).ok();
    let before = features(&p, "features");

    // Another command line, the same bytes: the producer reruns, the features do not.
    let same_bytes = PIPELINE
        .replace("PYTHON", &python::python())
        .replace("FACTOR", "1");
    p.write("radflow.yaml", &same_bytes);
    let run = p.run(&["run"]).ok();
    assert_eq!(run.status_of("make-model"), "ran", "{}", run.stdout);
    assert_eq!(run.status_of("features"), "cached", "{}", run.stdout);

    // New weights: every item of the features recomputes, and they differ.
    let scaled = PIPELINE
        .replace("PYTHON", &python::python())
        .replace("FACTOR", "2");
    p.write("radflow.yaml", &scaled);
    let run = p.run(&["run"]).ok();
    assert_eq!(run.status_of("features"), "ran", "{}", run.stdout);
    let (total, computed) = run.items_of("features");
    assert_eq!(total, computed, "{}", run.stdout);
    assert_ne!(features(&p, "features"), before);
    assert_eq!(run.status_of("by-path"), "cached", "{}", run.stdout);
}

#[test]
fn a_file_the_stage_did_not_write_and_a_stage_that_does_not_exist_are_named() {
    let p = project("1.0");
    let yaml = PIPELINE
        .replace("PYTHON", &python::python())
        .replace("FACTOR", "1.0");
    p.write(
        "radflow.yaml",
        &yaml.replace("file: model.onnx}", "file: weights.onnx}"),
    );
    let run = p.run(&["run"]).code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains(
            "stage `make-model` wrote no single file `weights.onnx`; its files are `model.onnx`"
        ),
        "{all}"
    );

    p.write(
        "radflow.yaml",
        &yaml.replace("from: make-model", "from: make-modle"),
    );
    let run = p.run(&["run"]).code(2);
    assert!(
        run.stderr
            .contains("no stage is named `make-modle`; did you mean `make-model`?"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("radflow.yaml:"), "{}", run.stderr);
}
