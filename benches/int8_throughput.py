"""int8 vs fp32 feature throughput with plain ONNX Runtime, on the cohort's own slices.

    python benches/int8_throughput.py RESIZED_DATASET MODEL.onnx [--input data] [--bgr ...]

RESIZED_DATASET is `radflow export PIPELINE resized --to DIR`. The fp32 model and its
static int8 quantizations (scripts/quantize_int8.py's settings: QDQ, per-channel weights,
64 calibration slices) are timed on the same preprocessed batches, same threads,
interleaved rounds; prints slices per second and the ratios. Two activation types are
timed because x86 without VNNI runs signed-by-signed int8 products slowly: ONNX Runtime's
own guide recommends uint8 activations with int8 weights (U8S8) there.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scripts"))
import quantize_int8  # noqa: E402


def session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("resized", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--input", default="data")
    parser.add_argument("--output", default="features")
    parser.add_argument("--scale", type=float, default=127.5)
    parser.add_argument("--offset", type=float, default=127.5)
    parser.add_argument("--mean", type=float, nargs=3, default=[103.939, 116.779, 123.68])
    parser.add_argument("--std", type=float, nargs=3, default=[1.0, 1.0, 1.0])
    parser.add_argument("--bgr", action="store_true", default=True)
    parser.add_argument("--slices", type=int, default=256)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    args.input_name = args.input

    images = quantize_int8.image_paths(args.resized)
    picked = np.linspace(0, len(images) - 1, min(args.slices, len(images))).round().astype(int)
    data = np.concatenate([quantize_int8.preprocess(images[i], args) for i in picked])
    with tempfile.TemporaryDirectory() as scratch:
        models = {"fp32": args.model}
        for name, activation in [("int8 u8s8", "uint8"), ("int8 s8s8", "int8")]:
            out = Path(scratch) / f"{activation}.onnx"
            subprocess.run(
                [sys.executable, str(HERE.parent / "scripts" / "quantize_int8.py"), str(args.resized),
                 str(args.model), str(out), "--input-name", args.input, "--count", "64",
                 "--scale", str(args.scale), "--offset", str(args.offset), "--mean",
                 *map(str, args.mean), "--activations", activation] + (["--bgr"] if args.bgr else []),
                check=True, stdout=subprocess.DEVNULL)
            models[name] = out
        sessions = {name: session(path, args.threads) for name, path in models.items()}
        times = {name: [] for name in sessions}
        outputs = {}
        for _ in range(args.rounds):
            for name, s in sessions.items():
                start = time.perf_counter()
                result = [s.run([args.output], {args.input: data[i:i + args.batch]})[0]
                          for i in range(0, len(data), args.batch)]
                times[name].append(time.perf_counter() - start)
                outputs[name] = np.concatenate(result).reshape(len(data), -1)
    base = statistics.median(times["fp32"])
    reference = outputs["fp32"]
    for name, t in times.items():
        t = statistics.median(t)
        rel = np.linalg.norm(outputs[name] - reference) / np.linalg.norm(reference)
        print(f"{name:10s} {len(data) / t:8.1f} slices/s  {base / t:5.2f}x fp32  "
              f"relative feature error {rel:.4f}")


if __name__ == "__main__":
    main()
