"""Tests for kit.stream.replay and its policies."""

import numpy as np
import pytest
from river import drift
from sklearn.linear_model import LinearRegression, LogisticRegression

from kit.shift.detectors import CalibrationDrift, KSDrift
from kit.sim.policies import BatchState, Never, OnDrift, Oracle, Periodic, Policy
from kit.sim.replay import replay


def _flip(n_batches=10, flip=5, size=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_batches * size, 2))
    t = np.repeat(np.arange(n_batches), size)
    y = np.where(t < flip, X[:, 0] > 0, X[:, 0] < 0).astype(int)
    return X, y, t


def test_never_decays_periodic_recovers():
    X, y, t = _flip()
    never = replay(LogisticRegression, X, y, t, policy=Never())
    per = replay(LogisticRegression, X, y, t, policy=Periodic(1), window=200)
    assert never.retrains == 0 and per.retrains == 8  # no retrain after the last batch
    assert never.frame["error"].iloc[:4].max() < 0.05
    assert never.frame["error"].iloc[4:].min() > 0.9
    assert per.frame["error"].iloc[5:].max() < 0.05
    assert list(never.frame["batch"]) == list(range(1, 10))
    assert never.labels_used == 200 and per.labels_used == 9 * 200
    assert per.rows_fitted == 8 * 200
    assert per.frame["version"].tolist() == list(range(9))


def test_periodic_every_and_oracle():
    X, y, t = _flip()
    res = replay(LogisticRegression, X, y, t, policy=Periodic(3))
    assert res.frame.loc[res.frame["alarm"], "batch"].tolist() == [3, 6, 9]
    orc = replay(LogisticRegression, X, y, t, policy=Oracle([5]), window=200)
    assert orc.retrains == 1
    assert orc.frame["error"].iloc[5:].max() < 0.05  # serves batch 6 on with the new concept


def test_window_all_vs_recent():
    X, y, t = _flip()
    recent = replay(LogisticRegression, X, y, t, policy=Periodic(1), window=200)
    everything = replay(LogisticRegression, X, y, t, policy=Periodic(1))
    assert recent.frame["n_train"].iloc[-1] == 200
    assert everything.frame["n_train"].iloc[-1] == 9 * 200
    assert everything.mean_error > recent.mean_error + 0.1  # old concept drags the full-window fit


def test_on_drift_with_river_adwin():
    X, y, t = _flip()
    res = replay(LogisticRegression, X, y, t, policy=OnDrift(drift.ADWIN()), window=200)
    alarms = res.frame.loc[res.frame["alarm"], "batch"].tolist()
    assert alarms[0] == 5 and res.retrains <= 3
    assert res.frame["error"].iloc[-1] < 0.05
    assert res.labels_used == len(y)  # monitoring the error stream reads every label


def test_on_drift_inputs_reads_no_extra_labels():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 2))
    t = np.repeat(np.arange(10), 200)
    X[t >= 5, 1] += 2.0
    y = (X[:, 0] > 0).astype(int)
    res = replay(LogisticRegression, X, y, t, policy=OnDrift(KSDrift(alpha=0.01), signal="inputs"))
    assert res.frame.loc[res.frame["alarm"], "batch"].tolist()[0] == 5
    assert res.labels_used < len(y)


def test_on_drift_calibration_and_metrics():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 1))
    t = np.repeat(np.arange(6), 500)
    base = np.where(t < 3, -3.0, -1.5)  # the base rate jumps, the ranking does not change
    y = (rng.random(3000) < 1 / (1 + np.exp(-(base + X[:, 0])))).astype(int)

    def auc(a, b):
        from sklearn.metrics import roc_auc_score
        return roc_auc_score(a, b)

    res = replay(LogisticRegression, X, y, t, policy=OnDrift(CalibrationDrift(), signal="calibration"),
                 window=500, metrics={"auc": auc})
    f = res.frame
    assert f.loc[f["batch"] == 3, "alarm"].item()
    assert f.loc[f["batch"] == 3, "calib_gap"].item() < -0.05
    assert f.loc[f["batch"] == 4, "calib_gap"].abs().item() < 0.05
    assert f["auc"].min() > 0.65


def test_reveal_hides_labels():
    X, y, t = _flip()
    res = replay(LogisticRegression, X, y, t, policy=Periodic(1), reveal=lambda s, yt: s > 0.5)
    assert (res.frame["n"] < 150).all()
    assert res.frame["observed"].iloc[:4].min() > 0.85  # only approved rows are seen


def test_regression_and_custom_policy():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 1))
    t = np.repeat(np.arange(3), 200)
    y = 2 * X[:, 0] + np.where(t == 2, 5.0, 0.0)

    class AfterFirst:
        needs_labels = False

        def update(self, state: BatchState) -> bool:
            return state.index == 0

        def reset(self) -> None:
            pass

    assert isinstance(AfterFirst(), Policy)
    res = replay(LinearRegression, X, y, t, policy=AfterFirst(), keep_models=True)
    assert res.frame["error"].iloc[0] < 1e-6 and res.frame["error"].iloc[1] > 4.9
    assert len(res.models) == 2


def test_bad_input():
    X, y, t = _flip()
    with pytest.raises(TypeError, match="policy"):
        replay(LogisticRegression, X, y, t, policy="never")
    with pytest.raises(ValueError, match="batches"):
        replay(LogisticRegression, X, y, t % 3, policy=Never())
    with pytest.raises(ValueError, match="warmup"):
        replay(LogisticRegression, X, y, t, policy=Never(), warmup=10)
    with pytest.raises(ValueError, match="rows"):
        replay(LogisticRegression, X, y[:-1], t, policy=Never())
    with pytest.raises(ValueError, match="every"):
        Periodic(0)
    with pytest.raises(ValueError, match="signal"):
        OnDrift(drift.ADWIN(), signal="labels")
    with pytest.raises(TypeError, match="detector"):
        OnDrift(object())
