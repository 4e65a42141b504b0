"""kit.calibration: ECE against a direct computation and scikit-learn, temperature scaling
against scipy's NLL minimum and Platt scaling, Wilson bounds against scipy, thresholds, modes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import binomtest
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression

from kit.calibration import (
    OperatingModes,
    TemperatureScaler,
    expected_calibration_error,
    operating_modes,
    operating_threshold,
    plot_reliability,
    reliability_table,
    to_logit,
    wilson_lower,
)


def _overconfident(n: int = 4000, seed: int = 0, temperature: float = 2.5):
    """Labels drawn from sigmoid(z), scores sigmoid(temperature * z): an over-confident model."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return z * temperature, y


def _ece_direct(y, p, n_bins=15):
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        m = (p >= lo) & (p < hi) if b < n_bins - 1 else (p >= lo) & (p <= hi)
        if m.any():
            total += m.sum() * abs(p[m].mean() - y[m].mean())
    return total / len(p)


def test_ece_matches_a_direct_computation_and_sklearn_calibration_curve():
    z, y = _overconfident()
    p = 1 / (1 + np.exp(-z))
    ece = expected_calibration_error(y, p)
    assert ece == pytest.approx(_ece_direct(y, p), abs=1e-9)
    table = reliability_table(y, p)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=15, strategy="uniform")
    np.testing.assert_allclose(table["frequency"], prob_true, atol=1e-12)
    np.testing.assert_allclose(table["confidence"], prob_pred, atol=1e-12)
    assert table["count"].sum() == len(y)
    assert ece > 0.05  # the synthetic model is over-confident


def test_ece_is_zero_for_a_perfectly_calibrated_table_and_multiclass_is_top_label():
    y = np.array([0, 0, 1, 1])
    assert expected_calibration_error(y, np.array([0.5, 0.5, 0.5, 0.5])) == 0.0
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    labels = np.array([0, 0, 0])
    # top-label confidences 0.9, 0.8, 0.6; correct 1, 0, 1
    assert expected_calibration_error(labels, proba, n_bins=10) == pytest.approx((0.1 + 0.8 + 0.4) / 3)
    # a binary problem given as (n, 2) and as (n,) agree where every p >= 0.5 predicts class 1
    p1 = np.array([0.6, 0.7, 0.95, 0.55])
    y1 = np.array([1, 0, 1, 1])
    assert expected_calibration_error(y1, np.c_[1 - p1, p1]) == pytest.approx(expected_calibration_error(y1, p1))


def test_temperature_minimises_the_nll_found_by_scipy_and_equals_platt_without_bias():
    z, y = _overconfident(temperature=3.0)
    ts = TemperatureScaler().fit(z, y)

    def nll(params):
        s = z / params[0]
        return np.mean(np.logaddexp(0, s) - y * s)

    ref = minimize(nll, x0=[1.0], method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12}).x[0]
    assert ts.temperature_ == pytest.approx(ref, rel=1e-4)
    assert 2.0 < ts.temperature_ < 4.5  # it recovers the stretch roughly
    platt = LogisticRegression(fit_intercept=False, C=1e10, tol=1e-12, max_iter=10_000).fit(z[:, None], y)
    assert 1 / platt.coef_[0, 0] == pytest.approx(ts.temperature_, rel=1e-4)
    p = ts.predict_proba(z)
    assert np.array_equal(p >= 0.5, z >= 0)  # the decisions never change
    assert expected_calibration_error(y, p) < expected_calibration_error(y, 1 / (1 + np.exp(-z)))


def test_temperature_multiclass_keeps_argmax_and_matches_scipy():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, size=(600, 4))
    labels = np.array([rng.choice(4, p=np.exp(r / 3) / np.exp(r / 3).sum()) for r in logits])
    ts = TemperatureScaler().fit(logits, labels)

    def nll(t):
        s = logits / t[0]
        s = s - s.max(axis=1, keepdims=True)
        return np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(len(labels)), labels])

    ref = minimize(nll, x0=[1.0], method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12}).x[0]
    assert ts.temperature_ == pytest.approx(ref, rel=1e-4)
    proba = ts.predict_proba(logits)
    assert np.allclose(proba.sum(axis=1), 1)
    assert np.array_equal(proba.argmax(axis=1), logits.argmax(axis=1))
    assert "T=" in repr(ts)


def test_wilson_lower_matches_scipy_one_sided():
    k, n = np.array([0, 5, 45, 90, 100]), np.array([10, 10, 50, 100, 100])
    for conf in (0.9, 0.95, 0.99):
        ours = wilson_lower(k, n, confidence=conf)
        ref = [binomtest(int(ki), int(ni)).proportion_ci(confidence_level=2 * conf - 1, method="wilson").low
               for ki, ni in zip(k, n)]
        np.testing.assert_allclose(ours, ref, atol=1e-9)
    assert wilson_lower([0], [0]).tolist() == [0.0]


def test_operating_threshold_keeps_its_promise_on_fresh_data():
    z, y = _overconfident(n=20_000, seed=2, temperature=1.0)
    p = 1 / (1 + np.exp(-z))
    val, test = slice(0, 10_000), slice(10_000, None)
    t_act = operating_threshold(y[val], p[val], precision=0.9, confidence=0.95)
    t_flag = operating_threshold(y[val], p[val], recall=0.9, confidence=0.95)
    assert t_flag < t_act
    m = operating_modes(y[test], p[test], t_act=t_act, t_flag=t_flag)
    assert isinstance(m, OperatingModes)
    assert m.precision >= 0.88 and m.recall >= 0.88
    assert m.acted + m.cleared + m.referred == pytest.approx(1.0)
    # brute force: the chosen t_act is the lowest score whose point precision's bound passes
    order = np.sort(np.unique(p[val]))
    ok = [t for t in order if wilson_lower([int(y[val][p[val] >= t].sum())], [int((p[val] >= t).sum())])[0] >= 0.9]
    assert t_act == pytest.approx(min(ok))


def test_operating_threshold_unreachable_targets():
    y = np.array([0, 1, 0, 1])
    p = np.array([0.2, 0.3, 0.4, 0.5])
    assert operating_threshold(y, p, precision=0.99) == np.inf
    assert operating_threshold(y, p, recall=0.99) == -np.inf


@pytest.mark.parametrize("call, match", [
    (lambda: expected_calibration_error([0, 1], [0.2, 1.2]), "y_prob"),
    (lambda: expected_calibration_error([0, 1], [0.2, 0.3], n_bins=0), "n_bins"),
    (lambda: reliability_table([0, 3], [0.2, 0.3]), "y_true"),
    (lambda: TemperatureScaler().predict_proba([0.1]), "fit"),
    (lambda: TemperatureScaler(bounds=(2.0, 1.0)), "bounds"),
    (lambda: operating_threshold([0, 1], [0.2, 0.3]), "precision"),
    (lambda: operating_threshold([0, 1], [0.2, 0.3], precision=0.9, recall=0.9), "precision"),
    (lambda: operating_modes([0, 1], [0.2, 0.3], t_act=0.2, t_flag=0.5), "t_flag"),
    (lambda: wilson_lower([3], [2]), "k"),
    (lambda: to_logit([[0.2, 0.8]]), "y_prob"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_plot_reliability_draws_one_line_per_table():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    z, y = _overconfident(n=500)
    p = 1 / (1 + np.exp(-z))
    ax = plot_reliability({"raw": reliability_table(y, p), "half": reliability_table(y, p / 2)})
    assert len(ax.lines) == 3  # the diagonal and two tables
    plt.close("all")
    with pytest.raises(TypeError, match="tables"):
        plot_reliability({})
