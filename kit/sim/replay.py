"""Deploy -> monitor -> retrain: replay a time-ordered dataset through a deployed model.

A model is fitted on the first ``warmup`` batches and deployed. Each later batch is scored by
the model that is serving *before* its labels are seen; then its labels arrive, the
monitoring state is handed to a retraining ``Policy``, and if the policy says so a fresh model
is fitted on the most recent labelled rows and serves from the next batch on. The result holds
one row per batch (error, calibration, alarm, retrain) plus the cost: retrains, rows fitted,
labels used.

Policies are small objects with one verb, ``update(state) -> bool`` ("retrain now?"):
``Never``, ``Periodic(every)``, ``OnDrift(detector)`` and ``Oracle(at)`` (retrains at known
change batches, a reference no deployed system has). Write your own by implementing
``Policy``.

Survey: Paleyes, Urma & Lawrence (2022), "Challenges in deploying machine learning",
ACM Computing Surveys, section on model updating (concept drift). Taught in
``notebooks/15_updating-concept-drift.ipynb``; reused by notebooks 14 and 16.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(600, 1)); t = np.repeat(np.arange(6), 100)
>>> y = np.where(t < 3, X[:, 0] > 0, X[:, 0] < 0).astype(int)   # the concept flips at batch 3
>>> res = replay(LogisticRegression, X, y, t, policy=Periodic(1), window=100)
>>> res.frame["error"].round(1).tolist()
[0.0, 0.0, 1.0, 0.0, 0.0]
>>> res
ReplayResult(policy='Periodic(every=1)', batches=5, mean_error=0.204, retrains=4, labels_used=500)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, check_range, same_length
from kit.sim.policies import BatchState, Never, Periodic, Policy  # noqa: F401  (doctest names)

__all__ = ["ReplayResult", "replay"]


@dataclass
class ReplayResult:
    """What ``replay`` measured.

    Attributes
    ----------
    frame : DataFrame, one row per scored batch
        ``batch``, ``n``, ``error`` (mean per-row loss), ``score`` (mean score: the predicted
        rate for a binary classifier), ``observed`` (mean label), ``calib_gap``
        (``score - observed``), extra ``metrics`` columns, ``alarm`` (the policy said
        retrain), ``version`` (the serving model's number, 0 = the deployed one), ``n_train``.
    retrains : int
        Models fitted after deployment. ``rows_fitted`` sums their training-set sizes.
    labels_used : int
        Distinct labelled rows read: training rows plus, when the policy monitors labels,
        every revealed label.
    """

    policy: str
    frame: pd.DataFrame
    retrains: int
    rows_fitted: int
    labels_used: int
    models: list = field(default_factory=list, repr=False)

    @property
    def mean_error(self) -> float:
        """Row-weighted mean error over all scored batches."""
        f = self.frame
        return float((f["error"] * f["n"]).sum() / f["n"].sum())

    def __repr__(self) -> str:
        return (f"ReplayResult(policy={self.policy!r}, batches={len(self.frame)}, "
                f"mean_error={self.mean_error:.3g}, retrains={self.retrains}, labels_used={self.labels_used})")


def _score(model: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Scores and, for classifiers, hard predictions."""
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        proba = model.predict_proba(X)
        classes = np.asarray(model.classes_)
        pred = classes[proba.argmax(axis=1)]
        score = proba[:, -1] if len(classes) == 2 else proba.max(axis=1)
        return score, pred
    return np.asarray(model.predict(X), dtype=float), None


def replay(model_factory: Callable[[], Any], X: Any, y: Any, batches: Any, *, policy: Any,
           warmup: int = 1, window: int | None = None,
           metrics: dict[str, Callable[[np.ndarray, np.ndarray], float]] | None = None,
           reveal: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
           keep_models: bool = False) -> ReplayResult:
    """Replay a time-ordered stream through a deployed model under a retraining policy.

    Parameters
    ----------
    model_factory : callable
        Returns a fresh unfitted scikit-learn-style model (``fit``, ``predict_proba`` or
        ``predict``); called once at deployment and once per retrain.
    X : array (n, d), y : array (n,)
        Rows in time order.
    batches : array (n,)
        Batch label of each row (a year, a week number...), non-decreasing.
    policy : Policy
        ``Never()``, ``Periodic(k)``, ``OnDrift(detector)``, ``Oracle(at)`` or your own.
    warmup : int
        Leading batches used to fit the deployed model (not scored).
    window : int or None
        A retrain fits the last ``window`` labelled rows (None: all labelled rows so far).
    metrics : dict name -> f(y_true, y_score), optional
        Extra per-batch columns (e.g. ``{"auc": roc_auc_score}``; NaN when it raises).
    reveal : callable (y_score, y_true) -> bool mask, optional
        Which rows' labels the world reveals (default all): e.g. only approved loans.
        Hidden rows are neither scored for error nor used to retrain.
    keep_models : bool
        Keep every fitted model in ``result.models``.

    Returns
    -------
    ReplayResult

    Paper: Gama et al. (2014), "A survey on concept drift adaptation", ACM Computing Surveys
    (the prequential test-then-train protocol, here batch by batch).
    """
    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", ndim=1, dtype=None)
    batches = np.asarray(batches)
    same_length(X=X, y=y, batches=batches)
    if not isinstance(policy, Policy):
        raise TypeError(f"policy: expected an object with update(state), reset() and needs_labels, got {policy!r}")
    check_range(warmup, "warmup", low=1, integer=True)
    if window is not None:
        check_range(window, "window", low=1, integer=True)
    if not callable(model_factory):
        raise TypeError("model_factory: expected a callable returning a fresh model, e.g. LogisticRegression")
    starts = np.flatnonzero(np.r_[True, batches[1:] != batches[:-1]])
    labels = batches[starts]
    if len(np.unique(labels)) != len(labels):
        raise ValueError("batches: expected rows grouped by batch in time order (a batch label reappears)")
    if len(labels) <= warmup:
        raise ValueError(f"warmup: expected fewer than the {len(labels)} batches, got {warmup}")
    bounds = np.r_[starts, len(y)]

    known = np.zeros(len(y), bool)
    known[: bounds[warmup]] = True
    used = known.copy()

    def fit(upto: int) -> tuple[Any, np.ndarray]:
        idx = np.flatnonzero(known[:upto])
        if window is not None:
            idx = idx[-window:]
        used[idx] = True
        model = model_factory()
        model.fit(X[idx], y[idx])
        return model, idx

    model, idx = fit(bounds[warmup])
    models, rows_fitted, retrains, version, since = [model], 0, 0, 0, 0
    n_train = len(idx)
    x_train = X[idx]
    policy.reset()
    rows = []
    for k in range(warmup, len(labels)):
        lo, hi = bounds[k], bounds[k + 1]
        score, pred = _score(model, X[lo:hi])
        mask = np.ones(hi - lo, bool) if reveal is None else np.asarray(reveal(score, y[lo:hi]), bool)
        known[lo:hi] = mask
        yt, ys = y[lo:hi][mask], score[mask]
        err = (pred[mask] != yt).astype(float) if pred is not None else np.abs(ys - yt.astype(float))
        since += 1
        row = {"batch": labels[k], "n": int(mask.sum()), "error": err.mean() if len(err) else np.nan,
               "score": ys.mean() if len(ys) else np.nan,
               "observed": yt.astype(float).mean() if len(yt) else np.nan}
        row["calib_gap"] = row["score"] - row["observed"]
        for name, fn in (metrics or {}).items():
            try:
                row[name] = float(fn(yt, ys))
            except ValueError:
                row[name] = np.nan
        if policy.needs_labels:
            used[lo:hi] |= mask
        state = BatchState(labels[k], k - warmup, X[lo:hi][mask], yt, ys, err, since, x_train)
        alarm = bool(policy.update(state))
        row.update(alarm=alarm, version=version, n_train=n_train)
        rows.append(row)
        if alarm and k + 1 < len(labels):
            model, idx = fit(hi)
            retrains, version, since = retrains + 1, version + 1, 0
            rows_fitted += len(idx)
            n_train, x_train = len(idx), X[idx]
            policy.reset()
            if keep_models:
                models.append(model)
    return ReplayResult(repr(policy), pd.DataFrame(rows), retrains, rows_fitted, int(used.sum()),
                        models if keep_models else [models[0]])


