#!/usr/bin/env python3
"""Exports torchvision's Inception-v3 to ONNX as a 2048-long feature extractor.

The study's bottleneck features (METHOD.md, stage 5) are Inception-v3's globally
pooled vector, before dropout and the 1000-class layer. This script writes exactly
that graph:

    input   `images`   f32 [N, 3, 299, 299], RGB, values in [-1, 1], N dynamic
    output  `features` f32 [N, 2048]

Usage (a lab with internet, ImageNet weights; torchvision downloads them once):

    python3 models/export_inception_v3.py --output models/inception_v3.onnx

Without internet, random weights (for tests and timing; batch-norm statistics
calibrated on smooth random images so features stay in a sane range):

    /usr/bin/python3 models/export_inception_v3.py --weights random --output /tmp/inception_v3.onnx

Needs torch and torchvision. On Debian 12: `apt-get install python3-torch
python3-torchvision` and run with /usr/bin/python3 (PyPI's torch wheels are CUDA
builds). torchvision 0.13 or newer, and older ones through `pretrained=`.

Input range. torchvision's ImageNet weights come from Google's Inception-v3, which
was trained on pixels scaled to [-1, 1]. torchvision hides that behind
`transform_input=True`, which takes ImageNet-normalised input
((p - mean) / std, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225], p in [0,1])
and maps it back to 2p - 1. This export turns `transform_input` off, so the graph
takes 2p - 1 directly: the resize stage's default [-1, 1] pixels, with no further
normalisation. In radflow's feature config: `scale: 1`, `offset: 0`, no mean or std,
`channel_order: rgb`, `layout: nchw`, `size: [299, 299]`. `--check` verifies that
this is the same function as torchvision's model on normalised input.
"""

import argparse
import inspect
import pathlib
import sys
import time

import torch
import torchvision

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SIZE = 299


def build(weights, seed):
    """Inception-v3 in eval mode; torchvision's own `transform_input` setting kept."""
    models = torchvision.models
    if weights == "imagenet":
        if hasattr(models, "Inception_V3_Weights"):
            net = models.inception_v3(weights=models.Inception_V3_Weights.IMAGENET1K_V1)
        else:  # torchvision < 0.13
            net = models.inception_v3(pretrained=True)
    else:
        torch.manual_seed(seed)
        if hasattr(models, "Inception_V3_Weights"):
            net = models.inception_v3(weights=None, aux_logits=True, init_weights=True)
        else:
            net = models.inception_v3(pretrained=False, aux_logits=True, init_weights=True)
    # The features are the pooled vector: drop what comes after it.
    net.AuxLogits = None
    net.aux_logits = False
    net.dropout = torch.nn.Identity()
    net.fc = torch.nn.Identity()
    return net.eval()


def smooth_images(count, seed):
    """Random images with natural-image-like structure: low-frequency noise in [-1, 1].

    Plain white noise makes every batch-norm layer see the same flat statistics;
    upsampled coarse noise gives the edges and blobs the network's filters respond to.
    """
    generator = torch.Generator().manual_seed(seed)
    images = []
    for scale in (4, 8, 16, 32):
        n = max(1, count // 4)
        coarse = torch.rand(n, 3, scale, scale, generator=generator) * 2 - 1
        images.append(torch.nn.functional.interpolate(coarse, size=(SIZE, SIZE), mode="bicubic", align_corners=False))
    return torch.cat(images)[:count].clamp(-1, 1)


def calibrate(net, count, seed):
    """Re-estimates batch-norm running statistics on `count` smooth random images.

    Randomly initialised batch norm assumes unit-variance activations, which random
    convolutions do not produce; uncalibrated features can reach 1e10. A cumulative
    average (momentum None) over the calibration images gives each layer its real
    statistics, as training would have.
    """
    if count <= 0:
        return
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None
    net.train()
    with torch.no_grad():
        for batch in smooth_images(count, seed).split(8):
            if batch.shape[0] > 1:  # batch norm needs more than one value per channel
                net(batch)
    net.eval()


def export(net, output):
    example = torch.zeros(2, 3, SIZE, SIZE)
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # the TorchScript exporter handles dynamic_axes as given
    torch.onnx.export(
        net,
        example,
        str(output),
        input_names=["images"],
        output_names=["features"],
        dynamic_axes={"images": {0: "N"}, "features": {0: "N"}},
        opset_version=13,
        do_constant_folding=True,
        **kwargs,
    )


def check_input_range(net):
    """The exported function on [-1, 1] equals torchvision's on ImageNet-normalised input."""
    pixels = (smooth_images(2, seed=7) + 1) / 2  # p in [0, 1]
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        net.transform_input = True
        reference = net((pixels - mean) / std)
        net.transform_input = False
        ours = net(pixels * 2 - 1)
    diff = (reference - ours).abs().max().item()
    scale = reference.abs().max().item()
    print(f"input-range check: max |diff| {diff:.3g} (features up to {scale:.3g})")
    if diff > 1e-4 * max(1.0, scale):
        sys.exit("input-range check failed: [-1, 1] input does not match ImageNet-normalised input")


def check_onnx(net, output):
    """The exported graph computes what torch computes (needs the onnxruntime package;
    scripts/setup-onnxruntime.sh's copy works with PYTHONPATH=.radflow/onnxruntime)."""
    try:
        import onnxruntime
    except ImportError:
        print("onnx check skipped: no onnxruntime package for this python")
        return
    images = smooth_images(3, seed=11)
    with torch.no_grad():
        reference = net(images).numpy()
    session = onnxruntime.InferenceSession(str(output), providers=["CPUExecutionProvider"])
    ours = session.run(["features"], {"images": images.numpy()})[0]
    diff = float(abs(reference - ours).max())
    scale = float(abs(reference).max())
    print(f"onnx check (onnxruntime {onnxruntime.__version__}): max |diff| {diff:.3g} (features up to {scale:.3g})")
    if ours.shape != (3, 2048) or diff > 1e-4 * max(1.0, scale):
        sys.exit(f"onnx check failed: shape {ours.shape}, max |diff| {diff}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", choices=["imagenet", "random"], default="imagenet")
    parser.add_argument("--output", type=pathlib.Path, default=pathlib.Path("models/inception_v3.onnx"))
    parser.add_argument("--seed", type=int, default=0, help="seed of random weights and calibration images")
    parser.add_argument(
        "--calibrate",
        type=int,
        default=32,
        metavar="IMAGES",
        help="random weights only: images used to calibrate batch-norm statistics (0: none)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify the [-1, 1] input convention, and the export against torch when onnxruntime is importable",
    )
    args = parser.parse_args()

    started = time.perf_counter()
    net = build(args.weights, args.seed)
    if args.weights == "random":
        calibrate(net, args.calibrate, args.seed)
    if args.check:
        check_input_range(net)
    net.transform_input = False
    args.output.parent.mkdir(parents=True, exist_ok=True)
    export(net, args.output)
    if args.check:
        check_onnx(net, args.output)
    size_mb = args.output.stat().st_size / 1e6
    print(
        f"wrote {args.output} ({size_mb:.1f} MB, {args.weights} weights, "
        f"torch {torch.__version__}, {time.perf_counter() - started:.1f} s)"
    )


if __name__ == "__main__":
    main()
