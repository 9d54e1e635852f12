#!/usr/bin/env python3
"""Plain ONNX Runtime in Python over a study's resized slices: the yardstick of the study's
cold run (`benches/e2e.sh cold`; issue 14's "<= 1.05x plain ONNX Runtime in Python on the same
slices, same threads").

    python benches/ort_features.py RESIZED_DATASET MODEL.onnx [--batch 16] [--threads 2]

RESIZED_DATASET is `radflow export PIPELINE resized --to DIR`. The whole process is the
yardstick: importing numpy and onnxruntime, loading the slices, one session with
`--threads` intra-op threads, batches of `--batch`, the features written to `features.npy`
beside the dataset. Preprocessing is the study's Inception-v3 input (`stages/glioma.yaml`):
the grey slice in [-1, 1] copied to three channels, NCHW, no further scaling. Prints one JSON
line: slices, seconds (in the session and in all).
"""

import argparse
import json
import sys
import time
from pathlib import Path

START = time.perf_counter()

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from quantize_int8 import image_paths  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("resized", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--input", default="images")
    parser.add_argument("--output", default="features")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    images = image_paths(args.resized)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(args.model), options, providers=["CPUExecutionProvider"])
    started = time.perf_counter()
    features = []
    for i in range(0, len(images), args.batch):
        batch = np.stack([np.asarray(im, dtype=np.float32) for im in images[i:i + args.batch]])
        if batch.ndim == 4:  # [N, H, W, 1]
            batch = batch[..., 0]
        batch = np.repeat(batch[:, None], 3, axis=1)
        features.append(session.run([args.output], {args.input: batch})[0].reshape(len(batch), -1))
    inference = time.perf_counter() - started
    np.save(args.resized / "features.npy", np.concatenate(features))
    print(json.dumps({"slices": len(images), "inference_s": round(inference, 3),
                      "total_s": round(time.perf_counter() - START, 3)}))


if __name__ == "__main__":
    main()
