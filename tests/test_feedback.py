"""Tests for kit.feedback: the policing urn and the selective-labels lending loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from kit import feedback
from kit.stream import Periodic, replay

RATES = np.array([2.0, 0.7, 0.9, 1.5, 1.0])


def test_uncorrected_urn_runs_away_and_depends_on_the_seed():
    runs = [feedback.policing_loop(RATES, days=400, patrols=5, seed=s) for s in range(12)]
    finals = np.array([r.final for r in runs])
    assert feedback.runaway_spread(finals) >= 0.5
    assert min(r.error for r in runs) >= 0.1
    np.testing.assert_allclose(finals.sum(axis=1), 1.0)


def test_corrected_urn_tracks_the_truth():
    runs = [feedback.policing_loop(RATES, days=400, patrols=5, explore=0.1, correct=True, seed=s)
            for s in range(8)]
    assert max(r.error for r in runs) <= 0.05
    np.testing.assert_allclose(runs[0].truth, RATES / RATES.sum())


def test_exploration_alone_stays_biased():
    runs = [feedback.policing_loop(RATES, days=400, patrols=5, explore=0.1, seed=s) for s in range(6)]
    assert min(r.error for r in runs) >= 0.1
    # the floor: every region keeps at least explore / k of the patrols
    assert all(r.allocation.min() >= 0.1 / 5 - 1e-12 for r in runs)


def test_policing_loop_is_repeatable_and_shaped():
    a = feedback.policing_loop(RATES, days=50, seed=3)
    b = feedback.policing_loop(RATES, days=50, seed=3)
    assert a.allocation.shape == (51, 5)
    np.testing.assert_array_equal(a.allocation, b.allocation)
    assert "days=50" in repr(a)


@pytest.mark.parametrize("kw, name", [
    (dict(rates=[1.0, 0.0]), "rates"),
    (dict(rates=RATES, correct=True), "explore"),
    (dict(rates=RATES, explore=1.5), "explore"),
    (dict(rates=RATES, days=0), "days"),
])
def test_policing_bad_input_names_the_argument(kw, name):
    rates = kw.pop("rates")
    with pytest.raises(ValueError, match=name):
        feedback.policing_loop(rates, **kw)


def test_precinct_rates_drops_unknown_precinct():
    df = pd.DataFrame({"precinct": [1, 2, 2, 0],
                       "response_datetime": ["2020/01/01 01:00", "2020/01/01 02:00",
                                             "2020/01/04 02:00", "2020/01/04 03:00"]})
    r = feedback.precinct_rates(df)
    assert r.index.tolist() == [1, 2]
    np.testing.assert_allclose(r.values, [0.25, 0.5])
    with pytest.raises(ValueError, match="df"):
        feedback.precinct_rates(df.drop(columns="precinct"))


def test_credit_features_on_real_data():
    import kit.data

    X, y = feedback.credit_features(kit.data.load("credit_data"))
    assert X.shape == (4454, 32)
    assert not np.isnan(X).any()
    assert y.sum() == 1254
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-9)


def _toy(n=2400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    logit = -1.0 + 1.5 * X[:, 0] - 0.8 * X[:, 1] + 0.9 * np.tanh(2 * X[:, 0])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def test_lending_loop_selective_labels_and_ipw():
    X, y = _toy()
    kw = dict(rounds=5, per_round=300, n_test=800, n_history=100)
    full = feedback.lending_loop(X, y, feedback="all", **kw)
    only = feedback.lending_loop(X, y, **kw)
    ipw = feedback.lending_loop(X, y, explore=0.3, correct=True, **kw)
    # the all-outcomes arm retrains on every applicant: its monitoring is exact
    np.testing.assert_allclose(full.frame["monitored_bad_rate"], full.frame["true_bad_rate"])
    # approve-only monitoring sees only the safe loans
    assert only.last("monitored_bad_rate") < only.last("true_bad_rate") - 0.05
    assert abs(ipw.last("monitored_bad_rate") - ipw.last("true_bad_rate")) < 0.05
    assert (only.frame["explored"] == 0).all() and (ipw.frame["explored"] > 0).all()
    assert (ipw.frame["lent"] <= kw["per_round"]).all()
    assert "rejected_gap" in repr(only)


def test_lending_loop_matches_stream_replay():
    """The approve-only arm is the shared simulator with a reveal hook."""
    X, y = _toy(seed=1)
    seed, n_test, n_hist, rounds, per = 5, 600, 100, 4, 300
    ours = feedback.lending_loop(X, y, rounds=rounds, per_round=per, n_test=n_test,
                                 n_history=n_hist, seed=seed)
    order = np.random.default_rng(seed).permutation(len(y))[n_test:n_test + n_hist + rounds * per]
    batch = np.r_[np.zeros(n_hist, int), np.repeat(np.arange(1, rounds + 1), per)]
    with threadpool_limits(limits=1):
        rep = replay(lambda: LogisticRegression(max_iter=2000), X[order], y[order], batch,
                     policy=Periodic(1), reveal=lambda s, t: s < 0.2)
    assert rep.frame["n"].tolist() == ours.frame["lent"].tolist()


@pytest.mark.parametrize("kw, name", [
    (dict(feedback="some"), "feedback"),
    (dict(correct=True), "explore"),
    (dict(per_round=2000), "X"),
    (dict(loss=0), "loss"),
])
def test_lending_bad_input_names_the_argument(kw, name):
    X, y = _toy(n=900)
    with pytest.raises(ValueError, match=name):
        feedback.lending_loop(X, y, **{"rounds": 2, "per_round": 200, "n_test": 300, **kw})
