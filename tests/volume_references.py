"""Reference facts for radflow's NIfTI and MetaImage conformance test.

Usage: volume_references.py OUT_DIR

Collects every NIfTI file shipped in nibabel's own test data, writes more NIfTI files
with nibabel (types, byte orders, pairs, NIfTI-2, scaling, oblique grids) and MetaImage
files with SimpleITK (types, compressed or not, .mha and .mhd, oblique directions, one
file per slice), plus a few broken files. For each file it prints what the reference
reader (nibabel for NIfTI, SimpleITK for MetaImage) finds: sizes, the sha256 of the
stored samples in file order (x fastest, little-endian), and the grid in LPS, or that it
refuses the file. Output: a JSON list on stdout.
"""

import gzip
import hashlib
import json
import os
import shutil
import sys

import numpy as np

try:
    import nibabel as nib
    import SimpleITK as sitk
except ImportError as error:  # the Rust test names the package to install
    sys.exit(f"missing package: {error.name} (pip install -r requirements-dev.txt)")


def sha_le(array):
    flat = np.asarray(array).ravel(order="F")
    return hashlib.sha256(flat.astype(flat.dtype.newbyteorder("<")).tobytes()).hexdigest()


def nibabel_facts(path):
    img = nib.load(path)
    if isinstance(img, nib.Cifti2Image):
        img = nib.Nifti2Image.load(path)
    data = np.asanyarray(img.dataobj.get_unscaled())
    affine = img.affine.copy()
    affine[:2, :] *= -1  # RAS+ to LPS
    steps = [list(map(float, affine[:3, a])) for a in range(3)]
    return {
        "sizes": list(map(int, img.shape)),
        "samples_sha256_le": sha_le(data),
        "origin": list(map(float, affine[:3, 3])),
        "steps": steps,
    }


def sitk_facts(path):
    img = sitk.ReadImage(path)
    array = sitk.GetArrayFromImage(img)  # C order: x fastest in memory
    flat = array.ravel(order="C")
    size = list(img.GetSize())
    dim = img.GetDimension()
    direction = np.array(img.GetDirection()).reshape(dim, dim)
    spacing = img.GetSpacing()
    steps = []
    for a in range(3):
        step = [0.0, 0.0, 0.0]
        if a < dim:
            for i in range(min(dim, 3)):
                step[i] = float(direction[i, a] * spacing[a])
        else:
            step[a] = 1.0
        steps.append(step)
    origin = list(img.GetOrigin())[:3] + [0.0] * max(0, 3 - dim)
    return {
        "sizes": size,
        "samples_sha256_le": hashlib.sha256(
            flat.astype(flat.dtype.newbyteorder("<")).tobytes()
        ).hexdigest(),
        "origin": list(map(float, origin)),
        "steps": steps,
    }


def rotation(a, b, c):
    ca, sa, cb, sb, cc, sc = np.cos(a), np.sin(a), np.cos(b), np.sin(b), np.cos(c), np.sin(c)
    rx = np.array([[1, 0, 0], [0, ca, -sa], [0, sa, ca]])
    ry = np.array([[cb, 0, sb], [0, 1, 0], [-sb, 0, cb]])
    rz = np.array([[cc, -sc, 0], [sc, cc, 0], [0, 0, 1]])
    return rz @ ry @ rx


def volume(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return (rng.standard_normal(shape) * 100).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)


def nibabel_files(out):
    files = []
    shape = (7, 5, 4)
    oblique = np.eye(4)
    oblique[:3, :3] = rotation(0.3, -0.2, 0.5) @ np.diag([0.8, 1.1, 2.5])
    oblique[:3, 3] = [-20.5, 13.25, 40.0]
    flipped = np.diag([-1.5, 0.9, -3.0, 1.0])
    flipped[:3, 3] = [5.0, -7.0, 11.0]
    cases = [
        ("n1_int16_oblique.nii.gz", nib.Nifti1Image, np.int16, oblique, "<"),
        ("n1_uint8_flipped.nii", nib.Nifti1Image, np.uint8, flipped, "<"),
        ("n1_float32_big_endian.nii", nib.Nifti1Image, np.float32, oblique, ">"),
        ("n1_int32.nii.gz", nib.Nifti1Image, np.int32, flipped, "<"),
        ("n1_uint16.nii", nib.Nifti1Image, np.uint16, oblique, "<"),
        ("n1_int8.nii", nib.Nifti1Image, np.int8, flipped, ">"),
        ("n1_float64.nii.gz", nib.Nifti1Image, np.float64, oblique, "<"),
        ("n1_uint32.nii", nib.Nifti1Image, np.uint32, flipped, "<"),
        ("n1_int64.nii", nib.Nifti1Image, np.int64, oblique, "<"),
        ("n1_pair_int16.hdr", nib.Nifti1Pair, np.int16, oblique, "<"),
        ("n1_pair_float32_big.hdr", nib.Nifti1Pair, np.float32, flipped, ">"),
        ("n2_int16_oblique.nii.gz", nib.Nifti2Image, np.int16, oblique, "<"),
        ("n2_float64_big.nii", nib.Nifti2Image, np.float64, flipped, ">"),
        ("n2_pair_uint8.hdr", nib.Nifti2Pair, np.uint8, oblique, "<"),
    ]
    for index, (name, klass, dtype, affine, order) in enumerate(cases):
        data = volume(shape, dtype, index)
        header = klass.header_class(endianness=order)
        img = klass(data, affine, header)
        img.set_data_dtype(dtype)
        path = os.path.join(out, name)
        nib.save(img, path)
        files.append(path)
    # Scaling: stored int16 with a slope and an intercept.
    img = nib.Nifti1Image(volume(shape, np.int16, 50), oblique)
    img.header.set_slope_inter(0.25, -100.0)
    path = os.path.join(out, "n1_scaled.nii")
    nib.save(img, path)
    files.append(path)
    # A qform only (sform code 0), and a sform only, and neither.
    for name, qcode, scode in [("n1_qform_only.nii", 1, 0), ("n1_sform_only.nii", 0, 2), ("n1_no_transform.nii", 0, 0)]:
        img = nib.Nifti1Image(volume(shape, np.int16, 60), oblique)
        img.set_qform(oblique, code=qcode)
        img.set_sform(oblique, code=scode)
        path = os.path.join(out, name)
        nib.save(img, path)
        files.append(path)
    # A 4-D series and a 2-D image.
    path = os.path.join(out, "n1_4d.nii.gz")
    nib.save(nib.Nifti1Image(volume((6, 5, 3, 4), np.int16, 70), flipped), path)
    files.append(path)
    path = os.path.join(out, "n1_2d.nii")
    nib.save(nib.Nifti1Image(volume((9, 8), np.float32, 71), flipped), path)
    files.append(path)
    # Broken: truncated data, a pair without its .img, a gzip stream cut short.
    source = os.path.join(out, "n1_uint16.nii")
    raw = open(source, "rb").read()
    path = os.path.join(out, "broken_truncated.nii")
    open(path, "wb").write(raw[: len(raw) - 10])
    files.append(path)
    path = os.path.join(out, "broken_lonely.hdr")
    shutil.copy(os.path.join(out, "n1_pair_int16.hdr"), path)
    files.append(path)
    path = os.path.join(out, "broken_cut.nii.gz")
    open(path, "wb").write(gzip.compress(raw)[:200])
    files.append(path)
    return files


def sitk_files(out):
    files = []
    size = (7, 5, 4)
    direction = rotation(-0.4, 0.25, 0.1)
    types = [
        ("uint8", np.uint8), ("int8", np.int8), ("int16", np.int16), ("uint16", np.uint16),
        ("int32", np.int32), ("uint32", np.uint32), ("int64", np.int64), ("float32", np.float32),
        ("float64", np.float64),
    ]
    for index, (name, dtype) in enumerate(types):
        array = volume(size[::-1], dtype, 100 + index)  # numpy order z, y, x
        img = sitk.GetImageFromArray(array)
        img.SetSpacing((0.7, 1.3, 2.9))
        img.SetOrigin((-33.5, 12.25, 7.0))
        img.SetDirection(tuple(direction.ravel()))
        for extension in ("mha", "mhd"):
            for compressed in (False, True):
                path = os.path.join(out, f"{name}_{'z' if compressed else 'raw'}.{extension}")
                sitk.WriteImage(img, path, useCompression=compressed)
                files.append(path)
    # A flipped axis-aligned grid and a 2-D image.
    img = sitk.GetImageFromArray(volume((3, 6, 9), np.int16, 200))
    img.SetDirection((-1, 0, 0, 0, -1, 0, 0, 0, 1))
    img.SetSpacing((0.5, 0.5, 4.0))
    path = os.path.join(out, "flipped.mha")
    sitk.WriteImage(img, path)
    files.append(path)
    img = sitk.GetImageFromArray(volume((6, 9), np.float32, 201))
    img.SetSpacing((0.5, 2.0))
    img.SetOrigin((3.0, -4.0))
    path = os.path.join(out, "flat_2d.mha")
    sitk.WriteImage(img, path)
    files.append(path)
    # One file per slice, as a LIST and as a pattern, written by hand (ITK reads both).
    array = volume((4, 5, 7), np.int16, 202)
    for form in ("list", "pattern"):
        names = [f"{form}_slice{z:03d}.raw" for z in range(4)]
        for z, name in enumerate(names):
            open(os.path.join(out, name), "wb").write(array[z].astype("<i2").tobytes())
        data_line = "LIST\n" + "\n".join(names) if form == "list" else f"{form}_slice%03d.raw 0 3 1"
        header = (
            "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
            "CompressedData = False\nTransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 1 2 3\n"
            "ElementSpacing = 0.5 0.6 2\nDimSize = 7 5 4\nElementType = MET_SHORT\n"
            f"ElementDataFile = {data_line}\n"
        )
        path = os.path.join(out, f"{form}.mhd")
        open(path, "w").write(header)
        files.append(path)
    # Broken: a .mhd whose raw file is missing, a truncated .mha.
    path = os.path.join(out, "broken_missing_raw.mhd")
    text = open(os.path.join(out, "int16_raw.mhd")).read()
    open(path, "w").write(text.replace("int16_raw.raw", "nowhere.raw"))
    files.append(path)
    raw = open(os.path.join(out, "int16_raw.mha"), "rb").read()
    path = os.path.join(out, "broken_truncated.mha")
    open(path, "wb").write(raw[:-7])
    files.append(path)
    return files


def main():
    out = sys.argv[1]
    data = os.path.join(os.path.dirname(nib.__file__), "tests", "data")
    shipped = sorted(
        os.path.join(data, name)
        for name in os.listdir(data)
        if name.endswith((".nii", ".nii.gz", ".hdr"))
    )
    results = []
    for reader, facts, paths in [
        ("nibabel", nibabel_facts, shipped + nibabel_files(out)),
        ("SimpleITK", sitk_facts, sitk_files(out)),
    ]:
        for path in paths:
            entry = {"path": path, "reference": reader}
            try:
                entry.update(facts(path))
            except Exception as error:  # the reference refuses the file
                entry["refused"] = f"{type(error).__name__}: {error}".splitlines()[0]
            results.append(entry)
    json.dump(results, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
