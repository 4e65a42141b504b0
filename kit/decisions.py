"""Decisions under a stated cost matrix: profit per row, the profit curve, the Bayes threshold,
and a bootstrap interval for a per-row metric.

A classifier's score becomes a decision only through a threshold, and the threshold that
maximises accuracy (0.5 on calibrated probabilities) is the profit-best one only when both
kinds of error cost the same. A requirement such as "accepting a defaulter costs five times
as much as refusing a good customer" is encoded here as a 2x2 **gain matrix** in
scikit-learn's confusion-matrix layout, ``gain[y_true][y_pred]``::

                 predicted 0   predicted 1
    true 0   [[  gain_tn,      gain_fp  ],
    true 1    [  gain_fn,      gain_tp  ]]

(a cost matrix is a gain matrix with the sign flipped; adding a constant to a row changes
no decision, Elkan 2001). ``profit_curve`` gives the mean gain per row at every threshold,
``best_threshold`` picks the profit-best one on validation data (what scikit-learn's
``TunedThresholdClassifierCV`` does with a cost scorer; the tests check they agree),
``bayes_threshold`` computes it from the matrix alone for calibrated probabilities, and
``bootstrap_interval`` puts a percentile interval around a mean of per-row values (paired
differences included). Taught in ``notebooks/08_business-metrics.ipynb`` (Paleyes, Urma &
Lawrence 2022, "Requirement encoding").

Examples
--------
>>> gain = [[1.0, 0.0], [-5.0, 0.0]]  # approve good +1, approve bad -5, refuse 0
>>> round(bayes_threshold(gain), 4)
0.1667
>>> decision_profit([0, 1, 1], [0, 0, 1], gain=gain).tolist()
[1.0, -5.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, as_binary, check_range, check_seed, check_type, same_length

__all__ = ["check_gain", "decision_profit", "bayes_threshold", "profit_curve", "best_threshold",
           "Interval", "bootstrap_interval", "plot_profit_curves"]


def check_gain(gain: Any, name: str = "gain") -> np.ndarray:
    """A 2x2 finite gain matrix ``gain[y_true][y_pred]`` as floats, or a clear error.

    >>> check_gain([[1, 0], [-5, 0]]).tolist()
    [[1.0, 0.0], [-5.0, 0.0]]
    >>> check_gain([[1, 0]])
    Traceback (most recent call last):
    ...
    ValueError: gain: expected a 2x2 matrix gain[y_true][y_pred], got shape (1, 2)
    """
    arr = as_array(gain, name, ndim=2)
    if arr.shape != (2, 2):
        raise ValueError(f"{name}: expected a 2x2 matrix gain[y_true][y_pred], got shape {arr.shape}")
    return arr


def decision_profit(y_true: Any, y_pred: Any, *, gain: Any) -> np.ndarray:
    """The gain of each decision: ``gain[y_true[i], y_pred[i]]``, shape ``(n,)``.

    Parameters
    ----------
    y_true, y_pred : array of 0/1, shape (n,)
        Outcomes and decisions (1 = the positive class, e.g. "refuse").
    gain : 2x2 array
        ``gain[y_true][y_pred]``, see the module docstring.

    >>> decision_profit([0, 0, 1], [0, 1, 0], gain=[[1, 0], [-5, 0]]).tolist()
    [1.0, 0.0, -5.0]
    """
    g = check_gain(gain)
    y, d = as_binary(y_true, "y_true"), as_binary(y_pred, "y_pred")
    same_length(y_true=y, y_pred=d)
    return g[y, d]


def bayes_threshold(gain: Any) -> float:
    """The threshold on a calibrated P(y=1) above which deciding 1 has the higher expected gain.

    Deciding 1 pays ``p * g11 + (1 - p) * g01``, deciding 0 pays ``p * g10 + (1 - p) * g00``;
    they are equal at ``t = (g00 - g01) / ((g00 - g01) + (g11 - g10))`` (Elkan 2001, "The
    foundations of cost-sensitive learning", IJCAI). Needs each correct decision to pay more
    than the wrong one for that outcome.

    >>> bayes_threshold([[1, 0], [-1, 0]])
    0.5
    >>> round(bayes_threshold([[0, -1], [-5, 0]]), 4)  # the Statlog German credit cost matrix, as gains
    0.1667
    """
    g = check_gain(gain)
    neg, pos = g[0, 0] - g[0, 1], g[1, 1] - g[1, 0]
    if neg <= 0 or pos <= 0:
        raise ValueError(f"gain: expected gain[0][0] > gain[0][1] and gain[1][1] > gain[1][0] (a correct "
                         f"decision pays more than a wrong one), got {g.tolist()}")
    return float(neg / (neg + pos))


def _thresholds(thresholds: Any) -> np.ndarray:
    if thresholds is None:
        return np.linspace(0.0, 1.0, 201)
    t = as_array(thresholds, "thresholds", ndim=1)
    return t


def profit_curve(y_true: Any, y_score: Any, *, gain: Any, thresholds: Any = None) -> pd.DataFrame:
    """Mean gain per row, accuracy and share decided 1 when deciding 1 iff ``y_score >= t``.

    Parameters
    ----------
    y_true : array of 0/1, shape (n,)
    y_score : array, shape (n,)
        Scores, e.g. predicted P(y=1).
    gain : 2x2 array
        ``gain[y_true][y_pred]``.
    thresholds : array, shape (k,), optional
        Default: 201 points from 0 to 1.

    Returns
    -------
    DataFrame
        One row per threshold: ``threshold``, ``profit`` (mean gain per row), ``accuracy``,
        ``positive_rate``.

    >>> curve = profit_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], gain=[[1, 0], [-5, 0]],
    ...                      thresholds=[0.0, 0.3, 0.5])
    >>> curve["profit"].tolist()
    [0.0, 0.25, -0.75]
    """
    g = check_gain(gain)
    y = as_binary(y_true, "y_true")
    s = as_array(y_score, "y_score", ndim=1)
    same_length(y_true=y, y_score=s)
    t = _thresholds(thresholds)
    decide = s[None, :] >= t[:, None]  # (k, n)
    pos = y.astype(bool)[None, :]
    counts = {(a, b): ((pos == bool(a)) & (decide == bool(b))).sum(axis=1) for a in (0, 1) for b in (0, 1)}
    n = len(y)
    profit = sum(g[a, b] * counts[a, b] for a, b in counts) / n
    return pd.DataFrame({"threshold": t, "profit": profit,
                         "accuracy": (counts[0, 0] + counts[1, 1]) / n,
                         "positive_rate": decide.mean(axis=1)})


def best_threshold(y_true: Any, y_score: Any, *, gain: Any, thresholds: Any = None) -> float:
    """The threshold of ``thresholds`` with the highest mean gain (the first one on ties).

    >>> best_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], gain=[[1, 0], [-5, 0]],
    ...                thresholds=[0.0, 0.3, 0.5])
    0.3
    """
    curve = profit_curve(y_true, y_score, gain=gain, thresholds=thresholds)
    return float(curve["threshold"].iloc[int(np.argmax(curve["profit"].to_numpy()))])


@dataclass(frozen=True)
class Interval:
    """A mean and its bootstrap percentile interval.

    >>> Interval(mean=0.05, low=0.03, high=0.07, confidence=0.95)
    Interval(0.0500 [0.0300, 0.0700], 95%)
    """

    mean: float
    low: float
    high: float
    confidence: float

    def __repr__(self) -> str:
        return f"Interval({self.mean:.4f} [{self.low:.4f}, {self.high:.4f}], {self.confidence:.0%})"

    def excludes(self, value: float = 0.0) -> bool:
        """Whether ``value`` lies outside the interval.

        >>> Interval(mean=0.05, low=0.03, high=0.07, confidence=0.95).excludes(0.0)
        True
        """
        check_range(value, "value")
        return bool(value < self.low or value > self.high)


def bootstrap_interval(values: Any, *, n_resamples: int = 2000, confidence: float = 0.95,
                       seed: int | np.random.Generator = 0) -> Interval:
    """Percentile bootstrap interval of the mean of per-row ``values``.

    Resamples rows with replacement ``n_resamples`` times (Efron & Tibshirani 1993, ch. 13).
    For a paired comparison of two decisions on the same rows, pass the per-row difference
    of their gains. Agrees with ``scipy.stats.bootstrap(..., method="percentile")``.

    Parameters
    ----------
    values : array, shape (n,)
    n_resamples : int
    confidence : float in (0, 1)
    seed : int or numpy Generator

    >>> iv = bootstrap_interval(np.r_[np.zeros(50), np.ones(50)], seed=0)
    >>> iv.mean, 0.39 < iv.low < 0.42, 0.58 < iv.high < 0.61
    (0.5, True, True)
    """
    v = as_array(values, "values", ndim=1, min_rows=2)
    check_range(n_resamples, "n_resamples", low=10, high=10**6, integer=True)
    check_range(confidence, "confidence", low=0.0, high=1.0)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence: expected a number strictly between 0 and 1, got {confidence}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_seed(seed))
    means = np.empty(n_resamples)
    for start in range(0, n_resamples, 200):  # chunks keep memory at 200 x n
        stop = min(start + 200, n_resamples)
        means[start:stop] = v[rng.integers(0, len(v), size=(stop - start, len(v)))].mean(axis=1)
    alpha = (1.0 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return Interval(mean=float(v.mean()), low=float(low), high=float(high), confidence=float(confidence))


def plot_profit_curves(curves: Mapping[str, pd.DataFrame], *, marks: Mapping[str, float] | None = None,
                       accuracy: str | None = None, ax: Any = None) -> Any:
    """Profit per row against the threshold, one line per curve, with marked thresholds.

    Parameters
    ----------
    curves : dict name -> DataFrame from ``profit_curve``
    marks : dict label -> threshold, optional
        Vertical lines (e.g. 0.5, the Bayes threshold, the chosen one).
    accuracy : str, optional
        The name of a curve whose accuracy is drawn on a twin axis.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    >>> import matplotlib; matplotlib.use("Agg")
    >>> c = profit_curve([0, 1, 0, 1], [0.2, 0.7, 0.4, 0.9], gain=[[1, 0], [-5, 0]])
    >>> plot_profit_curves({"validation": c}, marks={"0.5": 0.5}, accuracy="validation").get_xlabel()
    'threshold: decide 1 (refuse) when the score is at least this'
    """
    import matplotlib.pyplot as plt

    if not isinstance(curves, Mapping) or not curves:
        raise ValueError("curves: expected a non-empty dict name -> profit_curve DataFrame")
    for name, c in curves.items():
        check_type(c, "curves", pd.DataFrame, what=f"a DataFrame from profit_curve for {name!r}")
        if not {"threshold", "profit", "accuracy"} <= set(c.columns):
            raise ValueError(f"curves: {name!r} lacks threshold/profit/accuracy columns (use profit_curve)")
    if accuracy is not None and (not isinstance(accuracy, str) or accuracy not in curves):
        raise ValueError(f"accuracy: expected one of {list(curves)}, got {accuracy!r}")
    marks = dict(check_type(marks if marks is not None else {}, "marks", Mapping, what="a dict label -> threshold"))
    for label, t in marks.items():
        check_range(t, f"marks[{label!r}]", low=0.0, high=1.0)
    if ax is not None and not callable(getattr(ax, "axvline", None)):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    for name, c in curves.items():
        ax.plot(c["threshold"], c["profit"], label=f"profit, {name}")
    ax.axhline(0, color="#999", lw=0.8)
    styles = [("k", ":"), ("k", "--"), ("tab:red", "-"), ("tab:green", "-."), ("tab:purple", ":")]
    for i, (label, t) in enumerate(marks.items()):
        color, ls = styles[i % len(styles)]
        ax.axvline(float(t), color=color, ls=ls, lw=1.2, label=f"{label} ({float(t):.2f})")
    ax.set_xlabel("threshold: decide 1 (refuse) when the score is at least this")
    ax.set_ylabel("profit per row")
    if accuracy is not None:
        twin = ax.twinx()
        c = curves[accuracy]
        twin.plot(c["threshold"], c["accuracy"], color="#aaa", lw=1, label=f"accuracy, {accuracy}")
        twin.set_ylabel("accuracy", color="#888")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.13 if accuracy is not None else 1.02, 1.0))
    return ax

