"""PyRadiomics reference values for tests/radiomics_pyradiomics.rs and benches/radiomics_speed.py.

Usage: radiomics_reference.py OUT_DIR SHARED_DATA_DIR [--quick]

Builds the test cases (PyRadiomics' shipped images and masks, whole and cut into slices, and
synthetic slices and volumes from a fixed seed), writes each image and mask as raw
little-endian arrays under OUT_DIR, runs PyRadiomics on each, and writes OUT_DIR/cases.json:

  [{"name", "mode": "2d"|"3d", "dtype", "shape", "spacing", "thickness", "image", "mask",
    "result": {"features": {name: value}} | {"refused": message}}]

`shape` and `spacing` are numpy's order ([z,] y, x); in 2-D `thickness` is the slice
thickness. The exact PyRadiomics call (one per mode) is in `extractor()` below: a 2-D case is
a one-slice SimpleITK volume of spacing (x, y, thickness) with force2D on axis 0.
A feature PyRadiomics returns as NaN counts as a refusal, naming the features.
"""

import json
import logging
import math
import os
import sys

try:
    import numpy as np
    import SimpleITK as sitk
    import radiomics
    from radiomics import featureextractor
except ImportError as e:  # the Rust test prints this and the install line
    sys.stderr.write("missing Python package: %s (pip install -r requirements-dev.txt)\n" % e.name)
    sys.exit(3)

radiomics.logger.setLevel(logging.CRITICAL)
logging.getLogger("radiomics").setLevel(logging.CRITICAL)

CLASSES_2D = ["shape2D", "firstorder", "glcm", "glrlm", "glszm"]
CLASSES_3D = ["shape", "firstorder", "glcm", "glrlm", "glszm"]


# radflow's setting names -> PyRadiomics'.
SETTING_NAMES = {"bin_width": "binWidth", "distances": "distances", "symmetric_glcm": "symmetricalGLCM",
                 "voxel_array_shift": "voxelArrayShift"}


def extractor(mode, settings):
    """PyRadiomics' defaults (binWidth 25, distances [1], symmetrical GLCM) unless `settings`
    overrides them, five classes."""
    kwargs = {"binWidth": 25}
    kwargs.update({SETTING_NAMES[k]: v for k, v in settings.items()})
    if mode == "2d":
        ex = featureextractor.RadiomicsFeatureExtractor(force2D=True, force2Ddimension=0, **kwargs)
        classes = CLASSES_2D
    else:
        ex = featureextractor.RadiomicsFeatureExtractor(**kwargs)
        classes = CLASSES_3D
    ex.disableAllFeatures()
    for c in classes:
        ex.enableFeatureClassByName(c)
    return ex


EXTRACTORS = {}


def run_pyradiomics(mode, image, mask, spacing_xyz, settings):
    """image, mask: numpy [z, y, x]; spacing_xyz as SimpleITK wants it."""
    key = (mode, json.dumps(settings, sort_keys=True))
    if key not in EXTRACTORS:
        EXTRACTORS[key] = extractor(mode, settings)
    img = sitk.GetImageFromArray(image)
    img.SetSpacing(tuple(float(s) for s in spacing_xyz))
    msk = sitk.GetImageFromArray(mask.astype(np.uint8))
    msk.CopyInformation(img)
    try:
        out = EXTRACTORS[key].execute(img, msk, label=1)
    except ValueError as e:
        return {"refused": str(e)}
    features = {k: float(v) for k, v in out.items() if k.startswith("original_")}
    bad = sorted(k for k, v in features.items() if not math.isfinite(v))
    if bad:
        return {"refused": "non-finite features: " + ", ".join(bad)}
    return {"features": features}


class Cases:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.cases = []

    def add(self, name, mode, image, mask, spacing, thickness=None, settings=None):
        """2-D: image [y, x], spacing [row, col]; 3-D: image [z, y, x], spacing [z, y, x]."""
        image = np.ascontiguousarray(image)
        mask = np.ascontiguousarray((mask == 1).astype(np.uint8))
        index = len(self.cases)
        image_file = "case%04d_image.raw" % index
        mask_file = "case%04d_mask.raw" % index
        image.astype(image.dtype.newbyteorder("<")).tofile(os.path.join(self.out_dir, image_file))
        mask.tofile(os.path.join(self.out_dir, mask_file))
        if mode == "2d":
            volume, volume_mask = image[None], mask[None]
            spacing_xyz = (spacing[1], spacing[0], thickness)
        else:
            volume, volume_mask = image, mask
            spacing_xyz = (spacing[2], spacing[1], spacing[0])
        self.cases.append({
            "name": name,
            "mode": mode,
            "dtype": image.dtype.name,
            "shape": list(image.shape),
            "spacing": [float(s) for s in spacing],
            "thickness": None if thickness is None else float(thickness),
            "image": image_file,
            "mask": mask_file,
            "settings": settings or {},
            "result": run_pyradiomics(mode, volume, volume_mask, spacing_xyz, settings or {}),
        })


def read(path):
    img = sitk.ReadImage(path)
    return sitk.GetArrayFromImage(img), img.GetSpacing()


def shipped(cases, data, quick):
    """PyRadiomics' own test data: whole volumes (3-D) and every lesion slice (2-D)."""
    pr = os.path.join(data, "pyradiomics")
    pairs = [
        ("brain1", "brain1_image.nrrd", "brain1_label.nrrd", 1),
        ("brain2", "brain2_image.nrrd", "brain2_label.nrrd", 1),
        ("breast1", "breast1_image.nrrd", "breast1_label.nrrd", 1),
        ("prostate", "prostate_phantom_subvolume.nrrd", "prostate_phantom_subvolume-label.nrrd", 1),
        ("wavelet37", "wavelet_phantom/test-image_37x37x37.nrrd", "wavelet_phantom/test-mask_37x37x37.nrrd", 1),
        ("wavelet64", "wavelet_phantom/test-image_64x64x64.nrrd", "wavelet_phantom/test-mask_64x64x64.nrrd", 1),
    ]
    if quick:
        pairs = pairs[:3]
    for name, image_file, mask_file, label in pairs:
        image, (sx, sy, sz) = read(os.path.join(pr, image_file))
        mask, _ = read(os.path.join(pr, mask_file))
        mask = (mask == label).astype(np.uint8)
        if image.dtype == np.uint8:
            # PyRadiomics computes `max + 2 * binWidth` in uint8, which wraps for max > 205
            # and puts every voxel in one bin; int16 holds the same values without that bug.
            image = image.astype(np.int16)
        if not quick or name == "breast1":
            cases.add(name + "/3d", "3d", image, mask, (sz, sy, sx))
        zs = np.nonzero(mask.any(axis=(1, 2)))[0]
        for z in zs:
            cases.add("%s/z%03d" % (name, z), "2d", image[z], mask[z], (sy, sx), sz)
        if name.startswith("wavelet") and not quick:
            # Coronal slices: anisotropic in-plane spacing relabelled, other cut direction.
            ys = np.nonzero(mask.any(axis=(0, 2)))[0]
            for y in ys[:: max(1, len(ys) // 6)]:
                cases.add("%s/y%03d" % (name, y), "2d", image[:, y, :], mask[:, y, :], (sz * 2.5, sx), sy)
    # lung1/lung2 ship only their labels here: CT-like int16 noise under the real masks.
    rng = np.random.default_rng(7)
    for name in ([] if quick else ["lung1", "lung2"]):
        mask, (sx, sy, sz) = read(os.path.join(pr, name + "_label.nrrd"))
        mask = (mask == 1).astype(np.uint8)
        zs = np.nonzero(mask.any(axis=(1, 2)))[0]
        ys = np.nonzero(mask.any(axis=(0, 2)))[0]
        xs = np.nonzero(mask.any(axis=(0, 1)))[0]
        box = (slice(zs[0], zs[-1] + 1), slice(max(ys[0] - 3, 0), ys[-1] + 4), slice(max(xs[0] - 3, 0), xs[-1] + 4))
        m = mask[box]
        image = texture(rng, m.shape, -1000, 400).astype(np.int16)
        cases.add(name + "/3d", "3d", image, m, (sz, sy, sx))
        for z in range(m.shape[0]):
            if m[z].any():
                cases.add("%s/z%03d" % (name, z), "2d", image[z], m[z], (sy, sx), sz)


def texture(rng, shape, low, high):
    """Smooth random texture: white noise blurred by a few box passes, scaled to [low, high]."""
    a = rng.standard_normal(shape)
    for axis in range(len(shape)):
        for _ in range(2):
            a = (np.roll(a, 1, axis) + a + np.roll(a, -1, axis)) / 3.0
    a = (a - a.min()) / max(a.max() - a.min(), 1e-12)
    return low + a * (high - low)


def blob(rng, shape, fill):
    """A random lesion: smoothed noise thresholded to keep `fill` of the grid."""
    a = texture(rng, shape, 0.0, 1.0)
    return (a > np.quantile(a, 1.0 - fill)).astype(np.uint8)


def synthetic(cases, quick):
    rng = np.random.default_rng(20241205)
    n2 = 12 if quick else 60
    for i in range(n2):
        h, w = int(rng.integers(8, 70)), int(rng.integers(8, 70))
        fill = float(rng.uniform(0.05, 0.6))
        mask = blob(rng, (h, w), fill)
        kind = i % 6
        if kind == 0:
            image = texture(rng, (h, w), 0, 1024).round().astype(np.int16)
        elif kind == 1:
            image = texture(rng, (h, w), -300, 300).astype(np.float32)
        elif kind == 2:
            image = texture(rng, (h, w), -1024.5, 2000.25)  # float64
        elif kind == 3:
            image = rng.integers(0, 200, size=(h, w)).astype(np.uint8)
        elif kind == 4:
            image = rng.integers(0, 4000, size=(h, w)).astype(np.uint16)
        else:
            image = (texture(rng, (h, w), -50, 50) * 3.7).astype(np.int32)
        spacing = (float(rng.uniform(0.3, 1.5)), float(rng.uniform(0.3, 1.5)))
        thickness = float(rng.uniform(0.5, 6.0))
        cases.add("synthetic2d/%02d_%s_%dx%d" % (i, image.dtype.name, h, w), "2d", image, mask, spacing, thickness)

    # Lesions with a hole and several components, intensities around zero.
    h, w = 40, 53
    yy, xx = np.mgrid[0:h, 0:w]
    ring = (((yy - 20) ** 2 + (xx - 20) ** 2 < 15 ** 2) & ((yy - 20) ** 2 + (xx - 20) ** 2 >= 6 ** 2)).astype(np.uint8)
    ring[5:12, 40:50] = 1  # a second component
    ring[30:33, 44:46] = 1  # a third
    image = texture(rng, (h, w), -500, 500).round().astype(np.int16)
    cases.add("edge/hole_and_components", "2d", image, ring, (0.7, 1.1), 3.0)
    cases.add("edge/hole_and_components_float", "2d", image.astype(np.float32) / 7, ring, (0.7, 1.1), 3.0)

    # Degenerate lesions: PyRadiomics' conventions or refusals.
    image = texture(rng, (12, 14), 0, 800).round().astype(np.int16)
    constant = np.full((12, 14), 321, np.int16)
    square = np.zeros((12, 14), np.uint8)
    square[3:8, 4:10] = 1
    cases.add("edge/constant_lesion", "2d", constant, square, (1.0, 1.0), 1.0)
    cases.add("edge/constant_lesion_float", "2d", constant.astype(np.float64) + 0.25, square, (0.9, 0.8), 2.0)
    single = np.zeros((12, 14), np.uint8)
    single[5, 5] = 1
    cases.add("edge/one_pixel", "2d", image, single, (1.0, 1.0), 1.0)
    line = np.zeros((12, 14), np.uint8)
    line[5, 2:11] = 1
    cases.add("edge/one_pixel_wide_line", "2d", image, line, (1.0, 1.0), 1.0)
    pair = np.zeros((12, 14), np.uint8)
    pair[5, 5:7] = 1
    cases.add("edge/two_adjacent_pixels", "2d", image, pair, (1.0, 1.0), 1.0)
    diagonal = np.zeros((12, 14), np.uint8)
    diagonal[5, 5] = diagonal[6, 6] = 1
    cases.add("edge/two_diagonal_pixels", "2d", image, diagonal, (1.0, 1.0), 1.0)
    apart = np.zeros((12, 14), np.uint8)
    apart[2, 2] = apart[9, 11] = 1
    cases.add("edge/two_distant_pixels", "2d", image, apart, (1.0, 1.0), 1.0)
    cases.add("edge/empty_mask", "2d", image, np.zeros((12, 14), np.uint8), (1.0, 1.0), 1.0)
    full = np.ones((12, 14), np.uint8)
    cases.add("edge/lesion_fills_the_slice", "2d", image, full, (0.5, 2.0), 4.0)
    two_levels = np.where(np.arange(14)[None, :] < 7, 10, 60).astype(np.int16) * np.ones((12, 1), np.int16)
    cases.add("edge/two_gray_levels", "2d", two_levels, square, (1.0, 1.0), 1.0)

    # Settings other than the defaults, on fresh textures.
    variants = [
        {"bin_width": 10},
        {"bin_width": 3.5},
        {"distances": [1, 2]},
        {"distances": [2]},
        {"symmetric_glcm": False},
        {"voxel_array_shift": 1000},
        {"bin_width": 40, "distances": [1, 3], "symmetric_glcm": False, "voxel_array_shift": 25.5},
    ]
    for i, settings in enumerate(variants):
        h, w = int(rng.integers(15, 50)), int(rng.integers(15, 50))
        image = texture(rng, (h, w), -100, 700).round().astype(np.int16)
        if i % 2:
            image = image.astype(np.float32) / 3
        cases.add("settings2d/%d_%s" % (i, "_".join("%s=%s" % kv for kv in settings.items())), "2d", image,
                  blob(rng, (h, w), 0.35), (0.8, 0.6), 2.5, settings)
        shape = (5, 16, 19)
        cases.add("settings3d/%d_%s" % (i, "_".join("%s=%s" % kv for kv in settings.items())), "3d",
                  texture(rng, shape, 0, 900).round().astype(np.int16), blob(rng, shape, 0.3), (2.0, 0.7, 0.9),
                  None, settings)

    # Volumes.
    n3 = 3 if quick else 12
    for i in range(n3):
        shape = (int(rng.integers(2, 12)), int(rng.integers(6, 30)), int(rng.integers(6, 30)))
        mask = blob(rng, shape, float(rng.uniform(0.1, 0.5)))
        if i % 2 == 0:
            image = texture(rng, shape, -200, 1200).round().astype(np.int16)
        else:
            image = texture(rng, shape, 0, 10).astype(np.float32) * 33
        spacing = (float(rng.uniform(1.0, 5.0)), float(rng.uniform(0.4, 1.2)), float(rng.uniform(0.4, 1.2)))
        cases.add("synthetic3d/%02d_%s_%dx%dx%d" % ((i, image.dtype.name) + shape), "3d", image, mask, spacing)
    flat = np.zeros((4, 10, 10), np.uint8)
    flat[2, 2:8, 3:9] = 1
    cases.add("edge3d/one_slice_lesion", "3d", texture(rng, (4, 10, 10), 0, 500).round().astype(np.int16), flat,
              (3.0, 0.8, 0.8))
    wall = np.zeros((6, 10, 10), np.uint8)
    wall[1:5, 2:8, 4] = 1
    cases.add("edge3d/one_voxel_thick_wall", "3d", texture(rng, (6, 10, 10), 0, 500).round().astype(np.int16), wall,
              (2.0, 1.0, 1.0))
    cases.add("edge3d/constant", "3d", np.full((4, 10, 10), 77, np.int16), blob(rng, (4, 10, 10), 0.3),
              (2.0, 1.0, 1.0))


def main():
    out_dir, data = sys.argv[1], sys.argv[2]
    quick = "--quick" in sys.argv[3:]
    cases = Cases(out_dir)
    shipped(cases, data, quick)
    synthetic(cases, quick)
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump({"pyradiomics": radiomics.__version__, "cases": cases.cases}, f)


if __name__ == "__main__":
    main()
