"""Tests for kit.models.factorization: ALS half-steps are ridge regressions, exact fits, errors."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from kit.models.factorization import Factorization, _ridge_rows, fit_als, rmse


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(1)
    truth = rng.normal(size=(40, 3)) @ rng.normal(size=(3, 60)) + rng.normal(size=(40, 1)) + 3.0
    users, items = np.nonzero(rng.random((40, 60)) < 0.4)
    return users, items, truth[users, items] + rng.normal(scale=0.1, size=len(users))


def test_one_half_step_equals_sklearn_ridge_per_row():
    rng = np.random.default_rng(0)
    mask = (rng.random((5, 30)) < 0.5).astype(float)
    target = rng.normal(size=(5, 30))
    X = rng.normal(size=(30, 4))
    w = _ridge_rows(mask, target, X, 2.5)
    for r in range(5):
        rows = mask[r] > 0
        ref = Ridge(alpha=2.5, fit_intercept=False).fit(X[rows], target[r, rows]).coef_
        np.testing.assert_allclose(w[r], ref, atol=1e-10)


def test_biases_only_recover_an_additive_complete_table_exactly():
    ub, ib = np.array([0.5, -0.5, 0.0]), np.array([1.0, 0.0, -1.0, 0.5])
    users, items = np.divmod(np.arange(12), 4)
    ratings = 3.0 + ub[users] + ib[items]
    m = fit_als(users, items, ratings, n_users=3, n_items=4, rank=0, reg=0.0, n_iter=50)
    assert rmse(m, users, items, ratings) < 1e-8


def test_training_error_falls_with_rank_and_the_fit_is_deterministic(table):
    users, items, r = table
    errs = [rmse(fit_als(users, items, r, n_users=40, n_items=60, rank=k, reg=1.0), users, items, r)
            for k in (0, 1, 3)]
    assert errs[0] > errs[1] > errs[2]
    a = fit_als(users, items, r, n_users=40, n_items=60, rank=3, reg=1.0, seed=4)
    b = fit_als(users, items, r, n_users=40, n_items=60, rank=3, reg=1.0, seed=4)
    np.testing.assert_array_equal(a.scores(), b.scores())


def test_predict_and_scores_agree(table):
    users, items, r = table
    m = fit_als(users, items, r, n_users=40, n_items=60, rank=2, reg=1.0)
    np.testing.assert_allclose(m.predict(users, items), m.scores()[users, items])
    assert m.scores([0, 5]).shape == (2, 60)
    assert isinstance(m, Factorization) and m.rank == 2


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="^users: "):
        fit_als([0, 3], [0, 0], [1.0, 2.0], n_users=2, n_items=1)
    with pytest.raises(TypeError, match="^items: "):
        fit_als([0, 1], [0.5, 0.0], [1.0, 2.0], n_users=2, n_items=1)
    with pytest.raises(ValueError, match="^ratings: "):
        fit_als([], [], [], n_users=2, n_items=1)
    with pytest.raises(ValueError, match="^rank: "):
        fit_als([0], [0], [1.0], n_users=1, n_items=1, rank=-1)
    with pytest.raises(TypeError, match="^model: "):
        rmse("model", [0], [0], [1.0])
