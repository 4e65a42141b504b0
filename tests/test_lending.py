"""Tests for kit.sim.lending: the selective-labels lending loop."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from kit.sim import lending
from kit.sim.policies import Periodic
from kit.sim.replay import replay


def _toy(n=2400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    logit = -1.0 + 1.5 * X[:, 0] - 0.8 * X[:, 1] + 0.9 * np.tanh(2 * X[:, 0])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def test_lending_loop_selective_labels_and_ipw():
    X, y = _toy()
    kw = dict(rounds=5, per_round=300, n_test=800, n_history=100)
    full = lending.lending_loop(X, y, feedback="all", **kw)
    only = lending.lending_loop(X, y, **kw)
    ipw = lending.lending_loop(X, y, explore=0.3, correct=True, **kw)
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
    ours = lending.lending_loop(X, y, rounds=rounds, per_round=per, n_test=n_test,
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
        lending.lending_loop(X, y, **{"rounds": 2, "per_round": 200, "n_test": 300, **kw})
