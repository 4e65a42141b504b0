"""Tests for kit.feedback_impact: Liu et al.'s delayed impact of lending thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kit.data
from kit import feedback_impact as fi


@pytest.fixture(scope="module")
def groups() -> list[fi.ScoreGroup]:
    return fi.score_groups(kit.data.load("fico"), ["Black", "White"])


def toy() -> fi.ScoreGroup:
    # TransRisk 20 -> 511.39 FICO, 80 -> 754.75; expected moves -37.5 and +52.5
    return fi.ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9], size=10)


def test_hand_computed_toy_group():
    g = toy()
    np.testing.assert_allclose(g.fico, [500 + 50 * 1.8 / 7.9, 750 + 50 * 1.5 / 15.8])
    np.testing.assert_allclose(fi.expected_change(g), [-37.5, 52.5])
    # lend to the top 75%: all of score 80 and half of score 20
    assert fi.delta_mu(g, 0.75) == pytest.approx(0.5 * 52.5 + 0.25 * -37.5)
    # loss 4: profit per loan 0.5 - 0.5 * 4 = -1.5 at score 20, 0.9 - 0.1 * 4 = 0.5 at score 80
    assert fi.policy_rates([g], "max profit", loss=4).tolist() == [0.5]
    # loss 0: every loan pays, lend to everyone
    assert fi.policy_rates([g], "max profit", loss=0).tolist() == [1.0]
    curve = fi.outcome_curve(g)
    assert curve["selection_rate"].tolist() == [0.0, 0.5, 1.0]
    np.testing.assert_allclose(curve["delta_mu"], [0.0, 26.25, 7.5])


def test_fico_scale_end_points_and_monotone():
    f = fi.to_fico_scale(np.linspace(0, 100, 201))
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
        return sum(wj * np.sum(fi.selection(g.pmf, float(r)) * g.pmf * (g.repay - 4 * (1 - g.repay)))
                   for wj, g, r in zip(w, groups, rates))

    def tpr(g, r):
        return np.sum(fi.selection(g.pmf, float(r)) * g.pmf * g.repay) / np.sum(g.pmf * g.repay)

    grid = np.linspace(0, 1, 401)
    mp = fi.policy_rates(groups, "max profit")
    for j, g in enumerate(groups):            # each group's own rate is optimal on a grid
        alone = [np.sum(fi.selection(g.pmf, r) * g.pmf * (g.repay - 4 * (1 - g.repay))) for r in grid]
        own = np.sum(fi.selection(g.pmf, float(mp[j])) * g.pmf * (g.repay - 4 * (1 - g.repay)))
        assert own >= max(alone) - 1e-12
    dp = fi.policy_rates(groups, "demographic parity")
    assert dp[0] == dp[1]
    assert profit(dp) >= max(profit([r, r]) for r in grid) - 1e-12
    eo = fi.policy_rates(groups, "equal opportunity")
    assert tpr(groups[0], eo[0]) == pytest.approx(tpr(groups[1], eo[1]), abs=1e-9)
    assert profit(mp) >= profit(eo) >= profit(dp)


def test_impact_table_regimes(groups):
    t = fi.impact_table(groups, loss=4).set_index(["policy", "group"])
    assert t.loc[("max profit", "Black"), "delta_mu"] > 0
    assert t.loc[("demographic parity", "Black"), "delta_mu"] < 0
    assert t.loc[("demographic parity", "Black"), "regime"] == "active harm"
    t10 = fi.impact_table(groups, loss=10).set_index(["policy", "group"])
    assert t10.loc[("equal opportunity", "Black"), "regime"] == "relative improvement"


def test_step_moves_the_mean_by_delta_mu(groups):
    wide = fi.ScoreGroup("wide", score=[0.0, 50.0, 100.0], pmf=[0.2, 0.5, 0.3], repay=[0.1, 0.6, 0.95])
    for g in [*groups, wide]:
        for rate in (0.1, 0.4, 0.9):
            new = fi.step(g, rate)
            assert new.pmf.sum() == pytest.approx(1.0)
            assert new.mean - g.mean == pytest.approx(fi.delta_mu(g, rate), abs=1e-6)


def test_rounds_are_deterministic_and_shaped(groups):
    a = fi.impact_rounds(groups, "demographic parity", rounds=3)
    b = fi.impact_rounds(groups, "demographic parity", rounds=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.shape == (8, 4)
    black = a[a["group"] == "Black"]["mean"].to_numpy()
    assert np.all(np.diff(black) < 0)             # demographic parity keeps lowering it


@pytest.mark.parametrize("call, name", [
    (lambda: fi.to_fico_scale([120.0]), "score"),
    (lambda: fi.selection([0.5, 0.5], 1.5), "rate"),
    (lambda: fi.ScoreGroup("x", score=[1.0, 0.0], pmf=[0.5, 0.5], repay=[0.5, 0.5]), "score"),
    (lambda: fi.ScoreGroup("x", score=[0.0, 1.0], pmf=[0.5, 0.6], repay=[0.5, 0.5]), "pmf"),
    (lambda: fi.ScoreGroup("x", score=[0.0, 1.0], pmf=[0.5, 0.5], repay=[0.5]), "score"),
    (lambda: fi.policy_rates([toy()], "fairest"), "policy"),
    (lambda: fi.impact_rounds([toy()], "max profit", rounds=0), "rounds"),
    (lambda: fi.score_groups(pd.DataFrame({"group": ["A"]})), "df"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()
