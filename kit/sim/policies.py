"""Retraining policies for ``kit.sim.replay``: one verb, ``update(state) -> bool`` ("retrain now?").

``Never``, ``Periodic(every)``, ``OnDrift(detector)`` and ``Oracle(at)`` (retrains at known
change batches, a reference no deployed system has). Write your own by implementing
``Policy``. Taught in ``notebooks/15_updating-concept-drift.ipynb``.

A retrained model need not ship: ``ReleaseGate`` is a ``release`` hook for ``replay`` that
ships a candidate only if its negative-flip rate against the serving model stays within a
budget (taught in ``notebooks/16_updating-compatibility.ipynb``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from kit._validate import as_array, check_has, check_range, same_length

__all__ = ["BatchState", "Policy", "Never", "Periodic", "OnDrift", "Oracle", "ReleaseGate"]


@dataclass
class BatchState:
    """What the monitor knows after batch ``batch`` has been scored and its labels revealed.

    Attributes
    ----------
    batch : Any
        The batch label (e.g. the year), ``index`` its position among scored batches.
    X : ndarray (n, d)
        The batch's inputs. ``y_true`` (n,) its labels (only the revealed rows), ``y_score``
        (n,) the serving model's scores on those rows (P(class 1) for binary classifiers, the
        prediction for regressors), ``errors`` (n,) per-row losses (0/1 or absolute error).
    since_retrain : int
        Batches scored since the serving model was fitted (1 on the first batch it served).
    X_train : ndarray (m, d)
        The inputs the serving model was fitted on (a reference for input-drift tests).
    propensity : ndarray (n,) or None
        Each revealed row's probability of having been revealed (``replay``'s ``reveal``
        hook; all 1 when every label arrives); weight a label by ``1 / propensity`` to
        estimate a rate over the whole batch. None when not known.

    Examples
    --------
    >>> s = BatchState(2019, 0, np.zeros((2, 1)), np.array([0, 1]), np.array([0.2, 0.9]),
    ...                np.array([0.0, 0.0]), since_retrain=1, X_train=np.zeros((5, 1)),
    ...                propensity=np.array([1.0, 0.25]))
    >>> float(np.average(s.y_true, weights=1 / s.propensity))   # the seen 1 stands for four
    0.8
    """

    batch: Any
    index: int
    X: np.ndarray
    y_true: np.ndarray
    y_score: np.ndarray
    errors: np.ndarray
    since_retrain: int
    X_train: np.ndarray
    propensity: np.ndarray | None = None


def _state(state: Any) -> BatchState:
    """``state`` if it looks like a ``BatchState``, else a TypeError naming it."""
    if not all(hasattr(state, a) for a in ("batch", "since_retrain", "errors", "X")):
        raise TypeError(f"state: expected a BatchState (kit.sim.policies), got {type(state).__name__}")
    return state


@runtime_checkable
class Policy(Protocol):
    """A retraining policy: ``update(state)`` returns True to retrain now.

    ``needs_labels`` says whether the policy's monitoring reads every label (a performance
    detector does; a calendar or an input-drift test does not). ``reset()`` is called after
    every retrain.

    Examples
    --------
    >>> isinstance(Periodic(3), Policy), isinstance("every year", Policy)
    (True, False)
    """

    needs_labels: bool

    def update(self, state: BatchState) -> bool: ...

    def reset(self) -> None: ...


class Never:
    """The static model: deployed once, never retrained.

    Examples
    --------
    >>> s = BatchState(1, 0, np.zeros((1, 1)), np.zeros(1), np.zeros(1), np.zeros(1), 9, np.zeros((1, 1)))
    >>> Never().update(s)
    False
    """

    needs_labels = False

    def update(self, state: BatchState) -> bool:
        return False

    def reset(self) -> None:
        pass

    def __repr__(self) -> str:
        return "Never()"


class Periodic:
    """Retrain every ``every`` batches, whatever happens (the calendar policy).

    Examples
    --------
    >>> s = BatchState(1, 0, np.zeros((1, 1)), np.zeros(1), np.zeros(1), np.zeros(1), 2, np.zeros((1, 1)))
    >>> Periodic(2).update(s), Periodic(3).update(s)     # the model has served 2 batches
    (True, False)
    """

    needs_labels = False

    def __init__(self, every: int) -> None:
        self.every = check_range(every, "every", low=1, integer=True)

    def update(self, state: BatchState) -> bool:
        return _state(state).since_retrain >= self.every

    def reset(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"Periodic(every={self.every})"


class Oracle:
    """Retrain right after the batches in ``at`` (known change points): a reference only.

    Examples
    --------
    >>> s = BatchState(2008, 0, np.zeros((1, 1)), np.zeros(1), np.zeros(1), np.zeros(1), 1, np.zeros((1, 1)))
    >>> Oracle(at=[2008]).update(s)
    True
    """

    needs_labels = False

    def __init__(self, at: Sequence[Any]) -> None:
        if isinstance(at, (str, bytes)) or not hasattr(at, "__iter__"):
            raise TypeError(f"at: expected a sequence of batch labels, got {at!r}")
        self.at = list(at)
        for label in self.at:
            if np.ndim(label) != 0:
                raise ValueError(f"at: expected batch labels (scalars), got an element of shape {np.shape(label)}")
            if isinstance(label, (float, np.floating)) and not np.isfinite(label):
                raise ValueError(f"at: expected batch labels, got {label} (it never equals a batch label)")

    def update(self, state: BatchState) -> bool:
        return _state(state).batch in self.at

    def reset(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"Oracle(at={self.at})"


class OnDrift:
    """Retrain when ``detector`` raises an alarm (the drift-triggered policy).

    Each batch, the detector is fed what it declares it reads
    (``kit.shift.detectors.observations``): its ``inputs(state)`` if it has them (``KSDrift``:
    the batch ``X`` against the serving model's training inputs; ``CalibrationDrift``: the
    pair ``(y_true, y_score)``), else each row's error in turn (river's ADWIN, DDM...).

    Parameters
    ----------
    detector : object
        A river-style detector: ``update(x)`` then read ``drift_detected``. A pristine copy
        replaces it after each retrain.
    min_batches : int
        Batches a fresh model serves before an alarm may retrain it again.

    Examples
    --------
    >>> from kit.shift.detectors import CalibrationDrift
    >>> OnDrift(CalibrationDrift(threshold=3.0))
    OnDrift(CalibrationDrift(threshold=3.0))
    """

    def __init__(self, detector: Any, *, min_batches: int = 1) -> None:
        if not hasattr(detector, "update") or not hasattr(detector, "drift_detected"):
            raise TypeError("detector: expected an object with update() and drift_detected (river style)")
        self.min_batches = check_range(min_batches, "min_batches", low=1, integer=True)
        self.needs_labels = bool(getattr(detector, "needs_labels", True))
        self._template = copy.deepcopy(detector)
        self.detector = copy.deepcopy(detector)

    def update(self, state: BatchState) -> bool:
        from kit.shift.detectors import observations

        alarm = False
        for x in observations(self.detector, _state(state)):
            self.detector.update(x)
            alarm = alarm or bool(self.detector.drift_detected)
        return alarm and state.since_retrain >= self.min_batches

    def reset(self) -> None:
        self.detector = copy.deepcopy(self._template)

    def __repr__(self) -> str:
        t = self._template
        shown = repr(t) if type(t).__module__.startswith("kit.") else type(t).__name__  # river's span lines
        extra = f", min_batches={self.min_batches}" if self.min_batches != 1 else ""
        return f"OnDrift({shown}{extra})"


class ReleaseGate:
    """Ship a retrained model only if it breaks few of the serving model's correct answers.

    Called by ``replay`` (its ``release`` hook) as ``gate(serving, candidate, state)``: both
    models predict the gate set; the candidate ships when its negative-flip rate there
    (``kit.evaluate.flip_rates``: rows the serving model gets right and the candidate gets
    wrong) is at most ``budget`` and, with ``min_gain``, its accuracy gain is at least that.
    Every decision is appended to ``log``. The gate set must be labelled data that neither
    model was fitted on (a validation split), not the data the update is judged on.

    Parameters
    ----------
    X_gate : array (m, d), y_gate : array (m,)
        The labelled gate set.
    budget : float in [0, 1]
        Largest negative-flip rate allowed.
    min_gain : float in [-1, 1], optional
        Smallest accuracy gain on the gate set (None: not checked).

    Paper: Yan et al. (2021), "Positive-Congruent Training: Towards Regression-Free Model
    Updates", CVPR (the NFR); Srivastava, Nushi, Kamar, Shah & Horvitz (2020), "An Empirical
    Analysis of Backward Compatibility in Machine Learning Systems", KDD.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> X, y = np.zeros((4, 1)), np.array([0, 0, 0, 1])
    >>> zeros, ones = DummyClassifier().fit(X, y), DummyClassifier(strategy="constant", constant=1).fit(X, y)
    >>> gate = ReleaseGate(X, y, budget=0.5)
    >>> gate(zeros, ones), gate.log[-1]["nfr"]       # three of four right answers broken
    (False, 0.75)
    """

    def __init__(self, X_gate: Any, y_gate: Any, *, budget: float, min_gain: float | None = None) -> None:
        self.X_gate = as_array(X_gate, "X_gate", ndim=2)
        self.y_gate = as_array(y_gate, "y_gate", ndim=1, dtype=None)
        same_length(X_gate=self.X_gate, y_gate=self.y_gate)
        self.budget = check_range(budget, "budget", low=0, high=1)
        self.min_gain = None if min_gain is None else check_range(min_gain, "min_gain", low=-1, high=1)
        self.log: list[dict[str, Any]] = []

    def __call__(self, serving: Any, candidate: Any, state: BatchState | None = None) -> bool:
        from kit.evaluate import flip_rates

        for model, name in ((serving, "serving"), (candidate, "candidate")):
            check_has(model, name, "predict", what="a fitted model with predict(X)")
        if state is not None:
            _state(state)
        flips = flip_rates(self.y_gate, serving.predict(self.X_gate), candidate.predict(self.X_gate))
        ship = flips.nfr <= self.budget and (self.min_gain is None or flips.gain >= self.min_gain)
        self.log.append({"batch": None if state is None else state.batch, "nfr": flips.nfr,
                         "gain": flips.gain, "shipped": bool(ship)})
        return bool(ship)

    def __repr__(self) -> str:
        extra = "" if self.min_gain is None else f", min_gain={self.min_gain}"
        return f"ReleaseGate(budget={self.budget}{extra}, gate rows={len(self.y_gate)})"
