"""Benchmarks of the exchange format and the `command` stage's per-record path, measured as
whole processes in one run, interleaved, reported as ratios (benches/README.md).

    python benches/exchange.py [export] [input] [foreach]

Needs the release binary (cargo build --release; RADFLOW_BIN names another) and numpy.
Settings (environment):
EXPORT_RECORDS (100000), EXPORT_WIDTH (512), INPUT_SIZES ("1000 20000"), INPUT_ITEMS (30),
FOREACH_RECORDS (200), BENCH_ROUNDS (3), RADFLOW_BENCH_DIR (target/bench/exchange).
Figures go to stdout, one per line; progress to stderr.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RADFLOW = os.environ.get("RADFLOW_BIN", os.path.join(ROOT, "target", "release", "radflow"))
WORK = os.environ.get("RADFLOW_BENCH_DIR", os.path.join(ROOT, "target", "bench", "exchange"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PYTHON = sys.executable


def log(*args):
    print("#", *args, file=sys.stderr, flush=True)


def figure(text):
    print(text, flush=True)


def timed(args, cwd, env=None):
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})},
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def project(name, yaml, files):
    d = os.path.join(WORK, name)
    if os.path.isdir(d):
        shutil.rmtree(d, ignore_errors=True)
        subprocess.run(["chmod", "-R", "u+w", d], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "radflow.yaml"), "w") as f:
        f.write(yaml)
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
        with open(os.path.join(d, rel), "w") as f:
            f.write(text)
    return d


# A per-dataset program that writes N feature records: the cached dataset every section reads.
MAKE = r'''import json, os, sys
import numpy as np
out, n, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
x = np.random.default_rng(0).standard_normal((n, width), dtype=np.float32)
np.save(os.path.join(out, "features.npy"), x)
with open(os.path.join(out, "records.csv"), "w") as f:
    f.write("id,grade,patient\n")
    f.write("".join(f"P{i // 20:05d}/z{i % 20:03d},{'IV' if i % 3 else 'II'},P{i // 20:05d}\n" for i in range(n)))
json.dump({"format": "radflow-dataset/1", "count": n, "classes": ["II", "IV"], "fields": [
    {"name": "id", "dtype": "str", "role": "id"},
    {"name": "grade", "dtype": "str", "role": "class"},
    {"name": "patient", "dtype": "str", "role": "group"},
    {"name": "features", "dtype": "float32", "shape": [width], "role": "array"}]},
    open(os.path.join(out, "dataset.json"), "w"))
'''


def source_yaml(n, width, extra=""):
    return f"""pipeline: bench
stages:
  src:
    kind: command
    with:
      run: [{PYTHON}, make.py, "{{out}}", "{n}", "{width}"]
      files: [make.py]
      output: dataset
{extra}"""


FAST = {"RADFLOW_DURABILITY": "fast"}


def export_section():
    n = int(os.environ.get("EXPORT_RECORDS", "100000"))
    width = int(os.environ.get("EXPORT_WIDTH", "512"))
    d = project("export", source_yaml(n, width), {"make.py": MAKE})
    log(f"export: making {n} x {width} float32 records")
    timed([RADFLOW, "run", "-q"], d, FAST)
    a = np.random.default_rng(0).standard_normal((n, width), dtype=np.float32)
    radflow_s, radflow_safe_s, numpy_s, status_s, copy_s = [], [], [], [], []

    def fresh(path):
        # Each writer makes a new file (the export a new folder): removed before the clock
        # starts, and the removal flushed, so neither pays for the other's freed blocks.
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)
        os.sync()
        return path

    for r in range(ROUNDS):
        fresh(os.path.join(d, "x"))
        t, _ = timed([RADFLOW, "export", "src", "--to", "x"], d, FAST)
        radflow_s.append(t)
        fresh(os.path.join(d, "x"))
        t, _ = timed([RADFLOW, "export", "src", "--to", "x"], d)
        radflow_safe_s.append(t)
        t, _ = timed([RADFLOW, "status"], d)
        status_s.append(t)
        target = fresh(os.path.join(d, "numpy.npy"))
        start = time.perf_counter()
        np.save(target, a)
        numpy_s.append(time.perf_counter() - start)
        # The floor for any export that writes its own file from data already on disk: a
        # copy of the finished .npy (sendfile; page cache to new pages, no block sharing).
        copy = fresh(os.path.join(d, "copy.npy"))
        start = time.perf_counter()
        shutil.copyfile(target, copy)
        copy_s.append(time.perf_counter() - start)
        fresh(copy)
        log(f"export round {r}: radflow {radflow_s[-1]:.3f} s, np.save {numpy_s[-1]:.3f} s, "
            f"copying its file {copy_s[-1]:.3f} s")
    check = np.load(os.path.join(d, "x", "features.npy"))
    assert check.shape == (n, width) and (check == a).all(), "the export is the array"
    rf, rs, npf, st, cp = (statistics.median(v)
                           for v in (radflow_s, radflow_safe_s, numpy_s, status_s, copy_s))
    figure(f"export {n} x {width} float32 (fast durability): {rf:.3f} s; np.save of the same array in memory to a new file: {npf:.3f} s (rounds: {', '.join(f'{t:.3f}' for t in numpy_s)}); ratio {rf / npf:.2f}")
    figure(f"export, safe durability (every file flushed): {rs:.3f} s; ratio to np.save {rs / npf:.2f}")
    figure(f"of which loading the pipeline and deciding (radflow status): {st:.3f} s")
    figure(f"copying np.save's finished file to a new file (shutil.copyfile): {cp:.3f} s; ratio to np.save {cp / npf:.2f} (what writing the file from disk costs, before any hash check)")


def input_section():
    """`{input}` is made once per input hash; what each further invocation costs is the
    slope between forced reruns of K1 and K2 invocations over the same input (the run's
    fixed costs, loading the pipeline and the upstream manifest, cancel out)."""
    sizes = [int(s) for s in os.environ.get("INPUT_SIZES", "1000 20000").split()]
    k = int(os.environ.get("INPUT_ITEMS", "30"))
    k1, k2 = max(1, k // 3), k
    slope = {}
    for n in sizes:
        extra = "".join(f"""  consume{m}:
    kind: command
    input: src
    with:
      run: "test -f {{input}}/features.npy && echo {{item_id}} > {{out}}/seen.txt"
      foreach: {{files: "items{m}/*.txt"}}
      outputs: [seen.txt]
""" for m in (k1, k2))
        files = {"make.py": MAKE}
        for m in (k1, k2):
            files.update({f"items{m}/{i:03d}.txt": str(i) for i in range(m)})
        d = project(f"input-{n}", source_yaml(n, 512, extra), files)
        timed([RADFLOW, "run", "-q", "--only", "src"], d, FAST)
        first, _ = timed([RADFLOW, "run", "-q", "-j", "1", "--only", f"consume{k1}"], d, FAST)
        timed([RADFLOW, "run", "-q", "-j", "1"], d, FAST)
        few, many = [], []
        for _ in range(ROUNDS):
            t, _ = timed([RADFLOW, "run", "-q", "-j", "1", "--force", f"consume{k1}"], d, FAST)
            few.append(t)
            t, _ = timed([RADFLOW, "run", "-q", "-j", "1", "--force", f"consume{k2}"], d, FAST)
            many.append(t)
        t1, t2 = statistics.median(few), statistics.median(many)
        slope[n] = (t2 - t1) / (k2 - k1)
        figure(f"{{input}} of {n} records: first run (makes the directory, {k1} invocations) {first:.3f} s; forced reruns: {k1} invocations {t1:.3f} s, {k2} invocations {t2:.3f} s; each further invocation {1000 * slope[n]:.1f} ms")
    lo, hi = sizes[0], sizes[-1]
    figure(f"{{input}} per invocation, {hi} vs {lo} records: ratio {slope[hi] / slope[lo]:.2f} (1.0 = independent of the input's size)")


COPY = r'''import os, shutil, sys
item, out = sys.argv[1:]
shutil.copyfile(os.path.join(item, "features.npy"), os.path.join(out, "features.npy"))
'''


def foreach_section():
    n = int(os.environ.get("FOREACH_RECORDS", "200"))
    extra = f"""  copy:
    kind: command
    input: src
    with:
      run: [{PYTHON}, copy.py, "{{item}}", "{{out}}"]
      files: [copy.py]
      foreach: input
      output: dataset
"""
    d = project("foreach", source_yaml(n, 512, extra), {"make.py": MAKE, "copy.py": COPY})
    timed([RADFLOW, "run", "-q", "--only", "src"], d, FAST)
    timed([RADFLOW, "run", "-q"], d, FAST)
    # The same record folders for the plain loop.
    timed([RADFLOW, "export", "src", "--to", "x", "--force"], d)
    x = np.load(os.path.join(d, "x", "features.npy"))
    items = os.path.join(d, "items")
    os.makedirs(items, exist_ok=True)
    for i in range(n):
        os.makedirs(os.path.join(items, f"{i:05d}", "out"), exist_ok=True)
        np.save(os.path.join(items, f"{i:05d}", "features.npy"), x[i])
    loop = f'for d in {items}/*/; do "{PYTHON}" copy.py "$d" "$d/out" || exit 1; done'
    radflow_fast, radflow_safe, radflow_j2, plain = [], [], [], []
    for r in range(ROUNDS):
        t, _ = timed([RADFLOW, "run", "-q", "-j", "1", "--force", "copy"], d, FAST)
        radflow_fast.append(t)
        t, _ = timed([RADFLOW, "run", "-q", "-j", "1", "--force", "copy"], d)
        radflow_safe.append(t)
        t, _ = timed([RADFLOW, "run", "-q", "-j", "2", "--force", "copy"], d, FAST)
        radflow_j2.append(t)
        t, _ = timed(["bash", "-c", loop], d)
        plain.append(t)
        log(f"foreach round {r}: radflow {radflow_fast[-1]:.2f} s, loop {plain[-1]:.2f} s")
    rf, rs, r2, pl = (statistics.median(v) for v in (radflow_fast, radflow_safe, radflow_j2, plain))
    figure(f"foreach: input, {n} records, a Python program that copies its input, -j 1: radflow {rf:.2f} s ({1000 * rf / n:.1f} ms a record), plain shell loop {pl:.2f} s ({1000 * pl / n:.1f} ms); ratio {rf / pl:.2f}, overhead {1000 * (rf - pl) / n:.1f} ms a record")
    figure(f"same, safe durability (each item flushed before its entry): {rs:.2f} s, ratio {rs / pl:.2f}; -j 2: {r2:.2f} s, ratio {r2 / pl:.2f}")


SECTIONS = {"export": export_section, "input": input_section, "foreach": foreach_section}

if __name__ == "__main__":
    if not os.path.exists(RADFLOW):
        sys.exit("build the release binary first: cargo build --release")
    for name in sys.argv[1:] or list(SECTIONS):
        SECTIONS[name]()
