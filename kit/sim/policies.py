"""Retraining policies for ``kit.sim.replay``: one verb, ``update(state) -> bool`` ("retrain now?").

``Never``, ``Periodic(every)``, ``OnDrift(detector)`` and ``Oracle(at)`` (retrains at known
change batches, a reference no deployed system has). Write your own by implementing
``Policy``. Taught in ``notebooks/15_updating-concept-drift.ipynb``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from kit._validate import check_choice, check_range

__all__ = ["BatchState", "Policy", "Never", "Periodic", "OnDrift", "Oracle"]


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
    """

    batch: Any
    index: int
    X: np.ndarray
    y_true: np.ndarray
    y_score: np.ndarray
    errors: np.ndarray
    since_retrain: int
    X_train: np.ndarray


@runtime_checkable
class Policy(Protocol):
    """A retraining policy: ``update(state)`` returns True to retrain now.

    ``needs_labels`` says whether the policy's monitoring reads every label (a performance
    detector does; a calendar or an input-drift test does not). ``reset()`` is called after
    every retrain.
    """

    needs_labels: bool

    def update(self, state: BatchState) -> bool: ...

    def reset(self) -> None: ...


class Never:
    """The static model: deployed once, never retrained."""

    needs_labels = False

    def update(self, state: BatchState) -> bool:
        return False

    def reset(self) -> None:
        pass

    def __repr__(self) -> str:
        return "Never()"


class Periodic:
    """Retrain every ``every`` batches, whatever happens (the calendar policy)."""

    needs_labels = False

    def __init__(self, every: int) -> None:
        self.every = check_range(every, "every", low=1, integer=True)

    def update(self, state: BatchState) -> bool:
        return state.since_retrain >= self.every

    def reset(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"Periodic(every={self.every})"


class Oracle:
    """Retrain right after the batches in ``at`` (known change points): a reference only."""

    needs_labels = False

    def __init__(self, at: Sequence[Any]) -> None:
        self.at = list(at)

    def update(self, state: BatchState) -> bool:
        return state.batch in self.at

    def reset(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"Oracle(at={self.at})"


SIGNALS = ("errors", "inputs", "calibration")


class OnDrift:
    """Retrain when ``detector`` raises an alarm (the drift-triggered policy).

    Parameters
    ----------
    detector : object
        A river-style detector: ``update(...)`` then read ``drift_detected``. A pristine copy
        replaces it after each retrain.
    signal : {"errors", "inputs", "calibration"}
        What it is fed: ``"errors"`` each row's loss in turn (river's DDM, ADWIN...),
        ``"inputs"`` the batch ``X`` after ``fit(X_train)`` (``kit.shift.detectors.KSDrift``),
        ``"calibration"`` ``update(y_true, y_score)`` per batch
        (``kit.shift.detectors.CalibrationDrift``).
    min_batches : int
        Batches a fresh model serves before an alarm may retrain it again.
    """

    def __init__(self, detector: Any, *, signal: str = "errors", min_batches: int = 1) -> None:
        if not hasattr(detector, "update") or not hasattr(detector, "drift_detected"):
            raise TypeError("detector: expected an object with update() and drift_detected (river style)")
        self.signal = check_choice(signal, "signal", SIGNALS)
        self.min_batches = check_range(min_batches, "min_batches", low=1, integer=True)
        self.needs_labels = signal != "inputs"
        self._template = copy.deepcopy(detector)
        self.detector = copy.deepcopy(detector)
        self._fitted = False

    def update(self, state: BatchState) -> bool:
        det, alarm = self.detector, False
        if self.signal == "errors":
            for e in state.errors.tolist():
                det.update(e)
                alarm = alarm or bool(det.drift_detected)
        elif self.signal == "inputs":
            if not self._fitted:
                det.fit(state.X_train)
                self._fitted = True
            det.update(state.X)
            alarm = bool(det.drift_detected)
        else:
            det.update(state.y_true, state.y_score)
            alarm = bool(det.drift_detected)
        return alarm and state.since_retrain >= self.min_batches

    def reset(self) -> None:
        self.detector = copy.deepcopy(self._template)
        self._fitted = False

    def __repr__(self) -> str:
        return f"OnDrift({type(self._template).__name__}, signal={self.signal!r})"
