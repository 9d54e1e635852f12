#!/bin/sh
# CI check of the report page in a real browser: renders the demo study (10 slice-split
# and 10 patient-split runs, curves of 100 points) with the `render_report` example and
# opens it in headless Chromium, failing unless every figure loaded, every inline SVG
# has a size, nothing was fetched from outside the page and the console stayed clean.
#
# Needs: chromium and nodejs (Debian: apt-get install -y chromium nodejs), a Rust
# toolchain. Set CHROMIUM to use another binary. Usage: tests/report_page_browser.sh
set -eu
cd "$(dirname "$0")/.."

out=$(mktemp -d "${TMPDIR:-/tmp}/report-page.XXXXXX")
trap 'rm -rf "$out"' EXIT

for variant in slice both; do
  case $variant in
    slice) flags= ;;
    both) flags=--both-splits ;;
  esac
  cargo run --quiet --example render_report -- "$out/$variant" $flags >/dev/null
  node tests/report_page_browser.mjs "$out/$variant/index.html" --min-images 3
done
