#!/usr/bin/env python3
"""Stages 2-4 of the glioma grading study written the straightforward way, as a yardstick
for `benches/e2e.sh stages`: pynrrd, numpy and Pillow, one process, one patient at a time.

    python3 benches/python_reference.py COHORT OUT [--size 299] [--min-pixels 50]

COHORT is a folder written by `radflow synth`; OUT receives one .npy per lesion slice
(pixels and mask, as radflow stores them) and one per resized slice. Prints one JSON line
with the counts and the seconds spent. `benches/python_study.py` (the whole study) imports
`graded_patients`, `patient_slices`, `kept_slices` and `resized` from here.

What it does, per graded patient with both files (radflow's `patients` rules, simplified to
the grade spellings the synth writes):
  2. reads the scan and the 3D Slicer segmentation, takes segment `tumor` (its layer and
     label value in a 4-D layered file), places it on the scan grid at
     `Segmentation_ReferenceImageExtentOffset`, cuts axial slices (the third axis), and for
     every slice holding lesion voxels computes the area and the bounding box and saves its
     pixels and mask;
  3. keeps, per patient, the slices whose area is >= max(min_pixels, 0.25 x the patient's
     largest area), and always the largest one;
  4. crops each kept slice to the lesion box grown by 10% on each side and squared (shifted
     inside the slice), windows 0..1024 to -1..1, resizes bicubic to SIZE x SIZE with Pillow
     (mode `F`, the same kernel as radflow's, a = -0.5 with antialiasing) and saves it as
     float32, one grey channel as radflow stores it (within 0.01 of radflow's pixels:
     Pillow computes in float32).

What it does not do (radflow does): check that the two files' geometry agrees (spacing,
directions, origins off the grid; it trusts the offset the segmentation states), pick the
axial axis from the directions, resample a segmentation on another grid, hash or cache
anything (a rerun redoes all the work), write manifests or run records, run on more than
one core, or report dropped patients.
"""

import argparse
import csv
import glob
import json
import os
import sys
import time

import nrrd
import numpy as np
from PIL import Image

GRADES = {
    "II": "II", "2": "II", "G2": "II", "grade II": "II",
    "III": "III", "3": "III", "G3": "III", "grade III": "III",
    "IV": "IV", "4": "IV", "G4": "IV", "grade IV": "IV",
}


def graded_patients(cohort):
    with open(os.path.join(cohort, "clinical.csv"), newline="") as f:
        for row in csv.DictReader(f):
            grade = GRADES.get(row["grade"].strip())
            scan = os.path.join(cohort, row["patient_id"], "image.nrrd")
            segs = glob.glob(os.path.join(cohort, row["patient_id"], "*.seg.nrrd"))
            if grade and os.path.isfile(scan) and segs:
                yield row["patient_id"], grade, scan, segs[0]


def tumor_mask(scan_shape, seg_path):
    """The `tumor` segment as a boolean volume on the scan grid (x, y, z)."""
    data, header = nrrd.read(seg_path)
    i = next(
        k
        for k in range(64)
        if header.get(f"Segment{k}_Name") == "tumor"
    )
    label = int(header[f"Segment{i}_LabelValue"])
    if data.ndim == 4:
        data = data[int(header[f"Segment{i}_Layer"])]
    offset = [int(v) for v in header["Segmentation_ReferenceImageExtentOffset"].split()]
    mask = np.zeros(scan_shape, dtype=bool)
    x, y, z = offset
    sx, sy, sz = data.shape
    mask[x:x + sx, y:y + sy, z:z + sz] = data == label
    return mask


def place(lo, hi, side, size):
    """Start and length of a `side`-long span centred on lo..=hi inside 0..size."""
    if side >= size:
        return 0, size
    start = ((lo + hi + 1) - side + 1) // 2
    return min(max(start, 0), size - side), side


def resized(pixels, box, size):
    x0, y0, x1, y1 = box
    side = max(int(np.floor(max(x1 - x0 + 1, y1 - y0 + 1) * 1.2 + 0.5)), 1)
    h, w = pixels.shape
    x, cw = place(x0, x1, side, w)
    y, ch = place(y0, y1, side, h)
    crop = pixels[y:y + ch, x:x + cw].astype(np.float32)
    windowed = -1.0 + (np.clip(crop, 0.0, 1024.0) / 1024.0) * 2.0
    image = Image.fromarray(windowed.astype(np.float32), mode="F")
    # One grey channel, as radflow stores it (the features stage repeats it to three).
    return np.asarray(image.resize((size, size), Image.BICUBIC), dtype=np.float32)


def patient_slices(scan_path, seg_path):
    """Stage 2 for one patient: (number of axial slices, its lesion slices). Each lesion
    slice is (area, name suffix `z003`, pixels, mask, box) with rows along y, as radflow
    stores slices, and box = (x0, y0, x1, y1) inclusive."""
    scan, _ = nrrd.read(scan_path)
    mask = tumor_mask(scan.shape, seg_path)
    lesion = []
    for z in range(scan.shape[2]):
        m = mask[:, :, z].T  # rows are y, x along a row, as radflow stores slices
        area = int(m.sum())
        if area == 0:
            continue
        ys, xs = np.nonzero(m)
        box = (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))
        lesion.append((area, f"z{z:03d}", scan[:, :, z].T, m, box))
    return scan.shape[2], lesion


def kept_slices(lesion, min_pixels):
    """Stage 3: the slices whose area is >= max(min_pixels, 0.25 x the largest area), and
    always the largest one; largest first (ties by name)."""
    if not lesion:
        return []
    ranked = sorted(lesion, key=lambda s: (-s[0], s[1]))
    threshold = max(min_pixels, 0.25 * ranked[0][0])
    return [s for rank, s in enumerate(ranked) if rank < 1 or s[0] >= threshold]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cohort")
    parser.add_argument("out")
    parser.add_argument("--size", type=int, default=299)
    parser.add_argument("--min-pixels", type=int, default=50)
    args = parser.parse_args()
    started = time.perf_counter()
    os.makedirs(os.path.join(args.out, "slices"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "resized"), exist_ok=True)
    patients = slices = lesion_slices = kept = 0
    for pid, _grade, scan_path, seg_path in graded_patients(args.cohort):
        n_slices, lesion = patient_slices(scan_path, seg_path)
        patients += 1
        slices += n_slices
        lesion_slices += len(lesion)
        for _area, z, pixels, m, _box in lesion:
            name = f"{pid}_{z}"
            np.save(os.path.join(args.out, "slices", name + "_pixels.npy"), pixels)
            np.save(os.path.join(args.out, "slices", name + "_mask.npy"), m)
        for _area, z, pixels, _m, box in kept_slices(lesion, args.min_pixels):
            np.save(
                os.path.join(args.out, "resized", f"{pid}_{z}.npy"),
                resized(pixels, box, args.size),
            )
            kept += 1
    print(json.dumps({
        "patients": patients,
        "slices": slices,
        "lesion_slices": lesion_slices,
        "kept": kept,
        "seconds": round(time.perf_counter() - started, 3),
    }))


if __name__ == "__main__":
    sys.exit(main())
