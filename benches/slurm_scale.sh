#!/usr/bin/env bash
# The Slurm executor at scale, simulated: `radflow run --executor slurm` on a map pipeline of
# about 100,000 slices with `sbatch`, `squeue`, `scontrol` and `scancel` replaced by the stand-ins in
# benches/slurm_sim/ (each submission recorded and run at once, SIM_PARALLEL array tasks at a
# time, so no job waits in a queue). Prints the jobs submitted, each array's size, the calls
# to each scheduler tool, and the coordinator's peak memory. benches/README.md has the figures
# and their extrapolation to 1M slices.
#
#   bash benches/slurm_scale.sh
#
# Settings (environment): SCALE_PATIENTS (1700), SCALE_SLICES (80,100: slices per volume),
# SCALE_SIZE (32: pixels across), SIM_PARALLEL (2), RADFLOW_BIN (target/release/radflow),
# RADFLOW_BENCH_DIR (target/bench/slurm-scale). Needs python3 and /usr/bin/time; no Slurm.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${RADFLOW_BENCH_DIR:-$ROOT/target/bench/slurm-scale}
RADFLOW=${RADFLOW_BIN:-$ROOT/target/release/radflow}
PATIENTS=${SCALE_PATIENTS:-1700}
SLICES=${SCALE_SLICES:-80,100}
SIZE=${SCALE_SIZE:-32}
export SIM_PARALLEL=${SIM_PARALLEL:-2}

log() { printf '# %s\n' "$*" >&2; }
[[ -x $RADFLOW ]] || {
    echo "slurm_scale: no radflow binary at $RADFLOW (cargo build --release, or set RADFLOW_BIN)" >&2
    exit 1
}
RADFLOW=$(cd "$(dirname "$RADFLOW")" && pwd)/$(basename "$RADFLOW")

mkdir -p "$WORK"
cd "$WORK"
stamp="$PATIENTS $SLICES $SIZE"
if [[ ! -f data/clinical.csv || $(cat data/.args 2>/dev/null) != "$stamp" ]]; then
    log "synth: $PATIENTS patients, $SIZE x $SIZE, $SLICES slices"
    rm -rf data
    "$RADFLOW" synth --out data --patients "$PATIENTS" --size "$SIZE" --slices "$SLICES" >/dev/null
    echo "$stamp" >data/.args
fi
cat >scale.yaml <<'YAML'
pipeline: scale
stages:
  patients:
    kind: sample_filter
    with: {clinical: data/clinical.csv, images: data}
  slices:
    kind: slice_extract
    input: patients
    with: {lesion: {segment_names: [tumor]}, pixels: lesion}
  lesions:
    kind: lesion_filter
    input: slices
    with: {min_pixels: 10}
  resized:
    kind: resize
    input: lesions
    with: {size: [16, 16]}
YAML

SIM=$WORK/sim
# Runs radflow with the stand-ins first on PATH; sets PEAK_MB (the coordinator's VmHWM,
# read until it exits: the workers are other processes) and WALL.
simulate() { # LOG_NAME ARGS...
    local name=$1
    shift
    rm -rf "$SIM"
    mkdir -p "$SIM"
    local start end pid hwm=0 line
    start=$(date +%s.%N)
    PATH=$ROOT/benches/slurm_sim:$PATH RADFLOW_SLURM_SIM=$SIM \
        "$RADFLOW" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        line=$(grep VmHWM "/proc/$pid/status" 2>/dev/null || true)
        [[ -n $line ]] && hwm=$(awk '{print $2}' <<<"$line")
        sleep 0.2
    done
    wait "$pid" || {
        echo "slurm_scale: radflow $* failed; see $WORK/$name.err" >&2
        tail -n 20 "$WORK/$name.err" >&2
        exit 1
    }
    end=$(date +%s.%N)
    WALL=$(python3 -c "print(f'{$end - $start:.1f}')")
    PEAK_MB=$((hwm / 1024))
}

report() { # LABEL
    python3 - "$1" "$SIM" "$WORK/$2.out" <<'PY'
import collections, json, sys
label, sim, out = sys.argv[1:]
try:
    subs = [l.rstrip("\n").split("\t") for l in open(f"{sim}/submissions.log")]
except FileNotFoundError:
    subs = []
calls = collections.Counter(l.strip() for l in open(f"{sim}/calls.log"))
record = json.load(open(out))
items = {i: (r.get("items") or {}).get("total") for i, r in record["instances"]}
print(f"{label}.jobs_submitted: {len(subs)}")
for job, name, tasks in subs:
    stage = name.removeprefix("rf-scale-").removesuffix("-items")
    kind = f"array of {tasks} tasks" if int(tasks) else "single job"
    print(f"{label}.job: {stage}: {kind} ({items.get(stage)} items)")
print(f"{label}.scheduler_calls: " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items())))
print(f"{label}.records: " + ", ".join(f"{i} {r.get('records')}" for i, r in record["instances"]))
PY
}

rm -rf cache
simulate cold run scale.yaml --cache cache --executor slurm --json
report cold cold
echo "cold.wall: $WALL s (SIM_PARALLEL=$SIM_PARALLEL array tasks at a time, on $(nproc) cores)"
echo "cold.coordinator_peak_rss: $PEAK_MB MB"

# A forced rerun of the last map knows its recorded time: shards are sized from it (or, under
# `local_below_seconds`, the coordinator computes it).
simulate forced run scale.yaml --cache cache --executor slurm --json --force resized
report forced forced
echo "forced.wall: $WALL s; coordinator_peak_rss: $PEAK_MB MB"

# Nothing to do over these records: a no-op run and `status`, on this machine.
records=$(python3 -c "import json; r = json.load(open('$WORK/cold.out')); print(sum(i.get('records') or 0 for _, i in r['instances']))")
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 2 --runs 10 --export-json noop.json \
        "$RADFLOW run scale.yaml --cache cache -q" "$RADFLOW status scale.yaml --cache cache" >&2
    python3 - "$records" <<'PY'
import json, sys
r = json.load(open("noop.json"))["results"]
print(f"noop.rerun: {r[0]['median']:.3f} s median ({sys.argv[1]} records; target < 0.2 s)")
print(f"noop.status: {r[1]['median']:.3f} s median (target < 0.1 s)")
PY
fi
for what in "run scale.yaml --cache cache -q" "status scale.yaml --cache cache"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f '%M' -o rss.txt "$RADFLOW" $what >/dev/null
    echo "noop.peak_rss ($what): $(($(cat rss.txt) / 1024)) MB"
done
