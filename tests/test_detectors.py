"""Tests for kit.detectors: agreement with river and scipy, error rates, bad input."""

import numpy as np
import pytest
from river import drift
from scipy import stats

from kit.shift.detectors import DDM, CalibrationDrift, KSDrift, alarm_report, ks_test, psi


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


def test_ddm_detects_increase_after_change():
    stream = _stream(0, 0.1, 0.4)
    det = DDM()
    alarms = [i for i, x in enumerate(stream) if (det.update(x), det.drift_detected)[1]]
    assert alarms and 1500 <= alarms[0] <= 1700


def test_ks_matches_scipy_and_corrections():
    rng = np.random.default_rng(0)
    ref, cur = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
    cur[:, 1] += 0.4
    raw = np.array([stats.ks_2samp(ref[:, j], cur[:, j]).pvalue for j in range(4)])
    assert np.allclose(ks_test(ref, cur, correction="none").p_value, raw)
    assert np.allclose(ks_test(ref, cur, correction="bonferroni").p_value, np.minimum(raw * 4, 1))
    holm = ks_test(ref, cur, correction="holm").p_value
    bh = ks_test(ref, cur, correction="bh").p_value
    assert np.all(raw <= bh + 1e-12) and np.all(bh <= holm + 1e-12)
    assert np.all(holm <= np.minimum(raw * 4, 1) + 1e-12)
    assert ks_test(ref, cur).drifted.tolist() == [False, True, False, False]


def test_holm_hand_computed():
    from kit.shift.detectors import _adjust
    p = np.array([0.01, 0.04, 0.03, 0.20])
    # sorted 0.01, 0.03, 0.04, 0.20 -> 0.04, 0.09, 0.09 (monotone), 0.20
    assert np.allclose(_adjust(p, "holm"), [0.04, 0.09, 0.09, 0.20])
    # BH: 0.04, 0.06, 0.0533.., 0.20 -> monotone from the top: 0.04, 0.0533, 0.0533, 0.20
    assert np.allclose(_adjust(p, "bh"), [0.04, 0.16 / 3, 0.16 / 3, 0.20])


def test_ks_family_wise_false_alarms_controlled():
    rng = np.random.default_rng(1)
    hits_corrected = hits_raw = 0
    for _ in range(100):
        ref, cur = rng.normal(size=(100, 10)), rng.normal(size=(100, 10))
        hits_corrected += ks_test(ref, cur, alpha=0.05).drift
        hits_raw += ks_test(ref, cur, alpha=0.05, correction="none").drift
    assert hits_corrected <= 12  # about 5 expected
    assert hits_raw >= 20  # about 40 expected without correction


def test_ksdrift_stateful_and_errors():
    rng = np.random.default_rng(2)
    det = KSDrift(alpha=0.01)
    with pytest.raises(RuntimeError, match="fit"):
        det.update(rng.normal(size=(10, 2)))
    det.fit(rng.normal(size=(200, 2)))
    det.update(rng.normal(size=(200, 2)) + [0, 2])
    assert det.drift_detected and det.last.drifted.tolist() == [False, True]
    with pytest.raises(ValueError, match="X_cur"):
        det.update(rng.normal(size=(10, 3)))
    with pytest.raises(ValueError, match="correction"):
        KSDrift(correction="fdr")


def test_psi_levels():
    rng = np.random.default_rng(3)
    a = rng.normal(size=5000)
    assert psi(a, rng.normal(size=5000)) < 0.02
    assert 0.05 < psi(a, rng.normal(loc=0.3, size=5000)) < 0.25
    assert psi(a, rng.normal(loc=1.5, size=5000)) > 1.0
    with pytest.raises(ValueError, match="ref"):
        psi(np.zeros((3, 2)), a)


def test_calibration_drift_z():
    det = CalibrationDrift(threshold=2.0)
    y, p = np.r_[np.ones(20), np.zeros(80)], np.full(100, 0.1)
    det.update(y, p)
    assert det.z == pytest.approx((20 - 10) / np.sqrt(100 * 0.09))
    assert det.drift_detected
    det.update(np.r_[np.ones(10), np.zeros(90)], p)
    assert det.z == pytest.approx(0.0) and not det.drift_detected
    with pytest.raises(ValueError, match="y_score"):
        det.update(y, p[:5])


def test_calibration_drift_false_alarm_rate():
    rng = np.random.default_rng(4)
    det, alarms = CalibrationDrift(threshold=3.0), 0
    for _ in range(300):
        p = rng.uniform(0.02, 0.3, size=500)
        det.update((rng.random(500) < p).astype(float), p)
        alarms += det.drift_detected
    assert alarms <= 3  # 0.27% two-sided expected


def test_alarm_report():
    rep = alarm_report([5, 120, 130, 400], [100, 300], max_delay=50)
    assert rep.delays == [20] and rep.false_alarms == 3 and rep.missed == 1
    assert np.isnan(alarm_report([], [10], max_delay=5).mean_delay)
    with pytest.raises(ValueError, match="max_delay"):
        alarm_report([1], [1], max_delay=-1)
