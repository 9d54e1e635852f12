//! int8 features as `pipelines/demo-int8.yaml` makes them, on the tiny study: a `command`
//! stage quantizes the network with ONNX Runtime's `quantize_static`
//! (`scripts/quantize_int8.py`, calibrated on the resized stage's own slices), and
//! `onnx_features` runs the quantized file through `model: {from: quantize, file: ...}`.
//! Checked against the fp32 features of the same slices, and the quantized file is read
//! back with ONNX's own Python package.

mod common;

use common::{Project, python, tiny_study};

const PIPELINE: &str = concat!(
    r#"
pipeline: int8
stages:
"#,
    common::imaging_stages!(),
    r#"  resized:
    kind: resize
    input: lesions
    with: {size: [48, 48]}
  quantize:
    kind: command
    input: resized
    with:
      run: [PYTHON, scripts/quantize_int8.py, "{input}", models/tiny_cnn.onnx, "{out}/model.onnx", --input-name, images, --count, "COUNT"]
      files: [scripts/quantize_int8.py, models/tiny_cnn.onnx]
      outputs: [model.onnx]
  int8:
    kind: onnx_features
    input: resized
    with: {model: {from: quantize, file: model.onnx}, input: images, output: features, features: 16, batch_size: 8}
  fp32:
    kind: onnx_features
    input: resized
    with: {model: models/tiny_cnn.onnx, input: images, output: features, features: 16, batch_size: 8}
"#
);

fn project(count: &str) -> Project {
    python::require(&["numpy", "pandas", "onnx", "onnxruntime"]);
    let yaml = PIPELINE
        .replace("PYTHON", &python::python())
        .replace("COUNT", count);
    let p = tiny_study(&yaml, "16", "48", "8,12");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/quantize_int8.py");
    p.write(
        "scripts/quantize_int8.py",
        &std::fs::read_to_string(script).unwrap(),
    );
    p
}

#[test]
fn the_quantized_network_is_qdq_int8_and_its_features_follow_the_fp32_ones() {
    let p = project("16");
    p.run(&["run"]).ok();
    p.run(&["export", "quantize", "--to", "q"]).ok();
    p.run(&["export", "int8", "--to", "int8"]).ok();
    p.run(&["export", "fp32", "--to", "fp32"]).ok();
    let report = python::run(
        p.path(),
        r#"
import glob, numpy as np, onnx
model = onnx.load(glob.glob('q/files/**/model.onnx', recursive=True)[0])
ops = [n.op_type for n in model.graph.node]
int8 = [i for i in model.graph.initializer if i.data_type == onnx.TensorProto.INT8]
a, b = np.load('int8/features.npy'), np.load('fp32/features.npy')
assert a.shape == b.shape, (a.shape, b.shape)
rel = np.linalg.norm(a - b) / np.linalg.norm(b)
qdq = sum(op in ('QuantizeLinear', 'DequantizeLinear') or op.startswith('QLinear') for op in ops)
print(ops.count('QuantizeLinear'), len(int8), rel, qdq)
"#,
    );
    let mut parts = report.split_whitespace();
    let quantize_nodes: usize = parts.next().unwrap().parse().unwrap();
    let int8_weights: usize = parts.next().unwrap().parse().unwrap();
    let relative_error: f64 = parts.next().unwrap().parse().unwrap();
    let quantization_operators: usize = parts.next().unwrap().parse().unwrap();
    // radflow states which model made each features stage and its precision, counting the
    // quantization operators ONNX's own reader finds in the file.
    let meta = |stage: &str| {
        let shown: serde_json::Value =
            serde_json::from_str(&p.run(&["show", stage, "--json"]).ok().stdout).unwrap();
        shown["meta"]["feature_model"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let int8_model = meta("int8");
    assert!(
        int8_model.starts_with("`model.onnx` of stage `quantize` (blake3 ")
            && int8_model.ends_with(&format!(
                ": int8 ({quantization_operators} quantization operators)"
            )),
        "{int8_model} ({report})"
    );
    let fp32_model = meta("fp32");
    assert!(
        fp32_model.starts_with("models/tiny_cnn.onnx (blake3 ") && fp32_model.ends_with(": fp32"),
        "{fp32_model}"
    );
    assert!(quantize_nodes > 0, "{report}");
    assert!(int8_weights > 0, "{report}");
    // int8 activations and weights of a tiny random network calibrated on a handful of
    // slices: about a tenth of the features' norm (0.10 measured), not more.
    assert!(relative_error < 0.2, "{report}");
    assert!(
        relative_error > 0.0,
        "the int8 model computed something else: {report}"
    );
}

#[test]
fn more_calibration_slices_requantize_and_recompute_only_the_int8_features() {
    let p = project("2");
    p.run(&["run"]).ok();
    let model = |p: &Project, dir: &str| -> Vec<u8> {
        p.run(&["export", "quantize", "--to", dir]).ok();
        let found = python::run(
            p.path(),
            &format!(
                "import glob; print(glob.glob('{dir}/files/**/model.onnx', recursive=True)[0])"
            ),
        );
        std::fs::read(p.path().join(found.trim())).unwrap()
    };
    let before = model(&p, "q2");
    let yaml = PIPELINE
        .replace("PYTHON", &python::python())
        .replace("COUNT", "12");
    p.write("radflow.yaml", &yaml);
    let run = p.run(&["run"]).ok();
    assert_eq!(run.status_of("quantize"), "ran", "{}", run.stdout);
    assert_eq!(run.status_of("fp32"), "cached", "{}", run.stdout);
    assert_eq!(run.status_of("resized"), "cached", "{}", run.stdout);
    assert_ne!(
        model(&p, "q12"),
        before,
        "12 slices calibrate other ranges than 2"
    );
    assert_eq!(run.status_of("int8"), "ran", "{}", run.stdout);
}
