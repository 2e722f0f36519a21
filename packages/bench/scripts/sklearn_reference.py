#!/usr/bin/env python3
"""scikit-learn's result on the pooled rows of one bench:quality case, for docs/QUALITY.md.

Reads one JSON object on stdin:
  {"algorithm": "hetero-lr", "task": "binary", "guest": PATH, "hosts": [PATH, ...],
   "id": "id", "label": "y", "params": {...the demo's resolved parameters...},
   "holdout": 0.2}
joins the CSV files on the id column (the rows PSI finds), fits scikit-learn's counterpart with
comparable settings, and prints {"train": {metric: value}, "heldout": {metric: value},
"model": "..."} on stdout. Rows are split as `fedgrid demo --holdout` splits them (the first 32
bits of SHA-256(id), big-endian, below holdout * 2^32 are held out), so every column scores the
same rows:
  - train: fitted on the training rows, scored on the same rows (as the demo scores the
    federated model);
  - heldout: the same fit scored on the held-out rows.

Text columns (any value not a decimal or a missing marker) are one-hot encoded first
(OneHotEncoder fitted on the training rows, unseen categories all zero), as `fedgrid demo`
encodes the columns a node registers as categorical.

Counterparts (raw CSV columns, scaling inside the pipeline as FedGrid does inside each party):
  hetero-lr / hetero-sshe-lr   StandardScaler + LogisticRegression, L2 with C = 1 / (alpha * n)
                               (FedGrid's mean loss + alpha/2 |w|^2), lbfgs to convergence;
                               one-vs-rest for more than two classes
  hetero-linr                  StandardScaler + Ridge(alpha * n) (LinearRegression without a penalty)
  hetero-poisson               StandardScaler + PoissonRegressor(alpha)
  secureboost                  HistGradientBoosting{Classifier,Regressor}: trees, learning rate,
                               depth from the case, no early stopping

Only numpy and scikit-learn (Debian: apt-get install python3-sklearn). The npm test suite never
runs this script; bench:quality runs it when an interpreter can import sklearn.
"""
import csv
import hashlib
import json
import sys

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, PoissonRegressor, Ridge
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score, roc_auc_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler


def read(path, id_col):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    k = header.index(id_col)
    return header, {r[k]: r for r in rows[1:]}, k


def joined(case):
    gh, grows, gk = read(case["guest"], case["id"])
    li = gh.index(case["label"])
    hosts = [read(p, case["id"]) for p in case["hosts"]]
    ids, x, y = [], [], []
    for rid, r in grows.items():
        if not all(rid in h[1] for h in hosts):
            continue
        feats = [v.strip() for j, v in enumerate(r) if j not in (gk, li)]
        for _, hrows, hk in hosts:
            feats += [v.strip() for j, v in enumerate(hrows[rid]) if j != hk]
        ids.append(rid)
        x.append(feats)
        y.append(float(r[li]))
    # A column of decimals (or missing markers) is numeric; any other text makes it categorical,
    # one-hot encoded as `fedgrid demo` encodes the columns a node registers as categorical.
    cols = list(zip(*x)) if x else []
    categorical = [j for j, c in enumerate(cols) if not all(is_number(v) for v in c)]
    if not categorical:
        return ids, np.array([[float(v) for v in r] for r in x]), np.array(y), []
    return ids, np.array(x, dtype=object), np.array(y), categorical


MISSING = {"", "na", "nan", "null", "n/a"}


def is_number(v):
    if v.lower() in MISSING:
        return True
    try:
        float(v)
        return True
    except ValueError:
        return False


def encoder(categorical, n_cols):
    """One-hot for the categorical columns (categories of the training rows; unseen → all zero),
    the numeric ones as floats."""
    numeric = [j for j in range(n_cols) if j not in categorical]
    return ColumnTransformer(
        [
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ("num", FunctionTransformer(lambda a: a.astype(float)), numeric),
        ]
    )


def held_out(rid, fraction):
    """packages/cli/src/demo/holdout.ts isHeldOut: SHA-256(id)[0:4] big-endian < fraction * 2^32."""
    return int.from_bytes(hashlib.sha256(rid.encode("utf-8")).digest()[:4], "big") < fraction * 2**32


def model(case, n):
    a, p, task = case["algorithm"], case["params"], case["task"]
    alpha = p.get("alpha", 0.01) if p.get("penalty", "l2") == "l2" else 0.0
    if a in ("hetero-lr", "hetero-sshe-lr"):
        lr = LogisticRegression(
            C=1.0 / (alpha * n) if alpha > 0 else 1e12, max_iter=10000, tol=1e-8
        )
        if task == "multiclass":
            lr = OneVsRestClassifier(lr)
        return make_pipeline(StandardScaler(), lr), f"LogisticRegression(C=1/(alpha*n), alpha={alpha})"
    if a == "hetero-linr":
        reg = Ridge(alpha=alpha * n) if alpha > 0 else LinearRegression()
        return make_pipeline(StandardScaler(), reg), f"Ridge(alpha*n, alpha={alpha})"
    if a == "hetero-poisson":
        return (
            make_pipeline(StandardScaler(), PoissonRegressor(alpha=alpha, max_iter=10000, tol=1e-8)),
            f"PoissonRegressor(alpha={alpha})",
        )
    if a == "secureboost":
        kw = dict(
            max_iter=p.get("trees", 5),
            learning_rate=p.get("learningRate", 0.3),
            max_depth=p.get("maxDepth", 3),
            early_stopping=False,
            random_state=0,
        )
        if task == "regression":
            return HistGradientBoostingRegressor(**kw), "HistGradientBoostingRegressor"
        return HistGradientBoostingClassifier(**kw), "HistGradientBoostingClassifier"
    raise SystemExit(f"no scikit-learn counterpart for {a}")


def metrics(task, m, x, y):
    if task == "regression":
        pred = m.predict(x)
        return {"mse": mean_squared_error(y, pred), "r2": r2_score(y, pred)}
    if task == "binary":
        prob = m.predict_proba(x)[:, 1]
        return {"auc": roc_auc_score(y, prob), "accuracy": accuracy_score(y, prob > 0.5)}
    pred = m.predict(x)
    return {"accuracy": accuracy_score(y, pred), "f1_macro": f1_score(y, pred, average="macro")}


def main():
    case = json.load(sys.stdin)
    ids, x, y, categorical = joined(case)
    if case["task"] != "regression":
        y = np.where(y == -1, 0, y)
    fraction = case.get("holdout", 0.2)
    test = np.array([held_out(rid, fraction) for rid in ids])
    tr, te = np.flatnonzero(~test), np.flatnonzero(test)
    fit, name = model(case, len(tr))
    if categorical:
        fit = make_pipeline(encoder(categorical, x.shape[1]), fit)
        name = f"OneHotEncoder({len(categorical)} columns) + {name}"
    fit.fit(x[tr], y[tr])
    json.dump(
        {
            "model": name,
            "sklearn": sklearn.__version__,
            "rows": {"train": len(tr), "heldout": len(te)},
            "train": metrics(case["task"], fit, x[tr], y[tr]),
            "heldout": metrics(case["task"], fit, x[te], y[te]),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
