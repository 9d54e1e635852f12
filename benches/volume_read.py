"""Writes one MR-like volume in every format radflow reads, and times the reference
readers on each file (for `cargo bench --bench volume_read`).

Usage: volume_read.py OUT_DIR RUNS

Files (256 x 256 x 120 int16, oblique, smooth anatomy plus noise): scan.nii and
scan_gz.nii.gz (nibabel; not `scan.nii.gz`: ITK's NIfTI library, given `X.nii.gz`, reads
`X.nii` instead when that file exists, so SimpleITK timed the uncompressed file), scan.mha and scan_z.mha (SimpleITK, raw and zlib), scan.nrrd
(pynrrd, gzip). Each reader that can read a file reads it RUNS times; the median
seconds are printed as JSON: {"file": {"reader": seconds}}. Every reader decodes the
stored samples into an array and the grid, as radflow's `read_scan` does.
"""

import json
import os
import sys
import time

import nibabel as nib
import nrrd
import numpy as np
import SimpleITK as sitk


def phantom():
    z, y, x = np.meshgrid(np.arange(120), np.arange(256), np.arange(256), indexing="ij")
    r = np.sqrt(((x - 128) / 108) ** 2 + ((y - 128) / 120) ** 2 + ((z - 60) / 60) ** 2)
    tissue = np.where(r > 1, 0, np.where(r > 0.92, 900, 400 + 200 * np.sin(x / 9) * np.cos(y / 13)))
    noise = np.random.default_rng(0).integers(-32, 32, size=r.shape)
    return (tissue + noise).astype(np.int16)  # z, y, x


def main():
    out, runs = sys.argv[1], int(sys.argv[2])
    zyx = phantom()
    xyz = np.ascontiguousarray(zyx.transpose(2, 1, 0))
    c, s = np.cos(0.2), np.sin(0.2)
    affine = np.array([[0.9 * c, -0.9 * s, 0, -110.0], [0.9 * s, 0.9 * c, 0, -95.5], [0, 0, 1.5, -60.25], [0, 0, 0, 1]])
    nib.save(nib.Nifti1Image(xyz, affine), os.path.join(out, "scan.nii"))
    nib.save(nib.Nifti1Image(xyz, affine), os.path.join(out, "scan_gz.nii.gz"))
    img = sitk.GetImageFromArray(zyx)
    img.SetSpacing((0.9, 0.9, 1.5))
    img.SetDirection((c, -s, 0, s, c, 0, 0, 0, 1))
    img.SetOrigin((110.0, 95.5, -60.25))
    sitk.WriteImage(img, os.path.join(out, "scan.mha"), useCompression=False)
    sitk.WriteImage(img, os.path.join(out, "scan_z.mha"), useCompression=True)
    header = {
        "space": "left-posterior-superior",
        "space directions": np.diag([0.9, 0.9, 1.5]),
        "space origin": [110.0, 95.5, -60.25],
        "encoding": "gzip",
    }
    nrrd.write(os.path.join(out, "scan.nrrd"), xyz, header, index_order="F")

    def nibabel_read(path):
        # mmap=False: a memory map reads nothing until used; every reader here decodes.
        img = nib.load(path, mmap=False)
        return np.asanyarray(img.dataobj), img.affine

    def sitk_read(path):
        img = sitk.ReadImage(path)
        return sitk.GetArrayViewFromImage(img), img.GetDirection()

    def pynrrd_read(path):
        return nrrd.read(path, index_order="F")

    readers = {
        "scan.nii": {"nibabel": nibabel_read, "SimpleITK": sitk_read},
        "scan_gz.nii.gz": {"nibabel": nibabel_read, "SimpleITK": sitk_read},
        "scan.mha": {"SimpleITK": sitk_read},
        "scan_z.mha": {"SimpleITK": sitk_read},
        "scan.nrrd": {"pynrrd": pynrrd_read, "SimpleITK": sitk_read},
    }
    result = {}
    for name, by_reader in readers.items():
        path = os.path.join(out, name)
        result[name] = {}
        for reader, read in by_reader.items():
            read(path)  # warm the page cache and imports
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                read(path)
                times.append(time.perf_counter() - start)
            result[name][reader] = sorted(times)[len(times) // 2]
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
