"""Tests for kit.fairness.metrics: group rates and gaps (against fairlearn), reweighing, the identity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, precision_score

import kit.data
from kit.fairness import metrics as fm


@pytest.fixture(scope="module")
def random_case():
    rng = np.random.default_rng(0)
    n = 2000
    groups = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    y_true = (rng.random(n) < np.where(groups == "a", 0.5, 0.3)).astype(int)
    y_pred = (rng.random(n) < 0.3 + 0.4 * y_true).astype(int)
    return y_true, y_pred, groups


def test_group_rates_match_fairlearn_metricframe(random_case):
    y_true, y_pred, groups = random_case
    ours = fm.group_rates(y_true, y_pred, groups)
    mf = MetricFrame(metrics={"fpr": false_positive_rate, "fnr": false_negative_rate,
                              "selection_rate": selection_rate, "accuracy": accuracy_score,
                              "ppv": precision_score, "tpr": true_positive_rate},
                     y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    for col in ["fpr", "fnr", "selection_rate", "accuracy", "ppv"]:
        np.testing.assert_allclose(ours.loc[["a", "b", "c"], col], mf.by_group[col], atol=1e-12)
        np.testing.assert_allclose(ours.loc["all", col], mf.overall[col], atol=1e-12)
    np.testing.assert_allclose(1 - ours.loc[["a", "b", "c"], "fnr"], mf.by_group["tpr"], atol=1e-12)


def test_rate_gap_matches_fairlearn_difference(random_case):
    y_true, y_pred, groups = random_case
    keep = groups != "c"
    mf = MetricFrame(metrics=false_positive_rate, y_true=y_true[keep], y_pred=y_pred[keep],
                     sensitive_features=groups[keep])
    gap = fm.rate_gap(y_true, y_pred, groups, first="a", second="b")
    assert abs(abs(gap) - mf.difference()) < 1e-12
    assert gap == pytest.approx(mf.by_group["a"] - mf.by_group["b"])


def test_propublica_rates_from_the_file():
    df = kit.data.load("compas")
    black, white = df["race"] == "African-American", df["race"] == "Caucasian"
    both = black | white
    y_pred = (df["score_text"] != "Low").astype(int)
    table = fm.group_rates(df.loc[both, "two_year_recid"], y_pred[both], df.loc[both, "race"])
    assert table.loc["African-American", "fpr"] == pytest.approx(0.449, abs=0.001)   # ProPublica: 44.9%
    assert table.loc["Caucasian", "fpr"] == pytest.approx(0.235, abs=0.001)          # ProPublica: 23.5%


def test_reweighing_weights_against_a_direct_count():
    rng = np.random.default_rng(1)
    groups = rng.choice(["x", "y"], size=500, p=[0.6, 0.4])
    y = (rng.random(500) < np.where(groups == "x", 0.6, 0.25)).astype(int)
    w = fm.reweighing_weights(y, groups)
    counts = pd.crosstab(groups, y)                   # the count Kamiran & Calders write down
    n = counts.to_numpy().sum()
    for g in ["x", "y"]:
        for label in [0, 1]:
            expected = counts.loc[g].sum() * counts[label].sum() / (n * counts.loc[g, label])
            np.testing.assert_allclose(w[(groups == g) & (y == label)], expected)
    # weighted, group and label are independent: equal base rates, sizes and label counts kept
    rates = [np.average(y[groups == g], weights=w[groups == g]) for g in ["x", "y"]]
    assert rates[0] == pytest.approx(rates[1]) == pytest.approx(y.mean())
    assert w[groups == "x"].sum() == pytest.approx((groups == "x").sum())
    assert w[y == 1].sum() == pytest.approx(y.sum())


def test_reweighing_is_one_when_independent():
    y = np.array([0, 1, 0, 1])
    assert fm.reweighing_weights(y, ["a", "a", "b", "b"]).tolist() == [1.0, 1.0, 1.0, 1.0]


def test_chouldechova_identity_holds_on_counts(random_case):
    y_true, y_pred, groups = random_case
    t = fm.group_rates(y_true, y_pred, groups).loc[["a", "b", "c"]]
    np.testing.assert_allclose(fm.chouldechova_fpr(t["base_rate"], t["ppv"], t["fnr"]), t["fpr"], rtol=1e-12)


def test_permuted_gaps_are_centred_and_reproducible(random_case):
    y_true, y_pred, groups = random_case
    gaps = fm.permuted_gaps(y_true, y_pred, groups, first="a", second="b", n=300, seed=3)
    assert abs(gaps.mean()) < 0.01
    np.testing.assert_array_equal(gaps, fm.permuted_gaps(y_true, y_pred, groups, first="a", second="b",
                                                         n=300, seed=3))
    for rate in fm.RATES:
        g = fm.permuted_gaps(y_true, y_pred, groups, first="a", second="b", rate=rate, n=5, seed=0)
        assert np.isfinite(g).all()


def test_permuted_gap_equals_rate_gap_for_identity_shuffle():
    # with one member per group the only shuffles are the identity and the swap
    gaps = fm.permuted_gaps([0, 0], [1, 0], ["a", "b"], first="a", second="b", n=50, seed=0)
    assert set(np.round(gaps, 6)) <= {1.0, -1.0}


def test_rates_by_score_and_threshold_grid():
    y = np.array([0, 1, 1, 0, 1, 0])
    score = np.array([0.1, 0.9, 0.6, 0.4, 0.8, 0.7])
    groups = np.array(["a", "a", "a", "b", "b", "b"])
    table = fm.rates_by_score(y, (score * 10).round(), groups)
    assert table["n"].sum() == 6
    grid = fm.threshold_grid(y, score, groups, [0.5, 0.75], first="a", second="b")
    assert len(grid) == 4
    row = grid[(grid["t_first"] == 0.5) & (grid["t_second"] == 0.5)].iloc[0]
    pred = (score >= 0.5).astype(int)
    assert row["accuracy"] == pytest.approx((pred == y).mean())
    assert row["fpr_gap"] == pytest.approx(fm.rate_gap(y, pred, groups, first="a", second="b"))


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="y_pred"):
        fm.group_rates([0, 1], [0, 2], ["a", "b"])
    with pytest.raises(ValueError, match="rows"):
        fm.group_rates([0, 1], [0, 1, 1], ["a", "b"])
    with pytest.raises(ValueError, match="first"):
        fm.rate_gap([0, 1], [0, 1], ["a", "b"], first="z", second="b")
    with pytest.raises(ValueError, match="rate"):
        fm.rate_gap([0, 1], [0, 1], ["a", "b"], first="a", second="b", rate="tpr")
    with pytest.raises(ValueError, match="prevalence"):
        fm.chouldechova_fpr(1.0, 0.5, 0.5)
    with pytest.raises(ValueError, match="groups"):
        fm.reweighing_weights([0, 1], "ab")
    with pytest.raises(TypeError, match="seed"):
        fm.permuted_gaps([0, 1], [0, 1], ["a", "b"], first="a", second="b", seed=None)
    with pytest.raises(ValueError, match="second"):
        fm.threshold_grid([0, 1], [0.1, 0.2], ["a", "b"], [0.5], first="a", second="b")
