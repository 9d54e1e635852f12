#!/bin/sh
# Regenerates DejaVuSans-subset.ttf, the one font the report's figures use, so that
# rendering never depends on the fonts installed where radflow runs.
#
# Source: Debian's fonts-dejavu-core 2.37 (/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf).
# Tool:   fonttools (pip install fonttools), `pyftsubset`.
# Kept:   Basic Latin, Latin-1, Latin Extended-A, Greek, dashes/quotes/ellipsis,
#         super- and subscripts, arrows and the few math signs plots use (minus, <=, >=,
#         approx, not equal, infinity, plus-minus). Hinting and layout tables are dropped:
#         the renderer scales outlines itself and does not kern.
# Output: about 45 KB instead of 760 KB. The licence (LICENSE-DejaVu.txt) allows subsets
#         under any name without "Bitstream" or "Vera"; the font keeps its DejaVu name.
set -eu
src=${1:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}
here=$(dirname "$0")
pyftsubset "$src" \
  --unicodes="U+0020-007E,U+00A0-017F,U+0370-03FF,U+2010-2027,U+2030,U+2032-2033,U+2070-209F,U+2190-2193,U+2212,U+2248,U+2260,U+2264-2265,U+221E,U+00B1" \
  --no-hinting --layout-features='' \
  --drop-tables+=GSUB,GPOS,GDEF,kern,FFTM,MATH \
  --notdef-outline --name-IDs='*' \
  --output-file="$here/DejaVuSans-subset.ttf"
