"""Delayed impact: how a lending threshold moves a group's credit scores.

Liu et al.'s one-step model. A bank lends to the applicants of a group whose score is above
the group's threshold; a repaid loan raises the borrower's score, a default lowers it, and
nobody else moves. The expected change in the group's mean score, ``delta_mu``, is a function
of the group's selection rate (the *outcome curve*): lending to the most creditworthy raises
the mean, lending deep into the risky end makes it fall. Fairness criteria that move a
group's threshold away from the bank's profit-maximising one move it along that curve, which
can help the group, leave it where it was, or harm it.

* ``kit.fairness.thresholds.score_groups`` turns ``kit.data.load("fico")`` (the FICO
  TransRisk tables of Hardt et al. 2016) into per-group score distributions, with scores
  mapped onto the 300-850 FICO scale by the piecewise-linear conversion in Liu et al.'s code.
* ``outcome_curve`` gives ``delta_mu`` against the selection rate.
* ``impact_table`` finds the profit-maximising, demographic-parity and equal-opportunity
  policies (Hardt et al. 2016) exactly, and the ``delta_mu`` each gives every group.
* ``impact_rounds`` repeats lend -> move scores -> re-decide: the feedback loop.

Everything is a deterministic function of the tables: there is no randomness and no seed.

Papers: Liu, Dean, Rolf, Simchowitz & Hardt (2018), "Delayed impact of fair machine
learning", ICML (the model, the +75 / -150 score changes and the 1 : -4 bank utilities used
as defaults here); Hardt, Price & Srebro (2016), "Equality of opportunity in supervised
learning", NeurIPS (the FICO tables and equal opportunity). Survey: Paleyes, Urma & Lawrence
(2022), monitoring, feedback loops. Taught in ``notebooks/14_monitoring-feedback-loops.ipynb``.

Examples
--------
>>> g = ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
>>> float(delta_mu(g, 0.5, repaid=75, default=-150))   # lend to the top half: 0.5 * 52.5
26.25
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit._validate import check_choice, check_range, check_type
from kit.fairness.thresholds import (
    BOUNDS,
    POLICIES,
    ScoreGroup,
    lend_from_top,
    loan_profit,
    policy_rates,
    selection,
)

__all__ = ["expected_change", "delta_mu", "outcome_curve", "impact_table", "step", "impact_rounds"]


def _check_group(group: object) -> None:
    if not isinstance(group, ScoreGroup):
        raise TypeError(f"group: expected a ScoreGroup (kit.fairness.thresholds), got {type(group).__name__}")


def expected_change(group: ScoreGroup, *, repaid: float = 75.0, default: float = -150.0) -> np.ndarray:
    """Expected score change (FICO points) of a borrower at each score, kept within 300-850.

    Returns
    -------
    ndarray (n,): ``repay * up + (1 - repay) * down``, where ``up`` and ``down`` are the moves
    ``repaid`` and ``default`` cut short at 850 and 300. (Liu et al.'s code clips the expected
    move instead; the two differ only within 75 points of 850 or 150 points of 300. Clipping
    each outcome keeps this equal to what ``step`` does to the distribution.)

    Examples
    --------
    >>> g = ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
    >>> expected_change(g).round(2).tolist()      # 0.5 * 75 - 0.5 * 150; 0.9 * 75 - 0.1 * 150
    [-37.5, 52.5]
    """
    check_type(group, "group", ScoreGroup, what="a ScoreGroup")
    check_range(repaid, "repaid", low=-1e12, high=1e12)
    check_range(default, "default", low=-1e12, high=1e12)
    _check_group(group)
    up = np.clip(group.fico + repaid, *BOUNDS) - group.fico
    down = np.clip(group.fico + default, *BOUNDS) - group.fico
    return group.repay * up + (1 - group.repay) * down


def delta_mu(group: ScoreGroup, rate: float, *, repaid: float = 75.0, default: float = -150.0) -> float:
    """Expected change of the group's mean score (FICO points) when the top ``rate`` get loans.

    Examples
    --------
    >>> g = ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
    >>> delta_mu(g, 0.5), delta_mu(g, 1.0)       # lending deeper lowers the gain
    (26.25, 7.5)
    """
    check_type(group, "group", ScoreGroup, what="a ScoreGroup")
    check_range(repaid, "repaid", low=-1e12, high=1e12)
    check_range(default, "default", low=-1e12, high=1e12)
    sel = selection(group.pmf, rate)
    return float(np.sum(sel * group.pmf * expected_change(group, repaid=repaid, default=default)))


def outcome_curve(group: ScoreGroup, *, repaid: float = 75.0, default: float = -150.0) -> pd.DataFrame:
    """The outcome curve: ``delta_mu`` against the selection rate, lending from the top down.

    Returns
    -------
    DataFrame (n + 1, 3): selection_rate (0 ... 1), threshold (the lowest score lent to;
    NaN at rate 0) and delta_mu (FICO points). The curve is linear between rows.

    Examples
    --------
    >>> g = ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
    >>> outcome_curve(g)["delta_mu"].tolist()
    [0.0, 26.25, 7.5]
    """
    check_type(group, "group", ScoreGroup, what="a ScoreGroup")
    check_range(repaid, "repaid", low=-1e12, high=1e12)
    check_range(default, "default", low=-1e12, high=1e12)
    rates, value = lend_from_top(group, expected_change(group, repaid=repaid, default=default))
    threshold = np.r_[np.nan, group.score[::-1]]
    return pd.DataFrame({"selection_rate": rates, "threshold": threshold, "delta_mu": value})


def _check_groups_and_changes(groups, repaid: float, default: float) -> None:
    """The checks shared by ``impact_table`` and ``impact_rounds``."""
    if isinstance(groups, ScoreGroup) or not isinstance(groups, (list, tuple)) or not groups:
        raise TypeError(f"groups: expected a non-empty list of ScoreGroup, got {type(groups).__name__}")
    for g in groups:
        check_type(g, "groups", ScoreGroup, what="a list of ScoreGroup")
    check_range(repaid, "repaid", low=-1e12, high=1e12)
    check_range(default, "default", low=-1e12, high=1e12)


def impact_table(groups: list[ScoreGroup], *, loss: float = 4.0, repaid: float = 75.0,
                 default: float = -150.0) -> pd.DataFrame:
    """For every policy and group: selection rate, threshold, ``delta_mu`` and the regime.

    Returns
    -------
    DataFrame (3 * k, 7) with columns policy, group, selection_rate, threshold (lowest TransRisk
    score lent to), delta_mu (FICO points), profit (bank profit per member of the group) and
    regime: Liu et al.'s name for the group's outcome under a fairness policy compared with
    max profit: "active harm" (delta_mu < 0), "stagnation" (|delta_mu| < 0.05 points),
    "relative improvement" or "relative harm"; "-" for max profit itself.

    Examples
    --------
    >>> g = ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9], size=10)
    >>> impact_table([g])[["policy", "selection_rate", "delta_mu"]].round(2).values.tolist()[0]
    ['max profit', 0.5, 26.25]
    """
    _check_groups_and_changes(groups, repaid, default)
    rows = []
    for policy in POLICIES:
        for g, rate in zip(groups, policy_rates(groups, policy, loss=loss)):
            sel = selection(g.pmf, float(rate))
            lent = np.flatnonzero(sel > 0)
            rows.append({"policy": policy, "group": g.name, "selection_rate": float(rate),
                         "threshold": float(g.score[lent[0]]) if len(lent) else np.nan,
                         "delta_mu": delta_mu(g, float(rate), repaid=repaid, default=default),
                         "profit": float(np.sum(sel * g.pmf * loan_profit(g, loss=loss)))})
    table = pd.DataFrame(rows)
    base = table[table["policy"] == "max profit"].set_index("group")["delta_mu"]

    def regime(row: pd.Series) -> str:
        if row["policy"] == "max profit":
            return "-"
        if abs(row["delta_mu"]) < 0.05:
            return "stagnation"
        if row["delta_mu"] < 0:
            return "active harm"
        return "relative improvement" if row["delta_mu"] > base[row["group"]] else "relative harm"

    table["regime"] = table.apply(regime, axis=1)
    return table


def step(group: ScoreGroup, rate: float, *, repaid: float = 75.0, default: float = -150.0) -> ScoreGroup:
    """The group after one round: borrowers move up or down, the rest stay.

    A borrower's new FICO score (clipped to 300-850) usually falls between two scores of the
    table; their mass is split between the two in proportion to closeness, so the new mean is
    exactly ``old mean + delta_mu`` when the table spans scores 0-100, as the FICO tables do.
    Repayment as a function of score is unchanged (Liu et al.'s assumption).

    Returns
    -------
    ScoreGroup with the same scores and a new ``pmf``.

    Examples
    --------
    >>> g = ScoreGroup("toy", score=[0.0, 50.0, 100.0], pmf=[0.2, 0.5, 0.3], repay=[0.1, 0.6, 0.95])
    >>> round(step(g, 0.3).mean - g.mean, 6) == round(delta_mu(g, 0.3), 6)
    True
    """
    check_type(group, "group", ScoreGroup, what="a ScoreGroup")
    check_range(repaid, "repaid", low=-1e12, high=1e12)
    check_range(default, "default", low=-1e12, high=1e12)
    _check_group(group)
    sel = selection(group.pmf, rate)
    pmf = group.pmf * (1 - sel)
    for p_move, move in ((group.repay, repaid), (1 - group.repay, default)):
        mass = group.pmf * sel * p_move
        new = np.clip(group.fico + move, *BOUNDS)
        hi = np.clip(np.searchsorted(group.fico, new), 1, len(group.fico) - 1)
        lo = hi - 1
        frac = np.clip((new - group.fico[lo]) / (group.fico[hi] - group.fico[lo]), 0, 1)
        np.add.at(pmf, lo, mass * (1 - frac))
        np.add.at(pmf, hi, mass * frac)
    return ScoreGroup(group.name, group.score, pmf / pmf.sum(), group.repay, group.size)


def impact_rounds(groups: list[ScoreGroup], policy: str, *, rounds: int = 10, loss: float = 4.0,
                  repaid: float = 75.0, default: float = -150.0) -> pd.DataFrame:
    """The feedback loop: each round the bank re-decides on the current scores, then they move.

    Returns
    -------
    DataFrame (k * (rounds + 1), 4): round, group, mean (FICO), selection_rate (the rate
    applied in that round; NaN in the last row of each group, which is only observed).

    Examples
    --------
    >>> g = ScoreGroup("toy", score=[0.0, 50.0, 100.0], pmf=[0.2, 0.5, 0.3], repay=[0.1, 0.6, 0.95])
    >>> impact_rounds([g], "max profit", rounds=2)["mean"].round(1).tolist()   # lent at 850 only
    [644.2, 641.9, 639.8]
    """
    _check_groups_and_changes(groups, repaid, default)
    check_type(policy, "policy", str, what=f"one of {list(POLICIES)}")
    check_choice(policy, "policy", POLICIES)
    check_range(rounds, "rounds", low=1, high=10_000, integer=True)
    rows = []
    for t in range(rounds + 1):
        rates = policy_rates(groups, policy, loss=loss)
        for g, r in zip(groups, rates):
            rows.append({"round": t, "group": g.name, "mean": g.mean,
                         "selection_rate": float(r) if t < rounds else np.nan})
        if t < rounds:
            groups = [step(g, float(r), repaid=repaid, default=default) for g, r in zip(groups, rates)]
    return pd.DataFrame(rows)
