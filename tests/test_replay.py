"""Tests for kit.sim.replay and its policies."""

import numpy as np
import pytest
from river import drift
from sklearn.linear_model import LinearRegression, LogisticRegression

from kit.shift.detectors import CalibrationDrift, KSDrift
from kit.sim.policies import BatchState, Never, OnDrift, Oracle, Periodic, Policy, ReleaseGate
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
    res = replay(LogisticRegression, X, y, t, policy=OnDrift(KSDrift(alpha=0.01)))
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

    res = replay(LogisticRegression, X, y, t, policy=OnDrift(CalibrationDrift()),
                 window=500, metrics={"auc": auc})
    f = res.frame
    assert f.loc[f["batch"] == 3, "alarm"].item()
    assert f.loc[f["batch"] == 3, "calib_gap"].item() < -0.05
    assert f.loc[f["batch"] == 4, "calib_gap"].abs().item() < 0.05
    assert f["auc"].min() > 0.65


class _SpyFit(LogisticRegression):
    """Records the sample_weight of every fit (class attribute: replay builds fresh models)."""

    calls: list = []

    def fit(self, X, y, sample_weight=None):
        _SpyFit.calls.append(sample_weight)
        return super().fit(X, y, sample_weight=sample_weight)


def test_reveal_mask_only_means_propensity_one():
    X, y, t = _flip()
    _SpyFit.calls = []
    res = replay(_SpyFit, X, y, t, policy=Periodic(1), reveal=lambda s, yt, rng: s > 0.5)
    assert (res.frame["n"] < 150).all()
    assert res.frame["observed"].iloc[:4].min() > 0.85  # only approved rows are seen
    assert len(_SpyFit.calls) == 9 and all(w is None for w in _SpyFit.calls)  # no weights
    log = res.log
    assert len(log) == 9 * 200 and (log["propensity"] == 1).all()
    assert log.groupby("batch")["revealed"].sum().tolist() == res.frame["n"].tolist()
    np.testing.assert_array_equal(log["y_true"], y[200:])


def test_refits_weight_each_revealed_row_by_inverse_propensity():
    X, y, t = _flip()
    states = []

    class Every:
        needs_labels = False

        def update(self, state: BatchState) -> bool:
            states.append(state)
            return True

        def reset(self) -> None:
            pass

    def rule(y_score, y_true, rng):
        p = np.where(y_score > 0.5, 1.0, 0.25)
        return rng.random(len(y_score)) < p, p

    _SpyFit.calls = []
    res = replay(_SpyFit, X, y, t, policy=Every(), reveal=rule, seed=3)
    log = res.log
    shown = log[log["revealed"]]
    assert set(shown["propensity"]) == {1.0, 0.25}
    assert _SpyFit.calls[0] is None                 # the deployed model: warmup rows only
    for k, w in enumerate(_SpyFit.calls[1:], start=1):  # refit k: warmup + batches 1..k seen
        seen = shown[shown["batch"] <= k]
        np.testing.assert_allclose(w, np.r_[np.ones(200), 1 / seen["propensity"]])
    for k, state in enumerate(states, start=1):     # the monitor gets the same propensities
        np.testing.assert_array_equal(state.propensity, shown.loc[shown["batch"] == k, "propensity"])
    again = replay(LogisticRegression, X, y, t, policy=Periodic(1), reveal=rule, seed=3)
    other = replay(LogisticRegression, X, y, t, policy=Periodic(1), reveal=rule, seed=4)
    assert again.log["revealed"].equals(log["revealed"])
    assert not other.log["revealed"].equals(log["revealed"])


def test_holdout_scored_after_each_refit():
    X, y, t = _flip()
    Xh, yh = X[:300], y[:300]                       # old-concept rows

    def mean_score(yt, ys):
        return ys.mean()

    def acc(yt, ys):
        return ((ys > 0.5) == yt).mean()

    res = replay(LogisticRegression, X, y, t, policy=Periodic(1), window=200, keep_models=True,
                 holdout=(Xh, yh), holdout_metrics={"hold_score": mean_score, "hold_acc": acc})
    assert res.retrains == 9                        # with a holdout the last refit is measured
    expected = [m.predict_proba(Xh)[:, 1].mean() for m in res.models[1:]]
    np.testing.assert_allclose(res.frame["hold_score"], expected)
    # the model refitted on batch 5 (the new concept) gets the old-concept holdout wrong
    assert res.frame["hold_acc"].iloc[:4].min() > 0.95 > 0.05 > res.frame["hold_acc"].iloc[4:].max()
    never = replay(LogisticRegression, X, y, t, policy=Never(), holdout=(Xh, yh),
                   holdout_metrics={"hold_score": mean_score})
    assert never.retrains == 0 and never.frame["hold_score"].nunique() == 1


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
    with pytest.raises(TypeError, match="detector"):
        OnDrift(object())


@pytest.mark.parametrize("kw, match", [
    (dict(reveal=lambda s, yt, rng: (np.ones(len(s), bool), 0.0)), "reveal: .*propensit"),
    (dict(reveal=lambda s, yt, rng: (s > 0.5, 1.5)), "reveal: .*propensit"),
    (dict(reveal=lambda s, yt, rng: (s > 0.5, np.ones(3))), "reveal: .*propensit"),
    (dict(reveal=lambda s, yt, rng: (s > 0.5)[:-1]), "reveal: .*mask"),
    (dict(reveal=lambda s, yt, rng: s), "reveal: .*mask"),
    (dict(reveal="approved"), "reveal"),
    (dict(seed=-1), "seed"),
    (dict(holdout_metrics={"m": np.mean}), "holdout"),
    (dict(holdout=(np.zeros((5, 3)), np.zeros(5)), holdout_metrics={"m": np.mean}), "holdout"),
    (dict(holdout=(np.zeros((5, 2)), np.zeros(5))), "holdout"),
    (dict(holdout=(np.zeros((5, 2)), np.zeros(5)), holdout_metrics={"error": np.mean}),
     "holdout_metrics"),
])
def test_bad_reveal_seed_holdout_name_the_argument(kw, match):
    X, y, t = _flip()
    with pytest.raises((ValueError, TypeError), match=match):
        replay(LogisticRegression, X, y, t, policy=Periodic(1), **kw)


def test_oracle_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="at: expected a sequence of batch labels"):
        Oracle(2008)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"batches": 3}, ValueError, "batches"),
    ({"batches": np.zeros((300, 2))}, ValueError, "batches"),
    ({"metrics": "auc"}, TypeError, "metrics"),
    ({"metrics": {"auc": 1}}, TypeError, "metrics"),
    ({"holdout_metrics": 3.0}, TypeError, "holdout_metrics"),
    ({"keep_models": np.zeros(3)}, TypeError, "keep_models"),
    ({"window": 1}, ValueError, "window"),   # one row, one class: the fit's error names window
])
def test_bad_replay_arguments_are_named(kwargs, error, name):
    X, y, t = _flip(n_batches=3, size=100)
    batches = kwargs.pop("batches", t)
    with pytest.raises(error, match=f"^{name}: "):
        replay(LogisticRegression, X, y, batches, policy=Never(), **kwargs)


@pytest.mark.parametrize("policy", [Periodic(1), Oracle(at=[1]), OnDrift(CalibrationDrift())])
def test_policy_update_names_a_bad_state(policy):
    with pytest.raises(TypeError, match="^state: expected a BatchState"):
        policy.update(3)


@pytest.mark.parametrize("at", [[np.zeros(2)], [float("nan")]])
def test_oracle_refuses_labels_no_batch_can_equal(at):
    with pytest.raises(ValueError, match="^at: "):
        Oracle(at=at)


def test_release_hook_keeps_the_serving_model_when_it_refuses():
    X, y, t = _flip()
    always = replay(LogisticRegression, X, y, t, policy=Periodic(1), window=200)
    seen = []

    def refuse_after_the_flip(serving, candidate, state):
        seen.append((state.batch, type(serving).__name__, type(candidate).__name__))
        return state.batch < 5

    gated = replay(LogisticRegression, X, y, t, policy=Periodic(1), window=200, release=refuse_after_the_flip)
    assert len(seen) == gated.retrains == always.retrains == 8     # refused retrains still cost
    assert seen[0] == (1, "LogisticRegression", "LogisticRegression")
    assert gated.frame["released"].tolist() == [True] * 4 + [False] * 4 + [False]
    assert gated.frame["version"].tolist() == [0, 1, 2, 3, 4, 4, 4, 4, 4]
    assert gated.frame["error"].iloc[5:].min() > 0.9                # the old concept keeps serving
    assert "released" not in always.frame                            # no hook, no new column


def test_release_gate_on_flips():
    from sklearn.dummy import DummyClassifier

    X, y = np.zeros((10, 1)), np.array([0] * 7 + [1] * 3)
    zeros = DummyClassifier(strategy="constant", constant=0).fit(X, y)
    ones = DummyClassifier(strategy="constant", constant=1).fit(X, y)
    gate = ReleaseGate(X, y, budget=0.7)
    assert gate(zeros, ones) is True and gate.log[-1]["nfr"] == pytest.approx(0.7)
    assert gate(ones, zeros) is True and gate.log[-1]["nfr"] == pytest.approx(0.3)
    assert ReleaseGate(X, y, budget=0.69)(zeros, ones) is False
    strict = ReleaseGate(X, y, budget=1.0, min_gain=0.0)
    assert strict(zeros, ones) is False and strict.log[-1]["gain"] == pytest.approx(-0.4)
    assert "budget=0.7" in repr(gate)


def test_release_gate_blocks_a_flipped_concept_in_replay():
    X, y, t = _flip()
    gate = ReleaseGate(X[:200], y[:200], budget=0.05)               # old-concept rows
    res = replay(LogisticRegression, X, y, t, policy=Periodic(1), window=200, release=gate)
    nfr = [row["nfr"] for row in gate.log]
    assert max(nfr[:4]) < 0.05 < 0.9 < min(nfr[4:])
    assert res.frame["released"].tolist() == [True] * 4 + [False] * 5


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(X_gate=np.zeros(3), y_gate=[0, 1, 0]), ValueError, "X_gate"),
    (dict(X_gate=np.zeros((3, 1)), y_gate=[0, 1]), ValueError, "rows"),
    (dict(X_gate=np.zeros((3, 1)), y_gate=[0, 1, 0], budget=1.5), ValueError, "budget"),
    (dict(X_gate=np.zeros((3, 1)), y_gate=[0, 1, 0], min_gain="x"), TypeError, "min_gain"),
])
def test_release_gate_bad_input_names_the_argument(kwargs, error, name):
    kwargs = {"budget": 0.1, **kwargs}
    with pytest.raises(error, match=name):
        ReleaseGate(**kwargs)
    gate = ReleaseGate(np.zeros((3, 1)), [0, 1, 0], budget=0.1)
    with pytest.raises(TypeError, match="candidate"):
        gate(LogisticRegression().fit([[0], [1]], [0, 1]), "v2")
    with pytest.raises(TypeError, match="release"):
        replay(LogisticRegression, *_flip()[:3], policy=Never(), release="ship it")
