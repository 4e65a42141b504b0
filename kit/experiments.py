"""Randomised online experiments (A/B tests) on a conversion rate: the z-test, power, sample size.

Two arms of ``n`` visits each convert (book, click) ``k_a`` and ``k_b`` times. The two-proportion
z-test compares the rates with the pooled standard error; the interval around the lift
``p_b - p_a`` uses the unpooled one (Wald). Before the trial, ``sample_size`` gives the visits
per arm that detect a minimum detectable effect ``mde`` with the stated power (normal
approximation: ``n = (z_{1-alpha/2} sqrt(2 p q) + z_{power} sqrt(p_a q_a + p_b q_b))^2 / mde^2``),
and ``power`` the chance that a trial of ``n`` per arm declares a true lift significant.
``simulate_trials`` repeats a trial many times by drawing each arm's count from its binomial law
(a visit's user is drawn at random, so each arm's count is exactly Binomial(n, mean rate)):
the A/A false-positive rate, the power actually achieved, and the exaggeration of the lifts that
small trials declare significant (Gelman & Carlin 2014, type M errors) are all read from it.

Kohavi, Tang & Xu (2020), "Trustworthy Online Controlled Experiments", Cambridge UP;
Bernardi et al. (2019), "150 successful machine learning models: 6 lessons learned at
Booking.com", KDD. Taught in ``casestudies/cs03_booking-ab.ipynb``.

Examples
--------
>>> t = ztest(250, 1000, 290, 1000)
>>> t
ZTest(lift=+0.0400, z=2.01, p=0.0439, ci=[+0.0011, +0.0789])
>>> bool(t.significant)
True
>>> sample_size(0.25, 0.01)
29821
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from kit._validate import as_array, check_range, check_seed

__all__ = ["ZTest", "ztest", "sample_size", "power", "simulate_trials"]


@dataclass(frozen=True)
class ZTest:
    """Result of ``ztest``, one trial or an array of trials (every field then has the trials' shape).

    Attributes
    ----------
    rate_a, rate_b : float or ndarray
        Observed conversion rates of the control (A) and the treatment (B).
    lift : float or ndarray
        ``rate_b - rate_a``.
    z, p_value : float or ndarray
        Pooled two-proportion z statistic and its two-sided p-value.
    ci_low, ci_high : float or ndarray
        Wald interval of the lift at level ``1 - alpha``.
    alpha : float

    Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments; Gelman & Carlin (2014) for
    type M errors. Taught in ``casestudies/cs03_booking-ab.ipynb``.

    Examples
    --------
    >>> bool(ztest(50, 100, 50, 100).significant)
    False
    """

    rate_a: Any
    rate_b: Any
    lift: Any
    z: Any
    p_value: Any
    ci_low: Any
    ci_high: Any
    alpha: float

    @property
    def significant(self) -> Any:
        """``p_value < alpha`` (a bool, or a bool array for many trials)."""
        return self.p_value < self.alpha

    def __repr__(self) -> str:
        if np.ndim(self.lift):
            return f"ZTest({np.size(self.lift)} trials, significant: {np.mean(self.significant):.1%})"
        return (f"ZTest(lift={self.lift:+.4f}, z={self.z:.2f}, p={self.p_value:.4f}, "
                f"ci=[{self.ci_low:+.4f}, {self.ci_high:+.4f}])")


def _counts(k: Any, n: Any, kname: str, nname: str) -> tuple[np.ndarray, np.ndarray]:
    k_arr = as_array(k, kname, min_rows=0)
    n_arr = as_array(n, nname, min_rows=0)
    if np.any(n_arr < 1):
        raise ValueError(f"{nname}: expected at least 1 visit per arm, got {n_arr.min():g}")
    if np.any(k_arr < 0) or np.any(k_arr > n_arr):
        raise ValueError(f"{kname}: expected conversions between 0 and {nname}")
    return k_arr, n_arr


def ztest(k_a: Any, n_a: Any, k_b: Any, n_b: Any, *, alpha: float = 0.05) -> ZTest:
    """Two-sided two-proportion z-test of ``k_b / n_b`` against ``k_a / n_a`` (arrays: one test each).

    Parameters
    ----------
    k_a, n_a : int or array-like
        Conversions and visits of the control arm (any broadcastable shape).
    k_b, n_b : int or array-like
        Conversions and visits of the treatment arm.
    alpha : float, keyword-only
        Significance level; also sets the interval's level ``1 - alpha``.

    Returns
    -------
    ZTest

    Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments; Gelman & Carlin (2014) for
    type M errors. Taught in ``casestudies/cs03_booking-ab.ipynb``.

    Examples
    --------
    >>> round(float(ztest(100, 1000, 130, 1000).p_value), 4)
    0.0355
    """
    check_range(alpha, "alpha", low=1e-12, high=0.5)
    k_a, n_a = _counts(k_a, n_a, "k_a", "n_a")
    k_b, n_b = _counts(k_b, n_b, "k_b", "n_b")
    pa, pb = k_a / n_a, k_b / n_b
    pooled = (k_a + k_b) / (n_a + n_b)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se0 > 0, (pb - pa) / np.where(se0 > 0, se0, 1.0), 0.0)
    p_value = 2 * norm.sf(np.abs(z))
    half = norm.ppf(1 - alpha / 2) * np.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    lift = pb - pa
    out = [pa, pb, lift, z, p_value, lift - half, lift + half]
    if all(np.ndim(v) == 0 for v in out):
        out = [float(v) for v in out]
    return ZTest(*out, alpha=float(alpha))


def _rate(p: Any, name: str) -> float:
    check_range(p, name, low=0, high=1)
    return float(p)


def sample_size(p_a: float, mde: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Visits per arm for a two-sided z-test to detect ``p_a -> p_a + mde`` with the given power.

    Parameters
    ----------
    p_a : float
        Baseline conversion rate, in (0, 1).
    mde : float
        Minimum detectable effect, an absolute lift (``p_a + mde`` must stay in (0, 1)).
    alpha, power : float, keyword-only

    Returns
    -------
    int
        Visits per arm (rounded up).

    Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments; Gelman & Carlin (2014) for
    type M errors. Taught in ``casestudies/cs03_booking-ab.ipynb``.

    Examples
    --------
    >>> sample_size(0.10, 0.02)
    3841
    """
    p_a = _rate(p_a, "p_a")
    check_range(mde, "mde")
    if mde == 0 or not 0 < p_a + mde < 1 or not 0 < p_a < 1:
        raise ValueError(f"mde: expected a non-zero lift with p_a and p_a + mde in (0, 1), got p_a={p_a}, mde={mde}")
    check_range(alpha, "alpha", low=1e-12, high=0.5)
    check_range(power, "power", low=0.5, high=1 - 1e-12)
    p_b = p_a + mde
    p_bar = (p_a + p_b) / 2
    num = (norm.ppf(1 - alpha / 2) * np.sqrt(2 * p_bar * (1 - p_bar))
           + norm.ppf(power) * np.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))) ** 2
    return int(np.ceil(num / mde ** 2))


def power(p_a: float, p_b: float, n: int, *, alpha: float = 0.05) -> float:
    """Chance that a two-sided z-test with ``n`` visits per arm declares ``p_b != p_a`` (normal approximation).

    Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments; Gelman & Carlin (2014) for
    type M errors. Taught in ``casestudies/cs03_booking-ab.ipynb``.

    Examples
    --------
    >>> round(power(0.10, 0.12, sample_size(0.10, 0.02)), 2)
    0.8
    """
    p_a, p_b = _rate(p_a, "p_a"), _rate(p_b, "p_b")
    check_range(n, "n", low=1, integer=True)
    check_range(alpha, "alpha", low=1e-12, high=0.5)
    p_bar = (p_a + p_b) / 2
    se0 = np.sqrt(2 * p_bar * (1 - p_bar) / n)
    se1 = np.sqrt((p_a * (1 - p_a) + p_b * (1 - p_b)) / n)
    if se1 == 0:
        return float(p_a != p_b)
    crit = norm.ppf(1 - alpha / 2) * se0
    d = p_b - p_a
    return float(norm.sf((crit - d) / se1) + norm.cdf((-crit - d) / se1))


def simulate_trials(p_a: float, p_b: float, n: int, *, trials: int = 1000, alpha: float = 0.05,
                    seed: int = 0) -> ZTest:
    """Repeat a trial of ``n`` visits per arm ``trials`` times and z-test each (binomial draws).

    ``p_a == p_b`` is an A/A test: the share of significant trials is the false-positive rate.

    Returns
    -------
    ZTest
        Fields are arrays of shape ``(trials,)``.

    Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments; Gelman & Carlin (2014) for
    type M errors. Taught in ``casestudies/cs03_booking-ab.ipynb``.

    Examples
    --------
    >>> aa = simulate_trials(0.2, 0.2, 5000, trials=4000, seed=0)
    >>> 0.04 < float(np.mean(aa.significant)) < 0.06
    True
    """
    p_a, p_b = _rate(p_a, "p_a"), _rate(p_b, "p_b")
    check_range(n, "n", low=1, high=10**15, integer=True)
    check_range(trials, "trials", low=1, high=10**8, integer=True)
    rng = np.random.default_rng(check_seed(seed))
    k_a = rng.binomial(n, p_a, size=trials)
    k_b = rng.binomial(n, p_b, size=trials)
    return ztest(k_a, n, k_b, n, alpha=alpha)
