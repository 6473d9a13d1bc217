"""Builds the demo `risk` v1 model as a scikit-learn pipeline for the peers of `make bench`.

The service's model is a logistic regression over encoded columns (FeatureEncoding.java in app/demo-models,
BASE): log1p of amount, account age and recent mean (each clamped at 0), the z-score clipped to [-5, 10], a
one-hot of the merchant category (20) and of the hour (24). The weights and bias (with the
standardisation folded in) are the ones the bench read out of the SavedModel graph, so the pipeline
computes the same probability; `make bench` checks that on one row before it measures.

Usage: python risk_pipeline.py WEIGHTS_JSON OUTPUT_JOBLIB
"""
import json
import sys

import joblib
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

CATEGORIES = 20
HOURS = 24


def one_hot(depth):
    return make_pipeline(FunctionTransformer(np.rint),
                         OneHotEncoder(categories=[np.arange(depth, dtype=float)], handle_unknown="ignore",
                                       sparse_output=False))


def build(weights, bias):
    log_clamped = make_pipeline(FunctionTransformer(np.clip, kw_args={"a_min": 0.0, "a_max": None}),
                                FunctionTransformer(np.log1p))
    encode = ColumnTransformer([
        ("amount", log_clamped, [0]),
        ("account_age_days", log_clamped, [3]),
        ("recent_amount_mean", log_clamped, [4]),
        ("z", FunctionTransformer(np.clip, kw_args={"a_min": -5.0, "a_max": 10.0}), [5]),
        ("merchant_category", one_hot(CATEGORIES), [1]),
        ("hour", one_hot(HOURS), [2]),
    ])
    encode.fit(np.zeros((1, 6)))
    logistic = LogisticRegression()
    logistic.classes_ = np.array([0, 1])
    logistic.coef_ = np.array([weights], dtype=float)
    logistic.intercept_ = np.array([bias], dtype=float)
    logistic.n_features_in_ = len(weights)
    if len(weights) != 4 + CATEGORIES + HOURS:
        raise SystemExit(f"expected {4 + CATEGORIES + HOURS} weights (risk v1), got {len(weights)}")
    return Pipeline([("encode", encode), ("logistic", logistic)])


if __name__ == "__main__":
    model = json.load(open(sys.argv[1]))
    joblib.dump(build(model["weights"], model["bias"]), sys.argv[2])
