"""Calibration and operating modes: is a predicted 0.9 right nine times out of ten?

An end user reads a score as a probability. This module measures how far that reading is from
the truth (the expected calibration error over equal-width bins and its reliability table,
Guo et al. 2017), fixes it with one fitted number (temperature scaling), and turns calibrated
probabilities into operating modes with abstention: act only above a threshold chosen for a
target precision, flag above a threshold chosen for a target recall, and refer the cases in
between to a person. Isotonic calibration is the library's (``sklearn.isotonic``); the kit
does not rewrite it. Taught in notebook 20 (trust-calibration).

Examples
--------
>>> y_true = np.array([0, 0, 1, 1])
>>> round(expected_calibration_error(y_true, np.array([0.1, 0.2, 0.8, 0.9])), 3)
0.15
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, as_binary, check_range, same_length


def _probs(y_prob: Any, name: str = "y_prob") -> np.ndarray:
    arr = as_array(y_prob, name, ndim=(1, 2))
    if (arr < 0).any() or (arr > 1).any():
        raise ValueError(f"{name}: expected probabilities in [0, 1], got values in "
                         f"[{arr.min():.3g}, {arr.max():.3g}]")
    if arr.ndim == 2 and (arr.shape[1] < 2 or not np.allclose(arr.sum(axis=1), 1, atol=1e-6)):
        raise ValueError(f"{name}: expected rows of class probabilities summing to 1, shape (n, k>=2)")
    return arr


def _n_bins(n_bins: Any) -> int:
    return int(check_range(n_bins, "n_bins", low=1, high=10_000, integer=True))


def reliability_table(y_true: Any, y_prob: Any, *, n_bins: int = 15) -> pd.DataFrame:
    """Predicted probability against observed frequency, in ``n_bins`` equal-width bins.

    A binary problem passes ``y_prob`` of shape ``(n,)`` (the probability of class 1; the table
    compares it with the share of 1s). A multiclass problem passes ``(n, k)`` and ``y_true`` in
    ``0..k-1``: each row's confidence is its top probability, compared with the accuracy of its
    top class (Guo et al. 2017's top-label reliability). Empty bins are left out. Bins are the
    ones of ``sklearn.calibration.calibration_curve(strategy="uniform")``.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
    y_prob : array-like of float, shape (n,) or (n, k)
    n_bins : int
        Equal-width bins on [0, 1] (Guo et al. use 15).

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin: ``low``, ``high``, ``count``, ``confidence`` (mean predicted
        probability), ``frequency`` (observed share of 1s, or accuracy) and ``gap``
        (``frequency - confidence``: negative where the model is over-confident).

    Examples
    --------
    >>> reliability_table([0, 1, 1, 1], [0.1, 0.9, 0.9, 0.6], n_bins=2)
       low  high  count  confidence  frequency  gap
    0  0.0   0.5      1         0.1        0.0 -0.1
    1  0.5   1.0      3         0.8        1.0  0.2
    """
    prob = _probs(y_prob)
    bins = _n_bins(n_bins)
    if prob.ndim == 1:
        truth = as_binary(y_true, "y_true").astype(float)
        conf = prob
    else:
        labels = as_array(y_true, "y_true", ndim=1, dtype=None)
        if labels.dtype.kind not in "iu" or (labels < 0).any() or (labels >= prob.shape[1]).any():
            raise ValueError(f"y_true: expected class labels in 0..{prob.shape[1] - 1}")
        conf = prob.max(axis=1)
        truth = (prob.argmax(axis=1) == labels).astype(float)
    same_length(y_true=truth, y_prob=conf)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.searchsorted(edges[1:-1], conf, side="right")  # calibration_curve's binning
    count = np.bincount(which, minlength=bins)
    keep = count > 0
    mean_conf = np.bincount(which, weights=conf, minlength=bins)[keep] / count[keep]
    freq = np.bincount(which, weights=truth, minlength=bins)[keep] / count[keep]
    return pd.DataFrame({"low": edges[:-1][keep], "high": edges[1:][keep], "count": count[keep],
                         "confidence": mean_conf, "frequency": freq, "gap": freq - mean_conf})


def expected_calibration_error(y_true: Any, y_prob: Any, *, n_bins: int = 15) -> float:
    """ECE: the count-weighted mean of ``|frequency - confidence|`` over the reliability bins.

    Guo, Pleiss, Sun & Weinberger (2017), "On Calibration of Modern Neural Networks", ICML,
    eq. (3), with 15 equal-width bins. 0 means every bin's mean prediction matches what happened.

    ``y_true`` (n,), ``y_prob`` (n,) or (n, k) and ``n_bins`` as in ``reliability_table``.
    Returns a float in [0, 1].

    Examples
    --------
    >>> expected_calibration_error([0, 1, 1, 1], [0.1, 0.9, 0.9, 0.6], n_bins=2)
    0.175
    """
    table = reliability_table(y_true, y_prob, n_bins=n_bins)
    return round(float((table["count"] * table["gap"].abs()).sum() / table["count"].sum()), 12)


def to_logit(y_prob: Any, *, eps: float = 1e-12) -> np.ndarray:
    """Log-odds ``log(p / (1 - p))`` of binary probabilities, clipped to ``[eps, 1 - eps]``.

    ``y_prob`` (n,) -> logits (n,); ``eps`` keeps predicted 0s and 1s finite.

    Examples
    --------
    >>> to_logit([0.5, 0.8]).round(3).tolist()
    [0.0, 1.386]
    """
    prob = _probs(y_prob)
    if prob.ndim != 1:
        raise ValueError(f"y_prob: expected binary probabilities of shape (n,), got shape {prob.shape}")
    check_range(eps, "eps", low=1e-300, high=0.1)
    prob = np.clip(prob, eps, 1 - eps)
    return np.log(prob) - np.log1p(-prob)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class TemperatureScaler:
    """Temperature scaling: divide the logits by one number ``T`` fitted to minimise the NLL.

    Guo, Pleiss, Sun & Weinberger (2017), "On Calibration of Modern Neural Networks", ICML,
    section 4.2. ``T > 1`` softens an over-confident model; since every logit is divided by the
    same positive number, the predicted class never changes (accuracy is untouched). For a
    binary model this is Platt scaling without the intercept. Fit it on a validation split,
    never on the data you report. Taught in notebook 20.

    Parameters
    ----------
    bounds : (float, float)
        The search interval for ``T``.

    Attributes
    ----------
    temperature_ : float
        The fitted ``T`` (after ``fit``).

    Examples
    --------
    >>> z = np.array([-4.0, -2.0, 2.0, 4.0, 3.0, -3.0])
    >>> ts = TemperatureScaler().fit(z, [0, 1, 1, 1, 0, 0])
    >>> round(ts.temperature_, 2), ts.predict_proba(np.array([0.0])).tolist()
    (3.33, [0.5])
    """

    def __init__(self, *, bounds: tuple[float, float] = (0.01, 100.0)) -> None:
        if not isinstance(bounds, tuple) or len(bounds) != 2:
            raise TypeError(f"bounds: expected a pair (low, high), got {bounds!r}")
        low = check_range(bounds[0], "bounds", low=1e-6)
        high = check_range(bounds[1], "bounds", low=1e-6, high=1e6)
        if not low < high:
            raise ValueError(f"bounds: expected low < high, got {bounds}")
        self.bounds = (float(low), float(high))
        self.temperature_: float | None = None

    def __repr__(self) -> str:
        fitted = "unfitted" if self.temperature_ is None else f"T={self.temperature_:.3f}"
        return f"TemperatureScaler({fitted})"

    @staticmethod
    def _logits(logits: Any) -> np.ndarray:
        z = as_array(logits, "logits", ndim=(1, 2))
        if z.ndim == 2 and z.shape[1] < 2:
            raise ValueError(f"logits: expected (n,) binary or (n, k>=2) logits, got shape {z.shape}")
        return z

    @staticmethod
    def _nll(z: np.ndarray, y: np.ndarray, temperature: float) -> float:
        s = z / temperature
        if z.ndim == 1:  # binary: -[y log sigma(s) + (1-y) log(1 - sigma(s))], stably
            return float(np.mean(np.logaddexp(0.0, s) - y * s))
        s = s - s.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(len(y)), y]))

    def fit(self, logits: Any, y_true: Any) -> TemperatureScaler:
        """Fit ``T`` on held-out logits ``(n,)`` (binary) or ``(n, k)`` and labels ``(n,)``; returns self."""
        from scipy.optimize import minimize_scalar

        z = self._logits(logits)
        if z.ndim == 1:
            y = as_binary(y_true, "y_true")
        else:
            y = as_array(y_true, "y_true", ndim=1, dtype=None)
            if y.dtype.kind not in "iu" or (y < 0).any() or (y >= z.shape[1]).any():
                raise ValueError(f"y_true: expected class labels in 0..{z.shape[1] - 1}")
        same_length(logits=z, y_true=y)
        low, high = np.log(self.bounds)  # search log T: the NLL is smoother there
        res = minimize_scalar(lambda log_t: self._nll(z, y, float(np.exp(log_t))), bounds=(low, high),
                              method="bounded", options={"xatol": 1e-8})
        self.temperature_ = float(np.exp(res.x))
        return self

    def predict_proba(self, logits: Any) -> np.ndarray:
        """Calibrated probabilities: ``sigmoid(z / T)`` of shape (n,), or ``softmax(z / T)`` (n, k)."""
        if self.temperature_ is None:
            raise ValueError("self: call fit(logits, y_true) before predict_proba")
        z = self._logits(logits) / self.temperature_
        return 1.0 / (1.0 + np.exp(-z)) if z.ndim == 1 else _softmax(z)


def wilson_lower(k: Any, n: Any, *, confidence: float = 0.95) -> np.ndarray:
    """One-sided Wilson score lower bound on a proportion ``k / n``, element-wise.

    Wilson (1927), J. Am. Stat. Assoc. 22(158). With ``confidence`` 0.95 the true proportion is
    above the bound with probability about 0.95. ``n = 0`` gives 0 (nothing is known).

    ``k``, ``n``: successes and trials, shape (m,), ``0 <= k <= n``; ``confidence`` in
    [0.5, 0.9999]. Returns the bounds, shape (m,).

    Examples
    --------
    >>> wilson_lower([90, 0], [100, 0]).round(3).tolist()
    [0.84, 0.0]
    """
    from scipy.stats import norm

    k_arr = as_array(k, "k", ndim=1)
    n_arr = as_array(n, "n", ndim=1)
    same_length(k=k_arr, n=n_arr)
    if (k_arr < 0).any() or (k_arr > n_arr).any():
        raise ValueError("k: expected 0 <= k <= n in every row")
    check_range(confidence, "confidence", low=0.5, high=0.9999)
    z = norm.ppf(confidence)
    safe = np.maximum(n_arr, 1)
    p = k_arr / safe
    denom = 1 + z**2 / safe
    centre = (p + z**2 / (2 * safe)) / denom
    half = z * np.sqrt(p * (1 - p) / safe + z**2 / (4 * safe**2)) / denom
    return np.where(n_arr > 0, np.maximum(centre - half, 0.0), 0.0)


def operating_threshold(y_true: Any, y_prob: Any, *, precision: float | None = None,
                        recall: float | None = None, confidence: float = 0.95) -> float:
    """A threshold on ``y_prob``, chosen on held-out data for a target precision OR recall.

    ``precision=``: the lowest threshold ``t`` whose cases ``y_prob >= t`` have a precision
    whose Wilson lower bound (``confidence``) reaches the target: the most cases acted on
    while the promise still holds with margin. ``np.inf`` if no threshold qualifies.
    ``recall=``: the highest ``t`` whose cases ``y_prob >= t`` catch the target share of the
    positives (again the Wilson lower bound): the fewest cases flagged. ``-np.inf`` (flag
    everything) if none qualifies. Taught in notebook 20.

    Parameters
    ----------
    y_true : array-like of 0/1, shape (n,)
    y_prob : array-like of float, shape (n,)
    precision, recall : float in (0, 1)
        Exactly one of them.
    confidence : float
        Of the one-sided lower bound (0.5 uses the point estimate).

    Returns
    -------
    float

    Examples
    --------
    >>> y = np.array([0, 0, 0, 1, 0, 1, 1, 1, 1, 1])
    >>> p = np.linspace(0.05, 0.95, 10)
    >>> round(operating_threshold(y, p, precision=0.8, confidence=0.5), 2)
    0.35
    >>> round(operating_threshold(y, p, recall=0.8, confidence=0.5), 2)
    0.55
    """
    y = as_binary(y_true, "y_true")
    prob = _probs(y_prob)
    if prob.ndim != 1:
        raise ValueError(f"y_prob: expected binary probabilities of shape (n,), got shape {prob.shape}")
    same_length(y_true=y, y_prob=prob)
    if (precision is None) == (recall is None):
        raise ValueError("precision: give exactly one of precision= or recall=")
    target_name, target = ("precision", precision) if precision is not None else ("recall", recall)
    check_range(target, target_name, low=1e-9, high=1 - 1e-9)
    order = np.argsort(-prob, kind="stable")
    p_sorted, y_sorted = prob[order], y[order]
    last = np.r_[p_sorted[1:] != p_sorted[:-1], True]  # cut only between distinct scores
    tp = np.cumsum(y_sorted)[last]
    n_taken = np.arange(1, len(y) + 1)[last]
    thresholds = p_sorted[last]
    if precision is not None:
        ok = wilson_lower(tp, n_taken, confidence=confidence) >= target
        return float(thresholds[ok][-1]) if ok.any() else float(np.inf)
    ok = wilson_lower(tp, np.full(len(tp), max(int(y.sum()), 0)), confidence=confidence) >= target
    return float(thresholds[ok][0]) if ok.any() and y.sum() > 0 else float(-np.inf)


@dataclass(frozen=True)
class OperatingModes:
    """What two thresholds do on labelled data: act above ``t_act``, clear below ``t_flag``.

    Cases with ``y_prob >= t_act`` are acted on automatically (the high-precision mode); cases
    with ``y_prob < t_flag`` are cleared automatically (what the high-recall flag leaves out);
    the rest are referred to a person. ``coverage`` is the share decided automatically.

    >>> operating_modes([0, 1, 1, 0], [0.1, 0.9, 0.6, 0.5], t_act=0.8, t_flag=0.3)
    OperatingModes(precision=1.000 on 25% acted, recall=1.000 of flagged, coverage=50%)
    """

    t_act: float
    t_flag: float
    precision: float
    recall: float
    acted: float
    cleared: float
    referred: float
    coverage: float

    def __repr__(self) -> str:
        return (f"OperatingModes(precision={self.precision:.3f} on {self.acted:.0%} acted, "
                f"recall={self.recall:.3f} of flagged, coverage={self.coverage:.0%})")


def operating_modes(y_true: Any, y_prob: Any, *, t_act: float, t_flag: float) -> OperatingModes:
    """Measure a high-precision / high-recall pair of thresholds with abstention in between.

    ``y_true`` (n,) 0/1 and ``y_prob`` (n,); act when ``y_prob >= t_act`` (precision is
    measured on these cases, 1.0 when there are none, with ``acted = 0``); flag when
    ``y_prob >= t_flag <= t_act`` (recall of the flag), clear the rest. Thresholds outside
    [0, 1] are clipped (``inf``: never act). Returns OperatingModes.

    Examples
    --------
    >>> m = operating_modes([0, 1, 1, 0, 1], [0.1, 0.9, 0.6, 0.5, 0.2], t_act=0.8, t_flag=0.4)
    >>> m.precision, round(m.recall, 3), m.referred
    (1.0, 0.667, 0.4)
    """
    y = as_binary(y_true, "y_true")
    prob = _probs(y_prob)
    if prob.ndim != 1:
        raise ValueError(f"y_prob: expected binary probabilities of shape (n,), got shape {prob.shape}")
    same_length(y_true=y, y_prob=prob)
    for name, t in (("t_act", t_act), ("t_flag", t_flag)):
        if isinstance(t, bool) or not isinstance(t, (int, float, np.integer, np.floating)) or np.isnan(float(t)):
            raise TypeError(f"{name}: expected a number (inf allowed), got {t!r}")
    # probabilities lie in [0, 1]: clip (inf -> just above 1, never act; -inf -> 0, flag all)
    t_act, t_flag = (min(max(float(t), 0.0), float(np.nextafter(1.0, 2.0))) for t in (t_act, t_flag))
    if t_flag > t_act:
        raise ValueError(f"t_flag: expected t_flag <= t_act, got {t_flag} > {t_act}")
    act, flag = prob >= t_act, prob >= t_flag
    precision = float(y[act].mean()) if act.any() else 1.0
    recall = float(y[flag].sum() / y.sum()) if y.sum() else 1.0
    acted, cleared = float(act.mean()), float((~flag).mean())
    return OperatingModes(t_act, t_flag, precision, recall, acted, cleared,
                          1.0 - acted - cleared, acted + cleared)


def plot_reliability(tables: dict[str, pd.DataFrame], *, ax: Any = None) -> Any:
    """Reliability diagram (plumbing): observed frequency against confidence, one line per table.

    ``tables``: dict name -> ``reliability_table()`` DataFrame; ``ax``: a matplotlib Axes or
    None (a new figure). Returns the Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_reliability({"model": reliability_table([0, 1, 1], [0.2, 0.7, 0.9])})
    >>> ax.get_xlabel()
    'predicted probability (bin mean)'
    """
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if not isinstance(tables, dict) or not tables:
        raise TypeError("tables: expected a non-empty dict name -> reliability_table()")
    for name, t in tables.items():
        if not isinstance(t, pd.DataFrame) or not {"confidence", "frequency", "count"} <= set(t.columns):
            raise TypeError(f"tables: {name!r} is not a reliability_table() DataFrame")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes, got {type(ax).__name__}")
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="perfectly calibrated")
    for name, t in tables.items():
        ax.plot(t["confidence"], t["frequency"], marker="o", ms=3, lw=1.5, label=name)
    ax.set_xlabel("predicted probability (bin mean)")
    ax.set_ylabel("observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, loc="upper left")
    return ax
