"""Tests for kit.decisions: gains, the profit curve, the Bayes threshold, the bootstrap interval."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, make_scorer
from sklearn.model_selection import TunedThresholdClassifierCV

from kit.decisions import (
    Interval,
    bayes_threshold,
    best_threshold,
    bootstrap_interval,
    check_gain,
    decision_profit,
    plot_profit_curves,
    profit_curve,
)

GAIN = np.array([[1.0, 0.0], [-5.0, 0.0]])
GRID = np.round(np.arange(0.01, 1.0, 0.01), 2)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 3))
    y = (X[:, 0] + 0.8 * X[:, 1] + rng.normal(size=3000) > 1.0).astype(int)
    model = LogisticRegression().fit(X[:1000], y[:1000])
    return model, X[1000:], y[1000:], model.predict_proba(X[1000:])[:, 1]


def test_decision_profit_matches_the_confusion_matrix_weighted_by_the_gain(data):
    _, _, y, p = data
    y_pred = (p >= 0.3).astype(int)
    cm = confusion_matrix(y, y_pred, labels=[0, 1])
    assert decision_profit(y, y_pred, gain=GAIN).sum() == pytest.approx((cm * GAIN).sum())


def test_profit_curve_profit_and_accuracy_agree_with_direct_computation(data):
    _, _, y, p = data
    curve = profit_curve(y, p, gain=GAIN, thresholds=[0.2, 0.5, 0.7])
    for t, row in zip([0.2, 0.5, 0.7], curve.itertuples()):
        y_pred = (p >= t).astype(int)
        assert row.profit == pytest.approx(decision_profit(y, y_pred, gain=GAIN).mean())
        assert row.accuracy == pytest.approx(accuracy_score(y, y_pred))
        assert row.positive_rate == pytest.approx(y_pred.mean())


def test_symmetric_gain_is_accuracy_minus_the_positive_rate(data):
    # approve (0) good +1, approve bad -1, refuse 0: profit = (TN - FN)/n = accuracy - mean(y)
    _, _, y, p = data
    curve = profit_curve(y, p, gain=[[1, 0], [-1, 0]])
    assert np.allclose(curve["profit"], curve["accuracy"] - y.mean())


def test_best_threshold_agrees_with_sklearn_tuned_threshold_classifier(data):
    model, X, y, p = data
    for gain in (GAIN, np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([[0.0, -1.0], [-10.0, 0.0]])):
        scorer = make_scorer(lambda yt, yp, g=gain: decision_profit(yt, yp, gain=g).mean())
        tuned = TunedThresholdClassifierCV(model, scoring=scorer, cv="prefit", refit=False,
                                           thresholds=GRID).fit(X, y)
        assert best_threshold(y, p, gain=gain, thresholds=GRID) == pytest.approx(tuned.best_threshold_)


def test_bayes_threshold_is_where_the_two_expected_gains_meet_and_shifts_change_nothing():
    t = bayes_threshold(GAIN)
    assert t == pytest.approx(1 / 6)
    g = GAIN
    assert t * g[1, 1] + (1 - t) * g[0, 1] == pytest.approx(t * g[1, 0] + (1 - t) * g[0, 0])
    # a constant added to a row (a true class) changes no decision (Elkan 2001)
    assert bayes_threshold(g + np.array([[3.0, 3.0], [-2.0, -2.0]])) == pytest.approx(t)
    # the Statlog German credit cost matrix (bad accepted 5, good refused 1), as negative gains
    assert bayes_threshold([[0, -1], [-5, 0]]) == pytest.approx(t)


def test_bayes_threshold_is_profit_optimal_on_calibrated_probabilities():
    rng = np.random.default_rng(1)
    p = rng.uniform(size=200_000)
    y = (rng.uniform(size=p.size) < p).astype(int)  # p is calibrated by construction
    best = best_threshold(y, p, gain=GAIN, thresholds=np.linspace(0, 1, 101))
    assert abs(best - 1 / 6) <= 0.03


def test_bootstrap_interval_agrees_with_scipy_percentile_bootstrap():
    rng = np.random.default_rng(2)
    for values in (rng.normal(0.1, 2.0, size=400), rng.choice([1.0, 0.0, -5.0], size=900, p=[0.7, 0.1, 0.2])):
        ours = bootstrap_interval(values, n_resamples=4000, seed=0)
        ref = stats.bootstrap((values,), np.mean, n_resamples=4000, method="percentile",
                              confidence_level=0.95, rng=np.random.default_rng(1)).confidence_interval
        width = ref.high - ref.low
        assert ours.mean == pytest.approx(values.mean())
        assert abs(ours.low - ref.low) < 0.05 * width and abs(ours.high - ref.high) < 0.05 * width


def test_bootstrap_interval_covers_the_true_mean_about_as_often_as_promised():
    rng = np.random.default_rng(3)
    covered = 0
    for i in range(200):
        iv = bootstrap_interval(rng.normal(size=200), n_resamples=500, seed=i)
        covered += iv.low <= 0.0 <= iv.high
    assert 0.89 <= covered / 200 <= 0.99


def test_bootstrap_interval_is_reproducible_and_leaves_global_state_alone():
    np.random.seed(5)
    expected = np.random.random()
    np.random.seed(5)
    v = np.arange(50.0)
    assert bootstrap_interval(v, seed=7) == bootstrap_interval(v, seed=7)
    assert np.random.random() == expected
    assert Interval(mean=1.0, low=0.5, high=1.5, confidence=0.9).excludes(0.0)
    assert not Interval(mean=1.0, low=-0.5, high=1.5, confidence=0.9).excludes(0.0)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="gain"):
        check_gain(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="gain"):
        bayes_threshold([[0, 1], [-5, 0]])  # refusing a good customer pays more than approving
    with pytest.raises(ValueError, match="y_true"):
        decision_profit([0, 2], [0, 1], gain=GAIN)
    with pytest.raises(ValueError, match="rows"):
        profit_curve([0, 1, 1], [0.2, 0.4], gain=GAIN)
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_interval([1.0, 2.0, 3.0], confidence=1.0)
    with pytest.raises(TypeError, match="seed"):
        bootstrap_interval([1.0, 2.0, 3.0], seed=None)
    with pytest.raises(ValueError, match="curves"):
        plot_profit_curves({})
    with pytest.raises(ValueError, match="accuracy"):
        plot_profit_curves({"v": profit_curve([0, 1], [0.2, 0.7], gain=GAIN)}, accuracy="test")


def test_boolean_labels_are_accepted(data):
    _, _, y, p = data
    a = profit_curve(y.astype(bool), p, gain=GAIN)
    b = profit_curve(y, p, gain=GAIN)
    pd.testing.assert_frame_equal(a, b)
