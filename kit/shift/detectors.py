"""Drift detectors with one verb: ``update(x)``, then read ``drift_detected`` (river's convention).

Three things can be watched once a model is deployed, one detector each:

- its **inputs**, without labels: ``KSDrift`` runs the corrected per-feature KS test of
  ``kit.shift.twosample.ks_test`` on each batch against the serving model's training inputs;
- its **errors**, once labels arrive: ``DDM`` (Gama et al. 2004), written out so it can be
  read and shown equal to ``river.drift.binary.DDM`` in ``tests/test_detectors.py``; river's
  ``ADWIN`` (Bifet & Gavalda 2007) keeps a window that adapts and plugs in the same way;
- its **calibration**: predicted rate vs observed rate in a batch (``CalibrationDrift``), which
  catches a shift in the base rate that leaves the ranking (AUC) intact.

Every kit detector subclasses ``Detector``: besides ``update``, ``drift_detected`` and
``reset()`` it declares what it reads from a monitored batch (``inputs(state)``: the per-row
errors by default), so ``kit.sim.policies.OnDrift`` feeds any detector, river's included,
through ``observations(detector, state)`` without knowing which it is. ``alarm_positions`` and
``alarm_report`` score a detector the way it should be scored: delay after a known change,
false alarms before it, misses.

Taught in ``notebooks/15_updating-concept-drift.ipynb``. Survey: Paleyes, Urma & Lawrence
(2022), ACM Computing Surveys, "model updating".
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from kit._validate import as_array, check_range
from kit.shift.twosample import ShiftTest, _check_correction, ks_test

if TYPE_CHECKING:
    from kit.sim.policies import BatchState

__all__ = ["Detector", "observations", "KSDrift", "DDM", "CalibrationDrift",
           "alarm_positions", "AlarmReport", "alarm_report"]


class Detector:
    """Base class: ``update(x)`` then read ``drift_detected``; ``reset()`` starts afresh.

    ``inputs(state)`` declares what the detector reads from a monitored batch (a
    ``kit.sim.policies.BatchState``): by default each row's error in turn. ``needs_labels``
    says whether that reading needs the batch's labels.

    >>> class Threshold(Detector):
    ...     def reset(self): self.drift_detected = False
    ...     def update(self, x): self.drift_detected = x > 0.5
    >>> det = Threshold(); det.update(0.9); det.drift_detected
    True
    """

    needs_labels = True

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything seen so far."""
        raise NotImplementedError

    def update(self, x: Any) -> None:
        """Read one observation; afterwards ``drift_detected`` says whether it raised an alarm."""
        raise NotImplementedError

    def inputs(self, state: BatchState) -> Iterable[Any]:
        """What this detector reads from one monitored batch, in order."""
        return state.errors.tolist()


def observations(detector: Any, state: BatchState) -> Iterable[Any]:
    """What ``detector`` reads from a monitored batch: its ``inputs(state)``, else the row errors.

    River's detectors (ADWIN, DDM...) have no ``inputs``: they get each row's error in turn.

    >>> from kit.sim.policies import BatchState
    >>> state = BatchState(2010, 0, np.zeros((2, 1)), np.array([0, 1]), np.array([0.2, 0.3]),
    ...                    np.array([0.0, 1.0]), 1, np.zeros((5, 1)))
    >>> list(observations(DDM(), state)), list(observations(CalibrationDrift(), state))[0][0]
    ([0.0, 1.0], array([0, 1]))
    """
    if not hasattr(detector, "update") or not hasattr(detector, "drift_detected"):
        raise TypeError("detector: expected an object with update() and drift_detected (river style)")
    if not all(hasattr(state, a) for a in ("X", "errors", "X_train")):
        raise TypeError(f"state: expected a BatchState (kit.sim.policies), got {type(state).__name__}")
    inputs = getattr(detector, "inputs", None)
    return inputs(state) if inputs is not None else state.errors.tolist()


class KSDrift(Detector):
    """Input drift without labels: ``update(X_cur)`` runs a corrected per-feature KS test.

    The reference is ``X_ref`` if given, else (when fed by ``OnDrift``) the serving model's
    training inputs ``state.X_train``, taken at the first batch. ``drift_detected`` is True
    after a batch whose test rejects; ``last`` holds that ``ShiftTest``.

    Paper: Rabanser, Guennemann & Lipton (2019), "Failing loudly", NeurIPS.

    >>> rng = np.random.default_rng(1)
    >>> det = KSDrift(rng.normal(size=(300, 2)), alpha=0.01)
    >>> det.update(rng.normal(size=(300, 2))); det.drift_detected
    False
    >>> det.update(rng.normal(loc=1.0, size=(300, 2))); det.drift_detected
    True
    """

    needs_labels = False

    def __init__(self, X_ref: Any = None, *, alpha: float = 0.05, correction: str = "holm") -> None:
        self.alpha = check_range(alpha, "alpha", low=0, high=1)
        self.correction = _check_correction(correction)
        self._given = None if X_ref is None else as_array(X_ref, "X_ref", ndim=2, min_rows=2)
        super().__init__()

    def reset(self) -> None:
        self.X_ref = self._given
        self.drift_detected = False
        self.last: ShiftTest | None = None

    def inputs(self, state: BatchState) -> Iterable[Any]:
        if self.X_ref is None:
            self.X_ref = as_array(state.X_train, "state.X_train", ndim=2, min_rows=2)
        return [state.X]

    def update(self, x: Any) -> None:
        if self.X_ref is None:
            raise RuntimeError("KSDrift.update: no reference; pass X_ref (or let OnDrift feed it)")
        self.last = ks_test(self.X_ref, x, alpha=self.alpha, correction=self.correction)
        self.drift_detected = self.last.drift

    def __repr__(self) -> str:
        return f"KSDrift(alpha={self.alpha}, correction={self.correction!r})"


class DDM(Detector):
    """Drift Detection Method on a 0/1 error stream (Gama, Medas, Castillo & Rodrigues 2004).

    Keeps the running error rate p and its standard deviation s = sqrt(p(1-p)/n); remembers the
    point where p + s was lowest; warns when p + s > p_min + 2 s_min and signals drift when
    p + s > p_min + 3 s_min, then starts afresh. Same rules as ``river.drift.binary.DDM``.

    Paper: "Learning with drift detection", SBIA 2004, LNCS 3171, 286-295.

    >>> rng = np.random.default_rng(0)
    >>> stream = np.r_[rng.random(1000) < 0.1, rng.random(1000) < 0.4].astype(int)
    >>> alarm_positions(DDM(), stream)[0] > 1000
    True
    """

    def __init__(self, *, warm_start: int = 30, warning_threshold: float = 2.0,
                 drift_threshold: float = 3.0) -> None:
        self.warm_start = check_range(warm_start, "warm_start", low=0, integer=True)
        self.warning_threshold = check_range(warning_threshold, "warning_threshold", low=0)
        self.drift_threshold = check_range(drift_threshold, "drift_threshold", low=0)
        super().__init__()

    def reset(self) -> None:
        self._n, self._p = 0, 0.0
        self._p_min, self._s_min, self._ps_min = math.nan, math.nan, math.inf
        self.drift_detected = False
        self.warning_detected = False

    def update(self, x: Any) -> None:
        """Read one error indicator ``x``: 1 (a mistake) or 0; anything else is refused.

        A NaN would poison the running error rate for good (no alarm, ever after), so it is
        refused before the state changes.
        """
        if isinstance(x, str) or not isinstance(x, (int, float, np.integer, np.floating, np.bool_)):
            raise TypeError(f"x: expected an error indicator 0 or 1, got {type(x).__name__}")
        if x not in (0, 1):
            raise ValueError(f"x: expected an error indicator 0 or 1, got {x!r}")
        if self.drift_detected:
            self.reset()
        self._n += 1
        self._p += (float(x) - self._p) / self._n
        s = math.sqrt(self._p * (1 - self._p) / self._n)
        if self._n > self.warm_start:
            if self._p + s <= self._ps_min:
                self._p_min, self._s_min, self._ps_min = self._p, s, self._p + s
            self.warning_detected = self._p + s > self._p_min + self.warning_threshold * self._s_min
            if self._p + s > self._p_min + self.drift_threshold * self._s_min:
                self.drift_detected, self.warning_detected = True, False

    def __repr__(self) -> str:
        return f"DDM(warm_start={self.warm_start}, drift_threshold={self.drift_threshold})"


class CalibrationDrift(Detector):
    """Alarm when a batch's observed positive rate leaves the model's predicted rate.

    ``update((y_true, y_score))`` takes one batch. z = (sum y - sum p) / sqrt(sum p (1 - p)):
    under calibration each y_i ~ Bernoulli(p_i), so z is about standard normal;
    ``drift_detected`` when |z| > ``threshold`` (Spiegelhalter 1986, "Probabilistic prediction
    in patient management", Statistics in Medicine). Catches a shift in the base rate that AUC
    cannot see.

    >>> det = CalibrationDrift(threshold=3.0)
    >>> det.update((np.r_[np.ones(10), np.zeros(90)], np.full(100, 0.1))); det.drift_detected
    False
    >>> det.update((np.r_[np.ones(30), np.zeros(70)], np.full(100, 0.1))); round(det.z, 1)
    6.7
    """

    def __init__(self, *, threshold: float = 3.0) -> None:
        self.threshold = check_range(threshold, "threshold", low=0)
        super().__init__()

    def reset(self) -> None:
        self.z = 0.0
        self.drift_detected = False

    def inputs(self, state: BatchState) -> Iterable[Any]:
        return [(state.y_true, state.y_score)]

    def update(self, x: Any) -> None:
        if not isinstance(x, (tuple, list)) or len(x) != 2:
            raise TypeError("x: expected a pair (y_true, y_score) of one batch")
        y = as_array(x[0], "y_true", ndim=1, min_rows=0)
        p = as_array(x[1], "y_score", ndim=1, min_rows=0)
        if len(y) != len(p):
            raise ValueError(f"y_score: expected {len(y)} scores like y_true, got {len(p)}")
        var = float(np.sum(p * (1 - p)))
        self.z = float((y.sum() - p.sum()) / math.sqrt(var)) if var > 0 else 0.0
        self.drift_detected = abs(self.z) > self.threshold

    def __repr__(self) -> str:
        return f"CalibrationDrift(threshold={self.threshold})"


def alarm_positions(detector: Any, stream: Iterable[Any]) -> list[int]:
    """Feed a copy of ``detector`` the ``stream`` in order; return where it raised alarms.

    The detector passed in is left untouched (a deep copy runs), so one object can be scored
    on several streams.

    >>> batches = [([1, 1], [0.1, 0.1]), ([0, 0], [0.1, 0.1]), ([1, 1], [0.1, 0.1])]
    >>> alarm_positions(CalibrationDrift(threshold=2.0), batches)
    [0, 2]
    """
    if not hasattr(detector, "update") or not hasattr(detector, "drift_detected"):
        raise TypeError("detector: expected an object with update() and drift_detected (river style)")
    if isinstance(stream, (str, bytes)) or not isinstance(stream, Iterable):
        raise TypeError(f"stream: expected an iterable of observations, got {type(stream).__name__}")
    det, out = copy.deepcopy(detector), []
    for i, x in enumerate(stream):
        try:
            det.update(x)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"stream: observation {i}: {exc}") from exc
        if det.drift_detected:
            out.append(i)
    return out


@dataclass
class AlarmReport:
    """Detection delays (one per detected change), false alarms and missed changes.

    >>> AlarmReport([10, 30], false_alarms=1, missed=0).mean_delay
    20.0
    """

    delays: list[int]
    false_alarms: int
    missed: int

    @property
    def mean_delay(self) -> float:
        return float(np.mean(self.delays)) if self.delays else math.nan

    def __repr__(self) -> str:
        return f"AlarmReport(delays={self.delays}, false_alarms={self.false_alarms}, missed={self.missed})"


def _positions(value: Any, name: str) -> np.ndarray:
    """A 1-D sequence of positions (rows or batches), checked."""
    arr = as_array(value, name, ndim=1, dtype=None, min_rows=0)
    if arr.size and arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected positions (numbers), got dtype {arr.dtype}")
    return arr


def alarm_report(alarms: Sequence[int], changes: Sequence[int], *, max_delay: int) -> AlarmReport:
    """Score alarm positions against known change positions (same unit: rows or batches).

    The first alarm in ``[change, change + max_delay]`` detects the change (its delay is
    ``alarm - change``); every other alarm is false; a change with no such alarm is missed.

    >>> alarm_report([50, 210, 260, 700], [200, 600], max_delay=150)
    AlarmReport(delays=[10, 100], false_alarms=2, missed=0)
    """
    check_range(max_delay, "max_delay", low=0, integer=True)
    alarms = sorted(int(a) for a in _positions(alarms, "alarms"))
    delays, hit = [], set()
    missed = 0
    for c in sorted(int(c) for c in _positions(changes, "changes")):
        found = [a for a in alarms if c <= a <= c + max_delay and a not in hit]
        if found:
            delays.append(found[0] - c)
            hit.add(found[0])
        else:
            missed += 1
    return AlarmReport(delays, len(alarms) - len(hit), missed)
