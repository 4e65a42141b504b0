"""Runaway predictive policing: a deployed model's decisions choose the data it learns from.

``policing_loop`` is the urn of Ensign et al. (2018), seeded from real incident rates
(``precinct_rates``). Patrols go where incidents were discovered, and incidents are
discovered only where patrols go; the allocation runs away. The fix weights each discovered
incident by the inverse of the probability of having looked there (plus a small exploration
floor so that probability never reaches zero). The lending loop of the same lesson, with the
same fix, is ``kit.sim.lending``.

Survey: Paleyes, Urma & Lawrence (2022), "Challenges in deploying machine learning: a survey
of case studies", ACM Computing Surveys 55(6), section on monitoring (feedback loops), after
Sculley et al. (2015), "Hidden technical debt in machine learning systems", NeurIPS.
Taught in ``notebooks/14_monitoring-feedback-loops.ipynb``.

Examples
--------
>>> res = policing_loop([2.0, 1.0], days=200, patrols=5, seed=0)
>>> res
PolicingResult(days=200, explore=0, correct=False, final=[0.75, 0.25], truth=[0.67, 0.33])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit._validate import as_array, check_flag, check_range, check_seed, check_type

__all__ = ["PolicingResult", "precinct_rates", "policing_loop", "runaway_spread"]


def precinct_rates(df: pd.DataFrame, *, column: str = "precinct") -> pd.Series:
    """Daily incident rate per precinct from an incident table (one row per incident).

    Parameters
    ----------
    df : DataFrame (n_incidents, ...)
        E.g. ``kit.data.load("mn_police_use_of_force")``; needs ``column`` and
        ``response_datetime``. Precinct 0 (unknown, 4 rows in Minneapolis) is dropped.

    Returns
    -------
    Series (n_precincts,) incidents per day, indexed by precinct.

    Examples
    --------
    >>> df = pd.DataFrame({"precinct": [1, 1, 2, 0], "response_datetime": ["2016/01/01 10:00",
    ...                    "2016/01/02 10:00", "2016/01/02 11:00", "2016/01/02 12:00"]})
    >>> precinct_rates(df).round(2).tolist()
    [1.0, 0.5]
    """
    check_type(df, "df", pd.DataFrame, what="a DataFrame of incidents")
    check_type(column, "column", str, what="a column name (str)")
    for col in (column, "response_datetime"):
        if col not in df.columns:
            raise ValueError(f"df: expected a column {col!r}, got {list(df.columns)}")
    keep = df[df[column] != 0]
    when = pd.to_datetime(keep["response_datetime"])
    n_days = (when.max().normalize() - when.min().normalize()).days + 1
    return keep[column].value_counts().sort_index() / n_days


@dataclass
class PolicingResult:
    """One run of the urn.

    Attributes
    ----------
    allocation : ndarray (days + 1, k)
        Share of patrols sent to each region on each day (row 0: the starting belief).
    truth : ndarray (k,)
        Each region's share of the true incident rate, what a fair allocation would be.

    Examples
    --------
    >>> r = PolicingResult(np.array([[0.5, 0.5], [0.9, 0.1]]), np.array([0.6, 0.4]), 0.0, False)
    >>> r.final.tolist(), round(r.error, 2)
    ([0.9, 0.1], 0.3)
    """

    allocation: np.ndarray
    truth: np.ndarray
    explore: float
    correct: bool

    @property
    def final(self) -> np.ndarray:
        """(k,) the allocation on the last day."""
        return self.allocation[-1]

    @property
    def error(self) -> float:
        """Largest gap between the final allocation and the truth, over regions."""
        return float(np.abs(self.final - self.truth).max())

    def __repr__(self) -> str:
        f = [round(float(v), 2) for v in self.final]
        t = [round(float(v), 2) for v in self.truth]
        return (f"PolicingResult(days={len(self.allocation) - 1}, explore={self.explore:g}, "
                f"correct={self.correct}, final={f}, truth={t})")


def policing_loop(rates: np.ndarray | list[float], *, days: int = 730, patrols: int = 5,
                  explore: float = 0.0, correct: bool = False, prior: float = 1.0,
                  seed: int = 0) -> PolicingResult:
    """Simulate the predictive-policing urn of Ensign et al. (2018).

    Each day ``patrols`` patrols are sent to regions with probability
    ``p = (1 - explore) * counts / counts.sum() + explore / k``; a patrol in region ``d``
    discovers ``Poisson(rates[d])`` incidents, and nothing is discovered where nobody looked.
    Uncorrected, the counts grow by the discovered incidents (a Polya urn: whoever leads gets
    more patrols and so more discoveries). Corrected, each discovered incident counts
    ``1 / (patrols * p[d])``, the inverse of the expected number of looks, so the counts grow by
    ``rates[d]`` on average whatever the allocation, and the allocation tracks the truth.

    Parameters
    ----------
    rates : array (k,)
        True incidents per day in each region (``precinct_rates``), all > 0.
    days, patrols : int
        Length of the run and patrols per day.
    explore : float in [0, 1]
        Share of patrols spread uniformly whatever the counts say (keeps ``p > 0``).
    correct : bool
        Weight each discovered incident by the inverse of its probability of being looked for.
    prior : float
        Starting count in every region (a uniform first belief).
    seed : int

    Returns
    -------
    PolicingResult

    Paper: Ensign, Friedler, Neville, Scheidegger & Venkatasubramanian (2018), "Runaway
    feedback loops in predictive policing", FAT* (PMLR 81).

    Examples
    --------
    >>> policing_loop([2.0, 1.0], days=400, explore=0.1, correct=True, seed=1).error < 0.05
    True
    """
    lam = as_array(rates, "rates", ndim=1)
    if (lam <= 0).any():
        raise ValueError("rates: expected every rate > 0 (incidents per day)")
    check_range(days, "days", low=1, high=10**7, integer=True)
    check_range(patrols, "patrols", low=1, high=10**9, integer=True)
    correct = check_flag(correct, "correct")
    check_range(explore, "explore", low=0.0, high=1.0)
    check_range(prior, "prior", low=1e-9)
    if correct and explore == 0:
        raise ValueError("explore: the inverse-probability correction needs explore > 0 "
                         "(a region never looked at has infinite weight)")
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    k = len(lam)
    counts = np.full(k, float(prior))
    alloc = np.empty((days + 1, k))
    for t in range(days + 1):
        p = (1 - explore) * counts / counts.sum() + explore / k
        alloc[t] = p
        if t == days:
            break
        looks = rng.multinomial(patrols, p)
        found = rng.poisson(lam * looks)
        counts += found / (patrols * p) if correct else found
    return PolicingResult(alloc, lam / lam.sum(), float(explore), bool(correct))


def runaway_spread(finals: np.ndarray) -> float:
    """How much the final allocation depends on luck: max over regions of (max - min) over runs.

    Parameters
    ----------
    finals : array (n_runs, k)
        Final allocations of runs that differ only in their seed.

    Examples
    --------
    >>> runaway_spread([[0.9, 0.1], [0.2, 0.8]])
    0.7
    """
    f = as_array(finals, "finals", ndim=2, min_rows=2)
    return round(float((f.max(axis=0) - f.min(axis=0)).max()), 12)
