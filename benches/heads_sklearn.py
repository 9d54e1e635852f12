"""scikit-learn's side of benches/heads.rs: fit times of the reference heads on the
features the bench writes, one thread (run with OMP_NUM_THREADS=1; n_jobs=1).

Usage: OMP_NUM_THREADS=1 python heads_sklearn.py FEATURES.json REPEATS
Prints {"sklearn": version, "seconds": {head: best of REPEATS}}.

The linear heads and the SVM are timed with their StandardScaler (radflow's heads
standardize inside `fit`); the forest on raw float32 features.
"""

import json
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    repeats = int(sys.argv[2])
    x = np.asarray(data["features"], dtype=np.float64)
    y = np.asarray(data["labels"])
    heads = {
        "logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
        "svm_linear": lambda: make_pipeline(StandardScaler(), SVC(kernel="linear")),
        "svm_rbf": lambda: make_pipeline(StandardScaler(), SVC(kernel="rbf")),
        "forest": lambda: RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1),
    }
    seconds = {}
    for name, make in heads.items():
        features = x.astype(np.float32) if name == "forest" else x
        best = float("inf")
        for _ in range(repeats):
            model = make()
            start = time.perf_counter()
            model.fit(features, y)
            best = min(best, time.perf_counter() - start)
        seconds[name] = best
    json.dump({"sklearn": sklearn.__version__, "seconds": seconds}, sys.stdout)


if __name__ == "__main__":
    main()
