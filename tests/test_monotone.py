"""Tests for kit.verification.monotone: the search finds planted violations, the split grid is an
exhaustive check that agrees with a brute-force dense grid, and the structural check agrees with
scikit-learn's own monotonic constraint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from kit.verification import monotone as M


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    n = 600
    X = pd.DataFrame({"income": rng.gamma(3, 40, n), "age": rng.integers(18, 70, n).astype(float),
                      "home": pd.Categorical(rng.choice(["own", "rent", "other"], n))})
    logit = -0.02 * X["income"] + 0.8 * np.sin(X["income"] / 15) + 0.03 * (X["age"] - 40)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    plain = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    constrained = HistGradientBoostingClassifier(max_iter=30, random_state=0,
                                                 monotonic_cst={"income": -1}).fit(X, y)
    return X, y, plain, constrained


def _score(model):
    return lambda Z: model.predict_proba(Z)[:, 1]


def test_search_finds_a_planted_rise():
    score = lambda Z: np.where(Z[:, 0] > 5, 0.9, 0.1) - 0.01 * Z[:, 0]  # noqa: E731
    rep = M.monotonicity_violations(score, np.zeros((3, 2)), feature=0, grid=np.arange(10.0))
    assert rep.n_violating == 3 and rep.worst == pytest.approx(0.8 - 0.01)
    ok = M.monotonicity_violations(lambda Z: -Z[:, 0], np.zeros((3, 2)), feature=0, grid=np.arange(10.0))
    assert ok.n_violating == 0 and ok.worst == 0.0
    inc = M.monotonicity_violations(lambda Z: -Z[:, 0], np.zeros((3, 2)), feature=0, grid=np.arange(10.0),
                                    direction="increasing")
    assert inc.n_violating == 3 and inc.worst == pytest.approx(9.0)


def test_split_grid_agrees_with_a_dense_grid(table):
    X, _, plain, constrained = table
    rows = X.iloc[:60]
    for model in (plain, constrained):
        for feature in ("income", "age"):
            g = M.split_grid(model, feature)
            assert len(g) > 1
            dense = np.union1d(g, np.linspace(X[feature].min() - 10, X[feature].max() + 10, 3000))
            for direction in ("decreasing", "increasing"):
                exact = M.monotonicity_violations(_score(model), rows, feature=feature, grid=g, direction=direction)
                brute = M.monotonicity_violations(_score(model), rows, feature=feature, grid=dense,
                                                  direction=direction)
                assert np.allclose(exact.rise, brute.rise, atol=1e-12)


def test_split_grid_uses_the_models_bin_thresholds(table):
    X, _, plain, _ = table
    j_tree = 1  # scikit-learn puts the categorical column first: income is tree feature 1
    bins = plain._bin_mapper.bin_thresholds_[j_tree]
    assert np.isin(M.split_grid(plain, "income")[:-1], bins).all()


def test_structure_check_agrees_with_the_constraint(table):
    X, _, plain, constrained = table
    assert M.tree_order_violations(constrained, "income", direction="decreasing") == 0
    assert M.tree_order_violations(plain, "income", direction="decreasing") > 0
    assert M.tree_order_violations(constrained, "income", direction="increasing") > 0
    rep = M.monotonicity_violations(_score(constrained), X, feature="income", grid=M.split_grid(constrained, "income"))
    assert rep.n_violating == 0
    assert M.monotonicity_violations(_score(plain), X, feature="income",
                                     grid=M.split_grid(plain, "income")).n_violating > 0


def test_numpy_input_and_errors(table):
    X, y, _, _ = table
    Xn = X[["income", "age"]].to_numpy()
    m = HistGradientBoostingClassifier(max_iter=10, monotonic_cst=[1, 0]).fit(Xn, y)
    assert M.tree_order_violations(m, 0, direction="increasing") == 0
    assert len(M.split_grid(m, 0)) > 1
    with pytest.raises(ValueError, match="feature"):
        M.split_grid(m, 5)
    with pytest.raises(KeyError, match="feature"):
        M.monotonicity_violations(_score(m), X, feature="nope", grid=[1.0, 2.0])
    with pytest.raises(ValueError, match="grid"):
        M.monotonicity_violations(_score(m), Xn, feature=0, grid=[1.0])
    with pytest.raises(ValueError, match="direction"):
        M.monotonicity_violations(_score(m), Xn, feature=0, grid=[1.0, 2.0], direction="up")
    with pytest.raises(TypeError, match="model"):
        M.split_grid(object(), 0)
    _, _, plain, _ = table
    with pytest.raises(ValueError, match="categorical"):
        M.split_grid(plain, "home")
