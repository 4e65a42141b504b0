"""Plots the lessons share (plumbing a learner may skip): timelines, allocations, curves.

Every function draws on a matplotlib Axes (made when ``ax``/``axes`` is None) and returns it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit._validate import check_range

if TYPE_CHECKING:
    from kit.fairness.thresholds import ScoreGroup
    from kit.sim.policing import PolicingResult
    from kit.sim.replay import ReplayResult


def plot_allocation(results: list[PolicingResult], *, names: list[str] | None = None,
                    title: str = "", axes: object = None) -> object:
    """One panel per region: every run's share of patrols over time, the truth dashed.

    Parameters
    ----------
    results : list of PolicingResult (runs that differ in their seed)
    names : region names for the panel titles

    Returns the matplotlib axes (array of k).
    """
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("results: expected at least one PolicingResult")
    k = len(results[0].truth)
    if axes is None:
        _, axes = plt.subplots(1, k, figsize=(2.6 * k, 2.4), sharey=True)
    axes = np.atleast_1d(axes)
    for j, ax in enumerate(axes):
        for r in results:
            ax.plot(r.allocation[:, j], color="C0", alpha=0.35, lw=0.8)
        ax.axhline(results[0].truth[j], color="k", ls="--", lw=1)
        ax.set_title(names[j] if names else f"region {j}", fontsize=9)
        ax.set_xlabel("day")
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("share of patrols")
    if title:
        axes[0].figure.suptitle(title, fontsize=10)
    axes[0].figure.tight_layout()
    return axes


def plot_rounds(frames: dict[str, pd.DataFrame], columns: list[str], *, axes: object = None) -> object:
    """Mean trajectory over rounds of each arm (``frames``: name -> concatenated ``frame`` rows)."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, len(columns), figsize=(4.2 * len(columns), 3))
    axes = np.atleast_1d(axes)
    for ax, col in zip(axes, columns):
        for name, f in frames.items():
            m = f.groupby("round")[col].mean()
            ax.plot(m.index, m.values, marker="o", ms=3, label=name)
        ax.set_xlabel("round")
        ax.set_title(col, fontsize=9)
    axes[0].legend(fontsize=8)
    axes[0].figure.tight_layout()
    return axes


def plot_timeline(results: dict[str, ReplayResult], *, column: str = "error", smooth: int = 1,
                  ax: Any = None, absolute: bool = False) -> Any:
    """Plot each policy's per-batch ``column`` over time, retrains marked with ticks.

    Parameters
    ----------
    results : dict label -> ReplayResult
    column : str
        A column of ``result.frame`` (``"error"``, ``"calib_gap"``, an extra metric).
    smooth : int
        Rolling mean over this many batches (1: none).
    absolute : bool
        Plot the absolute value (for signed gaps).

    Returns the matplotlib Axes.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from sklearn.linear_model import LogisticRegression
    >>> from kit.sim.policies import Never
    >>> from kit.sim.replay import replay
    >>> X = np.random.default_rng(0).normal(size=(300, 1)); y = (X[:, 0] > 0).astype(int)
    >>> ax = plot_timeline({"never": replay(LogisticRegression, X, y, np.repeat([0, 1, 2], 100),
    ...                                     policy=Never())})
    >>> ax.get_ylabel()
    'error'
    """
    import matplotlib.pyplot as plt

    check_range(smooth, "smooth", low=1, integer=True)
    if ax is None:
        ax = plt.subplots(figsize=(9, 3.5))[1]
    for label, res in results.items():
        f = res.frame
        if column not in f:
            raise ValueError(f"column: expected one of {list(f.columns)}, got {column!r}")
        v = f[column].abs() if absolute else f[column]
        line, = ax.plot(f["batch"], v.rolling(smooth, min_periods=1).mean(),
                        label=f"{label} ({res.retrains} retrains)")
        marks = f.loc[f["alarm"], "batch"]
        ax.plot(marks, np.full(len(marks), np.nanmin(v)), "|", color=line.get_color(), ms=10)
    ax.set_xlabel("batch")
    ax.set_ylabel(f"|{column}|" if absolute else column)
    ax.legend(fontsize=8)
    return ax


def plot_outcome_curves(groups: list[ScoreGroup], table: pd.DataFrame, *, repaid: float = 75.0,
                        default: float = -150.0, axes: object = None) -> object:
    """One panel per group: the outcome curve, with each policy's selection rate marked."""
    import matplotlib.pyplot as plt

    from kit.sim import impact

    if axes is None:
        _, axes = plt.subplots(1, len(groups), figsize=(4.6 * len(groups), 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, g in zip(axes, groups):
        c = impact.outcome_curve(g, repaid=repaid, default=default)
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


def plot_fidelity(curves: dict[str, tuple[list[int], list[float]]], *, ax=None, title: str = ""):
    """Fidelity (agreement) versus number of queries, one line per attack/defence.

    ``curves`` maps a label to ``(n_queries, agreement)``; returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves: expected a non-empty dict label -> (n_queries, agreement)")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    for label, (n, agree) in curves.items():
        ax.plot(n, agree, marker="o", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("queries to the API")
    ax.set_ylabel("agreement with the deployed model")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title)
    return ax
