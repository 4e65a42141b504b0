"""Delayed impact: how a lending threshold moves a group's credit scores.

Liu et al.'s one-step model. A bank lends to the applicants of a group whose score is above
the group's threshold; a repaid loan raises the borrower's score, a default lowers it, and
nobody else moves. The expected change in the group's mean score, ``delta_mu``, is a function
of the group's selection rate (the *outcome curve*): lending to the most creditworthy raises
the mean, lending deep into the risky end makes it fall. Fairness criteria that move a
group's threshold away from the bank's profit-maximising one move it along that curve, which
can help the group, leave it where it was, or harm it.

* ``score_groups`` turns ``kit.data.load("fico")`` (the FICO TransRisk tables of Hardt et al.
  2016) into per-group score distributions, with scores mapped onto the 300-850 FICO scale
  by the piecewise-linear conversion in Liu et al.'s published code.
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
>>> g.fico.round(1).tolist()
[511.4, 754.7]
>>> float(delta_mu(g, 0.5, repaid=75, default=-150))   # lend to the top half: 0.5 * 52.5
26.25
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit._validate import as_array, check_choice, check_range, same_length

__all__ = ["to_fico_scale", "ScoreGroup", "score_groups", "selection", "expected_change",
           "delta_mu", "outcome_curve", "policy_rates", "impact_table", "step", "impact_rounds",
           "plot_outcome_curves"]

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


def expected_change(group: ScoreGroup, *, repaid: float = 75.0, default: float = -150.0) -> np.ndarray:
    """Expected score change (FICO points) of a borrower at each score, kept within 300-850.

    Returns
    -------
    ndarray (n,): ``repay * up + (1 - repay) * down``, where ``up`` and ``down`` are the moves
    ``repaid`` and ``default`` cut short at 850 and 300. (Liu et al.'s code clips the expected
    move instead; the two differ only within 75 points of 850 or 150 points of 300. Clipping
    each outcome keeps this equal to what ``step`` does to the distribution.)
    """
    up = np.clip(group.fico + repaid, *BOUNDS) - group.fico
    down = np.clip(group.fico + default, *BOUNDS) - group.fico
    return group.repay * up + (1 - group.repay) * down


def delta_mu(group: ScoreGroup, rate: float, *, repaid: float = 75.0, default: float = -150.0) -> float:
    """Expected change of the group's mean score (FICO points) when the top ``rate`` get loans."""
    sel = selection(group.pmf, rate)
    return float(np.sum(sel * group.pmf * expected_change(group, repaid=repaid, default=default)))


def _utility(group: ScoreGroup, loss: float) -> np.ndarray:
    """Bank's expected profit per applicant at each score: +1 if repaid, -loss if not."""
    return group.repay - (1 - group.repay) * loss


def _breaks(group: ScoreGroup, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Selection rates at the score boundaries (0 ... 1) and the cumulative sum of ``weight``
    (per-score value times pmf) of everyone lent to, from the top score down."""
    rates = np.r_[0.0, np.cumsum(group.pmf[::-1])]
    value = np.r_[0.0, np.cumsum((weight * group.pmf)[::-1])]
    return np.minimum(rates, 1.0), value


def outcome_curve(group: ScoreGroup, *, repaid: float = 75.0, default: float = -150.0) -> pd.DataFrame:
    """The outcome curve: ``delta_mu`` against the selection rate, lending from the top down.

    Returns
    -------
    DataFrame (n + 1, 3): selection_rate (0 ... 1), threshold (the lowest score lent to;
    NaN at rate 0) and delta_mu (FICO points). The curve is linear between rows.
    """
    rates, value = _breaks(group, expected_change(group, repaid=repaid, default=default))
    threshold = np.r_[np.nan, group.score[::-1]]
    return pd.DataFrame({"selection_rate": rates, "threshold": threshold, "delta_mu": value})


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
    """
    check_choice(policy, "policy", POLICIES)
    check_range(loss, "loss", low=0)
    if not groups:
        raise ValueError("groups: expected at least one ScoreGroup")
    w = np.array([g.size for g in groups], float)
    w /= w.sum()
    curves = [_breaks(g, _utility(g, loss)) for g in groups]
    if policy == "max profit":
        return np.array([r[np.argmax(u)] for r, u in curves])
    if policy == "demographic parity":
        grid = np.unique(np.concatenate([r for r, _ in curves]))
        total = sum(wj * np.interp(grid, r, u) for wj, (r, u) in zip(w, curves))
        return np.full(len(groups), grid[np.argmax(total)])
    # equal opportunity: rate_j(t) for a common true positive rate t
    tprs = []
    for g, (r, _) in zip(groups, curves):
        _, repaid = _breaks(g, g.repay)
        tpr, keep = np.unique(repaid / repaid[-1], return_index=True)
        tprs.append((tpr, r[keep]))
    grid = np.unique(np.concatenate([t for t, _ in tprs]))
    rates = np.array([np.interp(grid, t, r) for t, r in tprs])          # (k, n_grid)
    total = sum(wj * np.interp(rj, r, u) for wj, rj, (r, u) in zip(w, rates, curves))
    return rates[:, np.argmax(total)]


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
    rows = []
    for policy in POLICIES:
        for g, rate in zip(groups, policy_rates(groups, policy, loss=loss)):
            sel = selection(g.pmf, float(rate))
            lent = np.flatnonzero(sel > 0)
            rows.append({"policy": policy, "group": g.name, "selection_rate": float(rate),
                         "threshold": float(g.score[lent[0]]) if len(lent) else np.nan,
                         "delta_mu": delta_mu(g, float(rate), repaid=repaid, default=default),
                         "profit": float(np.sum(sel * g.pmf * _utility(g, loss)))})
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
    """
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
    """
    check_range(rounds, "rounds", low=1, integer=True)
    rows = []
    for t in range(rounds + 1):
        rates = policy_rates(groups, policy, loss=loss)
        for g, r in zip(groups, rates):
            rows.append({"round": t, "group": g.name, "mean": g.mean,
                         "selection_rate": float(r) if t < rounds else np.nan})
        if t < rounds:
            groups = [step(g, float(r), repaid=repaid, default=default) for g, r in zip(groups, rates)]
    return pd.DataFrame(rows)


# --- plots (plumbing a learner may skip) ----------------------------------------------------

def plot_outcome_curves(groups: list[ScoreGroup], table: pd.DataFrame, *, repaid: float = 75.0,
                        default: float = -150.0, axes: object = None) -> object:
    """One panel per group: the outcome curve, with each policy's selection rate marked."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, len(groups), figsize=(4.6 * len(groups), 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, g in zip(axes, groups):
        c = outcome_curve(g, repaid=repaid, default=default)
        ax.plot(c["selection_rate"], c["delta_mu"], color="k", lw=1.2)
        ax.axhline(0, color="grey", lw=0.8)
        for j, (_, row) in enumerate(table[table["group"] == g.name].iterrows()):
            ax.plot(row["selection_rate"], row["delta_mu"], "o", color=f"C{j}", label=row["policy"])
        ax.set_title(f"{g.name}", fontsize=10)
        ax.set_xlabel("selection rate")
    axes[0].set_ylabel("expected change in mean score (FICO points)")
    axes[0].legend(fontsize=8)
    axes[0].figure.tight_layout()
    return axes
