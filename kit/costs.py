"""What a model costs to serve: single-row latency, pickled size, training time, and the choice
of the best model that fits a deployment budget.

A leaderboard ranks models by one score. A service also has a budget: a p99 latency for one
request, a memory or download size, a training time. ``single_row_latency`` times a model the
way a service calls it (one row per call, after a warm-up; median and 99th percentile),
``pickled_size`` counts the bytes a model ships as, ``timed_fit`` times training, and
``cost_table`` puts them beside a validation score. ``pareto_front`` marks the models no other
model beats on every column at once; ``choose`` is constraint-aware selection: the best score
among the models that meet every limit of the budget. Taught in
``notebooks/05_model-selection.ipynb`` (Paleyes, Urma & Lawrence 2022, "Model selection").

Latency depends on the machine and its load; size does not. Nothing here seeds or reads
global random state: rows are called in their given order.

Examples
--------
>>> table = pd.DataFrame({"score": [0.93, 0.91, 0.90], "p99_ms": [2.5, 0.4, 0.3],
...                       "bytes": [400_000, 45_000, 1_000]}, index=["boosting", "mlp", "logistic"])
>>> choose(table, score="score", budget={"p99_ms": 1.0, "bytes": 1e6})
'mlp'
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from kit._validate import (
    as_array,
    as_labels,
    check_callable,
    check_choice,
    check_range,
    check_type,
    same_length,
)

__all__ = ["Latency", "single_row_latency", "pickled_size", "timed_fit", "cost_table", "pareto_front",
           "choose", "plot_frontier"]


@dataclass(frozen=True)
class Latency:
    """Single-row latency of one model: median and p99 in seconds, over ``n_calls`` timed calls.

    >>> Latency(median_s=0.0002, p99_s=0.0005, n_calls=300)
    Latency(median 0.200 ms, p99 0.500 ms, 300 calls)
    """

    median_s: float
    p99_s: float
    n_calls: int

    def __repr__(self) -> str:
        return f"Latency(median {self.median_s * 1e3:.3f} ms, p99 {self.p99_s * 1e3:.3f} ms, {self.n_calls} calls)"


def _rows(X: Any, name: str = "X") -> np.ndarray:
    return as_array(X, name, ndim=2)


def _summarise(rounds: list[np.ndarray]) -> Latency:
    # p99 per round, then the median over rounds: one burst of load on a shared machine moves
    # one round's tail, not the reported one
    return Latency(median_s=float(np.median(np.concatenate(rounds))),
                   p99_s=float(np.median([np.quantile(r, 0.99) for r in rounds])),
                   n_calls=int(sum(len(r) for r in rounds)))


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def _time_calls(predicts: Mapping[str, Callable], X: np.ndarray, n_calls: int, warmup: int,
                rounds: int, clock: str) -> dict[str, Latency]:
    now = CLOCKS[clock]
    for predict in predicts.values():
        for i in range(warmup):
            predict(X[i % len(X): i % len(X) + 1])
    times: dict[str, list[np.ndarray]] = {k: [] for k in predicts}
    for _ in range(rounds):
        for name, predict in predicts.items():  # models take turns, so load hits them alike
            t = np.empty(n_calls)
            for i in range(n_calls):
                row = X[i % len(X): i % len(X) + 1]
                start = now()
                predict(row)
                t[i] = now() - start
            times[name].append(t)
    return {k: _summarise(v) for k, v in times.items()}


def _check_timing(n_calls: Any, warmup: Any, rounds: Any, clock: Any) -> None:
    check_choice(clock, "clock", tuple(CLOCKS))
    check_range(n_calls, "n_calls", low=1, high=10**6, integer=True)
    check_range(warmup, "warmup", low=0, high=10**6, integer=True)
    check_range(rounds, "rounds", low=1, high=1000, integer=True)


def single_row_latency(predict: Callable[[np.ndarray], Any], X: Any, *, n_calls: int = 200, warmup: int = 20,
                       rounds: int = 3, clock: str = "cpu") -> Latency:
    """Time ``predict`` on one row at a time, as a service answering single requests calls it.

    ``warmup`` untimed calls first (caches, lazy imports), then ``rounds`` rounds of ``n_calls``
    timed calls cycling through the rows of ``X`` in order. The median is over all timed calls;
    the p99 is the median over rounds of each round's 99th percentile.

    Parameters
    ----------
    predict : callable
        Takes a ``(1, n_features)`` array, e.g. ``model.predict_proba``.
    X : array (n, n_features)
        Request rows.
    n_calls, warmup, rounds : int
        Timed calls per round, untimed warm-up calls, rounds.
    clock : {"cpu", "wall"}
        ``"cpu"`` (default) times each call by the process's CPU time (``time.process_time``):
        what the model costs on a core of its own, undistorted when other processes preempt
        this one on a shared machine. ``"wall"`` (``time.perf_counter``) is what a client
        waits, queueing and preemption included.

    Returns
    -------
    Latency

    Examples
    --------
    >>> lat = single_row_latency(lambda row: row.sum(), np.ones((5, 3)), n_calls=50)
    >>> lat.n_calls, 0 < lat.median_s < 0.1, 0 < lat.p99_s < 0.1
    (150, True, True)
    """
    check_callable(predict, "predict")
    X = _rows(X)
    _check_timing(n_calls, warmup, rounds, clock)
    return _time_calls({"model": predict}, X, int(n_calls), int(warmup), int(rounds), clock)["model"]


def pickled_size(model: Any) -> int:
    """Bytes of ``pickle.dumps(model)`` (protocol 5): what the model ships and loads as.

    Deterministic for a fitted scikit-learn model, unlike latency.

    >>> from sklearn.linear_model import LogisticRegression
    >>> small = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> 500 < pickled_size(small) < 5000
    True
    """
    try:
        return len(pickle.dumps(model, protocol=5))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise TypeError(f"model: expected a picklable model, got {type(model).__name__} ({exc})") from None


def timed_fit(model: Any, X: Any, y: Any) -> float:
    """Fit ``model`` in place on ``(X, y)`` and return the CPU seconds it took (all threads of
    the process, ``time.process_time``: a loaded machine does not inflate it by preemption).

    >>> from sklearn.tree import DecisionTreeClassifier
    >>> tree = DecisionTreeClassifier(max_depth=1)
    >>> seconds = timed_fit(tree, [[0.0], [1.0]], [0, 1])
    >>> seconds >= 0, tree.predict([[1.0]]).tolist()
    (True, [1])
    """
    if not callable(getattr(model, "fit", None)):
        raise TypeError(f"model: expected an estimator with .fit(X, y), got {type(model).__name__}")
    X = _rows(X)
    y = as_labels(y)
    same_length(X=X, y=y)
    start = time.process_time()
    model.fit(X, y)
    return time.process_time() - start


def cost_table(models: Mapping[str, Any], X_val: Any, y_val: Any, *,
               score: Callable[[np.ndarray, np.ndarray], float] = roc_auc_score,
               fit_seconds: Mapping[str, float] | None = None, n_calls: int = 200, warmup: int = 20,
               rounds: int = 3, clock: str = "cpu") -> pd.DataFrame:
    """Score, size and single-row latency of fitted binary classifiers, one row per model.

    Parameters
    ----------
    models : dict name -> fitted classifier with ``predict_proba``
    X_val : array (n, n_features); y_val : array (n,) of 0/1
        Validation rows: the score uses all of them, the latency calls cycle through them.
    score : callable (y_true, y_score) -> float
        Higher is better; default ROC AUC of ``predict_proba(X)[:, 1]``.
    fit_seconds : dict name -> seconds, optional
        Training times (from ``timed_fit``), copied into the table.
    n_calls, warmup, rounds, clock
        As in ``single_row_latency``; models take turns within each round.

    Returns
    -------
    DataFrame indexed by name: ``score``, ``median_ms``, ``p99_ms``, ``bytes`` and, when given,
    ``fit_s``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> t = cost_table({"lr": LogisticRegression().fit(X, y)}, X, y, n_calls=20)
    >>> t.columns.tolist(), float(t.loc["lr", "score"])
    (['score', 'median_ms', 'p99_ms', 'bytes'], 1.0)
    """
    if not isinstance(models, Mapping) or not models:
        raise TypeError("models: expected a non-empty dict name -> fitted classifier")
    for name, model in models.items():
        if not callable(getattr(model, "predict_proba", None)):
            raise TypeError(f"models: {name!r} has no predict_proba; expected fitted classifiers")
    check_callable(score, "score")
    X_val = _rows(X_val, "X_val")
    y_val = as_labels(y_val, "y_val")
    same_length(X_val=X_val, y_val=y_val)
    if fit_seconds is not None:
        check_type(fit_seconds, "fit_seconds", Mapping, what="a dict name -> seconds")
        missing = set(models) - set(fit_seconds)
        if missing:
            raise KeyError(f"fit_seconds: no time for {sorted(missing)}")
    _check_timing(n_calls, warmup, rounds, clock)
    try:
        y_scores = {k: m.predict_proba(X_val)[:, 1] for k, m in models.items()}
    except ValueError as exc:
        raise ValueError(f"X_val: a model refused it ({exc})") from None
    lat = _time_calls({k: m.predict_proba for k, m in models.items()}, X_val, int(n_calls), int(warmup),
                      int(rounds), clock)
    table = pd.DataFrame({
        "score": {k: float(score(y_val, s)) for k, s in y_scores.items()},
        "median_ms": {k: v.median_s * 1e3 for k, v in lat.items()},
        "p99_ms": {k: v.p99_s * 1e3 for k, v in lat.items()},
        "bytes": {k: pickled_size(m) for k, m in models.items()}})
    if fit_seconds is not None:
        table["fit_s"] = [float(fit_seconds[k]) for k in table.index]
    return table


def _table(table: Any, columns: Sequence[str], name: str) -> pd.DataFrame:
    check_type(table, "table", pd.DataFrame, what="a DataFrame (e.g. from cost_table)")
    if table.empty:
        raise ValueError("table: expected at least one model (row)")
    for col in columns:
        if not isinstance(col, str) or col not in table.columns:
            raise KeyError(f"{name}: {col!r} is not a column of table ({list(table.columns)})")
        values = pd.to_numeric(table[col], errors="coerce")
        if not np.isfinite(values.to_numpy(float)).all():
            raise ValueError(f"table: column {col!r} must hold finite numbers")
    return table


def pareto_front(table: pd.DataFrame, *, maximize: str = "score",
                 minimize: Sequence[str] = ("p99_ms", "bytes")) -> pd.Series:
    """Which models no other model dominates (as good on every column, better on one).

    Parameters
    ----------
    table : DataFrame, one row per model
    maximize : str
        The column where higher is better.
    minimize : sequence of str
        The columns where lower is better (costs).

    Returns
    -------
    Series of bool, indexed like ``table``: True on the frontier.

    Examples
    --------
    >>> t = pd.DataFrame({"score": [0.9, 0.8, 0.85], "p99_ms": [2.0, 1.0, 3.0]}, index=["a", "b", "c"])
    >>> pareto_front(t, minimize=["p99_ms"]).tolist()
    [True, True, False]
    """
    if isinstance(minimize, str) or not isinstance(minimize, Sequence) or not minimize:
        raise TypeError("minimize: expected a non-empty list of column names")
    if not isinstance(maximize, str):
        raise TypeError(f"maximize: expected a column name, got {type(maximize).__name__}")
    table = _table(table, [maximize], "maximize")
    table = _table(table, list(minimize), "minimize")
    # a dominated row is matched or beaten on every column and strictly beaten on one
    gain = np.column_stack([table[maximize].to_numpy(float)] + [-table[c].to_numpy(float) for c in minimize])
    ge = (gain[None, :, :] >= gain[:, None, :]).all(axis=2)
    gt = (gain[None, :, :] > gain[:, None, :]).any(axis=2)
    return pd.Series(~(ge & gt).any(axis=1), index=table.index, name="frontier")


def choose(table: pd.DataFrame, *, score: str = "score", budget: Mapping[str, float]) -> str:
    """Constraint-aware selection: the best ``score`` among the models within every limit.

    Parameters
    ----------
    table : DataFrame, one row per model
    score : str
        Column to maximise (a validation score, never the test score).
    budget : dict column -> limit
        A model qualifies when ``table[column] <= limit`` for every entry.

    Returns
    -------
    str, the index label of the chosen model (the first one on ties).

    Examples
    --------
    >>> t = pd.DataFrame({"score": [0.93, 0.91], "p99_ms": [2.5, 0.4]}, index=["big", "small"])
    >>> choose(t, budget={"p99_ms": 1.0}), choose(t, budget={"p99_ms": 5.0})
    ('small', 'big')
    """
    if not isinstance(budget, Mapping) or not budget:
        raise TypeError("budget: expected a non-empty dict column -> limit")
    if not isinstance(score, str):
        raise TypeError(f"score: expected a column name, got {type(score).__name__}")
    table = _table(table, [score], "score")
    table = _table(table, list(budget), "budget")
    ok = np.ones(len(table), bool)
    for col, limit in budget.items():
        check_range(limit, f"budget[{col!r}]")
        ok &= table[col].to_numpy(float) <= float(limit)
    if not ok.any():
        raise ValueError(f"budget: no model meets {dict(budget)}")
    return str(table[ok][score].idxmax())


def plot_frontier(table: pd.DataFrame, *, score: str = "score", latency: str = "p99_ms", size: str = "bytes",
                  budget: Mapping[str, float] | None = None, chosen: str | None = None, ax: Any = None) -> Any:
    """Score against latency (log scale), marker area by size; the budget region shaded.

    Models within the budget are filled, the others hollow; ``chosen`` gets a ring.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"score": [0.93, 0.91], "p99_ms": [2.5, 0.4], "bytes": [4e5, 4e4]}, index=["big", "small"])
    >>> ax = plot_frontier(t, budget={"p99_ms": 1.0, "bytes": 1e6}, chosen="small")
    >>> ax.get_xscale()
    'log'
    """
    import matplotlib.pyplot as plt

    for name, col in (("score", score), ("latency", latency), ("size", size)):
        table = _table(table, [col], name)
    budget = {} if budget is None else budget
    if not isinstance(budget, Mapping):
        raise TypeError("budget: expected a dict column -> limit or None")
    table = _table(table, list(budget), "budget")
    if chosen is not None and (not isinstance(chosen, str) or chosen not in table.index):
        raise KeyError(f"chosen: {chosen!r} is not a model of table")
    if ax is not None and not callable(getattr(ax, "scatter", None)):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    ok = np.ones(len(table), bool)
    for col, limit in budget.items():
        ok &= table[col].to_numpy(float) <= float(check_range(limit, f"budget[{col!r}]"))
    x, y = table[latency].to_numpy(float), table[score].to_numpy(float)
    area = 30 + 300 * np.sqrt(table[size].to_numpy(float) / max(table[size].max(), 1.0))
    if latency in budget:
        ax.axvspan(min(x.min(), budget[latency]) / 2, budget[latency], color="tab:green", alpha=0.12,
                   label=f"within the budget ({latency} <= {budget[latency]:g})")
    ax.scatter(x[ok], y[ok], s=area[ok], color="tab:blue", alpha=0.7, label="meets the whole budget")
    ax.scatter(x[~ok], y[~ok], s=area[~ok], facecolors="none", edgecolors="tab:red", label="misses the budget")
    for name, xi, yi in zip(table.index, x, y):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(6, 4), fontsize=8)
    if chosen is not None:
        ax.scatter([table.loc[chosen, latency]], [table.loc[chosen, score]], s=500, facecolors="none",
                   edgecolors="k", linewidths=1.5, label=f"chosen: {chosen}")
    ax.set_xscale("log")
    ax.set_xlabel(f"{latency} (single-row call, log scale); marker area ~ sqrt({size})")
    ax.set_ylabel(score)
    ax.legend(fontsize=7, loc="lower right")
    return ax
