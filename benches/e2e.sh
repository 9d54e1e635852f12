#!/usr/bin/env bash
# End-to-end benchmarks of the radflow binary; `make bench` runs it.
#
#   bash benches/e2e.sh                    # noop status hash stages cold tiny_study
#   bash benches/e2e.sh noop hash          # only these sections
#   bash benches/e2e.sh slurm              # the Slurm section runs only when named
#   bash benches/e2e.sh slurm_smoke        # the smoke study on Slurm vs locally (named only)
#   BASELINE_BIN=/path/to/old/radflow bash benches/e2e.sh compare
#                                          # A/B: no-op, status and cold smoke of this build vs
#                                          # another binary, and durability safe vs fast, in one
#                                          # run (named only)
#   bash benches/e2e.sh tiny_study         # the smoke study cold vs benches/python_study.py
#   bash benches/e2e.sh overlap            # cold runs with maps running ahead vs --no-overlap
#                                          # (named only)
#
# Each section builds its own data (deterministic `radflow synth` cohorts, reused when their
# settings match) under $RADFLOW_BENCH_DIR (default target/bench/e2e) and prints its figures
# on stdout, one per line:  name: value unit (ratio or context)
# Progress goes to stderr. Any failed step stops the script with a non-zero status and the
# tail of that step's log. benches/README.md says what each figure means and what it was.
#
# Settings (environment): BENCH_RUNS (timed repetitions, default 10), INCEPTION_MODEL (the
# random-weight Inception-v3 for `cold`, default models/inception_v3.onnx; skipped when
# absent), STUDY_PATIENTS (cohort of that study run, default 122), SLURM_ITEMS (48),
# SLURM_SLEEP (0.5), SLURM_SHARDS ("1 5 30": shard_seconds values), RADFLOW_PYTHON (the
# interpreter of the Python references, with numpy, pynrrd, Pillow and onnxruntime; default
# the project venv .radflow/venv made by `make`, else python3), TINY_PATIENTS, TINY_SIZE,
# TINY_SLICES (the cohort of `tiny_study`, default 24, 64, 12,20: the smoke cohort),
# OVERLAP_WAIT (seconds each item of `overlap`'s waiting step sleeps, default 0.01).
# Timing uses hyperfine when it is installed, else a loop over `date +%s.%N`; peak memory
# always comes from /usr/bin/time.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${RADFLOW_BENCH_DIR:-$ROOT/target/bench/e2e}
RADFLOW=${RADFLOW_BIN:-$ROOT/target/release/radflow}
RUNS=${BENCH_RUNS:-10}
DEFAULT_SECTIONS=(noop status hash stages cold tiny_study)
ALL_SECTIONS=(noop status hash stages cold slurm slurm_smoke compare tiny_study overlap)
PYTHON=${RADFLOW_PYTHON:-python3}
[[ -z ${RADFLOW_PYTHON:-} && -x $ROOT/.radflow/venv/bin/python ]] && PYTHON=$ROOT/.radflow/venv/bin/python

log() { printf '# %s\n' "$*" >&2; }
die() {
    printf 'e2e: %s\n' "$*" >&2
    exit 1
}
figure() { printf '%s\n' "$*"; }

# Python one-liners read the JSON radflow and hyperfine write; python3 is needed anyway for
# the Python reference.
py() { python3 -c "$@"; }

# Runs a step with its stdout in $WORK/logs/STEP.out and stderr in STEP.err; on failure shows
# their tails and stops. Sets WALL (seconds, from date +%s.%N), RSS_MB (peak resident memory)
# and CPU_S (user + system seconds) from /usr/bin/time.
step() {
    local name=$1
    shift
    local out=$WORK/logs/$name.out err=$WORK/logs/$name.err timef=$WORK/logs/$name.time start end
    mkdir -p "$WORK/logs"
    start=$(date +%s.%N)
    if ! /usr/bin/time -f '%M %U %S' -o "$timef" "$@" >"$out" 2>"$err"; then
        printf 'e2e: step %s failed: %s\n' "$name" "$*" >&2
        printf -- '--- last lines of %s:\n' "$out" >&2
        tail -n 15 "$out" >&2
        printf -- '--- last lines of %s:\n' "$err" >&2
        tail -n 15 "$err" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    WALL=$(py "print(f'{$end - $start:.3f}')")
    read -r rss_kb user sys < <(tail -n 1 "$timef")
    RSS_MB=$(py "print(f'{$rss_kb / 1024:.1f}')")
    CPU_S=$(py "print(f'{$user + $sys:.2f}')")
}

# Median wall time of N runs of a command (its output discarded), in MEDIAN; the largest
# peak memory of those runs in RSS_MB. hyperfine when present, else a date loop.
median_of() {
    local n=$1 name=$2
    shift 2
    local times=() rss_max=0 i
    if command -v hyperfine >/dev/null; then
        hyperfine --shell=none --runs "$n" --warmup 1 --export-json "$WORK/logs/$name.hyperfine.json" \
            -- "$(printf '%q ' "$@")" >"$WORK/logs/$name.hyperfine.txt" 2>&1 ||
            die "hyperfine on \`$*\` failed (see $WORK/logs/$name.hyperfine.txt)"
        MEDIAN=$(py "import json; print(f\"{json.load(open('$WORK/logs/$name.hyperfine.json'))['results'][0]['median']:.4f}\")")
        step "$name-rss" "$@"
        return
    fi
    "$@" >/dev/null 2>&1 || die "\`$*\` failed"
    for ((i = 0; i < n; i++)); do
        step "$name-$i" "$@"
        times+=("$WALL")
        rss_max=$(py "print(max($rss_max, $RSS_MB))")
    done
    MEDIAN=$(printf '%s\n' "${times[@]}" | sort -g | py "
import sys
t = [float(x) for x in sys.stdin.read().split()]
n = len(t)
print(f'{(t[n // 2] if n % 2 else (t[n // 2 - 1] + t[n // 2]) / 2):.4f}')")
    RSS_MB=$rss_max
}

verdict() { # verdict VALUE OP LIMIT -> met / not met
    if py "import sys; sys.exit(0 if $1 $2 $3 else 1)"; then echo met; else echo "not met"; fi
}

# A cohort from `radflow synth`, regenerated only when its settings changed.
cohort() {
    local dir=$1
    shift
    local stamp
    stamp=$WORK/data/.$(basename "$dir").args
    if [[ -f $dir/clinical.csv && -f $stamp && $(cat "$stamp") == "$*" ]]; then
        return
    fi
    log "synth $dir ($*)"
    step "synth-$(basename "$dir")" "$RADFLOW" synth --out "$dir" "$@"
    echo "$*" >"$stamp"
}

# A copy of a repository pipeline rooted at $WORK, its data folder replaced.
pipeline_copy() { # SOURCE NAME FROM_DATA TO_DATA [extra sed expressions...]
    local source=$1 name=$2 from=$3 to=$4
    shift 4
    local exprs=(-e "s#^pipeline: .*#pipeline: $name#" -e 's#^root: .*#root: .#' -e "s#$from#$to#g")
    for e in "$@"; do exprs+=(-e "$e"); done
    sed "${exprs[@]}" "$ROOT/$source" >"$WORK/$name.yaml"
}

# Sum of items (total, computed) and records over the instances of a `run --json` record.
items_of() {
    py "
import json, sys
r = json.load(open('$1'))
total = computed = records = 0
for _, i in r['instances']:
    items = i.get('items') or {}
    total += items.get('total', 0)
    computed += items.get('computed', 0)
    records += i.get('records') or 0
print(total, computed, records, len(r['instances']))"
}

setup() {
    mkdir -p "$WORK/data" "$WORK/models" "$WORK/stages" "$WORK/logs" "$WORK/cache"
    if [[ -n ${RADFLOW_BIN:-} ]]; then
        [[ -x $RADFLOW ]] || die "RADFLOW_BIN=$RADFLOW is not an executable"
        RADFLOW=$(cd "$(dirname "$RADFLOW")" && pwd)/$(basename "$RADFLOW")
    else
        log "cargo build --release --locked"
        (cd "$ROOT" && cargo build --release --locked --quiet) || die "the release build failed"
    fi
    cp "$ROOT/stages/glioma.yaml" "$WORK/stages/glioma.yaml"
    cp "$ROOT/models/tiny_cnn.onnx" "$WORK/models/"
    # The ONNX Runtime is found from the working directory upwards or next to the binary;
    # runs happen in $WORK, which may be outside the repository.
    if [[ -z ${ORT_DYLIB_PATH:-} ]]; then
        local lib
        lib=$(find "$ROOT/.radflow/onnxruntime/onnxruntime/capi" -name 'libonnxruntime.so*' 2>/dev/null | sort | head -n 1)
        [[ -n $lib ]] && export ORT_DYLIB_PATH=$lib
    fi
    figure "machine: $(nproc) cores, $(py "print(round($(grep MemTotal /proc/meminfo | awk '{print $2}') / 1048576))") GiB, timer $(command -v hyperfine >/dev/null && echo hyperfine || echo 'date loop'), $(date -u +%Y-%m-%dT%H:%MZ)"
}

# ---- noop: a 10-stage pipeline with >= 10,000 cached items, rerun with nothing to do ----
section_noop() {
    log "noop: cohort of 640 patients (64 x 64, 60..80 slices), the smoke pipeline's shape"
    cohort "$WORK/data/noop" --patients 640 --size 64 --slices 60,80
    pipeline_copy pipelines/smoke.yaml bench-noop demo-data-smoke data/noop
    rm -rf "$WORK/cache/noop"
    cd "$WORK"
    step noop-cold "$RADFLOW" run bench-noop.yaml --cache cache/noop --json
    read -r items _ records instances < <(items_of "$WORK/logs/noop-cold.out")
    [[ $items -ge 10000 ]] || die "noop: only $items items; the cohort is too small"
    figure "noop.setup_cold_run: $WALL s (10 stages, $instances instances; $items items, $records records; peak $RSS_MB MB)"
    median_of "$RUNS" noop-rerun "$RADFLOW" run bench-noop.yaml --cache cache/noop -q
    local summary
    summary=$("$RADFLOW" run bench-noop.yaml --cache cache/noop 2>/dev/null)
    [[ $summary == *"nothing to do"* ]] || die "noop: the rerun computed something"
    figure "noop.rerun: $MEDIAN s median of $RUNS ($items cached items; target < 0.1 s: $(verdict "$MEDIAN" '<' 0.1))"
    figure "noop.rerun_peak_rss: $RSS_MB MB"
    cd "$ROOT"
}

# ---- status: 100,000 records ----
section_status() {
    log "status: cohort of 1700 patients (64 x 64, 80..100 slices), patients + slices only"
    cohort "$WORK/data/status" --patients 1700 --size 64 --slices 80,100
    pipeline_copy pipelines/smoke.yaml bench-status demo-data-smoke data/status
    rm -rf "$WORK/cache/status"
    cd "$WORK"
    step status-cold "$RADFLOW" run bench-status.yaml --cache cache/status --only slices --json
    read -r items _ records _ < <(items_of "$WORK/logs/status-cold.out")
    [[ $records -ge 100000 ]] || die "status: only $records records"
    figure "status.setup_cold_run: $WALL s, peak $RSS_MB MB ($(stage_rows "$WORK/logs/status-cold.out" patients slices))"
    local n=$((RUNS < 5 ? RUNS : 5))
    median_of "$n" status "$RADFLOW" status bench-status.yaml --cache cache/status --only slices
    figure "status.status: $MEDIAN s median of $n ($records records; target < 1 s: $(verdict "$MEDIAN" '<' 1))"
    figure "status.status_peak_rss: $RSS_MB MB (target < 500 MB: $(verdict "$RSS_MB" '<' 500))"
    median_of "$n" status-rerun "$RADFLOW" run bench-status.yaml --cache cache/status --only slices -q
    figure "status.noop_run: $MEDIAN s median of $n ($records records)"
    figure "status.noop_run_peak_rss: $RSS_MB MB"
    cd "$ROOT"
}

# ---- hash: a 2 GiB declared input, radflow vs b3sum ----
section_hash() {
    local big=$WORK/data/big.bin size=$((2 << 30)) b3sum
    if [[ ! -f $big || $(stat -c %s "$big") -ne $size ]]; then
        log "hash: writing 2 GiB of random bytes"
        head -c "$size" /dev/urandom >"$big.tmp" && mv "$big.tmp" "$big"
    fi
    # The stat cache ignores files modified in the last 2 s.
    touch -d '-1 minute' "$big"
    if command -v b3sum >/dev/null; then
        b3sum=$(command -v b3sum)
    elif [[ -x $WORK/tools/bin/b3sum ]]; then
        b3sum=$WORK/tools/bin/b3sum
    else
        log "hash: b3sum is missing; cargo install b3sum --locked --root $WORK/tools"
        step b3sum-install cargo install b3sum --locked --root "$WORK/tools"
        b3sum=$WORK/tools/bin/b3sum
        figure "hash.note: b3sum was not installed; built it with cargo install b3sum --locked into $WORK/tools"
    fi
    cat >"$WORK/bench-hash.yaml" <<'EOF'
pipeline: bench-hash
root: .
stages:
  consume:
    kind: command
    with:
      run: "true"
      files: [data/big.bin]
EOF
    cd "$WORK"
    rm -rf cache/hash
    step hash-first-run "$RADFLOW" run bench-hash.yaml --cache cache/hash
    cat "$big" >/dev/null # both tools read it from the page cache
    local n=$((RUNS < 5 ? RUNS : 5)) i b3=() miss=() hit=()
    local expected
    expected=$("$b3sum" --no-names "$big")
    for ((i = 0; i < n; i++)); do
        step "hash-b3sum-$i" "$b3sum" --no-names "$big"
        [[ $(cat "$WORK/logs/hash-b3sum-$i.out") == "$expected" ]] || die "hash: b3sum disagrees with itself"
        b3+=("$WALL")
        rm -f cache/hash/state/stat-cache.bin
        step "hash-miss-$i" "$RADFLOW" status bench-hash.yaml --cache cache/hash
        miss+=("$WALL")
        [[ -f cache/hash/state/stat-cache.bin ]] || die "hash: status did not save the stat cache"
        step "hash-hit-$i" "$RADFLOW" status bench-hash.yaml --cache cache/hash
        hit+=("$WALL")
    done
    [[ $(py "print(bytes.fromhex('$expected') in open('cache/hash/state/stat-cache.bin', 'rb').read())") == True ]] ||
        figure "hash.note: the stat cache does not hold b3sum's digest (format differs?)"
    read -r b3_med miss_med hit_med hash_s ratio < <(py "
import statistics as s
b3 = s.median([$(IFS=,; echo "${b3[*]}")])
miss = s.median([$(IFS=,; echo "${miss[*]}")])
hit = s.median([$(IFS=,; echo "${hit[*]}")])
hashing = miss - hit
print(f'{b3:.3f} {miss:.3f} {hit:.3f} {hashing:.3f} {b3 / hashing:.2f}')")
    local gib_s_b3 gib_s_rf
    gib_s_b3=$(py "print(f'{2 / $b3_med:.2f}')")
    gib_s_rf=$(py "print(f'{2 / $hash_s:.2f}')")
    figure "hash.b3sum: $b3_med s median of $n (2 GiB, $gib_s_b3 GiB/s)"
    figure "hash.radflow_status_stat_cache_removed: $miss_med s median of $n"
    figure "hash.radflow_status_stat_cache_hit: $hit_med s median of $n (the no-op baseline: no rehash)"
    figure "hash.radflow_hashing: $hash_s s ($gib_s_rf GiB/s; speed ratio radflow/b3sum $ratio; target >= 0.8: $(verdict "$ratio" '>=' 0.8))"
    cd "$ROOT"
}

# Status, records, items computed and seconds of the named stages in a `run --json` record.
stage_rows() { # JSON STAGE...
    local json=$1
    shift
    py "
import json
r = dict(json.load(open('$json'))['instances'])
for name in '$*'.split():
    i = r[name]
    items = i.get('items') or {}
    extra = f\", {items['computed']} of {items['total']} items computed\" if items else ''
    print(f\"{name} {i['status']} {i.get('records')} records in {i['duration_ms'] / 1000:.2f} s{extra}\")" |
        paste -sd ';' | sed 's/;/; /g'
}

# ---- stages: stages 1-4 cold, two cohort sizes, the Python reference, a threshold change ----
section_stages() {
    cohort "$WORK/data/cohort122"
    cohort "$WORK/data/cohort61" --patients 61
    pipeline_copy pipelines/demo.yaml bench-stages122 demo-data data/cohort122 's#size: \[227, 227\]#size: [299, 299]#'
    pipeline_copy pipelines/demo.yaml bench-stages61 demo-data data/cohort61 's#size: \[227, 227\]#size: [299, 299]#'
    grep -q 'size: \[299, 299\]' "$WORK/bench-stages122.yaml" || die "stages: could not set the resize size"
    cd "$WORK"
    local n
    for n in 122 61; do
        rm -rf "cache/stages$n"
        step "stages-cold-$n" "$RADFLOW" run "bench-stages$n.yaml" --cache "cache/stages$n" --only resized --json
        local rf_wall=$WALL rf_rss=$RSS_MB rf_cpu=$CPU_S
        figure "stages.cold_${n}_patients: $rf_wall s, peak $rf_rss MB, cpu $rf_cpu s ($(stage_rows "$WORK/logs/stages-cold-$n.out" slices lesions resized))"
        if [[ $n == 122 ]]; then
            local wall122=$rf_wall rss122=$rf_rss cpu122=$rf_cpu
        else
            figure "stages.peak_rss_122_vs_61: $rss122 MB vs $rf_rss MB (ratio $(py "print(f'{$rss122 / $rf_rss:.2f}')"); the cohort doubled)"
        fi
    done
    rm -rf pyout
    step stages-python "$PYTHON" "$ROOT/benches/python_reference.py" data/cohort122 pyout --size 299
    local pyjson
    pyjson=$(tail -n 1 "$WORK/logs/stages-python.out")
    figure "stages.python_reference_122_patients: $WALL s, peak $RSS_MB MB, cpu $CPU_S s ($pyjson)"
    figure "stages.python_vs_radflow: wall ratio $(py "print(f'{$WALL / $wall122:.2f}')"), cpu ratio $(py "print(f'{$CPU_S / $cpu122:.2f}')") (python / radflow, stages 2-4, 122 patients)"
    rm -rf pyout

    # A stricter per-patient floor drops slices: the filter reruns, resize reuses its items.
    step stages-min600 "$RADFLOW" run bench-stages122.yaml --cache cache/stages122 --only resized \
        --set lesions.min_pixels=600 --json
    figure "stages.set_min_pixels_600: $WALL s ($(stage_rows "$WORK/logs/stages-min600.out" slices lesions resized))"
    # A global floor of 20 admits small slices never seen: only they are resized.
    step stages-global20 "$RADFLOW" run bench-stages122.yaml --cache cache/stages122 --only resized \
        --set lesions.policy=global --set lesions.min_pixels=20 --json
    figure "stages.set_policy_global_min_pixels_20: $WALL s ($(stage_rows "$WORK/logs/stages-global20.out" slices lesions resized))"
    cd "$ROOT"
}

# Per-stage seconds (instances summed), the features share, from a `run --json` record.
stage_times() { # JSON WALL
    py "
import json
from collections import defaultdict
r = json.load(open('$1'))
wall = $2
by_stage = defaultdict(int)
for _, i in r['instances']:
    by_stage[i['stage']] += i['duration_ms']
total = sum(by_stage.values())
feat = by_stage['features']
print('per stage (s, instances summed): ' + ', '.join(f'{k} {v / 1000:.2f}' for k, v in by_stage.items()))
print(f'{feat / 1000:.2f} {(wall - feat / 1000) / (feat / 1000):.3f} {(total - feat) / feat:.3f}')"
}

# ---- cold: the whole study cold, where the time goes ----
section_cold() {
    cohort "$WORK/data/cohort122"
    [[ -f $ROOT/models/squeezenet1_1.onnx ]] || die "cold: models/squeezenet1_1.onnx is missing (make models/squeezenet1_1.onnx)"
    cp "$ROOT/models/squeezenet1_1.onnx" "$WORK/models/"
    pipeline_copy pipelines/demo.yaml bench-demo demo-data data/cohort122
    cd "$WORK"
    rm -rf cache/demo
    step cold-demo "$RADFLOW" run bench-demo.yaml --cache cache/demo --json
    local lines feat else_wall else_sum
    lines=$(stage_times "$WORK/logs/cold-demo.out" "$WALL")
    read -r feat else_wall else_sum < <(tail -n 1 <<<"$lines")
    figure "cold.demo_squeezenet_122_patients: $WALL s, peak $RSS_MB MB; $(head -n 1 <<<"$lines")"
    figure "cold.demo_everything_else_vs_features: +$(py "print(f'{$else_wall * 100:.0f}')")% of the features stage's $feat s in wall time (+$(py "print(f'{$else_sum * 100:.0f}')")% in summed stage time)"

    local model=${INCEPTION_MODEL:-$ROOT/models/inception_v3.onnx} patients=${STUDY_PATIENTS:-122}
    if [[ ! -f $model ]]; then
        figure "cold.study_inception_v3: skipped (no $model; models/export_inception_v3.py makes one, or set INCEPTION_MODEL)"
        cd "$ROOT"
        return
    fi
    cp "$model" "$WORK/models/inception_v3.onnx"
    local synth_args=()
    [[ $patients == 122 ]] || synth_args=(--patients "$patients")
    cohort "$WORK/data/cohort$patients" "${synth_args[@]}"
    pipeline_copy pipelines/glioma-grading.yaml bench-study data/tcia "data/cohort$patients"
    rm -rf cache/study
    step cold-study "$RADFLOW" run bench-study.yaml --cache cache/study --json
    lines=$(stage_times "$WORK/logs/cold-study.out" "$WALL")
    read -r feat else_wall else_sum < <(tail -n 1 <<<"$lines")
    figure "cold.study_inception_v3_${patients}_patients: $WALL s, peak $RSS_MB MB; $(head -n 1 <<<"$lines")"
    figure "cold.study_everything_else_vs_features: +$(py "print(f'{$else_wall * 100:.0f}')")% of the features stage's $feat s in wall time (+$(py "print(f'{$else_sum * 100:.0f}')")% in summed stage time; target < 15%: $(verdict "$else_wall" '<' 0.15))"
    # The yardstick: plain ONNX Runtime in Python over the same resized slices, same threads.
    local study_wall=$WALL threads
    threads=$(nproc)
    rm -rf "$WORK/study-resized"
    "$RADFLOW" export bench-study.yaml resized --cache cache/study --to "$WORK/study-resized" >/dev/null ||
        die "cold: radflow export of the resized slices failed"
    cat "$WORK/study-resized"/* >/dev/null 2>&1 || true # both sides read their inputs from the page cache
    step cold-study-ort "$PYTHON" "$ROOT/benches/ort_features.py" "$WORK/study-resized" models/inception_v3.onnx \
        --batch 16 --threads "$threads"
    figure "cold.study_plain_onnx_runtime_python: $WALL s ($(tail -n 1 "$WORK/logs/cold-study-ort.out"), $threads threads)"
    local ratio
    ratio=$(py "print(f'{$study_wall / $WALL:.3f}')")
    figure "cold.study_vs_plain_onnx_runtime: $ratio x (radflow's whole study cold / Python's features alone; target <= 1.05: $(verdict "$ratio" '<=' 1.05))"
    cd "$ROOT"
}

# ---- slurm: a foreach of sleeps as job arrays under several shard sizes ----
section_slurm() {
    [[ $(scontrol ping 2>/dev/null) == *UP* ]] || die "slurm: no cluster answers \`scontrol ping\` (.ci/slurm/start.sh starts one)"
    local items=${SLURM_ITEMS:-48} sleep_s=${SLURM_SLEEP:-0.5} shard i cpus
    cpus=$(sinfo -h -o '%C' | awk -F/ '{print $4}')
    mkdir -p "$WORK/data/slurm-items"
    rm -f "$WORK"/data/slurm-items/*.txt
    for ((i = 0; i < items; i++)); do echo "item $i" >"$WORK/data/slurm-items/i$(printf %03d "$i").txt"; done
    local work
    work=$(py "print($items * $sleep_s)")
    write_slurm_pipeline() { # NAME EXECUTOR_LINE SLEEP GLOB
        cat >"$WORK/$1.yaml" <<EOF
pipeline: $1
root: .
$2
stages:
  sleep:
    kind: command
    with:
      run: "sleep $3"
      foreach: {files: "$4"}
EOF
    }
    cd "$WORK"
    write_slurm_pipeline bench-local "" "$sleep_s" "data/slurm-items/*.txt"
    rm -rf cache/slurm-local
    step slurm-local-j1 "$RADFLOW" run bench-local.yaml --cache cache/slurm-local --executor local -j 1
    local local1=$WALL
    figure "slurm.local_j1: $local1 s ($items items x $sleep_s s = $work s of single-core work)"
    rm -rf cache/slurm-local
    step slurm-local-j2 "$RADFLOW" run bench-local.yaml --cache cache/slurm-local --executor local -j 2
    figure "slurm.local_j2: $WALL s"
    # What a Slurm run costs beyond its work: one item doing nothing, one array task, the
    # assemble job, the polling, the coordinator's cached-only pass.
    write_slurm_pipeline bench-slurm-empty "executor: {kind: slurm, shard_seconds: 1}" 0 "data/slurm-items/i000.t?t"
    rm -rf cache/slurm-empty
    step slurm-empty "$RADFLOW" run bench-slurm-empty.yaml --cache cache/slurm-empty --executor slurm
    local fixed=$WALL
    figure "slurm.fixed_cost: $fixed s (one item of no work: submit, one array task, the assemble job, 0.5 s polling, the local pass)"
    for shard in ${SLURM_SHARDS:-1 5 30}; do
        write_slurm_pipeline "bench-slurm$shard" "executor: {kind: slurm, shard_seconds: $shard}" "$sleep_s" "data/slurm-items/*.txt"
        rm -rf "cache/slurm$shard"
        step "slurm-shard$shard" "$RADFLOW" run "bench-slurm$shard.yaml" --cache "cache/slurm$shard" --executor slurm
        local tasks ideal
        tasks=$(find "cache/slurm$shard/logs/slurm" -name 'sleep-*.log' | wc -l)
        # Ideal: the work spread evenly over min(tasks, cluster cpus) slots, nothing else.
        ideal=$(py "import math; t = max($tasks, 1); per = math.ceil($items / t) * $sleep_s; print(f'{math.ceil(t / min(t, $cpus)) * per:.2f}')")
        figure "slurm.shard_seconds_$shard: $WALL s ($tasks array tasks on $cpus cluster cpus; ratio to local single-core work $(py "print(f'{$WALL / $local1:.2f}')"); ideal $ideal s, overhead +$(py "print(f'{($WALL - $ideal) / $ideal * 100:.0f}')")% over it)"
    done
    cd "$ROOT"
}

# ---- slurm_smoke: the smoke study on the cluster vs locally, with and without local rules ----
section_slurm_smoke() {
    [[ $(scontrol ping 2>/dev/null) == *UP* ]] || die "slurm_smoke: no cluster answers \`scontrol ping\` (.ci/slurm/start.sh starts one)"
    command -v hyperfine >/dev/null || die "slurm_smoke: hyperfine is needed (apt-get install hyperfine)"
    cohort "$WORK/data/smoke" --patients 24 --size 64 --slices 12,20
    pipeline_copy pipelines/smoke.yaml bench-smoke demo-data-smoke data/smoke
    cd "$WORK"
    local n=$((RUNS < 3 ? RUNS : 3)) run="$RADFLOW run bench-smoke.yaml -q" force="" stage
    # Cold, a fresh cache each time, so no recorded times: `submit_all` (local_below_seconds 0)
    # is how every Slurm run went before local rules; `slurm` keeps the light kinds here.
    ab slurm_smoke.cold "$n" "rm -rf cache/smoke-cold" \
        local "$run --cache cache/smoke-cold --executor local" \
        slurm_submit_all "$run --cache cache/smoke-cold --executor slurm --local-below-seconds 0" \
        slurm "$run --cache cache/smoke-cold --executor slurm"
    # Every stage recomputed (forced) in a cache that has recorded times.
    for stage in patients slices lesions resized features head evaluation head-by-patient evaluation-by-patient report; do
        force+=" --force $stage"
    done
    rm -rf cache/smoke-rec
    step slurm-smoke-record $run --cache cache/smoke-rec --executor local
    ab slurm_smoke.recorded "$n" "" \
        local "$run --cache cache/smoke-rec --executor local$force" \
        slurm_submit_all "$run --cache cache/smoke-rec --executor slurm --local-below-seconds 0$force" \
        slurm "$run --cache cache/smoke-rec --executor slurm$force"
    cd "$ROOT"
}

# hyperfine over several commands in one call; prints each command's median and its ratio to
# the first. Usage: ab NAME RUNS PREPARE LABEL1 CMD1 LABEL2 CMD2 ... (PREPARE may be "").
ab() {
    local name=$1 runs=$2 prepare=$3
    shift 3
    local labels=() cmds=() args=(--shell=bash --runs "$runs" --warmup 1 --export-json "$WORK/logs/$name.json")
    while [[ $# -gt 0 ]]; do
        labels+=("$1")
        cmds+=("$2")
        shift 2
    done
    [[ -n $prepare ]] && args+=(--prepare "$prepare")
    for i in "${!cmds[@]}"; do args+=(-n "${labels[$i]}" "${cmds[$i]}"); done
    hyperfine "${args[@]}" >"$WORK/logs/$name.txt" 2>&1 || die "hyperfine $name failed (see $WORK/logs/$name.txt)"
    py "
import json
r = json.load(open('$WORK/logs/$name.json'))['results']
base = r[0]['median']
for x in r:
    print(f\"$name.{x['command']}: {x['median']:.4f} s median of {len(x['times'])} (ratio to {r[0]['command']}: {x['median'] / base:.3f})\")"
}

# ---- compare: this build vs BASELINE_BIN, and safe vs fast durability, in one run ----
section_compare() {
    command -v hyperfine >/dev/null || die "compare: hyperfine is needed (apt-get install hyperfine)"
    local base=${BASELINE_BIN:-}
    [[ -x $base ]] || die "compare: set BASELINE_BIN to the radflow binary to compare with"
    figure "compare.baseline: $base ($("$base" --version)); this build: $RADFLOW"
    cohort "$WORK/data/noop" --patients 640 --size 64 --slices 60,80
    cohort "$WORK/data/status" --patients 1700 --size 64 --slices 80,100
    cohort "$WORK/data/smoke" --patients 24 --size 64 --slices 12,20
    pipeline_copy pipelines/smoke.yaml bench-noop demo-data-smoke data/noop
    pipeline_copy pipelines/smoke.yaml bench-status demo-data-smoke data/status
    pipeline_copy pipelines/smoke.yaml bench-smoke demo-data-smoke data/smoke
    # The baseline reads its own pipeline copies: a lock file is written beside the pipeline,
    # and an older binary refuses a newer lock's sections (`imports:`).
    local name
    for name in bench-noop bench-status bench-smoke; do
        cp "$WORK/$name.yaml" "$WORK/$name-base.yaml"
    done
    cd "$WORK"
    # Keys differ between versions: each binary gets its own warm caches.
    local who bin
    for who in new base; do
        local suffix=""
        [[ $who == new ]] && bin=$RADFLOW || { bin=$base; suffix=-base; }
        rm -rf "cache/cmp-noop-$who" "cache/cmp-status-$who"
        step "cmp-noop-cold-$who" "$bin" run "bench-noop$suffix.yaml" --cache "cache/cmp-noop-$who" -q
        step "cmp-status-cold-$who" "$bin" run "bench-status$suffix.yaml" --cache "cache/cmp-status-$who" --only slices -q
    done
    ab compare.noop "$RUNS" "" \
        base "$base run bench-noop-base.yaml --cache cache/cmp-noop-base -q" \
        new "$RADFLOW run bench-noop.yaml --cache cache/cmp-noop-new -q" \
        new_fast "RADFLOW_DURABILITY=fast $RADFLOW run bench-noop.yaml --cache cache/cmp-noop-new -q"
    ab compare.status "$RUNS" "" \
        base "$base status bench-status-base.yaml --cache cache/cmp-status-base --only slices" \
        new "$RADFLOW status bench-status.yaml --cache cache/cmp-status-new --only slices"
    ab compare.cold_smoke "$RUNS" "rm -rf cache/cmp-cold" \
        base "$base run bench-smoke-base.yaml --cache cache/cmp-cold -q" \
        new "$RADFLOW run bench-smoke.yaml --cache cache/cmp-cold -q" \
        new_fast "RADFLOW_DURABILITY=fast $RADFLOW run bench-smoke.yaml --cache cache/cmp-cold -q"
    local n=$((RUNS < 5 ? RUNS : 5))
    ab compare.cold_noop_cohort "$n" "rm -rf cache/cmp-cold-big" \
        new "$RADFLOW run bench-noop.yaml --cache cache/cmp-cold-big -q" \
        new_fast "RADFLOW_DURABILITY=fast $RADFLOW run bench-noop.yaml --cache cache/cmp-cold-big -q"
    cd "$ROOT"
}

# ---- tiny_study: the whole smoke study cold, radflow vs the plain Python reference ----
section_tiny_study() {
    command -v hyperfine >/dev/null || die "tiny_study: hyperfine is needed (apt-get install hyperfine)"
    "$PYTHON" -c "import numpy, nrrd, onnxruntime, PIL" 2>/dev/null ||
        die "tiny_study: $PYTHON lacks numpy, pynrrd, onnxruntime or Pillow (set RADFLOW_PYTHON)"
    figure "tiny_study.python: $PYTHON ($("$PYTHON" -c "import sys, numpy, onnxruntime; print(f'Python {sys.version.split()[0]}, numpy {numpy.__version__}, onnxruntime {onnxruntime.__version__}')"))"
    local patients=${TINY_PATIENTS:-24} size=${TINY_SIZE:-64} slices=${TINY_SLICES:-12,20}
    local data="data/tiny-$patients-$size-${slices/,/-}"
    log "tiny_study: cohort of $patients patients ($size x $size, $slices slices)"
    cohort "$WORK/$data" --patients "$patients" --size "$size" --slices "$slices"
    pipeline_copy pipelines/smoke.yaml bench-tiny demo-data-smoke "$data"
    cd "$WORK"
    local python_cmd="$PYTHON $ROOT/benches/python_study.py $data pystudy-out --model models/tiny_cnn.onnx"
    # One cold run of each, outside the timing, for the counts and where the time goes.
    rm -rf cache/tiny-check pystudy-out
    step tiny-radflow "$RADFLOW" run bench-tiny.yaml --cache cache/tiny-check --json
    local rf_wall=$WALL
    "$RADFLOW" show bench-tiny.yaml slices --cache cache/tiny-check --rows 1000000 --json \
        >"$WORK/logs/tiny-slices.json" 2>"$WORK/logs/tiny-slices.err" || die "tiny_study: radflow show slices failed"
    # shellcheck disable=SC2086 # python_cmd is a command line
    step tiny-python $python_cmd
    local py_wall=$WALL
    local counts
    counts=$(py "
import json
r = dict(json.load(open('$WORK/logs/tiny-radflow.out'))['instances'])
rows = json.load(open('$WORK/logs/tiny-slices.json'))['rows']
p = json.loads(open('$WORK/logs/tiny-python.out').read().strip().splitlines()[-1])
radflow = {'patients': r['patients']['records'], 'slices': r['slices']['records'],
           'lesion_slices': sum(1 for x in rows if x['lesion_pixels'] > 0),
           'resized': r['resized']['records'], 'features': r['features']['records']}
python = {k: p[k] for k in radflow}
print(('agree' if radflow == python else 'DIFFER') + ': ' + ', '.join(
    f'{k} {radflow[k]}' + ('' if radflow[k] == python[k] else f' (python {python[k]})') for k in radflow))")
    figure "tiny_study.counts: $counts (radflow vs python)"
    [[ $counts == agree* ]] || die "tiny_study: radflow and the Python reference disagree on the counts"
    figure "tiny_study.radflow_cold_once: $rf_wall s; $(stage_times "$WORK/logs/tiny-radflow.out" "$rf_wall" | head -n 1)"
    figure "tiny_study.python_once: $py_wall s; per phase (s): $(py "
import json
s = json.loads(open('$WORK/logs/tiny-python.out').read().strip().splitlines()[-1])['seconds']
print(', '.join(f'{k} {v:.3f}' for k, v in s.items()))")"

    # Each radflow run gets a cache folder of its own, all removed at the end: removing the
    # last run's cache just before the next (thousands of files) made that run's file
    # creation several times dearer on this team's journal-less ext4 (`perf`: ext4_create
    # skipping recently deleted inodes; 2.4-2.7 s a run into fresh folders, 5.4-6.2 s right
    # after removing one, 2026-12-06), a cost no lab's cold run pays. It takes about
    # (2 x BENCH_RUNS + 2) x the cache's size on disk (1.3 GB a run at demo size).
    rm -rf cache/tiny-cold-*
    echo 0 >cache/tiny-cold-n
    local fresh='--cache cache/tiny-cold-$(cat cache/tiny-cold-n)'
    ab tiny_study.cold "$RUNS" \
        'rm -rf pystudy-out; echo $(($(cat cache/tiny-cold-n) + 1)) >cache/tiny-cold-n' \
        radflow "$RADFLOW run bench-tiny.yaml $fresh -q" \
        radflow_fast "RADFLOW_DURABILITY=fast $RADFLOW run bench-tiny.yaml $fresh -q" \
        python "$python_cmd"
    rm -rf cache/tiny-cold-*
    local ratio ratio_fast
    read -r ratio ratio_fast < <(py "
import json
m = {x['command']: x['median'] for x in json.load(open('$WORK/logs/tiny_study.cold.json'))['results']}
print(f\"{m['python'] / m['radflow']:.2f} {m['python'] / m['radflow_fast']:.2f}\")")
    figure "tiny_study.python_vs_radflow: $ratio x (python / radflow, medians; target >= 4: $(verdict "$ratio" '>=' 4))"
    figure "tiny_study.python_vs_radflow_fast: $ratio_fast x (python / radflow with RADFLOW_DURABILITY=fast; target >= 4: $(verdict "$ratio_fast" '>=' 4))"
    rm -rf pystudy-out
    cd "$ROOT"
}

# ---- overlap: maps running ahead on a running map (default) vs --no-overlap, cold ----
# Three pipelines on the demo cohort (SqueezeNet): the demo as it is (slices, resize and
# features all keep the cores busy); the demo with a per-record step before the features that
# mostly waits (`sleep $OVERLAP_WAIT`, as a fetch from a network share or a service would),
# where features can run while it waits; and the demo with such a step per slice before the
# lesion filter, where resize runs ahead through the filter on the patients the step has
# finished. Alternating runs, fresh cache each; medians; the items computed while their input
# ran, from the run record.
section_overlap() {
    local runs=${BENCH_RUNS:-10} wait=${OVERLAP_WAIT:-0.01} name mode i flag
    cohort "$WORK/data/cohort122"
    [[ -f $ROOT/models/squeezenet1_1.onnx ]] || die "overlap: models/squeezenet1_1.onnx is missing (make models/squeezenet1_1.onnx)"
    cp "$ROOT/models/squeezenet1_1.onnx" "$WORK/models/"
    pipeline_copy pipelines/demo.yaml bench-overlap-demo demo-data data/cohort122
    pipeline_copy pipelines/demo.yaml bench-overlap-wait demo-data data/cohort122 \
        's#^    input: resized#    input: fetched#'
    cat >>"$WORK/bench-overlap-wait.yaml" <<YAML
  fetched:
    kind: command
    input: resized
    with:
      run: "sleep $wait; echo '{\"fetched\": 1}' > {out}/record.json"
      foreach: input
      output: dataset
YAML
    pipeline_copy pipelines/demo.yaml bench-overlap-filter demo-data data/cohort122 \
        's#^    input: slices#    input: fetched#'
    cat >>"$WORK/bench-overlap-filter.yaml" <<YAML
  fetched:
    kind: command
    input: slices
    with:
      run: "sleep $wait; echo '{\"fetched\": 1}' > {out}/record.json"
      foreach: input
      output: dataset
YAML
    cd "$WORK"
    for name in demo wait filter; do
        local -A times=()
        for ((i = 0; i < runs; i++)); do
            for mode in overlap no-overlap; do
                flag=()
                [[ $mode == no-overlap ]] && flag=(--no-overlap)
                rm -rf "cache/overlap-$name"
                step "overlap-$name-$mode-$i" "$RADFLOW" run "bench-overlap-$name.yaml" \
                    --cache "cache/overlap-$name" --only features --json "${flag[@]}"
                times[$mode]+="$WALL "
            done
        done
        local ahead
        ahead=$(py "
import json
r = dict((k, v) for k, v in json.load(open('$WORK/logs/overlap-$name-overlap-0.out'))['instances'])
print(', '.join(f\"{s} {r[s]['items'].get('ahead', 0)} of {r[s]['items']['total']}\" for s in ('resized', 'features')))")
        py "
import statistics
a = [float(x) for x in '${times[overlap]}'.split()]
b = [float(x) for x in '${times[no-overlap]}'.split()]
ma, mb = statistics.median(a), statistics.median(b)
print(f'overlap.$name: {ma:.2f} s running ahead vs {mb:.2f} s with --no-overlap, medians of {len(a)} alternating cold runs up to features (ratio {ma / mb:.3f}); items computed while their input ran: $ahead')"
        unset times
    done
    cd "$ROOT"
}

main() {
    local sections=("$@") s
    [[ ${#sections[@]} -gt 0 ]] || sections=("${DEFAULT_SECTIONS[@]}")
    for s in "${sections[@]}"; do
        [[ " ${ALL_SECTIONS[*]} " == *" $s "* ]] || die "unknown section \`$s\` (expected one of: ${ALL_SECTIONS[*]})"
    done
    command -v python3 >/dev/null || die "python3 is needed (figures and the Python reference)"
    [[ -x /usr/bin/time ]] || die "/usr/bin/time is needed for peak memory (apt-get install time)"
    setup
    local started
    started=$(date +%s)
    for s in "${sections[@]}"; do
        log "== $s"
        "section_$s"
    done
    figure "e2e.total: $(($(date +%s) - started)) s (sections: ${sections[*]})"
}

main "$@"
