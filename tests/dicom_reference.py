"""Reference readings for radflow's DICOM tests, from readers nobody here wrote.

Commands (JSON on stdout):
  files              every file in pydicom's own offline test data (never the ones it
                     would download): path, whether pydicom decodes pixels and, if so,
                     frames/rows/columns/samples, dtype, samples_sha256_le and whether
                     the transfer syntax is lossy; lossy arrays are written to OUT_DIR
                     as little-endian bytes for a value comparison.  Args: OUT_DIR
  series DIR         SimpleITK's ImageSeriesReader on a folder: size, origin, spacing,
                     direction (LPS, as ITK keeps them), and sha256 of the voxels as
                     float64 physical values, x fastest.
  pydicom-series DIR every file of a folder through pydicom: tags radflow writes, and the
                     stored samples per file (sha256, row-major, little-endian).
  seg FILE           a DICOM-SEG through pydicom: segments, frames and their positions.
  testfile NAME      the path of one of pydicom's bundled test files.

Needs pydicom 3 with pylibjpeg, pylibjpeg-libjpeg, pylibjpeg-openjpeg, pyjpegls
(`requirements-dev.txt`), numpy and SimpleITK.
"""

import hashlib
import json
import os
import sys

import numpy as np
import pydicom
import pydicom.data

# JPEG baseline/extended and JPEG 2000 (which may be irreversible): decoders round
# differently, so values are compared within a bound, not by hash.
LOSSY = {
    "1.2.840.10008.1.2.4.50",
    "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.91",
}


def sha256_le(array):
    array = np.ascontiguousarray(array)
    return hashlib.sha256(array.astype(array.dtype.newbyteorder("<")).tobytes()).hexdigest()


def offline_files():
    """pydicom's bundled test files: the package folder only, never the download cache."""
    root = os.path.dirname(pydicom.data.get_testdata_file("CT_small.dcm"))
    paths = []
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith((".py", ".pyc", ".txt", ".json", ".gz", ".bz2", ".zip")):
                continue
            paths.append(os.path.join(folder, name))
    return sorted(paths)


def read_file(path, out_dir, index):
    record = {"path": path}
    try:
        ds = pydicom.dcmread(path)
        pixels = ds.pixel_array
    except Exception as error:  # any refusal is a refusal, with its reason
        record["status"] = "refused"
        record["reason"] = f"{type(error).__name__}: {error}"[:300]
        return record
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    shape = (frames, int(ds.Rows), int(ds.Columns), samples)
    record["status"] = "ok"
    record["sizes"] = list(shape)
    record["dtype"] = pixels.dtype.str.lstrip("<>|=")
    record["sha256_le"] = sha256_le(pixels)
    record["transfer_syntax"] = str(ds.file_meta.TransferSyntaxUID)
    record["lossy"] = record["transfer_syntax"] in LOSSY
    if record["lossy"]:
        raw = os.path.join(out_dir, f"{index}.raw")
        with open(raw, "wb") as f:
            f.write(np.ascontiguousarray(pixels).astype(pixels.dtype.newbyteorder("<")).tobytes())
        record["raw"] = raw
    return record


def command_files(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    return [read_file(p, out_dir, i) for i, p in enumerate(offline_files())]


def command_series(folder):
    import SimpleITK as sitk

    reader = sitk.ImageSeriesReader()
    names = reader.GetGDCMSeriesFileNames(folder, recursive=True)
    reader.SetFileNames(names)
    image = reader.Execute()
    voxels = sitk.GetArrayFromImage(image).astype("<f8")  # [k, j, i]: i fastest
    return {
        "size": list(image.GetSize()),
        "origin": list(image.GetOrigin()),
        "spacing": list(image.GetSpacing()),
        "direction": list(image.GetDirection()),
        "physical_sha256": hashlib.sha256(voxels.tobytes()).hexdigest(),
        "files": len(names),
    }


def command_pydicom_series(folder):
    records = []
    for folder_path, _, names in os.walk(folder):
        for name in sorted(names):
            path = os.path.join(folder_path, name)
            ds = pydicom.dcmread(path)
            record = {
                "path": path,
                "sop_class": str(ds.SOPClassUID),
                "series_uid": str(ds.SeriesInstanceUID),
                "study_uid": str(ds.StudyInstanceUID),
                "frame_of_reference": str(ds.get("FrameOfReferenceUID", "")),
                "modality": str(ds.Modality),
            }
            if ds.SOPClassUID.name != "Segmentation Storage":
                record["position"] = [float(v) for v in ds.ImagePositionPatient]
                record["orientation"] = [float(v) for v in ds.ImageOrientationPatient]
                record["spacing"] = [float(v) for v in ds.PixelSpacing]
                record["sha256_le"] = sha256_le(ds.pixel_array)
                record["rescale"] = [float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0))]
            records.append(record)
    return records


def command_seg(path):
    ds = pydicom.dcmread(path)
    pixels = ds.pixel_array
    if pixels.ndim == 2:
        pixels = pixels[np.newaxis]
    frames = []
    for index, group in enumerate(ds.PerFrameFunctionalGroupsSequence):
        frames.append(
            {
                "segment": int(group.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
                "position": [float(v) for v in group.PlanePositionSequence[0].ImagePositionPatient],
                "sha256": hashlib.sha256(np.ascontiguousarray(pixels[index]).astype("u1").tobytes()).hexdigest(),
                "count": int(np.count_nonzero(pixels[index])),
            }
        )
    shared = ds.SharedFunctionalGroupsSequence[0]
    return {
        "segmentation_type": str(ds.SegmentationType),
        "segments": [
            {"number": int(s.SegmentNumber), "label": str(s.SegmentLabel)} for s in ds.SegmentSequence
        ],
        "referenced_series": str(ds.ReferencedSeriesSequence[0].SeriesInstanceUID),
        "orientation": [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient],
        "spacing": [float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing],
        "rows": int(ds.Rows),
        "columns": int(ds.Columns),
        "frames": frames,
    }


def main():
    command, argument = sys.argv[1], sys.argv[2]
    handlers = {
        "files": command_files,
        "series": command_series,
        "pydicom-series": command_pydicom_series,
        "seg": command_seg,
        "testfile": pydicom.data.get_testdata_file,
    }
    json.dump(handlers[command](argument), sys.stdout)


if __name__ == "__main__":
    main()
