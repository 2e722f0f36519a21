#!/usr/bin/env python3
"""scikit-learn's reference on the German credit data, on the rows `fedgrid demo --data
german-credit` scores.

Run with Debian's interpreter (apt-get install python3-sklearn; numpy and scikit-learn only):

    /usr/bin/python3 examples/credit/sklearn_reference.py > examples/credit/reference.json

Reads /work/shared/datasets/credit/german_credit.csv if it exists, else the two bundled files
joined on id (the same 1,000 rows and values). Default settings on raw data, as the dataset's
README states its reference:
  - logistic regression: OneHotEncoder(handle_unknown='ignore') on the 13 string columns +
    StandardScaler on the 7 numbers, LogisticRegression() (C = 1, lbfgs);
  - gradient boosting: HistGradientBoostingClassifier() with the string columns as native
    categories (OrdinalEncoder codes, categorical_features), random_state 0.
Two splits:
  - `readme`: stratified 70/30, random_state 42 (the README's figures, 0.80 / 0.79);
  - `demo`: the demo's --holdout 0.3 rule — an id is held out when the first 32 bits of
    SHA-256(id), big-endian, are below 0.3 * 2^32 (packages/cli/src/demo/holdout.ts).
Prints JSON: rows, held-out ids count, AUC per model and split, scikit-learn's version.
"""
import csv
import hashlib
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = "/work/shared/datasets/credit/german_credit.csv"
GUEST = os.path.join(HERE, "..", "data", "credit", "german_credit_guest.csv")
HOST = os.path.join(HERE, "..", "data", "credit", "german_credit_host.csv")
LABEL = "bad"


def load():
    if os.path.exists(SHARED):
        with open(SHARED, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    with open(GUEST, newline="", encoding="utf-8") as f:
        guest = list(csv.DictReader(f))
    with open(HOST, newline="", encoding="utf-8") as f:
        host = {r["id"]: r for r in csv.DictReader(f)}
    return [{**r, **host[r["id"]]} for r in guest]


def is_number(v):
    try:
        float(v)
        return True
    except ValueError:
        return False


def held_out(rid, fraction=0.3):
    return int.from_bytes(hashlib.sha256(rid.encode("utf-8")).digest()[:4], "big") < fraction * 2**32


def main():
    rows = load()
    cols = [c for c in rows[0] if c not in ("id", LABEL)]
    cat = [c for c in cols if not all(is_number(r[c]) for r in rows)]
    num = [c for c in cols if c not in cat]
    x = np.array([[r[c] for c in cat + num] for r in rows], dtype=object)
    y = np.array([int(r[LABEL]) for r in rows])
    ci = list(range(len(cat)))
    ni = list(range(len(cat), len(cat) + len(num)))
    as_float = FunctionTransformer(lambda a: a.astype(float))

    def lr():
        return make_pipeline(
            ColumnTransformer(
                [
                    ("cat", OneHotEncoder(handle_unknown="ignore"), ci),
                    ("num", make_pipeline(as_float, StandardScaler()), ni),
                ]
            ),
            LogisticRegression(max_iter=10000),
        )

    def hgb():
        return make_pipeline(
            ColumnTransformer(
                [
                    (
                        "cat",
                        OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
                        ci,
                    ),
                    ("num", as_float, ni),
                ]
            ),
            HistGradientBoostingClassifier(categorical_features=ci, random_state=0),
        )

    demo_test = np.array([held_out(r["id"]) for r in rows])
    splits = {
        "readme": train_test_split(np.arange(len(rows)), test_size=0.3, stratify=y, random_state=42),
        "demo": (np.flatnonzero(~demo_test), np.flatnonzero(demo_test)),
    }
    out = {
        "sklearn": sklearn.__version__,
        "categorical": cat,
        "numeric": num,
        "splits": {},
    }
    for name, (tr, te) in splits.items():
        res = {"train_rows": int(len(tr)), "test_rows": int(len(te)), "test_bad": int(y[te].sum())}
        for model_name, make in (("logistic_regression", lr), ("hist_gradient_boosting", hgb)):
            m = make()
            m.fit(x[tr], y[tr])
            res[model_name] = {"test_auc": roc_auc_score(y[te], m.predict_proba(x[te])[:, 1])}
        out["splits"][name] = res
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
