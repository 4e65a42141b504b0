"""kit.acceptance: bounds agree with the textbook formulas, slices cut what they say, verdicts
follow the bounds (a small slice cannot pass or fail by luck), bad input is named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kit import acceptance
from kit.data import synth


def test_exact_bounds_are_the_clopper_pearson_beta_quantiles():
    k, n = np.array([0, 3, 17, 50]), np.array([10, 20, 20, 50])
    low, high = acceptance.accuracy_bounds(k, n, confidence=0.9, method="exact")
    expected_low = np.where(k == 0, 0.0, stats.beta.ppf(0.05, k, n - k + 1))
    expected_high = np.where(k == n, 1.0, stats.beta.ppf(0.95, k + 1, n - k))
    np.testing.assert_allclose(low, expected_low, atol=1e-9)
    np.testing.assert_allclose(high, expected_high, atol=1e-9)


def test_wilson_bounds_match_the_closed_form():
    k, n = np.array([1, 40, 95, 300]), np.array([20, 50, 100, 310])
    low, high = acceptance.accuracy_bounds(k, n, confidence=0.95)
    z, p = stats.norm.ppf(0.975), k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    np.testing.assert_allclose(low, centre - half, atol=1e-9)
    np.testing.assert_allclose(high, centre + half, atol=1e-9)


def test_profiling_subgroup_intervals_are_the_acceptance_bounds():
    from kit.data.profiling import subgroup_metrics

    t = subgroup_metrics([1, 1, 0, 0, 1, 0, 1, 1], [1, 0, 0, 0, 0, 1, 1, 1], list("mfmmffmf"))
    errors = (t["error"] * t["n"]).round().astype(int).to_numpy()
    low, high = acceptance.accuracy_bounds(errors, t["n"].to_numpy())
    np.testing.assert_allclose(t["error_low"], low)
    np.testing.assert_allclose(t["error_high"], high)


def test_wilson_interval_covers_the_true_accuracy_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    n = np.full(2000, 60)
    k = rng.binomial(60, 0.9, size=2000)
    low, high = acceptance.accuracy_bounds(k, n)
    coverage = np.mean((low <= 0.9) & (0.9 <= high))
    assert 0.92 <= coverage <= 0.98


def test_a_small_perfect_slice_cannot_pass_a_high_requirement():
    y = np.r_[np.zeros(10, int), np.ones(500, int)]
    report = acceptance.acceptance_test(y, y, slices=acceptance.class_slices(y),
                                        requirement=acceptance.Requirement(min_accuracy=0.8, min_size=5))
    assert report.table.loc["digit 0", "accuracy"] == 1.0
    assert report.table.loc["digit 0", "verdict"] == "unsure"          # 10 of 10: lower bound 0.72
    assert report.table.loc["digit 1", "verdict"] == "pass"
    assert report.verdict == "unsure" and not report.passed and report.failures == []


def test_verdicts_follow_the_bounds_and_small_slices_are_not_tested():
    y_true = np.arange(1000) % 10
    y_pred = np.where(y_true == 3, 5, y_true)
    slices = acceptance.class_slices(y_true) | {"tiny": np.arange(1000) < 5}
    report = acceptance.acceptance_test(y_true, y_pred, slices=slices)
    t = report.table
    assert t.loc["digit 3", "verdict"] == "fail" and t.loc["digit 3", "high"] < 0.9
    assert t.loc["tiny", "verdict"] == "too few"
    assert (t.loc[[f"digit {d}" for d in range(10) if d != 3], "verdict"] == "pass").all()
    assert t.loc["all", "accuracy"] == pytest.approx(0.9)
    assert report.failures == ["digit 3"] and report.verdict == "fail"
    assert "FAIL" in repr(report) and report.count("too few") == 1


def test_image_properties_measure_stroke_slant_and_size():
    X = np.zeros((3, 28, 28))
    X[0, 4:24, 13:15] = 1.0                     # thin upright bar
    X[1, 4:24, 10:18] = 1.0                     # thick upright bar
    for r in range(4, 24):                      # bar leaning right: top shifted right
        c = 14 + (14 - r) // 3
        X[2, r, c:c + 2] = 1.0
    p = acceptance.image_properties(X)
    assert p.loc[0, "stroke"] < p.loc[1, "stroke"]
    assert abs(p.loc[0, "slant"]) < 1e-9 and p.loc[2, "slant"] > 0.2
    assert p.loc[1, "width"] == 8 and p.loc[0, "height"] == 20


def test_rendered_digits_are_thicker_than_thin_ones_and_shear_slants_them():
    thin, _ = synth.render_digits(40, seed=0, jitter=synth.Jitter(stroke=(0, 0)))
    thick, _ = synth.render_digits(40, seed=0, jitter=synth.Jitter(stroke=(6, 6)))
    assert acceptance.image_properties(thin)["stroke"].median() < acceptance.image_properties(thick)["stroke"].median()
    wide, _ = synth.render_digits(40, seed=0, jitter=synth.Jitter(widen=(1.5, 1.5)))
    assert acceptance.image_properties(wide)["width"].median() > acceptance.image_properties(thin)["width"].median()


def test_property_slices_use_the_reference_quantiles():
    props = pd.DataFrame({"stroke": np.arange(100.0), "slant": np.linspace(-1, 1, 100)})
    own = acceptance.property_slices(props, q=0.25)
    assert set(own) == {"thin strokes", "thick strokes", "leaning left", "leaning right"}
    assert own["thin strokes"].sum() == 25 and own["thick strokes"].sum() == 25
    shifted = acceptance.property_slices(props, columns=["stroke"], reference=props + 50)
    assert shifted["thin strokes"].sum() == 75 and shifted["thick strokes"].sum() == 0


def test_slice_grid_agrees_with_a_pandas_groupby():
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 3, 300), rng.integers(0, 3, 300)
    mask = rng.random(300) < 0.5
    grid = acceptance.slice_grid(y_true, y_pred, slices={"half": mask})
    expected = pd.Series(y_true[mask] == y_pred[mask]).groupby(y_true[mask]).mean()
    np.testing.assert_allclose(grid["half"].to_numpy(), expected.to_numpy())


@pytest.mark.parametrize("call, error, name", [
    (lambda: acceptance.accuracy_bounds([5], [3]), ValueError, "k"),
    (lambda: acceptance.accuracy_bounds([1.5], [3]), ValueError, "k"),
    (lambda: acceptance.accuracy_bounds([1], [3], method="normal"), ValueError, "method"),
    (lambda: acceptance.Requirement(min_accuracy=1.5), ValueError, "min_accuracy"),
    (lambda: acceptance.Requirement(min_size=0), ValueError, "min_size"),
    (lambda: acceptance.image_properties(np.zeros((2, 8, 8))), ValueError, "X"),
    (lambda: acceptance.property_slices(pd.DataFrame({"a": [1.0]}), columns=["b"]), KeyError, "columns"),
    (lambda: acceptance.acceptance_test([0, 1], [0, 1], slices={"s": [1, 0]}), ValueError, "slices"),
    (lambda: acceptance.acceptance_test([0, 1], [0, 1], requirement=0.9), TypeError, "requirement"),
    (lambda: acceptance.acceptance_test([0, 1], [0, 1]).count("passed"), ValueError, "verdict"),
])
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()
