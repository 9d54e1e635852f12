"""Reads radflow dataset directories with numpy and pandas only, the way a lab would, and
prints what they hold as JSON (row hashes of arrays and files, typed scalars) for the Rust
test to compare with the cached blobs it decodes itself.

usage: exchange_read.py DIR...
"""
import hashlib
import json
import os
import sys
from urllib.parse import quote

import numpy as np
import pandas as pd


def sha(data):
    return hashlib.sha256(data).hexdigest()


def cell(text, dtype):
    if text == "":
        return None
    if dtype == "int64":
        return int(text)
    if dtype == "float64":
        return float(text)
    if dtype == "bool":
        return {"true": True, "false": False}[text]
    if dtype == "json":
        return json.loads(text)
    return text


def read(d):
    meta = json.load(open(os.path.join(d, "dataset.json")))
    fields = {f["name"]: f for f in meta["fields"]}
    csv = os.path.join(d, "records.csv")
    # What a person types first must work too.
    plain = pd.read_csv(csv)
    records = pd.read_csv(csv, dtype=str, keep_default_na=False)
    assert len(plain) == len(records) == meta["count"], (d, len(plain), meta["count"])
    ids = list(records["id"])
    out = {"count": meta["count"], "ids": ids, "fields": meta["fields"],
           "classes": meta.get("classes", []), "scalars": {}, "arrays": {}, "varies": {},
           "files": {}, "pngs": {}}
    for name, f in fields.items():
        if name == "id":
            continue
        if f["role"] == "array":
            if f["shape"] == "varies":
                rows = {}
                for rid in ids:
                    path = os.path.join(d, name, quote(rid, safe="") + ".npy")
                    if os.path.exists(path):
                        a = np.load(path)
                        assert a.dtype == np.dtype(f["dtype"]), (path, a.dtype)
                        rows[rid] = {"shape": list(a.shape), "sha": sha(a.tobytes())}
                out["varies"][name] = rows
            else:
                a = np.load(os.path.join(d, name + ".npy"))
                assert a.dtype == np.dtype(f["dtype"]), (name, a.dtype, f["dtype"])
                assert list(a.shape) == [meta["count"]] + f["shape"], (name, a.shape)
                out["arrays"][name] = {
                    "dtype": str(a.dtype),
                    "shape": list(a.shape),
                    "rows": [sha(np.ascontiguousarray(a[i]).tobytes()) for i in range(len(a))],
                }
        elif f["role"] == "file":
            files = {}
            for rid, rel in zip(ids, records[name]):
                if rel == "":
                    continue
                path = os.path.join(d, rel)
                if f["dtype"] == "folder":
                    tree = {}
                    for root, _, names in os.walk(path):
                        for n in names:
                            full = os.path.join(root, n)
                            tree[os.path.relpath(full, path)] = sha(open(full, "rb").read())
                    files[rid] = tree
                else:
                    files[rid] = sha(open(path, "rb").read())
            out["files"][name] = files
        else:
            out["scalars"][name] = [cell(t, f["dtype"]) for t in records[name]]
    png = os.path.join(d, "png")
    if os.path.isdir(png):
        from PIL import Image
        for field in os.listdir(png):
            count = 0
            for root, _, names in os.walk(os.path.join(png, field)):
                for n in names:
                    Image.open(os.path.join(root, n)).verify()
                    count += 1
            out["pngs"][field] = count
    return out


print(json.dumps({d: read(d) for d in sys.argv[1:]}))
