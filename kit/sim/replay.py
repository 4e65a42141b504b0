"""Deploy -> monitor -> retrain: replay a time-ordered dataset through a deployed model.

A model is fitted on the first ``warmup`` batches and deployed. Each later batch is scored by
the model that is serving *before* its labels are seen; then its labels arrive, the
monitoring state is handed to a retraining ``Policy``, and if the policy says so a fresh model
is fitted on the most recent labelled rows and serves from the next batch on. The result holds
one row per batch (error, calibration, alarm, retrain) plus the cost: retrains, rows fitted,
labels used.

The world need not reveal every label. A ``reveal`` hook says which rows' labels are seen
(only the approved loans, say) and with what probability each was seen (its *propensity*);
refits weight every seen row by ``1 / propensity`` (Horvitz & Thompson 1952), so a row that
was seen by a 1-in-5 chance stands for five. A fixed ``holdout`` population, scored after
every refit, measures what the loop does to the model's picture of everyone.

Policies (``kit.sim.policies``) answer one verb, ``update(state) -> bool`` ("retrain now?").
A ``release`` hook (e.g. ``kit.sim.policies.ReleaseGate``) may then refuse to ship the
retrained model, which keeps the serving one (``notebooks/16_updating-compatibility.ipynb``).

Survey: Paleyes, Urma & Lawrence (2022), "Challenges in deploying machine learning",
ACM Computing Surveys, section on model updating (concept drift). Taught in
``notebooks/15_updating-concept-drift.ipynb``; the selective-labels loop of
``notebooks/14_monitoring-feedback-loops.ipynb`` is a configuration of it (``kit.sim.lending``).

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, check_flag, check_range, check_seed, same_length
from kit.sim.policies import BatchState, Never, Periodic, Policy  # noqa: F401  (doctest names)

__all__ = ["ReplayResult", "replay"]

Metric = Callable[[np.ndarray, np.ndarray], float]
COLUMNS = ("batch", "n", "error", "score", "observed", "calib_gap", "alarm", "version", "n_train")


@dataclass
class ReplayResult:
    """What ``replay`` measured.

    Attributes
    ----------
    frame : DataFrame, one row per scored batch
        ``batch``, ``n`` (revealed rows), ``error`` (mean per-row loss), ``score`` (mean
        score: the predicted rate for a binary classifier), ``observed`` (mean label),
        ``calib_gap`` (``score - observed``), all over the revealed rows; extra ``metrics``
        columns; ``alarm`` (the policy said retrain), ``version`` (the serving model's number,
        0 = the deployed one), ``n_train``; and the ``holdout_metrics`` columns, measured on
        the holdout by the model that serves after the batch (after its refit, if any).
    retrains : int
        Models fitted after deployment. ``rows_fitted`` sums their training-set sizes.
    labels_used : int
        Distinct labelled rows read: training rows plus, when the policy monitors labels,
        every revealed label.
    log : DataFrame, one row per scored row
        ``batch``, ``y_true`` (known to the simulator, seen only where revealed), ``y_score``
        (the serving model's score), ``revealed`` and ``propensity`` (as ``reveal`` said).

    Examples
    --------
    >>> f = pd.DataFrame({"batch": [1, 2], "n": [10, 30], "error": [0.1, 0.3]})
    >>> round(ReplayResult("Never()", f, retrains=0, rows_fitted=0, labels_used=40).mean_error, 3)
    0.25
    """

    policy: str
    frame: pd.DataFrame
    retrains: int
    rows_fitted: int
    labels_used: int
    log: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
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


def _measure(metrics: dict[str, Metric], y_true: np.ndarray, y_score: np.ndarray) -> dict[str, float]:
    """Each metric on (y_true, y_score); NaN where it raises ValueError (e.g. AUC of one class)."""
    out = {}
    for name, fn in metrics.items():
        try:
            out[name] = float(fn(y_true, y_score))
        except ValueError:
            out[name] = np.nan
    return out


def _metrics(value: Any, name: str) -> dict[str, Metric]:
    """A ``{name: f(y_true, y_score)}`` dict (None: no metrics), checked."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and callable(f) for k, f in value.items()):
        raise TypeError(f"{name}: expected a dict name -> f(y_true, y_score), got {type(value).__name__}")
    return dict(value)


def _revealed(answer: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``reveal`` hook's answer, a mask or ``(mask, propensity)``, checked."""
    mask, propensity = answer if isinstance(answer, tuple) else (answer, 1.0)
    mask = np.asarray(mask)
    if mask.shape != (n,) or mask.dtype != bool:
        raise ValueError(f"reveal: expected a boolean mask of the batch's {n} rows (or a tuple "
                         f"(mask, propensity)), got dtype {mask.dtype}, shape {mask.shape}")
    p = np.asarray(propensity, dtype=float)
    if p.shape not in ((), (n,)):
        raise ValueError(f"reveal: expected a propensity per row ({n},) or one number, got shape {p.shape}")
    p = np.broadcast_to(p, (n,))
    bad = ~((p >= 0) & (p <= 1)) | (mask & (p <= 0))
    if bad.any():
        raise ValueError(f"reveal: expected propensities in [0, 1], > 0 for revealed rows; "
                         f"got {p[bad][0]!r} ({int(bad.sum())} bad rows)")
    return mask, p


def replay(model_factory: Callable[[], Any], X: Any, y: Any, batches: Any, *, policy: Any,
           warmup: int = 1, window: int | None = None, metrics: dict[str, Metric] | None = None,
           reveal: Callable[..., Any] | None = None, seed: int | np.random.Generator = 0,
           holdout: tuple[Any, Any] | None = None, holdout_metrics: dict[str, Metric] | None = None,
           keep_models: bool = False, release: Callable[..., Any] | None = None) -> ReplayResult:
    """Replay a time-ordered stream through a deployed model under a retraining policy.

    Parameters
    ----------
    model_factory : callable
        Returns a fresh unfitted scikit-learn-style model (``fit``, ``predict_proba`` or
        ``predict``); called once at deployment and once per retrain. When some training row
        was revealed with propensity below 1, it is fitted as
        ``fit(X, y, sample_weight=1 / propensity)``, so its ``fit`` must accept
        ``sample_weight``; otherwise as ``fit(X, y)``.
    X : array (n, d), y : array (n,)
        Rows in time order.
    batches : array (n,)
        Batch label of each row (a year, a week number...), non-decreasing.
    policy : Policy
        ``Never()``, ``Periodic(k)``, ``OnDrift(detector)``, ``Oracle(at)`` or your own.
    warmup : int
        Leading batches used to fit the deployed model (not scored; all labels known).
    window : int or None
        A retrain fits the last ``window`` labelled rows (None: all labelled rows so far).
    metrics : dict name -> f(y_true, y_score), optional
        Extra per-batch columns over the revealed rows (e.g. ``{"auc": roc_auc_score}``;
        NaN when it raises ValueError).
    reveal : callable (y_score, y_true, rng) -> mask or (mask, propensity), optional
        Which rows' labels the world reveals (default all), given the serving model's scores:
        a boolean mask (n_batch,), or with each row's probability of being revealed
        (n_batch,) in (0, 1] for revealed rows; a bare mask means propensity 1. ``rng`` is a
        numpy Generator for randomised rules (exploration). Hidden rows are neither scored
        for error nor used to retrain.
    seed : int or Generator
        Seeds the generator handed to ``reveal``.
    holdout : tuple (X_holdout (m, d), y_holdout (m,)), optional
        A fixed population scored by the serving model after every batch (after its refit).
        A retrain the policy asks for after the last batch happens only when a holdout is
        given (nothing else would see that model).
    holdout_metrics : dict name -> f(y_holdout, y_score), needed with ``holdout``
        The frame's holdout columns.
    keep_models : bool
        Keep every model that served in ``result.models``.
    release : callable (serving, candidate, state) -> bool, optional
        Asked after each retrain whether the freshly fitted candidate ships (default: always).
        A refused candidate is discarded and the serving model keeps serving; the retrain
        still counts as cost. The frame then gains a ``released`` column.

    Returns
    -------
    ReplayResult

    Papers: Gama et al. (2014), "A survey on concept drift adaptation", ACM Computing Surveys
    (the prequential test-then-train protocol, here batch by batch); Horvitz & Thompson
    (1952), JASA (inverse-probability weights).

    Examples
    --------
    A lender that sees the outcome only where its score is low, plus a random 20% of the rest:

    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.random.default_rng(1).normal(size=(900, 1)); y = (X[:, 0] > 0.5).astype(int)
    >>> def seen(y_score, y_true, rng):
    ...     explored = (y_score >= 0.5) & (rng.random(len(y_score)) < 0.2)
    ...     return (y_score < 0.5) | explored, np.where(y_score < 0.5, 1.0, 0.2)
    >>> res = replay(LogisticRegression, X, y, np.repeat([0, 1, 2], 300), policy=Periodic(1),
    ...              reveal=seen, seed=0, holdout=(X[:100], y[:100]),
    ...              holdout_metrics={"rate": lambda yt, ys: ys.mean()})
    >>> res.frame["n"].tolist(), res.frame["rate"].round(2).tolist()   # labels seen; holdout
    ([224, 233], [0.27, 0.27])
    >>> res.log["propensity"][res.log["revealed"]].unique().tolist()
    [1.0, 0.2]
    """
    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", ndim=1, dtype=None)
    batches = as_array(batches, "batches", ndim=1, dtype=None)
    same_length(X=X, y=y, batches=batches)
    if not isinstance(policy, Policy):
        raise TypeError(f"policy: expected an object with update(state), reset() and needs_labels, got {policy!r}")
    check_range(warmup, "warmup", low=1, integer=True)
    if window is not None:
        check_range(window, "window", low=1, integer=True)
    if not callable(model_factory):
        raise TypeError("model_factory: expected a callable returning a fresh model, e.g. LogisticRegression")
    if release is not None and not callable(release):
        raise TypeError("release: expected a callable (serving, candidate, state) -> bool, e.g. ReleaseGate")
    if reveal is not None and not callable(reveal):
        raise TypeError("reveal: expected a callable (y_score, y_true, rng) -> mask or (mask, propensity)")
    if not isinstance(seed, np.random.Generator):
        seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    metrics, holdout_metrics = _metrics(metrics, "metrics"), _metrics(holdout_metrics, "holdout_metrics")
    keep_models = check_flag(keep_models, "keep_models")
    if (holdout is None) != (not holdout_metrics):
        raise ValueError("holdout: expected holdout=(X, y) and holdout_metrics={name: f(y_true, y_score)} together")
    if holdout is not None:
        if not isinstance(holdout, tuple) or len(holdout) != 2:
            raise TypeError("holdout: expected a tuple (X_holdout, y_holdout)")
        X_hold = as_array(holdout[0], "holdout", ndim=2)
        y_hold = as_array(holdout[1], "holdout", ndim=1, dtype=None)
        same_length(X_holdout=X_hold, y_holdout=y_hold)
        if X_hold.shape[1] != X.shape[1]:
            raise ValueError(f"holdout: expected {X.shape[1]} columns like X, got {X_hold.shape[1]}")
        if set(holdout_metrics) & (set(metrics) | set(COLUMNS)):
            raise ValueError(f"holdout_metrics: names clash with the frame's columns {COLUMNS} or metrics")
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
    weight = np.ones(len(y))                    # 1 / propensity of every known row

    def fit(upto: int) -> tuple[Any, np.ndarray]:
        idx = np.flatnonzero(known[:upto])
        if window is not None:
            idx = idx[-window:]
        used[idx] = True
        model = model_factory()
        try:
            if (weight[idx] != 1).any():
                model.fit(X[idx], y[idx], sample_weight=weight[idx])
            else:
                model.fit(X[idx], y[idx])
        except ValueError as exc:
            if window is None:
                raise
            raise ValueError(f"window: fitting the last {len(idx)} labelled rows (window={window}) "
                             f"failed: {exc}") from exc
        return model, idx

    def on_holdout(model: Any) -> dict[str, float]:
        return {} if holdout is None else _measure(holdout_metrics, y_hold, _score(model, X_hold)[0])

    model, idx = fit(bounds[warmup])
    models, rows_fitted, retrains, version, since = [model], 0, 0, 0, 0
    n_train, x_train, held = len(idx), X[idx], on_holdout(model)
    policy.reset()
    rows, logged = [], []
    for k in range(warmup, len(labels)):
        lo, hi = bounds[k], bounds[k + 1]
        score, pred = _score(model, X[lo:hi])
        mask, p = (np.ones(hi - lo, bool), np.ones(hi - lo)) if reveal is None else \
            _revealed(reveal(score, y[lo:hi], rng), hi - lo)
        known[lo:hi] = mask
        weight[lo:hi][mask] = 1.0 / p[mask]
        logged.append((score, mask, p))
        yt, ys = y[lo:hi][mask], score[mask]
        err = (pred[mask] != yt).astype(float) if pred is not None else np.abs(ys - yt.astype(float))
        since += 1
        row = {"batch": labels[k], "n": int(mask.sum()), "error": err.mean() if len(err) else np.nan,
               "score": ys.mean() if len(ys) else np.nan,
               "observed": yt.astype(float).mean() if len(yt) else np.nan}
        row["calib_gap"] = row["score"] - row["observed"]
        row.update(_measure(metrics, yt, ys))
        if policy.needs_labels:
            used[lo:hi] |= mask
        state = BatchState(labels[k], k - warmup, X[lo:hi][mask], yt, ys, err, since, x_train,
                           propensity=p[mask])
        alarm = bool(policy.update(state))
        row.update(alarm=alarm, version=version, n_train=n_train)
        shipped = False
        if alarm and (k + 1 < len(labels) or holdout is not None):
            candidate, idx = fit(hi)
            retrains, rows_fitted = retrains + 1, rows_fitted + len(idx)
            policy.reset()
            shipped = release is None or bool(release(model, candidate, state))
            if shipped:
                model, version, since = candidate, version + 1, 0
                n_train, x_train = len(idx), X[idx]
                held = on_holdout(model)
                if keep_models:
                    models.append(model)
        if release is not None:
            row["released"] = shipped
        rows.append({**row, **held})
    scores, shown, props = map(np.concatenate, zip(*logged))
    log = pd.DataFrame({"batch": np.repeat(labels[warmup:], np.diff(bounds[warmup:])),
                        "y_true": y[bounds[warmup]:], "y_score": scores, "revealed": shown,
                        "propensity": props})
    return ReplayResult(repr(policy), pd.DataFrame(rows), retrains, rows_fitted, int(used.sum()),
                        log, models if keep_models else [models[0]])
