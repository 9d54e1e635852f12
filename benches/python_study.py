#!/usr/bin/env python3
"""The whole small-model study of `pipelines/smoke.yaml` written the straightforward way, as
a yardstick for `benches/e2e.sh tiny_study`: numpy, pynrrd, Pillow and onnxruntime in one
process, start to finish, every time.

    python3 benches/python_study.py COHORT OUT [--model models/tiny_cnn.onnx] [--size 48]
        [--min-pixels 10] [--seeds 3] [--steps 1000] [--threads N]

COHORT is a folder written by `radflow synth`; OUT receives `index.html` (tables and the
three figures), the figures as PNG and `metrics.json`. Prints one JSON line with the counts
and the seconds of each phase.

What it does, with the smoke pipeline's settings (stages/glioma.yaml for the defaults):
  1. patients: the graded ones (II, III, IV in radflow's spellings) of the clinical CSV whose
     scan and segmentation exist (`graded_patients` of benches/python_reference.py);
  2-4. slices, the per-patient lesion filter (min_pixels 10) and the crop / window / bicubic
     resize to 48 x 48, by the functions of benches/python_reference.py, one patient at a
     time, everything kept in memory;
  5. features: `onnxruntime.InferenceSession` on the tiny network, as radflow feeds it: the
     grey slice repeated to 3 channels, NCHW, scale 1, offset 0, batches of 16, graph
     optimisation `all`, intra-op threads = the cores this process may use (radflow's default
     `-j`), one inter-op thread;
  6. the softmax head for seeds 0, 1, 2 (radflow's matrix `0..3`), once split by slice and
     once by patient: stratified 60/20/20 split with radflow's rounding rule, features
     standardized on the training split, zero initial weights, mini-batch SGD of 1000 steps,
     batch 100 drawn from a per-epoch reshuffle, learning rate 0.1 decaying exponentially
     towards 0.001, validation accuracy every 100 steps;
  7. evaluation: test accuracy, per-class precision / recall / F1, confusion matrix, the
     patient vote (majority of slices, ties to the highest mean probability);
  report: mean, sample standard deviation and variance of the test accuracy per split mode,
     a table per run, the patient vote, and three PNG figures drawn with Pillow (test
     accuracy per run, validation accuracy per step, confusion matrices summed over runs).

What it does not do (radflow does): cache or hash anything (a rerun redoes all the work),
write intermediate results, manifests, run records or a lock file, check geometry, report
why patients were dropped, run stages 2-4 or the heads on more than one core (only ONNX
Runtime has threads), or draw SVG. Its random numbers are numpy's (PCG64), not radflow's
xoshiro256**, so its splits and batch orders, and hence its accuracies, differ from radflow's
run by run; the amount of work (set sizes, steps, batch size) is the same.
"""

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import html  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from python_reference import graded_patients, kept_slices, patient_slices, resized  # noqa: E402

IMPORTED = time.perf_counter()
CLASSES = ["II", "III", "IV"]


# ---- stages 1-4 ----------------------------------------------------------------------

def prepare_images(cohort, min_pixels, size, seconds):
    """Stages 1-4: the resized lesion slices with their grade and patient, and the counts."""
    t = time.perf_counter()
    patients = list(graded_patients(cohort))
    seconds["patients"] = time.perf_counter() - t
    counts = {"patients": len(patients), "slices": 0, "lesion_slices": 0, "resized": 0}
    images, labels, groups, ids = [], [], [], []
    seconds["slices"] = seconds["lesions"] = seconds["resized"] = 0.0
    for pid, grade, scan_path, seg_path in patients:
        t = time.perf_counter()
        n_slices, lesion = patient_slices(scan_path, seg_path)
        t1 = time.perf_counter()
        kept = kept_slices(lesion, min_pixels)
        t2 = time.perf_counter()
        for _area, z, pixels, _mask, box in kept:
            images.append(resized(pixels, box, size))
            labels.append(CLASSES.index(grade))
            groups.append(pid)
            ids.append(f"{pid}/{z}")
        t3 = time.perf_counter()
        seconds["slices"] += t1 - t
        seconds["lesions"] += t2 - t1
        seconds["resized"] += t3 - t2
        counts["slices"] += n_slices
        counts["lesion_slices"] += len(lesion)
        counts["resized"] += len(kept)
    return np.stack(images), np.array(labels), groups, ids, counts


# ---- stage 5 -------------------------------------------------------------------------

def cnn_features(model, images, threads, batch_size=16):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    features = []
    for start in range(0, len(images), batch_size):
        grey = images[start:start + batch_size]
        batch = np.repeat(grey[:, None, :, :], 3, axis=1).astype(np.float32)
        (out,) = session.run(["features"], {"images": batch})
        features.append(out.reshape(len(grey), -1))
    return np.concatenate(features)


# ---- stage 6 -------------------------------------------------------------------------

def held_out_counts(n, validation, test):
    """radflow's rounding rule (src/learn/split.rs): round half up, at least one unit per
    set when the class has enough, training keeps at least one."""
    v = int(np.floor(n * validation + 0.5))
    t = int(np.floor(n * test + 0.5))
    if n >= 1 + (validation > 0) + (test > 0):
        v = max(v, 1) if validation > 0 else v
        t = max(t, 1) if test > 0 else t
    while v + t > 0 and v + t >= n:
        if v >= t:
            v -= 1
        else:
            t -= 1
    return v, t


def split(labels, groups, by, validation, test, rng):
    """Stratified by class; by patient, whole patients are placed."""
    units = {}
    if by == "slice":
        for i, y in enumerate(labels):
            units.setdefault(int(y), []).append([i])
    else:
        members = {}
        for i, g in enumerate(groups):
            members.setdefault(g, []).append(i)
        for g in sorted(members):
            units.setdefault(int(labels[members[g][0]]), []).append(members[g])
    sets = {"train": [], "validation": [], "test": []}
    for y in sorted(units):
        order = rng.permutation(len(units[y]))
        n_v, n_t = held_out_counts(len(order), validation, test)
        for position, u in enumerate(order):
            name = "test" if position < n_t else "validation" if position < n_t + n_v else "train"
            sets[name].extend(units[y][u])
    return {k: np.array(sorted(v), dtype=int) for k, v in sets.items()}


def softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def train_head(x, y, sets, rng, steps=1000, batch_size=100, blr=0.1, mlr=0.001, eval_every=100):
    train, val = sets["train"], sets["validation"]
    mean = x[train].mean(axis=0)
    std = x[train].std(axis=0)
    std[~(std > 0)] = 1.0
    xs = (x - mean) / std
    xt, yt = xs[train], y[train]
    w = np.zeros((len(CLASSES), x.shape[1]))
    b = np.zeros(len(CLASSES))
    onehot = np.eye(len(CLASSES))
    decay = np.log(blr / mlr)
    order, position = rng.permutation(len(train)), 0
    curve = []
    for step in range(steps):
        lr = blr * np.exp(-step * decay / steps)
        batch = []
        while len(batch) < batch_size:  # a batch may straddle two epochs
            if position == len(order):
                order, position = rng.permutation(len(train)), 0
            take = order[position:position + batch_size - len(batch)]
            batch.extend(take)
            position += len(take)
        xb, yb = xt[batch], yt[batch]
        residual = softmax(xb @ w.T + b) - onehot[yb]
        w -= lr / batch_size * (residual.T @ xb)
        b -= lr / batch_size * residual.sum(axis=0)
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            if len(val):
                predicted = (xs[val] @ w.T + b).argmax(axis=1)
                curve.append((step + 1, float((predicted == y[val]).mean())))
    return lambda rows: softmax(xs[rows] @ w.T + b), curve


# ---- stage 7 -------------------------------------------------------------------------

def evaluate(truth, probabilities, patients):
    predicted = probabilities.argmax(axis=1)
    k = len(CLASSES)
    confusion = np.zeros((k, k), dtype=int)
    for t, p in zip(truth, predicted):
        confusion[t, p] += 1
    per_class = []
    for c in range(k):
        tp = confusion[c, c]
        precision = tp / confusion[:, c].sum() if confusion[:, c].sum() else 0.0
        recall = tp / confusion[c].sum() if confusion[c].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append({"class": CLASSES[c], "precision": float(precision),
                          "recall": float(recall), "f1": float(f1),
                          "support": int(confusion[c].sum())})
    votes_right = 0
    names = sorted(set(patients))
    for name in names:
        rows = [i for i, p in enumerate(patients) if p == name]
        votes = np.bincount(predicted[rows], minlength=k)
        tied = np.flatnonzero(votes == votes.max())
        mean_p = probabilities[rows].mean(axis=0)
        winner = tied[np.argmax(mean_p[tied])]
        votes_right += int(winner == truth[rows[0]])
    return {
        "test_accuracy": float((predicted == truth).mean()),
        "test_slices": int(len(truth)),
        "confusion": confusion.tolist(),
        "per_class": per_class,
        "test_patients": len(names),
        "patient_vote_accuracy": votes_right / len(names),
    }


def spread(values):
    values = np.array(values)
    return {
        "runs": int(len(values)),
        "mean_test_accuracy": float(values.mean()),
        "sample_std": float(values.std(ddof=1)) if len(values) > 1 else None,
        "sample_variance": float(values.var(ddof=1)) if len(values) > 1 else None,
        "population_variance": float(values.var()),
    }


# ---- report --------------------------------------------------------------------------

COLORS = {"slice": (31, 119, 180), "patient": (214, 39, 40)}


def frame(draw, box, lo, hi, ticks):
    """Axes inside `box` (left, top, right, bottom) for values lo..hi; returns value -> y."""
    left, top, right, bottom = box
    draw.rectangle(box, outline=(0, 0, 0))
    to_y = lambda v: bottom - (v - lo) / (hi - lo) * (bottom - top)  # noqa: E731
    for v in ticks:
        y = to_y(v)
        draw.line([(left - 4, y), (left, y)], fill=(0, 0, 0))
        draw.line([(left + 1, y), (right - 1, y)], fill=(235, 235, 235))
        draw.text((left - 34, y - 6), f"{v:.1f}", fill=(0, 0, 0))
    return to_y


def accuracy_chart(title):
    """A 760 x 360 white image with a titled 0..1 accuracy frame: (image, draw, box, to_y)."""
    image = Image.new("RGB", (760, 360), "white")
    draw = ImageDraw.Draw(image)
    box = (50, 40, 740, 320)
    to_y = frame(draw, box, 0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    draw.text((50, 10), title, fill=(0, 0, 0))
    return image, draw, box, to_y


def accuracy_figure(runs, summary, path):
    image, draw, box, to_y = accuracy_chart(
        "Test accuracy per run (blue: split by slice, red: by patient; line: mean)")
    slot = (box[2] - box[0]) / (len(runs) + 1)
    for i, run in enumerate(runs):
        gap = 1 if run["split"] == "patient" else 0
        x = box[0] + slot * (i + 0.5 + gap)
        y = to_y(run["test_accuracy"])
        draw.ellipse([x - 5, y - 5, x + 5, y + 5], fill=COLORS[run["split"]])
        draw.text((x - 18, box[3] + 8), f"seed {run['seed']}", fill=(0, 0, 0))
    for mode, color in COLORS.items():
        xs = [box[0] + slot * (i + 0.5 + (mode == "patient")) for i, r in enumerate(runs) if r["split"] == mode]
        if xs:
            y = to_y(summary[mode]["mean_test_accuracy"])
            draw.line([(xs[0] - 15, y), (xs[-1] + 15, y)], fill=color, width=2)
    image.save(path)


def validation_figure(runs, steps, path):
    image, draw, box, to_y = accuracy_chart(
        "Validation accuracy per step (blue: split by slice, red: by patient)")
    to_x = lambda s: box[0] + s / steps * (box[2] - box[0])  # noqa: E731
    for s in range(0, steps + 1, max(steps // 5, 1)):
        draw.text((to_x(s) - 10, box[3] + 8), str(s), fill=(0, 0, 0))
    for run in runs:
        points = [(to_x(s), to_y(a)) for s, a in run["validation_curve"]]
        if len(points) > 1:
            draw.line(points, fill=COLORS[run["split"]], width=2)
    image.save(path)


def confusion_figure(summed, path):
    cell = 60
    image = Image.new("RGB", (80 + len(summed) * (cell * 3 + 80), 320), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), "Confusion matrices summed over runs (rows: true, columns: predicted)",
              fill=(0, 0, 0))
    for m, (mode, matrix) in enumerate(summed.items()):
        x0, y0 = 60 + m * (cell * 3 + 80), 70
        draw.text((x0, y0 - 30), f"split by {mode}", fill=(0, 0, 0))
        top = max(max(row) for row in matrix) or 1
        for t, row in enumerate(matrix):
            draw.text((x0 - 30, y0 + t * cell + cell // 2 - 6), CLASSES[t], fill=(0, 0, 0))
            for p, n in enumerate(row):
                shade = int(255 - 200 * n / top)
                box = [x0 + p * cell, y0 + t * cell, x0 + (p + 1) * cell, y0 + (t + 1) * cell]
                draw.rectangle(box, fill=(shade, shade, 255), outline=(0, 0, 0))
                draw.text((box[0] + cell // 2 - 6, box[1] + cell // 2 - 6), str(n),
                          fill=(0, 0, 0) if shade > 120 else (255, 255, 255))
        for p in range(3):
            draw.text((x0 + p * cell + cell // 2 - 8, y0 + 3 * cell + 6), CLASSES[p], fill=(0, 0, 0))
    image.save(path)


def write_report(out, title, counts, runs, summary, steps):
    os.makedirs(out, exist_ok=True)
    summed = {}
    for run in runs:
        matrix = summed.setdefault(run["split"], np.zeros((3, 3), dtype=int))
        matrix += np.array(run["confusion"])
    summed = {k: v.tolist() for k, v in summed.items()}
    accuracy_figure(runs, summary, os.path.join(out, "test_accuracy.png"))
    validation_figure(runs, steps, os.path.join(out, "validation_accuracy.png"))
    confusion_figure(summed, os.path.join(out, "confusion_matrix.png"))
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump({"counts": counts, "summary": summary, "runs": runs}, f, indent=2)
    rows = "".join(
        f"<tr><td>{html.escape(r['name'])}</td><td>{r['split']}</td><td>{r['test_slices']}</td>"
        f"<td>{r['test_accuracy']:.3f}</td><td>{r['patient_vote_accuracy']:.3f}</td></tr>"
        for r in runs
    )
    means = "".join(
        f"<tr><td>{mode}</td><td>{s['runs']}</td><td>{s['mean_test_accuracy']:.3f}</td>"
        f"<td>{s['sample_std']:.3f}</td><td>{s['sample_variance']:.5f}</td></tr>"
        for mode, s in summary.items()
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>
<body><h1>{html.escape(title)}</h1>
<p>{counts['patients']} patients, {counts['slices']} slices, {counts['lesion_slices']} lesion
slices, {counts['resized']} kept and resized.</p>
<h2>Test accuracy over runs</h2>
<table border="1"><tr><th>split</th><th>runs</th><th>mean</th><th>sample std</th><th>sample variance</th></tr>{means}</table>
<h2>Runs</h2>
<table border="1"><tr><th>run</th><th>split</th><th>test slices</th><th>test accuracy</th><th>patient vote</th></tr>{rows}</table>
<figure><img src="test_accuracy.png"><figcaption>Test accuracy per run.</figcaption></figure>
<figure><img src="validation_accuracy.png"><figcaption>Validation accuracy per step.</figcaption></figure>
<figure><img src="confusion_matrix.png"><figcaption>Confusion matrices.</figcaption></figure>
</body></html>
"""
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write(page)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cohort")
    parser.add_argument("out")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--model", default=os.path.join(here, "..", "models", "tiny_cnn.onnx"))
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--min-pixels", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..SEEDS (exclusive)")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    seconds = {"imports": IMPORTED - STARTED}

    images, labels, groups, ids, counts = prepare_images(
        args.cohort, args.min_pixels, args.size, seconds)

    t = time.perf_counter()
    features = cnn_features(args.model, images, args.threads)
    seconds["features"] = time.perf_counter() - t

    runs = []
    seconds["heads"] = seconds["evaluation"] = 0.0
    for by in ["slice", "patient"]:
        for seed in range(args.seeds):
            t = time.perf_counter()
            rng = np.random.default_rng(seed)
            sets = split(labels, groups, by, 0.2, 0.2, rng)
            predict, curve = train_head(features, labels, sets, rng, steps=args.steps)
            t1 = time.perf_counter()
            test = sets["test"]
            run = evaluate(labels[test], predict(test), [groups[i] for i in test])
            run.update(name=f"{'head' if by == 'slice' else 'head-by-patient'}[seed={seed}]",
                       split=by, seed=seed, train_slices=len(sets["train"]),
                       validation_slices=len(sets["validation"]), validation_curve=curve)
            runs.append(run)
            seconds["heads"] += t1 - t
            seconds["evaluation"] += time.perf_counter() - t1

    t = time.perf_counter()
    summary = {by: spread([r["test_accuracy"] for r in runs if r["split"] == by])
               for by in ["slice", "patient"]}
    write_report(args.out, "plain Python smoke study (tiny cohort, tiny network)",
                 counts, runs, summary, args.steps)
    seconds["report"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - STARTED
    print(json.dumps({**counts, "features": int(len(features)),
                      "seconds": {k: round(v, 3) for k, v in seconds.items()}}))


if __name__ == "__main__":
    sys.exit(main())
