"""The shared contract, checked in one loop, as river's test_drift_detectors.py does.

Every detector (the kit's and river's ADWIN and DDM) reads the same two streams of monitored
batches, fed by the one rule ``OnDrift`` uses (``observations``): a stationary stream (few or
no alarms) and one whose world changes abruptly at batch ``CHANGE`` (the inputs move, the base
rate and the concept change: an alarm soon after, none before). Every policy (``Never``,
``Periodic``, ``Oracle``, ``OnDrift`` with each detector) replays both streams through
``kit.sim.replay.replay``. Checked: the verbs, ``reset``, ``repr``, no global random state,
retrains counted.
"""

import copy
import random

import numpy as np
import pytest
from river import drift
from sklearn.linear_model import LogisticRegression

from kit.shift.detectors import DDM, CalibrationDrift, Detector, KSDrift, observations
from kit.sim.policies import Never, OnDrift, Oracle, Periodic, Policy
from kit.sim.replay import replay

CHANGE, BATCHES, ROWS, WARMUP, WINDOW = 10, 20, 300, 4, 1200

DETECTORS = {
    "DDM": lambda: DDM(),
    "KSDrift": lambda: KSDrift(alpha=0.01),
    "CalibrationDrift": lambda: CalibrationDrift(threshold=3.0),
    "river ADWIN": lambda: drift.ADWIN(),
    "river DDM": lambda: drift.binary.DDM(),
}
POLICIES = {
    "Never": Never,
    "Periodic(3)": lambda: Periodic(3),
    "Oracle": lambda: Oracle([CHANGE]),
    **{f"OnDrift({k})": (lambda make=make: OnDrift(make())) for k, make in DETECTORS.items()},
}
STREAMS = ("stationary", "abrupt")


def _data(kind: str, seed: int = 0):
    """Rows in 20 batches; from batch CHANGE on (abrupt only) x1 moves and P(y | x) changes."""
    rng = np.random.default_rng(seed)
    t = np.repeat(np.arange(BATCHES), ROWS)
    X = rng.normal(size=(len(t), 3))
    after = (t >= CHANGE) & (kind == "abrupt")
    X[after, 1] += 1.0
    noise = rng.normal(scale=0.5, size=len(t))
    y = np.where(after, X[:, 0] + noise > 0, X[:, 0] + noise > 1).astype(int)  # positives ~19% -> 50%
    return X, y, t


class _Record:
    """A policy that never retrains and keeps every monitored batch: the detectors' stream."""

    needs_labels = True

    def __init__(self):
        self.states = []

    def update(self, state):
        self.states.append(state)
        return False

    def reset(self):
        pass


def _states(kind):
    rec = _Record()
    replay(LogisticRegression, *_data(kind), policy=rec, warmup=WARMUP)
    return rec.states


STATES = {kind: _states(kind) for kind in STREAMS}


def _alarms(det, states):
    """Batches (labels) after which ``det`` raised an alarm; drift_detected read after each update."""
    out = []
    for state in states:
        hit = False
        for x in observations(det, state):
            det.update(x)
            assert det.drift_detected in (True, False)
            hit = hit or bool(det.drift_detected)
        if hit:
            out.append(state.batch)
    return out


def _few_then_soon(alarms, kind):
    """At most one false alarm; on the abrupt stream, an alarm within two batches of the change."""
    assert sum(a < CHANGE for a in alarms) <= 1, alarms
    if kind == "abrupt":
        assert any(CHANGE <= a <= CHANGE + 2 for a in alarms), alarms


def _global_rng():
    return np.random.get_state()[1].tobytes(), random.getstate()


@pytest.mark.parametrize("kind", STREAMS)
@pytest.mark.parametrize("name", DETECTORS)
def test_detector_contract(name, kind):
    np.random.seed(123)
    random.seed(123)
    before = _global_rng()
    det = DETECTORS[name]()
    assert hasattr(det, "update") and hasattr(det, "drift_detected")
    alarms = _alarms(det, STATES[kind])
    _few_then_soon(alarms, kind)
    assert _global_rng() == before, "a detector touched the global random state"
    if isinstance(det, Detector):  # the kit's own: reset, repr, and a fresh copy agree
        det.reset()
        assert _alarms(det, STATES[kind]) == alarms
        assert _alarms(copy.deepcopy(DETECTORS[name]()), STATES[kind]) == alarms
        assert repr(det).startswith(type(det).__name__ + "(") and "\n" not in repr(det)


@pytest.fixture(scope="module")
def never_error():
    return {kind: replay(LogisticRegression, *_data(kind), policy=Never(), warmup=WARMUP).frame
            for kind in STREAMS}


@pytest.mark.parametrize("kind", STREAMS)
@pytest.mark.parametrize("name", POLICIES)
def test_policy_contract(name, kind, never_error):
    np.random.seed(7)
    before = _global_rng()
    policy = POLICIES[name]()
    assert isinstance(policy, Policy)
    res = replay(LogisticRegression, *_data(kind), policy=policy, warmup=WARMUP, window=WINDOW)
    f = res.frame
    assert _global_rng() == before, "a policy touched the global random state"
    # retrains counted: every alarm but one on the last batch starts a new model version
    assert res.retrains == int(f.alarm.iloc[:-1].sum()) == f.version.iloc[-1]
    assert res.rows_fitted == WINDOW * res.retrains
    assert res.policy == repr(policy) and "\n" not in res.policy
    if not policy.needs_labels:  # only the training rows' labels are read
        assert res.labels_used <= WARMUP * ROWS + res.rows_fitted
    if name == "Never":
        assert res.retrains == 0
    elif name.startswith("Periodic"):
        assert res.retrains == (BATCHES - WARMUP - 1) // 3
    elif name == "Oracle":
        assert f.query("alarm").batch.tolist() == [CHANGE]
    else:
        _few_then_soon(f.query("alarm").batch.tolist(), kind)
    if name.startswith("OnDrift") and kind == "abrupt":
        late = f.batch >= CHANGE + 4   # after a retrain on post-change rows, error falls below Never's
        assert f.error[late].mean() < never_error[kind].error[late.to_numpy()].mean() - 0.05
