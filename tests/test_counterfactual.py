"""Tests for kit.counterfactual (notebook 19): the search respects mutability and directions,
finds the cheapest flip, and re-scores it."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from kit.counterfactual import Counterfactual, counterfactual, mad_scale


def test_mad_scale_matches_scipy():
    from scipy.stats import median_abs_deviation

    X = np.random.default_rng(0).normal(size=(200, 3)) * [1, 5, 0.1]
    np.testing.assert_allclose(mad_scale(X), median_abs_deviation(X, axis=0))


def _linear():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] - X[:, 1] > 0.5).astype(int)            # adverse when x0 high, x1 low
    model = LogisticRegression().fit(X, y)
    return X, (lambda Z: model.predict_proba(Z)[:, 1])


def test_counterfactual_flips_the_decision_and_respects_directions():
    X, risk = _linear()
    x = np.array([1.5, -0.5, 0.0])
    assert risk(x[None])[0] >= 0.5
    cf = counterfactual(risk, x, X, mutable={0: -1, 1: +1}, names=["a", "b", "c"])
    assert cf.found and cf.valid and cf.score_after < 0.5 <= cf.score_before
    for name, (before, after) in cf.changes.items():
        assert (after < before) if name == "a" else (after > before)
    assert "c" not in cf.changes
    # the wrong directions cannot flip it
    assert not counterfactual(risk, x, X, mutable={0: +1, 1: -1}).found


def test_counterfactual_is_the_cheapest_on_its_grid():
    X, risk = _linear()
    x = np.array([1.5, -0.5, 0.0])
    cf = counterfactual(risk, x, X, mutable={0: 0, 1: 0, 2: 0}, n_grid=6, max_changes=1)
    scale = mad_scale(X)
    best = np.inf
    for j in range(3):
        for v in np.unique(np.quantile(X[:, j], np.linspace(0, 1, 6))):
            z = x.copy()
            z[j] = v
            if v != x[j] and risk(z[None])[0] < 0.5:
                best = min(best, abs(v - x[j]) / scale[j])
    assert cf.cost == pytest.approx(best)
    assert len(cf.changes) == 1


def test_a_decision_that_is_not_adverse_is_refused_and_bad_arguments_name_themselves():
    X, risk = _linear()
    with pytest.raises(ValueError, match="^x: the decision is not adverse"):
        counterfactual(risk, np.array([-2.0, 2.0, 0.0]), X, mutable={0: -1})
    x = np.array([1.5, -0.5, 0.0])
    with pytest.raises(ValueError, match="^mutable: "):
        counterfactual(risk, x, X, mutable={5: 1})
    with pytest.raises(ValueError, match="^mutable: "):
        counterfactual(risk, x, X, mutable={0: 2})
    with pytest.raises(ValueError, match="^x: "):
        counterfactual(risk, x[:2], X, mutable={0: -1})
    with pytest.raises(TypeError, match="^score: "):
        counterfactual(3, x, X, mutable={0: -1})
    with pytest.raises(ValueError, match="^score: "):
        counterfactual(lambda Z: np.ones(1), x, X, mutable={0: -1})
    assert "none found" in repr(Counterfactual(x, None, score_before=0.7))
