"""kit.data.streams: the three streams of notebook 15 have the documented shape, and the
within-batch bootstrap keeps every batch's size."""

import numpy as np
import pandas as pd
import pytest

import kit.data
from kit.data.streams import (
    Stream,
    bootstrap_within,
    gss_unemployment,
    rainfall_stream,
    sp500_volatility,
)


def test_gss_labour_force():
    raw = kit.data.load("gss_wages")
    s = gss_unemployment(raw)
    assert s.X.shape == (40066, 14) and len(np.unique(s.batch)) == 30
    assert (s.batch.min(), s.batch.max()) == (1974, 2018)
    assert np.all(np.diff(s.batch) >= 0)  # time-ordered, as replay needs
    rate = pd.Series(s.y).groupby(s.batch).mean()
    assert rate.idxmax() == 2010 and 0.10 < rate.max() < 0.12   # the 2008 recession's peak survey
    assert s.features[:6] == ("age", "age2", "childs", "male", "prestige", "no_occupation")
    assert set(np.unique(s.X[:, 6:])) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="df: expected the gss_wages columns, missing"):
        gss_unemployment(raw.drop(columns="wrkstat"))


def test_rainfall_batches():
    raw = kit.data.load("rainfall")
    s = rainfall_stream(raw, days=30)
    assert s.X.shape == (len(raw), raw.shape[1] - 1) and "rain" not in s.features
    assert np.bincount(s.batch)[:-1].tolist() == [30] * (len(raw) // 30)
    with pytest.raises(ValueError, match="days"):
        rainfall_stream(raw, days=0)


def test_sp500_har_features():
    raw = kit.data.load("sp500")
    s = sp500_volatility(raw)
    assert len(s) == 5797 and len(np.unique(s.batch)) == 276
    assert np.floor(s.batch).min() == 1990 and np.floor(s.batch).max() == 2012
    close = raw.assign(Date=pd.to_datetime(raw.Date)).sort_values("Date").set_index("Date")["Adj.Close"]
    r = 100 * np.log(close).diff().abs()
    day = r.index.get_loc(pd.Timestamp("2008-10-15"))
    row = np.flatnonzero(np.isclose(s.X[:, 0], r.iloc[day]) & np.isclose(s.y, r.iloc[day + 1]))
    assert len(row) == 1
    assert s.X[row[0], 1] == pytest.approx(r.iloc[day - 4:day + 1].mean())
    assert s.X[row[0], 2] == pytest.approx(r.iloc[day - 21:day + 1].mean())
    assert s.batch[row[0]] == pytest.approx(2008 + 9 / 12)


def test_bootstrap_within_keeps_each_batch():
    groups = np.repeat([1974, 1975, 1977], [50, 30, 20])
    idx = bootstrap_within(groups, seed=1)
    assert np.array_equal(groups[idx], groups) and np.all(np.diff(idx) >= 0)
    assert len(np.unique(idx)) < len(idx)  # with replacement
    assert np.array_equal(idx, bootstrap_within(groups, seed=1))
    assert not np.array_equal(idx, bootstrap_within(groups, seed=2))
    rng = np.random.default_rng([0, 1])
    assert np.array_equal(bootstrap_within(groups, seed=rng), bootstrap_within(groups, seed=np.random.default_rng([0, 1])))
    with pytest.raises(ValueError, match="seed"):
        bootstrap_within(groups, seed=-1)


def test_stream_indexing_and_checks():
    s = Stream(np.arange(6.0).reshape(3, 2), np.array([0, 1, 1]), np.array([5, 5, 6]), ("a", "b"))
    assert s[[2, 0]].y.tolist() == [1, 0] and len(s[s.batch == 5]) == 2
    assert repr(s) == "Stream(n=3, d=2, batches=2 (5-6))"
    with pytest.raises(ValueError, match="features"):
        Stream(np.zeros((3, 2)), np.zeros(3), np.zeros(3), ("a",))
    with pytest.raises(ValueError, match="rows"):
        Stream(np.zeros((3, 2)), np.zeros(2), np.zeros(3), ("a", "b"))


def test_bad_arguments_name_themselves():
    s = Stream(np.zeros((4, 1)), np.array([0, 1, 0, 1]), np.array([1, 1, 2, 2]), ("x",))
    assert len(s[[0, 3]]) == 2 and len(s[1:]) == 3
    with pytest.raises(TypeError, match="^rows: "):
        s[np.array([True, False])]
    with pytest.raises(TypeError, match="^rows: "):
        s[0]
    with pytest.raises(ValueError, match="^rows: "):
        s[[0, 9]]
    for fn in (gss_unemployment, rainfall_stream, sp500_volatility):
        with pytest.raises(TypeError, match="^df: "):
            fn(None)
    rain = pd.DataFrame({"temperature": [0.1], "rain": [0]})
    with pytest.raises(ValueError, match="^days: "):
        rainfall_stream(rain, days=2**70)
    with pytest.raises(TypeError, match="^years: "):
        sp500_volatility(pd.DataFrame({"Date": [], "Adj.Close": []}), years=2000)
