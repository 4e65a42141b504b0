"""Group thresholds: selection rates per group under profit, demographic parity, equal opportunity.

A lender that scores applicants picks one threshold per group. ``policy_rates`` finds, exactly,
the rates that maximise the lender's profit on its own (``"max profit"``), under one common
selection rate (``"demographic parity"``) or under one common true positive rate
(``"equal opportunity"``, Hardt, Price & Srebro 2016, "Equality of opportunity in supervised
learning", NeurIPS). Groups are ``ScoreGroup`` score distributions, e.g. the FICO TransRisk
tables of Hardt et al. through ``score_groups(kit.data.load("fico"))``.

Used by the delayed-impact loop of ``notebooks/14_monitoring-feedback-loops.ipynb``
(``kit.sim.impact``).

Examples
--------
>>> g = ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
>>> g.fico.round(1).tolist()
[511.4, 754.7]
>>> policy_rates([g], "max profit", loss=4.0).tolist()   # lend where P(repay) >= 4/5: the top half
[0.5]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit._validate import as_array, check_choice, check_range, check_type, same_length

__all__ = ["POLICIES", "BOUNDS", "to_fico_scale", "ScoreGroup", "score_groups", "selection",
           "loan_profit", "lend_from_top", "policy_rates"]


POLICIES = ("max profit", "demographic parity", "equal opportunity")


# Liu et al.'s code (fico.py, convert_percentiles): TransRisk percentile -> FICO score, by the
# share of the national population in each 50-point FICO band, from 300 to 850.
_BAND_SHARE = np.array([2.1, 4.2, 5.4, 6.5, 7.9, 9.6, 12.0, 13.8, 17.0, 15.8, 5.7])


_PERCENTILE = np.r_[0.0, np.cumsum(_BAND_SHARE)]


_FICO = np.arange(300.0, 851.0, 50.0)


BOUNDS = (300.0, 850.0)


def to_fico_scale(score: np.ndarray | list[float] | float) -> np.ndarray:
    """Map TransRisk scores (0-100, a population percentile) onto the 300-850 FICO scale.

    Piecewise linear through the national FICO bands that Liu et al. use.

    Parameters
    ----------
    score : array-like (n,) of TransRisk scores in [0, 100]

    Returns
    -------
    ndarray (n,) of FICO scores in [300, 850].

    Examples
    --------
    >>> to_fico_scale([0, 2.1, 50, 100]).round(1).tolist()
    [300.0, 350.0, 658.3, 850.0]
    """
    s = np.atleast_1d(as_array(score, "score"))
    if s.min() < 0 or s.max() > 100:
        raise ValueError(f"score: expected TransRisk scores in [0, 100], got [{s.min()}, {s.max()}]")
    return np.interp(s, _PERCENTILE, _FICO)


@dataclass
class ScoreGroup:
    """One group's score distribution and repayment rate by score.

    Attributes
    ----------
    name : str
    score : ndarray (n,) TransRisk scores, increasing.
    pmf : ndarray (n,) share of the group at each score (sums to 1).
    repay : ndarray (n,) probability that a loan at that score is repaid.
    size : int, number of people in the group (weights groups against each other).
    fico : ndarray (n,) the scores on the 300-850 FICO scale (derived).

    Examples
    --------
    >>> ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9], size=10)
    ScoreGroup('toy', n_scores=2, size=10, mean_fico=633.1, repay=0.700)
    """

    name: str
    score: np.ndarray
    pmf: np.ndarray
    repay: np.ndarray
    size: int = 1
    fico: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.score = as_array(self.score, "score", ndim=1)
        self.pmf = as_array(self.pmf, "pmf", ndim=1)
        self.repay = as_array(self.repay, "repay", ndim=1)
        same_length(score=self.score, pmf=self.pmf, repay=self.repay)
        if np.any(np.diff(self.score) <= 0):
            raise ValueError("score: expected strictly increasing scores")
        if self.pmf.min() < 0 or abs(self.pmf.sum() - 1) > 1e-6:
            raise ValueError(f"pmf: expected non-negative shares summing to 1, got sum {self.pmf.sum():.4f}")
        if self.repay.min() < 0 or self.repay.max() > 1:
            raise ValueError("repay: expected probabilities in [0, 1]")
        check_range(self.size, "size", low=1, integer=True)
        self.fico = to_fico_scale(self.score)

    @property
    def mean(self) -> float:
        """Mean score on the FICO scale."""
        return float(self.pmf @ self.fico)

    def __repr__(self) -> str:
        return (f"ScoreGroup({self.name!r}, n_scores={len(self.score)}, size={self.size}, "
                f"mean_fico={self.mean:.1f}, repay={self.pmf @ self.repay:.3f})")


def score_groups(df: pd.DataFrame, groups: list[str] | tuple[str, ...] = ("Black", "White")) -> list[ScoreGroup]:
    """Per-group score distributions from ``kit.data.load("fico")``.

    Parameters
    ----------
    df : DataFrame (n_rows, 5) with columns group, score, cdf, repay_rate, group_size.
    groups : names of the groups to keep, in this order.

    Returns
    -------
    list of ScoreGroup, one per name in ``groups``.

    Examples
    --------
    >>> df = pd.DataFrame({"group": ["A", "A"], "score": [10.0, 90.0], "cdf": [0.25, 1.0],
    ...                    "repay_rate": [0.4, 0.95], "group_size": [100, 100]})
    >>> score_groups(df, ["A"])[0].pmf.tolist()
    [0.25, 0.75]
    """
    check_type(df, "df", pd.DataFrame, what="the fico table as a pandas DataFrame")
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__iter__"):
        raise TypeError(f"groups: expected a list of group names, got {type(groups).__name__}")
    for col in ("group", "score", "cdf", "repay_rate", "group_size"):
        if col not in df.columns:
            raise ValueError(f"df: expected a column {col!r}, got {list(df.columns)}")
    out = []
    for name in groups:
        check_choice(name, "groups", sorted(df["group"].unique()))
        g = df[df["group"] == name].sort_values("score")
        cdf = g["cdf"].to_numpy(float)
        pmf = np.diff(cdf, prepend=0.0)
        out.append(ScoreGroup(name, g["score"].to_numpy(float), pmf / pmf.sum(),
                              g["repay_rate"].to_numpy(float), int(g["group_size"].iloc[0])))
    return out


def selection(pmf: np.ndarray, rate: float) -> np.ndarray:
    """Share of the people at each score who get a loan when the top ``rate`` of the group do.

    A threshold policy: everyone above the threshold score, nobody below, and a random share
    at the threshold score itself so that any selection rate can be met exactly.

    Parameters
    ----------
    pmf : array-like (n,) share of the group at each score, scores increasing.
    rate : float in [0, 1], the selection rate.

    Returns
    -------
    ndarray (n,) in [0, 1].

    Examples
    --------
    >>> selection([0.5, 0.25, 0.25], 0.5).tolist()
    [0.0, 1.0, 1.0]
    >>> selection([0.5, 0.25, 0.25], 0.6).round(3).tolist()
    [0.2, 1.0, 1.0]
    """
    pmf = as_array(pmf, "pmf", ndim=1)
    check_range(rate, "rate", low=0, high=1)
    above = np.cumsum(pmf[::-1])[::-1] - pmf          # share strictly above each score
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(pmf > 0, (rate - above) / pmf, 0.0)
    return np.clip(share, 0.0, 1.0)


def loan_profit(group: ScoreGroup, *, loss: float = 4.0) -> np.ndarray:
    """The bank's expected profit of a loan at each score: +1 if repaid, ``-loss`` if not.

    Returns
    -------
    ndarray (n,): ``repay - (1 - repay) * loss``.

    Examples
    --------
    >>> loan_profit(ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9]), loss=4)
    array([-1.5,  0.5])
    """
    check_type(group, "group", ScoreGroup, what="a ScoreGroup")
    check_range(loss, "loss", low=0, high=1e12)
    check_range(loss, "loss", low=0)
    return group.repay - (1 - group.repay) * loss


def lend_from_top(group: ScoreGroup, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lend from the top score down: selection rate and total ``value`` at each score boundary.

    Parameters
    ----------
    group : ScoreGroup
    value : array (n,)
        A per-person value at each score (a loan's profit, a score change, P(repay)).

    Returns
    -------
    rates : ndarray (n + 1,), 0 ... 1: the share of the group lent to, boundary by boundary.
    total : ndarray (n + 1,): ``sum(value * pmf)`` over everyone lent to, per member of the
    group. Both are linear in between (a threshold score may be lent to in part).

    Examples
    --------
    >>> g = ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
    >>> [a.round(2).tolist() for a in lend_from_top(g, loan_profit(g, loss=4))]
    [[0.0, 0.5, 1.0], [0.0, 0.25, -0.5]]
    """
    check_type(group, "group", ScoreGroup, what="a ScoreGroup")
    value = as_array(value, "value", ndim=1)
    same_length(value=value, pmf=group.pmf)
    rates = np.r_[0.0, np.cumsum(group.pmf[::-1])]
    total = np.r_[0.0, np.cumsum((value * group.pmf)[::-1])]
    return np.minimum(rates, 1.0), total


def policy_rates(groups: list[ScoreGroup], policy: str, *, loss: float = 4.0) -> np.ndarray:
    """Each group's selection rate under a lending policy that maximises the bank's profit.

    * ``"max profit"``: each group on its own (lend wherever P(repay) >= loss / (1 + loss)).
    * ``"demographic parity"``: one selection rate for every group.
    * ``"equal opportunity"``: one true positive rate (share of the group's repayers who get a
      loan) for every group (Hardt et al. 2016).

    Profit is +1 per repaid loan and ``-loss`` per default, summed over groups in proportion to
    their sizes. The optimum of these piecewise-linear problems lies on a breakpoint, so it is
    found exactly by checking them all.

    Returns
    -------
    ndarray (k,) selection rates, one per group.

    Examples
    --------
    >>> a = ScoreGroup("a", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
    >>> b = ScoreGroup("b", score=[20.0, 80.0], pmf=[0.8, 0.2], repay=[0.5, 0.9])
    >>> policy_rates([a, b], "max profit").tolist(), policy_rates([a, b], "demographic parity").tolist()
    ([0.5, 0.2], [0.2, 0.2])
    """
    if isinstance(groups, ScoreGroup) or not isinstance(groups, (list, tuple)) or not groups:
        raise TypeError(f"groups: expected a non-empty list of ScoreGroup, got {type(groups).__name__}")
    for g in groups:
        check_type(g, "groups", ScoreGroup, what="a list of ScoreGroup")
    check_choice(policy, "policy", POLICIES)
    check_range(loss, "loss", low=0)
    if not groups:
        raise ValueError("groups: expected at least one ScoreGroup")
    w = np.array([g.size for g in groups], float)
    w /= w.sum()
    curves = [lend_from_top(g, loan_profit(g, loss=loss)) for g in groups]
    if policy == "max profit":
        return np.array([r[np.argmax(u)] for r, u in curves])
    if policy == "demographic parity":
        grid = np.unique(np.concatenate([r for r, _ in curves]))
        total = sum(wj * np.interp(grid, r, u) for wj, (r, u) in zip(w, curves))
        return np.full(len(groups), grid[np.argmax(total)])
    # equal opportunity: rate_j(t) for a common true positive rate t
    tprs = []
    for g, (r, _) in zip(groups, curves):
        _, repaid = lend_from_top(g, g.repay)
        tpr, keep = np.unique(repaid / repaid[-1], return_index=True)
        tprs.append((tpr, r[keep]))
    grid = np.unique(np.concatenate([t for t, _ in tprs]))
    rates = np.array([np.interp(grid, t, r) for t, r in tprs])          # (k, n_grid)
    total = sum(wj * np.interp(rj, r, u) for wj, rj, (r, u) in zip(w, rates, curves))
    return rates[:, np.argmax(total)]
