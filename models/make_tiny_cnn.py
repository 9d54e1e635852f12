#!/usr/bin/env python3
"""Writes the tiny deterministic CNNs that radflow's tests and demo run.

    python3 models/make_tiny_cnn.py            # writes models/tiny_cnn*.onnx
    python3 models/make_tiny_cnn.py --check    # fails if the committed files differ

Needs only PyPI `onnx` and `numpy` (`python3 -m pip install onnx numpy`). The weights
come from a fixed numpy seed and the graph from onnx.helper, so the bytes are the same
on every run: the committed .onnx files can be checked against this script.

Two models share one set of weights:

- `tiny_cnn.onnx`: input `images` f32 [N,3,H,W] with N, H and W dynamic; three 3x3
  convolutions with ReLU (stride 2, 2, 1), global average pooling; output `features`
  f32 [N,16,1,1]. Pixels are used as they come, in [-1,1].
- `tiny_cnn_nhwc_b4.onnx`: the same network behind a transpose, with a fixed input
  `pixels` f32 [4,32,32,3] (NHWC, batch fixed at 4) and a flat output `embedding`
  f32 [4,16]. It exists to test NHWC packing, fixed batch sizes (a partial last batch
  must be padded) and flat outputs against the first model's numbers.
"""

import argparse
import pathlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 20240611
FEATURES = 16
# Old enough for any ONNX Runtime radflow accepts; new enough for every op used here.
OPSET = 13
IR_VERSION = 8

HERE = pathlib.Path(__file__).resolve().parent


def weights():
    """He-initialised conv weights and small biases, from one fixed seed."""
    rng = np.random.default_rng(SEED)
    layers = [(8, 3), (16, 8), (FEATURES, 16)]
    params = []
    for out_ch, in_ch in layers:
        fan_in = in_ch * 3 * 3
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(out_ch, in_ch, 3, 3)).astype(np.float32)
        b = rng.normal(0.0, 0.05, size=(out_ch,)).astype(np.float32)
        params.append((w, b))
    return params


def conv_stack(x_name):
    """Nodes and initializers of conv/relu x3 + global average pool, starting at x_name."""
    nodes, inits = [], []
    strides = [2, 2, 1]
    current = x_name
    for i, ((w, b), stride) in enumerate(zip(weights(), strides)):
        inits += [numpy_helper.from_array(w, f"conv{i}.w"), numpy_helper.from_array(b, f"conv{i}.b")]
        nodes.append(
            helper.make_node(
                "Conv",
                [current, f"conv{i}.w", f"conv{i}.b"],
                [f"conv{i}"],
                kernel_shape=[3, 3],
                strides=[stride, stride],
                pads=[1, 1, 1, 1],
            )
        )
        nodes.append(helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"]))
        current = f"relu{i}"
    nodes.append(helper.make_node("GlobalAveragePool", [current], ["pooled"]))
    return nodes, inits


def finish(graph):
    model = helper.make_model(
        graph,
        producer_name="radflow models/make_tiny_cnn.py",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def tiny_cnn():
    nodes, inits = conv_stack("images")
    nodes.append(helper.make_node("Identity", ["pooled"], ["features"]))
    graph = helper.make_graph(
        nodes,
        "tiny_cnn",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURES, 1, 1])],
        inits,
    )
    return finish(graph)


def tiny_cnn_nhwc_b4():
    nodes, inits = conv_stack("nchw")
    nodes.insert(0, helper.make_node("Transpose", ["pixels"], ["nchw"], perm=[0, 3, 1, 2]))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["embedding"], axis=1))
    graph = helper.make_graph(
        nodes,
        "tiny_cnn_nhwc_b4",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [4, 32, 32, 3])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [4, FEATURES])],
        inits,
    )
    return finish(graph)


MODELS = {"tiny_cnn.onnx": tiny_cnn, "tiny_cnn_nhwc_b4.onnx": tiny_cnn_nhwc_b4}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    parser.add_argument("--out-dir", type=pathlib.Path, default=HERE)
    args = parser.parse_args()
    stale = []
    for name, build in MODELS.items():
        data = build()
        path = args.out_dir / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(str(path))
        else:
            path.write_bytes(data)
            print(f"wrote {path} ({len(data)} bytes)")
    if stale:
        sys.exit("out of date (rerun models/make_tiny_cnn.py): " + ", ".join(stale))


if __name__ == "__main__":
    main()
