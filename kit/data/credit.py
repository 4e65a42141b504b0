"""Featurisers for the credit tables of the registry (plumbing a learner may skip).

``credit_features`` turns ``kit.data.load("credit_data")`` (4,454 applicants, good/bad, 455
missing values) into a standardised matrix: used by the lending loop of
``notebooks/14_monitoring-feedback-loops.ipynb``. ``credit_raw`` keeps the units a person reads
(money, months, years) for the counterfactual explanations of ``notebooks/19_law-unlearning.ipynb``. ``CATEGORICAL`` (the table's categorical
columns) is also read by ``notebooks/02_preprocessing-leakage.ipynb``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["credit_features", "credit_raw"]


CATEGORICAL = ("Home", "Marital", "Records", "Job")


SKEWED = ("Income", "Assets", "Debt", "Amount", "Price")


def credit_features(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Turn ``kit.data.load("credit_data")`` into a standardised matrix and a default label.

    Missing numbers get the median plus a missing indicator; money columns are log-scaled;
    categories are one-hot coded (missing is a category). Standardised with the whole table's
    statistics (a simulation of a whole population, not a train/test evaluation).

    Returns
    -------
    X : ndarray (n, d) float, y : ndarray (n,) int, 1 = "bad" (did not repay)

    Examples
    --------
    >>> df = pd.DataFrame({"Status": ["good", "bad", "good"], "Income": [100.0, None, 50.0],
    ...                    "Home": ["rent", "owner", None]})
    >>> X, y = credit_features(df)
    >>> X.shape, y.tolist()
    ((3, 5), [0, 1, 0])
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected the credit_data table as a pandas DataFrame, got {type(df).__name__}")
    if "Status" not in df.columns:
        raise ValueError("df: expected the credit_data table with a 'Status' column (good/bad)")
    y = (df["Status"] == "bad").astype(int).to_numpy()
    feats = df.drop(columns="Status")
    cat = [c for c in feats.columns if c in CATEGORICAL or feats[c].dtype == object]
    num = feats[[c for c in feats.columns if c not in cat]].astype(float)
    parts = []
    for c in num.columns:
        col = num[c]
        if c in SKEWED:
            col = np.log1p(col.clip(lower=0))
        if col.isna().any():
            parts.append(col.isna().astype(float).rename(f"{c}_missing"))
        parts.append(col.fillna(col.median()))
    if cat:
        parts.append(pd.get_dummies(feats[cat].fillna("missing")).astype(float))
    X = pd.concat(parts, axis=1).to_numpy(dtype=float)
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    return X, y


def credit_raw(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """A readable numeric view of ``credit_data``: the original units, one-hot categories.

    Numbers keep their units (money in the table's units, ``Time`` the loan's term in months,
    ``Age`` and ``Seniority`` in years); a missing number gets the column's median; ``Records``
    (a past default on file) becomes 0/1; ``Home``, ``Marital`` and ``Job`` are one-hot coded
    (missing is a category). Trees need no scaling, and a counterfactual can then be read as
    "borrow 800 instead of 1,200".

    Returns
    -------
    X : DataFrame (n, d) of floats, y : ndarray (n,) int, 1 = "bad" (did not repay)

    Examples
    --------
    >>> df = pd.DataFrame({"Status": ["good", "bad", "good"], "Income": [100.0, None, 50.0],
    ...                    "Records": ["no", "yes", "no"], "Home": ["rent", "owner", None]})
    >>> X, y = credit_raw(df)
    >>> list(X.columns), X["Income"].tolist(), y.tolist()
    (['Income', 'Records', 'Home_missing', 'Home_owner', 'Home_rent'], [100.0, 75.0, 50.0], [0, 1, 0])
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected the credit_data table as a pandas DataFrame, got {type(df).__name__}")
    if "Status" not in df.columns:
        raise ValueError("df: expected the credit_data table with a 'Status' column (good/bad)")
    y = (df["Status"] == "bad").astype(int).to_numpy()
    X = df.drop(columns="Status").copy()
    if "Records" in X.columns:
        X["Records"] = (X["Records"] == "yes").astype(float)
    cat = [c for c in X.columns if c in CATEGORICAL and c != "Records" or X[c].dtype == object]
    for c in X.columns.difference(cat):
        X[c] = X[c].astype(float).fillna(X[c].median())
    X = pd.get_dummies(X, columns=cat, dummy_na=False) if not cat else \
        pd.get_dummies(X.assign(**{c: X[c].fillna("missing") for c in cat}), columns=cat)
    return X.astype(float).reset_index(drop=True), y
