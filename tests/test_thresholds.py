"""Tests for kit.fairness.thresholds: group selection rates under three lending policies."""

from __future__ import annotations

import numpy as np
import pytest

import kit.data
from kit.fairness import thresholds as th


@pytest.fixture(scope="module")
def groups() -> list[th.ScoreGroup]:
    return th.score_groups(kit.data.load("fico"), ["Black", "White"])


def test_fico_scale_end_points_and_monotone():
    f = th.to_fico_scale(np.linspace(0, 100, 201))
    assert f[0] == 300 and f[-1] == 850
    assert np.all(np.diff(f) > 0)


def test_real_tables(groups):
    black, white = groups
    assert (black.size, white.size) == (18274, 133165)
    assert len(black.score) == 198
    np.testing.assert_allclose([black.pmf.sum(), white.pmf.sum()], 1.0)
    assert black.mean < white.mean - 100          # the gap the loop starts from


def test_policies_meet_their_constraints_and_beat_a_grid(groups):
    w = np.array([g.size for g in groups], float) / sum(g.size for g in groups)

    def profit(rates):
        return sum(wj * np.sum(th.selection(g.pmf, float(r)) * g.pmf * (g.repay - 4 * (1 - g.repay)))
                   for wj, g, r in zip(w, groups, rates))

    def tpr(g, r):
        return np.sum(th.selection(g.pmf, float(r)) * g.pmf * g.repay) / np.sum(g.pmf * g.repay)

    grid = np.linspace(0, 1, 401)
    mp = th.policy_rates(groups, "max profit")
    for j, g in enumerate(groups):            # each group's own rate is optimal on a grid
        alone = [np.sum(th.selection(g.pmf, r) * g.pmf * (g.repay - 4 * (1 - g.repay))) for r in grid]
        own = np.sum(th.selection(g.pmf, float(mp[j])) * g.pmf * (g.repay - 4 * (1 - g.repay)))
        assert own >= max(alone) - 1e-12
    dp = th.policy_rates(groups, "demographic parity")
    assert dp[0] == dp[1]
    assert profit(dp) >= max(profit([r, r]) for r in grid) - 1e-12
    eo = th.policy_rates(groups, "equal opportunity")
    assert tpr(groups[0], eo[0]) == pytest.approx(tpr(groups[1], eo[1]), abs=1e-9)
    assert profit(mp) >= profit(eo) >= profit(dp)


def test_lend_from_top_agrees_with_selection(groups):
    for g in groups:
        rates, total = th.lend_from_top(g, th.loan_profit(g, loss=4))
        for r in (0.1, 0.37, 0.8):                # between boundaries the total is linear
            direct = np.sum(th.selection(g.pmf, r) * g.pmf * th.loan_profit(g, loss=4))
            assert np.interp(r, rates, total) == pytest.approx(direct, abs=1e-12)
        assert rates[0] == 0 and rates[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("call, name", [
    (lambda g: th.lend_from_top(g, np.ones(3)), "value"),
    (lambda g: th.loan_profit(g, loss=-1), "loss"),
])
def test_shared_pieces_bad_input(call, name):
    g = th.ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
    with pytest.raises(ValueError, match=name):
        call(g)


def test_bad_table_groups_and_policy_name_the_argument():
    g = th.ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
    with pytest.raises(TypeError, match="^df: "):
        th.score_groups(None, ["A"])
    with pytest.raises(TypeError, match="^groups: "):
        th.score_groups(kit.data.load("fico"), 3)
    with pytest.raises(ValueError, match="^policy: "):
        th.policy_rates([g], np.zeros(2))
