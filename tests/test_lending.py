"""Tests for kit.sim.lending: the selective-labels lending loop, a configuration of replay."""

from __future__ import annotations

import numpy as np
import pytest

from kit.sim import lending

KW = dict(rounds=5, per_round=300, n_test=800, n_history=100)


def _toy(n=2400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    logit = -1.0 + 1.5 * X[:, 0] - 0.8 * X[:, 1] + 0.9 * np.tanh(2 * X[:, 0])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def test_ipw_monitoring_is_unbiased_over_seeds_and_approve_only_is_not():
    X, y = _toy()

    def bias(seeds, **arm):
        runs = [lending.lending_loop(X, y, seed=s, **arm, **KW) for s in seeds]
        return np.mean([r.last("monitored_bad_rate") - r.last("true_bad_rate") for r in runs])

    assert abs(bias(range(12), explore=0.3, correct=True)) < 0.02   # per-seed sd about 0.018
    assert bias(range(3), explore=0.3) < -0.05    # exploration alone: explored loans count once
    assert bias(range(3)) < -0.1                  # approve-only sees only the safe loans


def test_frame_is_read_from_the_replay_log():
    X, y = _toy()
    r = lending.lending_loop(X, y, explore=0.3, correct=True, seed=1, **KW)
    log, f = r.run.log, r.frame
    approved = log["y_score"] < 0.2
    shown = log[log["revealed"]]
    # propensity 1 for the approved, explore for the explored
    assert (shown.loc[approved[log["revealed"]], "propensity"] == 1).all()
    assert (shown.loc[~approved[log["revealed"]], "propensity"] == 0.3).all()
    assert f["lent"].tolist() == r.run.frame["n"].tolist()
    assert f["explored"].tolist() == (log["revealed"] & ~approved).groupby(log["batch"]).sum().tolist()
    first = shown[shown["batch"] == 1]
    profit = np.where(first["y_true"] == 0, 1.0, -4.0).sum() / KW["per_round"]
    assert f["profit"].iloc[0] == pytest.approx(profit)
    seen = shown[shown["batch"] <= 3]
    assert f["monitored_bad_rate"].iloc[2] == pytest.approx(
        np.average(seen["y_true"], weights=1 / seen["propensity"]))
    for name in lending.population_metrics():
        np.testing.assert_array_equal(f[name], r.run.frame[name])
    assert r.run.retrains == KW["rounds"]         # the last round's refit is measured too


def test_all_outcomes_reference_and_uncorrected_arm():
    X, y = _toy()
    full = lending.lending_loop(X, y, feedback="all", **KW)
    np.testing.assert_allclose(full.frame["monitored_bad_rate"], full.frame["true_bad_rate"])
    assert full.run.log["revealed"].all()
    only = lending.lending_loop(X, y, **KW)
    assert (only.frame["explored"] == 0).all() and (only.run.log["propensity"] == 1).all()
    explore = lending.lending_loop(X, y, explore=0.3, **KW)
    assert (explore.frame["explored"] > 0).all() and (explore.run.log["propensity"] == 1).all()
    assert "rejected_gap" in repr(only)


def test_approve_explore_rule():
    rng = np.random.default_rng(0)
    score = np.r_[np.full(50, 0.1), np.full(950, 0.5)]
    assert lending.ApproveExplore(0.2, explore=1.0)(score, None, rng).all()
    assert lending.ApproveExplore(0.2)(score, None, rng).sum() == 50
    lent, p = lending.ApproveExplore(0.2, explore=0.2, correct=True)(score, None, rng)
    assert 150 < lent[50:].sum() < 230               # about 20% of the 950 rejected
    assert (p[:50] == 1).all() and (p[50:] == 0.2).all()
    assert "explore=0.2" in repr(lending.ApproveExplore(0.2, explore=0.2))


@pytest.mark.parametrize("kw, name", [
    (dict(feedback="some"), "feedback"),
    (dict(correct=True), "explore"),
    (dict(feedback="all", explore=0.2), "explore"),
    (dict(per_round=2000), "X"),
    (dict(loss=0), "loss"),
    (dict(C=0), "C"),
    (dict(seed=-1), "seed"),
])
def test_lending_bad_input_names_the_argument(kw, name):
    X, y = _toy(n=900)
    with pytest.raises(ValueError, match=name):
        lending.lending_loop(X, y, **{"rounds": 2, "per_round": 200, "n_test": 300, **kw})


@pytest.mark.parametrize("call, name", [
    (lambda: lending.ApproveExplore(1.0), "threshold"),
    (lambda: lending.ApproveExplore(0.2, explore=1.5), "explore"),
    (lambda: lending.population_metrics(gain=0), "gain"),
])
def test_rule_and_metrics_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("kwargs, error, name", [
    ({"correct": np.zeros(2)}, TypeError, "correct"),
    ({"feedback": np.zeros(2)}, ValueError, "feedback"),
    ({"n_test": 1}, ValueError, "n_test"),           # one held-out row: no AUC (was a silent NaN)
    ({"n_history": 1}, ValueError, "n_history"),     # one outcome: the launch model cannot fit
])
def test_bad_lending_loop_arguments_are_named(kwargs, error, name):
    X, y = _toy(n=600)
    with pytest.raises(error, match=f"^{name}: "):
        lending.lending_loop(X, y, **{"rounds": 1, "per_round": 100, "n_test": 100, "n_history": 100, **kwargs})


def test_lending_loop_wants_0_1_outcomes():
    X, y = _toy(n=600)
    with pytest.raises(ValueError, match="^y: expected binary labels 0/1"):
        lending.lending_loop(X, y + 100, rounds=1, per_round=100, n_test=100)


@pytest.mark.parametrize("call, error, name", [
    (lambda: lending.ApproveExplore(0.2, correct=np.zeros(2)), TypeError, "correct"),
    (lambda: lending.ApproveExplore(0.2)(np.zeros((3, 2)), None, np.random.default_rng(0)), ValueError, "y_score"),
    (lambda: lending.ApproveExplore(0.2)(np.zeros(3), None, 0), TypeError, "rng"),
])
def test_bad_approve_explore_arguments_are_named(call, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        call()
