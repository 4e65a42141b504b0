"""Tests for kit.data.joins: join audits, join contracts, and the point-in-time (as-of) mean."""

import numpy as np
import pandas as pd
import pytest

import kit.data
from kit.data.joins import JoinContractError, asof_mean, audit_join, checked_merge


def _events_and_queries(seed, n_events=300, n_queries=200):
    rng = np.random.default_rng(seed)
    events = pd.DataFrame({"g": rng.choice(["a", "b", "c"], n_events),
                           "t": rng.integers(0, 50, n_events).astype(float),  # many ties
                           "v": rng.normal(size=n_events)})
    events.loc[rng.choice(n_events, 10, replace=False), "v"] = np.nan
    queries = pd.DataFrame({"g": rng.choice(["a", "b", "c", "d"], n_queries),
                            "t": rng.integers(0, 55, n_queries).astype(float)},
                           index=rng.permutation(np.arange(1000, 1000 + n_queries)))
    return events, queries


@pytest.mark.parametrize("seed", range(5))
def test_asof_mean_equals_brute_force(seed):
    events, queries = _events_and_queries(seed)
    got = asof_mean(events, queries, value="v", event_time="t", query_time="t", by="g")
    assert got.index.equals(queries.index)
    for i, q in queries.iterrows():
        past = events[(events.g == q.g) & (events.t < q.t)].v.dropna()
        assert got.loc[i, "count"] == len(past)
        if len(past):
            assert got.loc[i, "mean"] == pytest.approx(past.mean())
        else:
            assert np.isnan(got.loc[i, "mean"])


def test_asof_mean_never_uses_an_event_at_or_after_the_query_time():
    t = pd.date_range("2013-01-01", periods=20, freq="h", tz="UTC")
    events = pd.DataFrame({"g": "x", "t": t, "v": np.arange(20.0)})
    queries = pd.DataFrame({"g": "x", "t": t})  # each query at an event's exact time
    got = asof_mean(events, queries, value="v", event_time="t", query_time="t", by="g")
    # query k sees events 0..k-1 only: mean (k-1)/2, never its own value k
    np.testing.assert_allclose(got["mean"].to_numpy()[1:], np.arange(19) / 2)
    assert np.isnan(got["mean"].iloc[0]) and got["count"].tolist() == list(range(20))


def test_asof_mean_groups_by_several_columns():
    events = pd.DataFrame({"o": ["A", "A", "A"], "d": [1, 1, 2], "t": [1, 2, 3], "v": [1.0, 3.0, 100.0]})
    queries = pd.DataFrame({"o": ["A", "A"], "d": [1, 2], "t": [10, 10]})
    got = asof_mean(events, queries, value="v", event_time="t", query_time="t", by=["o", "d"])
    assert got["mean"].tolist() == [2.0, 100.0]


def test_asof_mean_names_a_bad_column():
    events, queries = _events_and_queries(0)
    with pytest.raises(KeyError, match="value"):
        asof_mean(events, queries, value="nope", event_time="t", query_time="t", by="g")
    with pytest.raises(KeyError, match="by: key columns"):
        asof_mean(events, queries, value="v", event_time="t", query_time="t", by="h")


def test_audit_join_counts_match_pandas():
    left = pd.DataFrame({"k": [1, 2, 2, 3, 4]})
    right = pd.DataFrame({"k": [1, 2, 2, 3], "x": [1, 2, 3, 4]})
    joined, audit = audit_join(left, right, on="k", how="left", name="r")
    assert audit.rows == len(left.merge(right, on="k", how="left")) == len(joined) == 7
    assert (audit.unmatched_left, audit.duplicate_right_keys) == (1, 1)
    inner, audit_inner = audit_join(left, right, on="k", how="inner", name="r")
    assert audit_inner.rows == len(left.merge(right, on="k")) == len(inner) == 6


def test_checked_merge_names_table_key_and_relationship():
    left = pd.DataFrame({"k": [1, 2]})
    right = pd.DataFrame({"k": [1, 1, 2], "x": [1, 2, 3]})
    with pytest.raises(JoinContractError, match=r"weather on \['k'\]: expected many_to_one, but 2 rows share a key"):
        checked_merge(left, right, on="k", name="weather")
    assert len(checked_merge(left, right, on="k", validate="many_to_many")) == 3


def test_checked_merge_unmatched_budget():
    left = pd.DataFrame({"k": range(10)})
    right = pd.DataFrame({"k": range(8), "x": range(8)})
    with pytest.raises(JoinContractError, match="2 of 10 left rows"):
        checked_merge(left, right, on="k", max_unmatched=0.1)
    assert len(checked_merge(left, right, on="k", how="inner", max_unmatched=0.2)) == 8
    assert len(checked_merge(left, right, on="k", how="left", max_unmatched=0.2)) == 10
    with pytest.raises(ValueError, match="how"):
        checked_merge(left, right, on="k", how="outer")


def test_weather_local_hours_repeat_at_the_dst_change():
    weather = kit.data.load("weather")
    assert not weather.duplicated(["origin", "time_hour"]).any()  # UTC keys are unique
    local = ["origin", "year", "month", "day", "hour"]
    with pytest.raises(JoinContractError, match="expected many_to_one"):
        checked_merge(weather[local].drop_duplicates(), weather, on=local, name="weather")
    assert set(weather[weather.duplicated(local, keep=False)]["month"]) == {11}
