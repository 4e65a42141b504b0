"""Tests for kit.security.membership (notebook 07): the loss-threshold attack, its ROC, the DP bound."""

import math

import numpy as np
import pytest
from scipy.stats import mannwhitneyu
from sklearn.metrics import log_loss, roc_curve

from kit.security import membership as mi


def test_cross_entropy_agrees_with_sklearn_log_loss():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(3), size=50)
    y = rng.integers(0, 3, 50)
    assert np.isclose(mi.cross_entropy(P, y).mean(), log_loss(y, P, labels=[0, 1, 2]))
    assert mi.cross_entropy([[1.0, 0.0]], [1], floor=1e-12)[0] == pytest.approx(-math.log(1e-12))


@pytest.mark.parametrize("threshold", [0.05, 0.3, 1.0])
def test_tpr_fpr_is_a_point_of_sklearns_roc_curve(threshold):
    rng = np.random.default_rng(1)
    lm, ln = rng.exponential(0.3, 400), rng.exponential(0.5, 300)
    r = mi.loss_threshold_attack(lm, ln, threshold=threshold)
    truth = np.r_[np.ones(400), np.zeros(300)]
    fpr, tpr, thr = roc_curve(truth, -np.r_[lm, ln], drop_intermediate=False)
    k = np.flatnonzero(thr >= -threshold).max()
    assert (r.tpr, r.fpr) == pytest.approx((tpr[k], fpr[k]))
    assert r.advantage == pytest.approx(r.tpr - r.fpr)


def test_auc_is_the_mann_whitney_statistic():
    rng = np.random.default_rng(2)
    lm, ln = np.round(rng.exponential(0.3, 200), 2), np.round(rng.exponential(0.4, 250), 2)  # with ties
    r = mi.loss_threshold_attack(lm, ln, threshold=0.3)
    u = mannwhitneyu(-lm, -ln).statistic
    assert r.auc == pytest.approx(u / (200 * 250))


def test_the_attack_finds_members_only_when_they_differ():
    rng = np.random.default_rng(3)
    same = [mi.loss_threshold_attack(rng.exponential(0.4, 2000), rng.exponential(0.4, 2000), threshold=0.3)
            for _ in range(20)]
    advs = np.array([r.advantage for r in same])
    assert abs(advs.mean()) < 0.02 and advs.std() == pytest.approx(same[0].noise, rel=0.5)
    leaky = mi.loss_threshold_attack(rng.exponential(0.1, 2000), rng.exponential(0.4, 2000), threshold=0.3)
    assert leaky.advantage > 0.3 and leaky.auc > 0.7
    assert "advantage=" in repr(leaky)


def test_advantage_bound():
    assert mi.advantage_bound(0.0) == 0.0
    assert mi.advantage_bound(np.log(3)) == pytest.approx(0.5)  # (3 - 1) / (3 + 1)
    assert mi.advantage_bound(1.0, kind="yeom") == pytest.approx(math.e - 1)
    eps = [0.1, 0.5, 1, 2, 4, 8]
    b = [mi.advantage_bound(e, delta=1e-5) for e in eps]
    assert all(x < y for x, y in zip(b, b[1:])) and b[-1] < 1
    assert all(mi.advantage_bound(e) <= mi.advantage_bound(e, kind="yeom") for e in eps)
    # the bound is attained: randomised response with probability e^eps / (1 + e^eps) is eps-DP
    e = 1.5
    p = math.exp(e) / (1 + math.exp(e))
    assert mi.advantage_bound(e) == pytest.approx(p - (1 - p))


@pytest.mark.parametrize("call, name", [
    (lambda: mi.cross_entropy([[0.5, 0.6]], [0]), "proba"),
    (lambda: mi.cross_entropy([[0.5, 0.5]], [2]), "y"),
    (lambda: mi.cross_entropy([[0.5, 0.5]], [0, 1]), "rows"),
    (lambda: mi.loss_threshold_attack([], [0.1], threshold=0.1), "loss_members"),
    (lambda: mi.loss_threshold_attack([0.1], [[0.1]], threshold=0.1), "loss_nonmembers"),
    (lambda: mi.loss_threshold_attack([0.1], [0.1], threshold=float("nan")), "threshold"),
    (lambda: mi.advantage_bound(-1.0), "epsilon"),
    (lambda: mi.advantage_bound(1.0, delta=1.5), "delta"),
    (lambda: mi.advantage_bound(1.0, kind="tight"), "kind"),
    (lambda: mi.advantage_bound(1.0, delta=1e-5, kind="yeom"), "delta"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()
