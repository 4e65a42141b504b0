"""Tests for kit.sim.impact: Liu et al.'s delayed impact of lending thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kit.data
from kit.fairness import thresholds as th
from kit.sim import impact


@pytest.fixture(scope="module")
def groups() -> list[th.ScoreGroup]:
    return th.score_groups(kit.data.load("fico"), ["Black", "White"])


def toy() -> th.ScoreGroup:
    # TransRisk 20 -> 511.39 FICO, 80 -> 754.75; expected moves -37.5 and +52.5
    return th.ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9], size=10)


def test_hand_computed_toy_group():
    g = toy()
    np.testing.assert_allclose(g.fico, [500 + 50 * 1.8 / 7.9, 750 + 50 * 1.5 / 15.8])
    np.testing.assert_allclose(impact.expected_change(g), [-37.5, 52.5])
    # lend to the top 75%: all of score 80 and half of score 20
    assert impact.delta_mu(g, 0.75) == pytest.approx(0.5 * 52.5 + 0.25 * -37.5)
    # loss 4: profit per loan 0.5 - 0.5 * 4 = -1.5 at score 20, 0.9 - 0.1 * 4 = 0.5 at score 80
    assert th.policy_rates([g], "max profit", loss=4).tolist() == [0.5]
    # loss 0: every loan pays, lend to everyone
    assert th.policy_rates([g], "max profit", loss=0).tolist() == [1.0]
    curve = impact.outcome_curve(g)
    assert curve["selection_rate"].tolist() == [0.0, 0.5, 1.0]
    np.testing.assert_allclose(curve["delta_mu"], [0.0, 26.25, 7.5])


def test_impact_table_regimes(groups):
    t = impact.impact_table(groups, loss=4).set_index(["policy", "group"])
    assert t.loc[("max profit", "Black"), "delta_mu"] > 0
    assert t.loc[("demographic parity", "Black"), "delta_mu"] < 0
    assert t.loc[("demographic parity", "Black"), "regime"] == "active harm"
    t10 = impact.impact_table(groups, loss=10).set_index(["policy", "group"])
    assert t10.loc[("equal opportunity", "Black"), "regime"] == "relative improvement"


def test_step_moves_the_mean_by_delta_mu(groups):
    wide = th.ScoreGroup("wide", score=[0.0, 50.0, 100.0], pmf=[0.2, 0.5, 0.3], repay=[0.1, 0.6, 0.95])
    for g in [*groups, wide]:
        for rate in (0.1, 0.4, 0.9):
            new = impact.step(g, rate)
            assert new.pmf.sum() == pytest.approx(1.0)
            assert new.mean - g.mean == pytest.approx(impact.delta_mu(g, rate), abs=1e-6)


def test_rounds_are_deterministic_and_shaped(groups):
    a = impact.impact_rounds(groups, "demographic parity", rounds=3)
    b = impact.impact_rounds(groups, "demographic parity", rounds=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.shape == (8, 4)
    black = a[a["group"] == "Black"]["mean"].to_numpy()
    assert np.all(np.diff(black) < 0)             # demographic parity keeps lowering it


@pytest.mark.parametrize("call, name", [
    (lambda: th.to_fico_scale([120.0]), "score"),
    (lambda: th.selection([0.5, 0.5], 1.5), "rate"),
    (lambda: th.ScoreGroup("x", score=[1.0, 0.0], pmf=[0.5, 0.5], repay=[0.5, 0.5]), "score"),
    (lambda: th.ScoreGroup("x", score=[0.0, 1.0], pmf=[0.5, 0.6], repay=[0.5, 0.5]), "pmf"),
    (lambda: th.ScoreGroup("x", score=[0.0, 1.0], pmf=[0.5, 0.5], repay=[0.5]), "score"),
    (lambda: th.policy_rates([toy()], "fairest"), "policy"),
    (lambda: impact.impact_rounds([toy()], "max profit", rounds=0), "rounds"),
    (lambda: th.score_groups(pd.DataFrame({"group": ["A"]})), "df"),
    (lambda: impact.expected_change("Black"), "group"),
    (lambda: impact.step(None, 0.5), "group"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()


@pytest.mark.parametrize("kwargs, error, name", [
    ({"policy": np.zeros(2)}, TypeError, "policy"),
    ({"rounds": 2**70}, ValueError, "rounds"),       # used to run for ever
])
def test_bad_impact_rounds_arguments_are_named(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        impact.impact_rounds(**{"groups": [toy()], "policy": "max profit", **kwargs})
