"""Drift detectors: on the inputs (KS, PSI), on the error stream (DDM), on calibration.

Three things can be watched once a model is deployed:

- its **inputs**, without labels: a two-sample Kolmogorov-Smirnov test per feature with a
  multiple-testing correction (``ks_test``, ``KSDrift``) or the population stability index
  (``psi``) used in credit scoring;
- its **errors**, once labels arrive: DDM (Gama et al. 2004) here, written out so it can be
  read, and shown equal to ``river.drift.binary.DDM`` in ``tests/test_detectors.py``; use
  river's ADWIN (Bifet & Gavalda 2007) for a window that adapts;
- its **calibration**: predicted rate vs observed rate in a batch (``CalibrationDrift``), which
  catches a shift in the base rate that leaves the ranking (AUC) intact.

``alarm_report`` scores a detector the way it should be scored: delay after a known change,
false alarms before it, misses.

All detectors follow river's verbs: ``update(...)`` then read ``drift_detected``, so
``kit.sim.OnDrift`` accepts them. Taught in ``notebooks/15_updating-concept-drift.ipynb``.
Survey: Paleyes, Urma & Lawrence (2022), ACM Computing Surveys, "model updating".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from kit._validate import as_array, check_choice, check_range

__all__ = ["psi", "ks_test", "KSTest", "KSDrift", "DDM", "CalibrationDrift", "AlarmReport", "alarm_report"]

CORRECTIONS = ("bonferroni", "holm", "bh", "none")


def psi(ref: np.ndarray, cur: np.ndarray, *, bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of one feature: sum (c - r) log(c / r) over quantile bins.

    Bins are the deciles of ``ref`` (1-D, n_ref) applied to ``cur`` (1-D, n_cur). Rule of
    thumb from credit scoring: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 major shift
    (Yurdakul 2018, "Statistical properties of population stability index", PhD thesis).

    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=2000), rng.normal(size=2000)
    >>> round(psi(a, b), 2), round(psi(a, b + 1), 1)
    (0.0, 1.0)
    """
    ref = as_array(ref, "ref", ndim=1)
    cur = as_array(cur, "cur", ndim=1)
    check_range(bins, "bins", low=2, integer=True)
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / len(ref)
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1) / len(cur)
    r, c = np.clip(r, eps, None), np.clip(c, eps, None)
    return float(np.sum((c - r) * np.log(c / r)))


def _adjust(p: np.ndarray, correction: str) -> np.ndarray:
    """Multiple-testing adjusted p-values (Bonferroni, Holm 1979, Benjamini-Hochberg 1995)."""
    m = len(p)
    if correction == "none":
        return p.copy()
    if correction == "bonferroni":
        return np.minimum(p * m, 1.0)
    order = np.argsort(p)
    ps = p[order]
    if correction == "holm":
        adj = np.maximum.accumulate(np.minimum(ps * (m - np.arange(m)), 1.0))
    else:  # bh
        adj = np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1]
        adj = np.minimum(adj, 1.0)
    out = np.empty(m)
    out[order] = adj
    return out


@dataclass
class KSTest:
    """Per-feature KS statistics (d,), adjusted p-values (d,), and which features drifted."""

    statistic: np.ndarray
    p_value: np.ndarray
    drifted: np.ndarray
    alpha: float
    correction: str

    @property
    def drift(self) -> bool:
        """True when any feature is significant after correction."""
        return bool(self.drifted.any())

    def __repr__(self) -> str:
        return (f"KSTest(drift={self.drift}, drifted={int(self.drifted.sum())}/{len(self.drifted)}, "
                f"min_p={self.p_value.min():.3g}, correction={self.correction!r})")


def ks_test(X_ref: np.ndarray, X_cur: np.ndarray, *, alpha: float = 0.05,
            correction: str = "holm") -> KSTest:
    """Two-sample Kolmogorov-Smirnov test on each feature, corrected for testing d features.

    Parameters
    ----------
    X_ref : array (n_ref, d)
        Reference window (the training inputs). ``X_cur`` (n_cur, d): current window.
    alpha : float
        Family-wise error rate (Holm, Bonferroni) or false discovery rate (``"bh"``).
    correction : {"holm", "bonferroni", "bh", "none"}

    Paper: Rabanser, Guennemann & Lipton (2019), "Failing loudly", NeurIPS (univariate KS
    with a Bonferroni correction was among the strongest shift tests).

    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=(500, 3)); cur = rng.normal(size=(500, 3)); cur[:, 2] += 0.5
    >>> ks_test(ref, cur).drifted.tolist()
    [False, False, True]
    """
    X_ref = as_array(X_ref, "X_ref", ndim=2, min_rows=2)
    X_cur = as_array(X_cur, "X_cur", ndim=2, min_rows=2)
    if X_ref.shape[1] != X_cur.shape[1]:
        raise ValueError(f"X_cur: expected {X_ref.shape[1]} features like X_ref, got {X_cur.shape[1]}")
    check_range(alpha, "alpha", low=0, high=1)
    check_choice(correction, "correction", CORRECTIONS)
    res = [stats.ks_2samp(X_ref[:, j], X_cur[:, j]) for j in range(X_ref.shape[1])]
    stat = np.array([r.statistic for r in res])
    p = _adjust(np.array([r.pvalue for r in res]), correction)
    return KSTest(stat, p, p < alpha, alpha, correction)


class KSDrift:
    """Stateful input-drift detector: ``fit(X_ref)``, then ``update(X_cur)`` per batch.

    ``drift_detected`` is True after a batch whose corrected KS test rejects; ``last`` holds
    that ``KSTest``. Needs no labels.

    >>> rng = np.random.default_rng(1)
    >>> det = KSDrift(alpha=0.01).fit(rng.normal(size=(300, 2)))
    >>> det.update(rng.normal(size=(300, 2))); det.drift_detected
    False
    >>> det.update(rng.normal(loc=1.0, size=(300, 2))); det.drift_detected
    True
    """

    def __init__(self, *, alpha: float = 0.05, correction: str = "holm") -> None:
        self.alpha = check_range(alpha, "alpha", low=0, high=1)
        self.correction = check_choice(correction, "correction", CORRECTIONS)
        self.X_ref: np.ndarray | None = None
        self.drift_detected = False
        self.last: KSTest | None = None

    def fit(self, X_ref: np.ndarray) -> KSDrift:
        self.X_ref = as_array(X_ref, "X_ref", ndim=2, min_rows=2)
        self.drift_detected = False
        return self

    def update(self, X_cur: np.ndarray) -> None:
        if self.X_ref is None:
            raise RuntimeError("KSDrift.update: call fit(X_ref) first")
        self.last = ks_test(self.X_ref, X_cur, alpha=self.alpha, correction=self.correction)
        self.drift_detected = self.last.drift

    def __repr__(self) -> str:
        return f"KSDrift(alpha={self.alpha}, correction={self.correction!r})"


class DDM:
    """Drift Detection Method on a 0/1 error stream (Gama, Medas, Castillo & Rodrigues 2004).

    Keeps the running error rate p and its standard deviation s = sqrt(p(1-p)/n); remembers the
    point where p + s was lowest; warns when p + s > p_min + 2 s_min and signals drift when
    p + s > p_min + 3 s_min, then starts afresh. Same rules as ``river.drift.binary.DDM``.

    Paper: "Learning with drift detection", SBIA 2004, LNCS 3171, 286-295.

    >>> rng = np.random.default_rng(0)
    >>> stream = np.r_[rng.random(1000) < 0.1, rng.random(1000) < 0.4].astype(int)
    >>> det = DDM()
    >>> alarms = [i for i, e in enumerate(stream) if det.update(e) or det.drift_detected]
    >>> alarms[0] > 1000
    True
    """

    def __init__(self, *, warm_start: int = 30, warning_threshold: float = 2.0,
                 drift_threshold: float = 3.0) -> None:
        self.warm_start = check_range(warm_start, "warm_start", low=0, integer=True)
        self.warning_threshold = check_range(warning_threshold, "warning_threshold", low=0)
        self.drift_threshold = check_range(drift_threshold, "drift_threshold", low=0)
        self._reset()

    def _reset(self) -> None:
        self.n, self.p = 0, 0.0
        self.p_min, self.s_min, self.ps_min = math.nan, math.nan, math.inf
        self.drift_detected = False
        self.warning_detected = False

    def update(self, x: float) -> None:
        if self.drift_detected:
            self._reset()
        self.n += 1
        self.p += (float(x) - self.p) / self.n
        s = math.sqrt(self.p * (1 - self.p) / self.n)
        if self.n > self.warm_start:
            if self.p + s <= self.ps_min:
                self.p_min, self.s_min, self.ps_min = self.p, s, self.p + s
            self.warning_detected = self.p + s > self.p_min + self.warning_threshold * self.s_min
            if self.p + s > self.p_min + self.drift_threshold * self.s_min:
                self.drift_detected, self.warning_detected = True, False

    def __repr__(self) -> str:
        return f"DDM(warm_start={self.warm_start}, drift_threshold={self.drift_threshold})"


class CalibrationDrift:
    """Alarm when a batch's observed positive rate leaves the model's predicted rate.

    z = (sum y - sum p) / sqrt(sum p (1 - p)): under calibration each y_i ~ Bernoulli(p_i), so
    z is about standard normal; ``drift_detected`` when |z| > ``threshold`` (Spiegelhalter 1986,
    "Probabilistic prediction in patient management", Statistics in Medicine). Catches a shift
    in the base rate that AUC cannot see.

    >>> det = CalibrationDrift(threshold=3.0)
    >>> det.update(np.r_[np.ones(10), np.zeros(90)], np.full(100, 0.1)); det.drift_detected
    False
    >>> det.update(np.r_[np.ones(30), np.zeros(70)], np.full(100, 0.1)); round(det.z, 1)
    6.7
    """

    def __init__(self, *, threshold: float = 3.0) -> None:
        self.threshold = check_range(threshold, "threshold", low=0)
        self.z = 0.0
        self.drift_detected = False

    def update(self, y_true: np.ndarray, y_score: np.ndarray) -> None:
        y = as_array(y_true, "y_true", ndim=1, min_rows=0)
        p = as_array(y_score, "y_score", ndim=1, min_rows=0)
        if len(y) != len(p):
            raise ValueError(f"y_score: expected {len(y)} scores like y_true, got {len(p)}")
        var = float(np.sum(p * (1 - p)))
        self.z = float((y.sum() - p.sum()) / math.sqrt(var)) if var > 0 else 0.0
        self.drift_detected = abs(self.z) > self.threshold

    def __repr__(self) -> str:
        return f"CalibrationDrift(threshold={self.threshold})"


@dataclass
class AlarmReport:
    """Detection delays (one per detected change), false alarms and missed changes."""

    delays: list[int]
    false_alarms: int
    missed: int

    @property
    def mean_delay(self) -> float:
        return float(np.mean(self.delays)) if self.delays else math.nan

    def __repr__(self) -> str:
        return f"AlarmReport(delays={self.delays}, false_alarms={self.false_alarms}, missed={self.missed})"


def alarm_report(alarms: Sequence[int], changes: Sequence[int], *, max_delay: int) -> AlarmReport:
    """Score alarm positions against known change positions (same unit: rows or batches).

    The first alarm in ``[change, change + max_delay]`` detects the change (its delay is
    ``alarm - change``); every other alarm is false; a change with no such alarm is missed.

    >>> alarm_report([50, 210, 260, 700], [200, 600], max_delay=150)
    AlarmReport(delays=[10, 100], false_alarms=2, missed=0)
    """
    check_range(max_delay, "max_delay", low=0, integer=True)
    alarms = sorted(int(a) for a in alarms)
    delays, hit = [], set()
    missed = 0
    for c in sorted(int(c) for c in changes):
        found = [a for a in alarms if c <= a <= c + max_delay and a not in hit]
        if found:
            delays.append(found[0] - c)
            hit.add(found[0])
        else:
            missed += 1
    return AlarmReport(delays, len(alarms) - len(hit), missed)
