#!/usr/bin/env bash
# Installs the ONNX Runtime shared library that radflow loads at run time.
#
# radflow links ONNX Runtime dynamically (the `ort` crate cannot download it at build
# time without internet), so the library must be on disk. This puts the PyPI wheel's
# copy in a project-local, git-ignored folder where `radflow::onnx::runtime` finds it
# without configuration:
#
#   <repo>/.radflow/onnxruntime/onnxruntime/capi/libonnxruntime.so.<version>
#
# Usage: scripts/setup-onnxruntime.sh [--force]
#   --force   reinstall even if the expected version is already there
# Environment:
#   PYTHON    interpreter whose pip is used (default: python3)
#
# Idempotent: a second run with the library already in place only prints its path.
# The last line of output is always the library path (scripts can `tail -n1`).
set -euo pipefail

# Must match the version `ort` was built against (feature `api-31` in Cargo.toml) and
# `EXPECTED_MINOR` in src/onnx/runtime.rs.
ORT_VERSION="1.31.1"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$repo_root/.radflow/onnxruntime"
library="$target/onnxruntime/capi/libonnxruntime.so.$ORT_VERSION"
python="${PYTHON:-python3}"

if [[ "${1:-}" != "--force" && -f "$library" ]]; then
    echo "onnxruntime $ORT_VERSION already installed" >&2
    echo "$library"
    exit 0
fi

# Install into a temporary folder beside the target and rename it into place, so an
# interrupted install never leaves a half-written library where radflow looks.
mkdir -p "$repo_root/.radflow"
staging="$(mktemp -d "$repo_root/.radflow/onnxruntime.tmp.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

# --no-deps: radflow needs only the shared library, not numpy, protobuf or sympy.
# --only-binary: the library comes from the wheel; a source build would take hours.
"$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
    --only-binary=:all: --target "$staging" "onnxruntime==$ORT_VERSION"

if [[ ! -f "$staging/onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" ]]; then
    echo "error: the onnxruntime $ORT_VERSION wheel has no libonnxruntime.so.$ORT_VERSION" >&2
    ls "$staging/onnxruntime/capi" >&2 || true
    exit 1
fi

rm -rf "$target"
mv "$staging" "$target"
trap - EXIT
echo "installed onnxruntime $ORT_VERSION" >&2
echo "$library"
