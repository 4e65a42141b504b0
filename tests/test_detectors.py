"""kit.shift.detectors: DDM equals river's, the calibration z is Spiegelhalter's, KSDrift's
reference, the feeding rule, and alarm scoring. The shared contract is in test_conformance.py."""

import numpy as np
import pytest
from river import drift

from kit.shift.detectors import (
    DDM,
    CalibrationDrift,
    KSDrift,
    alarm_positions,
    alarm_report,
    observations,
)
from kit.sim.policies import BatchState


def _stream(seed: int, p0: float, p1: float, n: int = 1500) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.r_[rng.random(n) < p0, rng.random(n) < p1].astype(int)


@pytest.mark.parametrize("seed,p0,p1,kwargs", [
    (0, 0.1, 0.4, {}), (1, 0.2, 0.25, {}), (2, 0.3, 0.3, {}),
    (3, 0.05, 0.5, {"warm_start": 10, "drift_threshold": 2.5}),
])
def test_ddm_agrees_with_river(seed, p0, p1, kwargs):
    stream = _stream(seed, p0, p1)
    ours = DDM(**kwargs)
    theirs = drift.binary.DDM(**kwargs)
    a_ours, a_theirs, w_ours, w_theirs = [], [], [], []
    for i, x in enumerate(stream):
        ours.update(x)
        theirs.update(x)
        if ours.drift_detected:
            a_ours.append(i)
        if theirs.drift_detected:
            a_theirs.append(i)
        w_ours.append(ours.warning_detected)
        w_theirs.append(theirs.warning_detected)
    assert a_ours == a_theirs
    assert w_ours == w_theirs
    assert alarm_positions(DDM(**kwargs), stream) == a_theirs


def test_ddm_detects_increase_after_change():
    alarms = alarm_positions(DDM(), _stream(0, 0.1, 0.4))
    assert alarms and 1500 <= alarms[0] <= 1700


def test_ksdrift_reference_given_or_taken_from_the_state():
    rng = np.random.default_rng(2)
    with pytest.raises(RuntimeError, match="reference"):
        KSDrift().update(rng.normal(size=(10, 2)))
    det = KSDrift(rng.normal(size=(200, 2)), alpha=0.01)
    det.update(rng.normal(size=(200, 2)) + [0, 2])
    assert det.drift_detected and det.last.details["drifted"].tolist() == [False, True]
    with pytest.raises(ValueError, match="X_cur"):
        det.update(rng.normal(size=(10, 3)))
    with pytest.raises(ValueError, match="correction"):
        KSDrift(correction="fdr")
    X_train = rng.normal(size=(300, 2))
    state = BatchState(1, 0, X_train[:100] + 3, np.zeros(100), np.zeros(100), np.zeros(100), 1, X_train)
    taker = KSDrift()
    assert [x is state.X for x in observations(taker, state)] == [True]
    assert taker.X_ref is X_train
    taker.reset()
    assert taker.X_ref is None and not taker.drift_detected  # a reference taken from a state is forgotten


def test_calibration_drift_z():
    det = CalibrationDrift(threshold=2.0)
    y, p = np.r_[np.ones(20), np.zeros(80)], np.full(100, 0.1)
    det.update((y, p))
    assert det.z == pytest.approx((20 - 10) / np.sqrt(100 * 0.09))
    assert det.drift_detected
    det.update((np.r_[np.ones(10), np.zeros(90)], p))
    assert det.z == pytest.approx(0.0) and not det.drift_detected
    with pytest.raises(ValueError, match="y_score"):
        det.update((y, p[:5]))
    with pytest.raises(TypeError, match="pair"):
        det.update(y)


def test_calibration_drift_false_alarm_rate():
    rng = np.random.default_rng(4)
    batches = []
    for _ in range(300):
        p = rng.uniform(0.02, 0.3, size=500)
        batches.append(((rng.random(500) < p).astype(float), p))
    assert len(alarm_positions(CalibrationDrift(threshold=3.0), batches)) <= 3  # 0.27% two-sided expected


def test_observations_default_to_the_row_errors():
    state = BatchState(1, 0, np.zeros((3, 1)), np.array([1, 0, 1]), np.array([0.4, 0.2, 0.9]),
                       np.array([1.0, 0.0, 0.0]), 1, np.zeros((5, 1)))
    assert list(observations(drift.ADWIN(), state)) == [1.0, 0.0, 0.0]
    assert list(observations(DDM(), state)) == [1.0, 0.0, 0.0]
    (pair,) = observations(CalibrationDrift(), state)
    assert pair[0] is state.y_true and pair[1] is state.y_score
    with pytest.raises(TypeError, match="detector"):
        observations(object(), state)


def test_alarm_positions_leaves_the_detector_untouched():
    det = DDM()
    first = alarm_positions(det, _stream(0, 0.1, 0.4))
    assert det._n == 0 and alarm_positions(det, _stream(0, 0.1, 0.4)) == first


def test_alarm_report():
    rep = alarm_report([5, 120, 130, 400], [100, 300], max_delay=50)
    assert rep.delays == [20] and rep.false_alarms == 3 and rep.missed == 1
    assert np.isnan(alarm_report([], [10], max_delay=5).mean_delay)
    with pytest.raises(ValueError, match="max_delay"):
        alarm_report([1], [1], max_delay=-1)


@pytest.mark.parametrize("call, error, name", [
    (lambda: KSDrift(np.zeros((5, 2)), correction=np.zeros(2)), TypeError, "correction"),
    (lambda: list(observations(DDM(), 3)), TypeError, "state"),
    (lambda: alarm_positions(DDM(), 5), TypeError, "stream"),
    (lambda: alarm_positions(DDM(), "bogus"), TypeError, "stream"),
    (lambda: alarm_positions(DDM(), np.zeros((4, 5))), TypeError, "stream"),   # rows are not 0/1 errors
    (lambda: alarm_report(None, [200], max_delay=150), ValueError, "alarms"),
    (lambda: alarm_report([50], np.zeros((2, 2)), max_delay=150), ValueError, "changes"),
    (lambda: alarm_report([50], ["a"], max_delay=150), TypeError, "changes"),
])
def test_bad_detector_arguments_are_named(call, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        call()
