"""Static int8 quantization of a feature network, calibrated on the cohort's own slices
(pipelines/demo-int8.yaml).

    python scripts/quantize_int8.py INPUT MODEL OUT_MODEL --input-name NAME
        [--count N] [--scale S] [--offset O] [--mean M M M] [--std S S S] [--bgr]
        [--activations uint8|int8]

INPUT is the resized stage's dataset directory (radflow's exchange format): `image` per
record (2-D, grey, or [H, W, 3]). N records spread evenly over it (in records.csv order,
so the choice is deterministic) are preprocessed exactly as `onnx_features` preprocesses
them (`x = (p * scale + offset - mean[c]) / std[c]`, grey fed to every channel, NCHW) and
fed to ONNX Runtime's `quantize_static`: QDQ format, per-channel int8 weights, uint8
activations (`--activations int8` for signed; ONNX Runtime's guide recommends U8S8 on x86,
where signed-by-signed products are slow without VNNI), MinMax calibration. ONNX Runtime's shape inference and graph optimisation
(`quant_pre_process`) run first, as its documentation recommends.
"""

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process


def image_paths(dataset):
    """Each record's `image` array, in records.csv order (stacked or one file per id)."""
    meta = json.loads((dataset / "dataset.json").read_text())
    spec = next((f for f in meta["fields"] if f["name"] == "image"), None)
    if spec is None:
        raise SystemExit(f"{dataset}: no `image` field (is this the resized stage?)")
    if spec["shape"] == "varies":
        import pandas as pd
        from urllib.parse import quote

        ids = pd.read_csv(dataset / "records.csv", dtype=str, keep_default_na=False)["id"]
        return [np.load(dataset / "image" / f"{quote(i, safe='')}.npy") for i in ids]
    return list(np.load(dataset / "image.npy", mmap_mode="r"))


def preprocess(image, args):
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        channels = np.stack([image] * 3)
    else:
        channels = np.moveaxis(image, -1, 0)
        if args.bgr:
            channels = channels[::-1]
    mean = np.asarray(args.mean, dtype=np.float32).reshape(3, 1, 1)
    std = np.asarray(args.std, dtype=np.float32).reshape(3, 1, 1)
    return ((channels * args.scale + args.offset - mean) / std)[None].astype(np.float32)


class Slices(CalibrationDataReader):
    def __init__(self, images, args):
        self.batches = iter([{args.input_name: preprocess(im, args)} for im in images])

    def get_next(self):
        return next(self.batches, None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--input-name", required=True)
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--offset", type=float, default=0.0)
    parser.add_argument("--mean", type=float, nargs=3, default=[0.0, 0.0, 0.0])
    parser.add_argument("--std", type=float, nargs=3, default=[1.0, 1.0, 1.0])
    parser.add_argument("--bgr", action="store_true")
    parser.add_argument(
        "--activations",
        choices=["uint8", "int8"],
        default="uint8",
        help="activation type (default uint8: x86 without VNNI runs int8 x int8 slowly)",
    )
    args = parser.parse_args()

    images = image_paths(args.input)
    if not images:
        raise SystemExit(f"{args.input}: no records to calibrate on")
    count = min(args.count, len(images))
    picked = np.linspace(0, len(images) - 1, count).round().astype(int)
    calibration = [images[i] for i in picked]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(args.model), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(args.out),
            Slices(calibration, args),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=(
                QuantType.QUInt8 if args.activations == "uint8" else QuantType.QInt8
            ),
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
        )
    print(f"calibrated on {count} of {len(images)} slices -> {args.out}")


if __name__ == "__main__":
    main()
