"""Times pydicom and SimpleITK reading one DICOM series folder, for benches/dicom_read.rs.

pydicom: read every file, sort by position along the slice normal, stack pixel_array
(what a numpy user writes). SimpleITK: ImageSeriesReader on the folder. Prints JSON with
the best of N wall times in seconds.
"""

import json
import os
import sys
import time

import numpy as np
import pydicom
import SimpleITK as sitk


def pydicom_read(folder):
    datasets = [pydicom.dcmread(os.path.join(folder, name)) for name in os.listdir(folder)]
    orientation = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(orientation[:3], orientation[3:])
    datasets.sort(key=lambda ds: float(np.dot(np.array(ds.ImagePositionPatient, dtype=float), normal)))
    return np.stack([ds.pixel_array for ds in datasets])


def sitk_read(folder):
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(folder))
    return sitk.GetArrayFromImage(reader.Execute())


def best(function, folder, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(folder)
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    folder, repeats = sys.argv[1], int(sys.argv[2])
    print(json.dumps({"pydicom": best(pydicom_read, folder, repeats), "simpleitk": best(sitk_read, folder, repeats)}))


if __name__ == "__main__":
    main()
