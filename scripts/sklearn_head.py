"""A lab's own head: scikit-learn's LogisticRegression on radflow's cached features, trained
on exactly the split of one built-in head instance (pipelines/own-head.yaml).

radflow runs it once per instance of the built-in head (`per: head` in the pipeline), as

    python scripts/sklearn_head.py INPUT OUT [C]

INPUT is a folder of dataset directories (radflow's exchange format, README "Dataset
exchange format"): the features (a `features` array per slice, the class and patient of
each) and the built-in head of the same seed (its `split` file: train / validation / test
ids; its `classes`). OUT receives a dataset directory: one record per test slice with a
`probabilities` array in the order of the head's classes, which `evaluate` judges with the
same code as the built-in heads.

Standardization is fitted on the training rows only, as radflow's own heads do.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def read_dataset(folder):
    meta = json.loads((folder / "dataset.json").read_text())
    records = pd.read_csv(folder / "records.csv", dtype=str, keep_default_na=False)
    return meta, records


def field_with_role(meta, role):
    for field in meta["fields"]:
        if field.get("role") == role:
            return field["name"]
    sys.exit(f"{meta.get('source', 'a dataset')}: no field with role {role!r}")


def find_inputs(input_dir):
    """The features dataset and the head dataset among the input folders."""
    features = head = None
    for folder in sorted(Path(input_dir).iterdir()):
        meta, records = read_dataset(folder)
        names = {f["name"] for f in meta["fields"]}
        if "split" in names and "classes" in names:
            head = (folder, meta, records)
        elif "features" in names:
            features = (folder, meta, records)
    if features is None or head is None:
        sys.exit(f"{input_dir}: expected a features dataset and a head dataset")
    return features, head


def main(input_dir, out_dir, c=1.0):
    (f_dir, f_meta, f_records), (h_dir, _, h_records) = find_inputs(input_dir)
    split = json.loads((h_dir / h_records.loc[0, "split"]).read_text())
    classes = json.loads(h_records.loc[0, "classes"])

    features = np.load(f_dir / "features.npy").astype(np.float64)
    row_of = {rid: i for i, rid in enumerate(f_records["id"])}
    labels = f_records[field_with_role(f_meta, "class")].to_numpy()
    train = [row_of[i] for i in split["train"]]
    test = [row_of[i] for i in split["test"]]

    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))
    model.fit(features[train], labels[train])
    fitted = list(model.classes_)
    proba = np.zeros((len(test), len(classes)))
    scores = model.predict_proba(features[test])
    for column, name in enumerate(fitted):
        proba[:, classes.index(name)] = scores[:, column]

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"id": split["test"]}).to_csv(out / "records.csv", index=False)
    np.save(out / "probabilities.npy", proba)
    (out / "dataset.json").write_text(
        json.dumps(
            {
                "format": "radflow-dataset/1",
                "count": len(test),
                "fields": [
                    {"name": "id", "dtype": "str", "role": "id"},
                    {
                        "name": "probabilities",
                        "dtype": "float64",
                        "shape": [len(classes)],
                        "role": "array",
                    },
                ],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: sklearn_head.py INPUT OUT [C]")
    main(sys.argv[1], sys.argv[2], *(float(a) for a in sys.argv[3:]))
