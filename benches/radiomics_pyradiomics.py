"""PyRadiomics' side of `cargo bench --bench radiomics`: the same slices, timed here.

Usage: radiomics_pyradiomics.py OUT_DIR SHARED_DATA_DIR REPEATS

Cuts every lesion slice of PyRadiomics' shipped brain1, brain2 and breast1 cases, writes each
as raw little-endian int16 image + uint8 mask under OUT_DIR with OUT_DIR/slices.json, then
times PyRadiomics on each slice (single thread, REPEATS passes, best pass per slice) with the
call that tests/radiomics_reference.py checks against radflow:
RadiomicsFeatureExtractor(binWidth=25, force2D=True, force2Ddimension=0), classes shape2D,
firstorder, glcm, glrlm, glszm, on a one-slice volume of spacing (x, y, thickness),
with its diagnostics (`additionalInfo`) off so that only the features are timed.
"""

import json
import logging
import os
import sys
import time

import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import featureextractor

logging.getLogger("radiomics").setLevel(logging.CRITICAL)
radiomics.logger.setLevel(logging.CRITICAL)


def main():
    out_dir, data, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ex = featureextractor.RadiomicsFeatureExtractor(binWidth=25, force2D=True, force2Ddimension=0)
    ex.addProvenance(False)  # no diagnostics: time the features only
    ex.disableAllFeatures()
    for c in ["shape2D", "firstorder", "glcm", "glrlm", "glszm"]:
        ex.enableFeatureClassByName(c)
    slices = []
    inputs = []
    for name in ["brain1", "brain2", "breast1"]:
        image = sitk.ReadImage(os.path.join(data, "pyradiomics", name + "_image.nrrd"))
        mask = sitk.ReadImage(os.path.join(data, "pyradiomics", name + "_label.nrrd"))
        a = sitk.GetArrayFromImage(image).astype(np.int16)
        m = (sitk.GetArrayFromImage(mask) == 1).astype(np.uint8)
        sx, sy, sz = image.GetSpacing()
        for z in np.nonzero(m.any(axis=(1, 2)))[0]:
            index = len(slices)
            a[z].astype("<i2").tofile(os.path.join(out_dir, "slice%03d_image.raw" % index))
            m[z].tofile(os.path.join(out_dir, "slice%03d_mask.raw" % index))
            slices.append({"name": "%s/z%03d" % (name, z), "shape": list(a[z].shape),
                           "spacing": [sy, sx], "thickness": sz, "lesion_pixels": int(m[z].sum())})
            img = sitk.GetImageFromArray(a[z][None])
            img.SetSpacing((sx, sy, sz))
            msk = sitk.GetImageFromArray(m[z][None])
            msk.CopyInformation(img)
            inputs.append((img, msk))
    best = [float("inf")] * len(inputs)
    refused = 0
    for _ in range(repeats):
        for i, (img, msk) in enumerate(inputs):
            start = time.perf_counter()
            try:
                ex.execute(img, msk, label=1)
            except ValueError:
                refused += 1
            best[i] = min(best[i], time.perf_counter() - start)
    for s, t in zip(slices, best):
        s["pyradiomics_seconds"] = t
    with open(os.path.join(out_dir, "slices.json"), "w") as f:
        json.dump({"pyradiomics": radiomics.__version__, "slices": slices}, f)


if __name__ == "__main__":
    main()
