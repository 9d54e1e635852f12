#!/usr/bin/env bash
# Creates the project's Python virtual environment, `.radflow/venv`, with the reference
# implementations the tests compare radflow against (requirements-dev.txt): pynrrd, nibabel,
# pydicom (+ its JPEG plugins), SimpleITK, PyRadiomics, scikit-learn, ONNX Runtime's Python
# API (quantization), numpy/pandas. Nothing is installed outside `.radflow/`.
#
# Usage: scripts/setup-python.sh        (idempotent: reinstalls only when requirements change)
# Environment: PYTHON   the interpreter the venv is made from (default: python3)
# The last line of output is the venv's interpreter (scripts can `tail -n1`).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.radflow/venv"
stamp="$venv/.requirements"
python="${PYTHON:-python3}"
requirements="$repo_root/requirements-dev.txt"

if [[ -x "$venv/bin/python" ]] && cmp -s "$requirements" "$stamp"; then
    echo "$venv/bin/python"
    exit 0
fi
mkdir -p "$repo_root/.radflow"
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
echo "$venv/bin/python"
