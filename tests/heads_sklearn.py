"""scikit-learn side of tests/heads_sklearn.rs: the reference heads on the features and
splits radflow sends, never re-splitting here.

Usage: python heads_sklearn.py COMMAND [JOB.json]; prints one JSON object.

  dataset NAME        features and labels of a dataset bundled with scikit-learn
                      (`digits`, `breast_cancer`: no download)
  accuracy JOB        test accuracy per run of LogisticRegression, SVC (linear, rbf) and
                      RandomForestClassifier on the job's train/test indices
  logistic JOB        a tight LogisticRegression fit: its coefficients, and the
                      objective at its coefficients and at radflow's
  svm JOB             an SVC fit: n_support_, support_, dual_coef_, intercept_ and the
                      one-vs-one decision values on the job's probe rows

Features arrive as float64 values that are exactly radflow's float32 ones; the linear
heads and the SVM see them standardized with StandardScaler fitted on the training rows
(radflow's heads do the same), the forest sees them raw as float32.
"""

import json
import sys
import warnings

try:
    import numpy as np
    import sklearn
    from sklearn.datasets import load_breast_cancer, load_digits
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
except ImportError as error:  # the Rust test prints this with the install line
    sys.exit(f"missing package: {error.name} (pip install -r requirements-dev.txt)")


def standardized(x, train):
    scaler = StandardScaler().fit(x[train])
    return scaler.transform(x)


def logistic(params):
    return LogisticRegression(
        C=params["c"], tol=params["tol"], max_iter=params["max_iter"], solver="lbfgs"
    )


def svc(params):
    return SVC(
        kernel=params["kernel"],
        C=params["c"],
        gamma=params["gamma"],
        tol=params["tol"],
        shrinking=params["shrinking"],
        decision_function_shape="ovo",
    )


def forest(params, seed):
    return RandomForestClassifier(
        n_estimators=params["n_estimators"],
        max_features="sqrt",
        max_depth=params.get("max_depth"),
        min_samples_split=params["min_samples_split"],
        min_samples_leaf=params["min_samples_leaf"],
        bootstrap=True,
        random_state=seed,
        n_jobs=1,
    )


def dataset(name):
    loaders = {"digits": load_digits, "breast_cancer": load_breast_cancer}
    data = loaders[name]()
    return {
        "features": data.data.astype(np.float64).tolist(),
        "labels": data.target.astype(int).tolist(),
        "n_classes": int(len(np.unique(data.target))),
    }


def accuracy(job):
    x = np.asarray(job["features"], dtype=np.float64)
    y = np.asarray(job["labels"])
    heads = job["heads"]
    result = {name: [] for name in heads}
    for run in job["runs"]:
        train, test, seed = run["train"], run["test"], run["seed"]
        xs = standardized(x, train)
        for name, params in heads.items():
            if name == "logistic":
                model, features = logistic(params), xs
            elif name.startswith("svm"):
                model, features = svc(params), xs
            else:
                model, features = forest(params, seed), x.astype(np.float32)
            model.fit(features[train], y[train])
            predicted = model.predict(features[test])
            result[name].append(float(np.mean(predicted == y[test])))
    return {"sklearn": sklearn.__version__, "accuracy": result}


def objective(x, y, coef, intercept, c):
    """sum_i log-loss + |W|^2 / (2C), divided by n (scikit-learn's scaling)."""
    z = x @ coef.T + intercept
    if coef.shape[0] == 1:  # binary: one weight vector for class 1
        z = np.hstack([np.zeros_like(z), z])
    z_max = z.max(axis=1, keepdims=True)
    log_sum = z_max[:, 0] + np.log(np.exp(z - z_max).sum(axis=1))
    loss = np.sum(log_sum - z[np.arange(len(y)), y])
    return (loss + 0.5 * np.sum(coef * coef) / c) / len(y)


def logistic_optimum(job):
    x = np.asarray(job["features"], dtype=np.float64)
    y = np.asarray(job["labels"])
    train = job["train"]
    xs = standardized(x, train)[train]
    yt = y[train]
    model = logistic(job["params"]).fit(xs, yt)
    ours_coef = np.asarray(job["ours"]["coef"])
    ours_intercept = np.asarray(job["ours"]["intercept"])
    if model.coef_.shape[0] == 1:
        # radflow fits the two-class softmax; its decision function is the difference.
        ours_coef = (ours_coef[1] - ours_coef[0])[None, :]
        ours_intercept = np.asarray([ours_intercept[1] - ours_intercept[0]])
    c = job["params"]["c"]
    return {
        "coef": model.coef_.tolist(),
        "intercept": model.intercept_.tolist(),
        "n_iter": int(model.n_iter_[0]),
        "objective_sklearn": objective(xs, yt, model.coef_, model.intercept_, c),
        "objective_ours": objective(xs, yt, ours_coef, ours_intercept, c),
        "ours_coef": ours_coef.tolist(),
        "ours_intercept": ours_intercept.tolist(),
    }


def svm_details(job):
    x = np.asarray(job["features"], dtype=np.float64)
    y = np.asarray(job["labels"])
    train = job["train"]
    xs = standardized(x, train)
    model = svc(job["params"]).fit(xs[train], y[train])
    probe = xs[job["probe"]]
    return {
        "n_support": model.n_support_.tolist(),
        "support": model.support_.tolist(),
        "dual_coef": model.dual_coef_.tolist(),
        "intercept": model.intercept_.tolist(),
        "decision": model.decision_function(probe).tolist(),
        "predicted": model.predict(probe).tolist(),
        "gamma": float(model._gamma),
    }


def main():
    command = sys.argv[1]
    if command == "dataset":
        out = dataset(sys.argv[2])
    else:
        with open(sys.argv[2]) as f:
            job = json.load(f)
        with warnings.catch_warnings():
            # A non-converged reference is reported through the tally, not stderr noise.
            warnings.simplefilter("ignore", ConvergenceWarning)
            out = {"accuracy": accuracy, "logistic": logistic_optimum, "svm": svm_details}[
                command
            ](job)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
