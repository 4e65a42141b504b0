"""Tests for kit.sim.policing: the runaway urn of Ensign et al. and its inverse-propensity fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kit.sim import policing

RATES = np.array([2.0, 0.7, 0.9, 1.5, 1.0])


def test_uncorrected_urn_runs_away_and_depends_on_the_seed():
    runs = [policing.policing_loop(RATES, days=400, patrols=5, seed=s) for s in range(12)]
    finals = np.array([r.final for r in runs])
    assert policing.runaway_spread(finals) >= 0.5
    assert min(r.error for r in runs) >= 0.1
    np.testing.assert_allclose(finals.sum(axis=1), 1.0)


def test_corrected_urn_tracks_the_truth():
    runs = [policing.policing_loop(RATES, days=400, patrols=5, explore=0.1, correct=True, seed=s)
            for s in range(8)]
    assert max(r.error for r in runs) <= 0.05
    np.testing.assert_allclose(runs[0].truth, RATES / RATES.sum())


def test_exploration_alone_stays_biased():
    runs = [policing.policing_loop(RATES, days=400, patrols=5, explore=0.1, seed=s) for s in range(6)]
    assert min(r.error for r in runs) >= 0.1
    # the floor: every region keeps at least explore / k of the patrols
    assert all(r.allocation.min() >= 0.1 / 5 - 1e-12 for r in runs)


def test_policing_loop_is_repeatable_and_shaped():
    a = policing.policing_loop(RATES, days=50, seed=3)
    b = policing.policing_loop(RATES, days=50, seed=3)
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
        policing.policing_loop(rates, **kw)


def test_precinct_rates_drops_unknown_precinct():
    df = pd.DataFrame({"precinct": [1, 2, 2, 0],
                       "response_datetime": ["2020/01/01 01:00", "2020/01/01 02:00",
                                             "2020/01/04 02:00", "2020/01/04 03:00"]})
    r = policing.precinct_rates(df)
    assert r.index.tolist() == [1, 2]
    np.testing.assert_allclose(r.values, [0.25, 0.5])
    with pytest.raises(ValueError, match="df: expected a column 'precinct'"):
        policing.precinct_rates(df.drop(columns="precinct"))


@pytest.mark.parametrize("kwargs, error, name", [
    ({"df": np.zeros((3, 2))}, TypeError, "df"),
    ({"column": ["precinct"]}, TypeError, "column"),
])
def test_bad_precinct_rates_arguments_are_named(kwargs, error, name):
    df = pd.DataFrame({"precinct": [1, 2], "response_datetime": ["2016/01/01 10:00", "2016/01/02 10:00"]})
    with pytest.raises(error, match=f"^{name}: "):
        policing.precinct_rates(**{"df": df, **kwargs})
