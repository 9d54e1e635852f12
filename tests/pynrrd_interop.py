#!/usr/bin/env python3
"""pynrrd side of tests/nrrd_pynrrd_interop.rs.

  pynrrd_interop.py check MANIFEST   read every file radflow wrote, compare with the
                                     manifest, print one JSON result per file
  pynrrd_interop.py write DIR        write files with pynrrd in every encoding pynrrd
                                     has, print a JSON manifest of what they hold

Needs pynrrd 1.1.3 and numpy: pip install pynrrd==1.1.3 numpy
"""

import hashlib
import json
import math
import sys

import numpy as np

try:
    import nrrd
except ImportError:
    sys.exit("pynrrd is not installed: pip install pynrrd==1.1.3 numpy")


def samples_sha256_le(data):
    """sha256 of the samples in file order (axis 0 fastest), little-endian."""
    array = np.asarray(data)
    little = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return hashlib.sha256(little.ravel(order="F").tobytes()).hexdigest()


def unescape(text):
    """NRRD key/value escapes: backslash-n is a newline, two backslashes are one."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "n\\":
            out.append("\n" if text[i + 1] == "n" else "\\")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def as_directions(value):
    """pynrrd's direction matrix as a list of rows, None for a `none` (NaN) row."""
    if value is None:
        return None
    rows = []
    for row in np.asarray(value, dtype=float):
        rows.append(None if all(math.isnan(x) for x in row) else [float(x) for x in row])
    return rows


STANDARD = {
    "type", "dimension", "space", "space dimension", "sizes", "space directions",
    "kinds", "endian", "encoding", "space origin", "data file", "spacings",
    "space units", "measurement frame", "content", "labels", "units", "centerings",
}


def check(manifest_path):
    with open(manifest_path, encoding="utf-8") as handle:
        manifest = json.load(handle)
    results = []
    for entry in manifest:
        problems = []
        try:
            data, header = nrrd.read(entry["path"])
        except Exception as error:  # noqa: BLE001 - every failure is reported
            if entry.get("pynrrd_unsupported"):
                results.append({"path": entry["path"], "problems": []})
                continue
            results.append({"path": entry["path"], "problems": [f"read failed: {error!r}"]})
            continue
        if entry.get("pynrrd_unsupported"):
            problems.append("pynrrd read an encoding it is not supposed to support")
        if samples_sha256_le(data) != entry["samples_sha256_le"]:
            problems.append("samples differ")
        if list(header["sizes"]) != entry["sizes"]:
            problems.append(f"sizes {list(header['sizes'])} != {entry['sizes']}")
        if np.asarray(data).dtype.newbyteorder("=").name != entry["numpy_dtype"]:
            problems.append(f"dtype {np.asarray(data).dtype} != {entry['numpy_dtype']}")
        if header.get("space") != entry["space"]:
            problems.append(f"space {header.get('space')} != {entry['space']}")
        if as_directions(header.get("space directions")) != entry["space_directions"]:
            problems.append(f"space directions {header.get('space directions')!r}")
        origin = header.get("space origin")
        origin = None if origin is None else [float(x) for x in origin]
        if origin != entry["space_origin"]:
            problems.append(f"space origin {origin} != {entry['space_origin']}")
        if header.get("kinds") != entry["kinds"]:
            problems.append(f"kinds {header.get('kinds')} != {entry['kinds']}")
        key_values = [[k, unescape(v)] for k, v in header.items() if k not in STANDARD]
        if key_values != entry["key_values"]:
            problems.append(f"key/values {key_values} != {entry['key_values']}")
        expected_endian = entry.get("endian")
        if header.get("endian") != expected_endian:
            problems.append(f"endian {header.get('endian')} != {expected_endian}")
        results.append({"path": entry["path"], "problems": problems})
    json.dump(results, sys.stdout)


def test_arrays():
    """One small array per type with each type's extremes, shape fastest axis first."""
    rng = np.random.default_rng(7)
    arrays = {}
    for name in ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]:
        info = np.iinfo(name)
        values = rng.integers(info.min, info.max, size=4 * 3 * 5, dtype=name, endpoint=True)
        values[0], values[1] = info.min, info.max
        arrays[name] = values
    for name in ["float32", "float64"]:
        values = (rng.standard_normal(4 * 3 * 5) * 1000).astype(name)
        values[0], values[1] = np.finfo(name).max, -np.finfo(name).tiny
        arrays[name] = values
    return {name: v.reshape((4, 3, 5), order="F") for name, v in arrays.items()}


def write(folder):
    manifest = []
    directions = np.array([[-0.78125, 0, 0], [0, -0.78125, 0], [0, 0, 6.5]])
    origin = [-99.609375, 99.609375, -78.0]
    for type_name, array in test_arrays().items():
        for encoding in ["raw", "ascii", "gzip", "bzip2"]:
            if encoding == "ascii" and type_name in ("int64", "uint64"):
                # pynrrd prints ascii with "%.17g", which rounds 64-bit integers beyond
                # 2**53 (it writes int64 min as -9.2233720368547758e+18): lossy, skip.
                continue
            for endian in ["little", "big"]:
                if array.dtype.itemsize == 1 and endian == "big":
                    continue
                for detached in [False, True]:
                    data = array.astype(array.dtype.newbyteorder("<" if endian == "little" else ">"))
                    suffix = "nhdr" if detached else "nrrd"
                    path = f"{folder}/py_{type_name}_{encoding}_{endian}.{suffix}"
                    header = {
                        "encoding": encoding,
                        "space": "left-posterior-superior",
                        "space directions": directions,
                        "space origin": np.array(origin),
                        "kinds": ["domain", "domain", "domain"],
                        "Segment0_Name": "tumor (core)",
                        "Conversion": "a|b\\nc",
                    }
                    nrrd.write(path, data, header, detached_header=detached, index_order="F")
                    manifest.append({
                        "path": path,
                        "samples_sha256_le": samples_sha256_le(data),
                        "sizes": list(array.shape),
                        "type": type_name,
                        "encoding": encoding,
                        "space_directions": directions.tolist(),
                        "space_origin": origin,
                        "kinds": ["domain", "domain", "domain"],
                        "key_values": [["Segment0_Name", "tumor (core)"], ["Conversion", "a|b\nc"]],
                    })
    json.dump(manifest, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "write"):
        sys.exit(__doc__)
    if sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        write(sys.argv[2])
