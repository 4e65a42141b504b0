"""Plots the lessons share (plumbing a learner may skip): timelines, allocations, curves.

Every function draws on a matplotlib Axes (made when ``ax``/``axes`` is None) and returns it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit._validate import check_flag, check_range, check_type

if TYPE_CHECKING:
    from kit.fairness.thresholds import ScoreGroup
    from kit.sim.policing import PolicingResult
    from kit.sim.replay import ReplayResult


def _ax(ax: Any, name: str = "ax") -> Any:
    """``ax`` if it is a matplotlib Axes, else a TypeError naming it."""
    from matplotlib.axes import Axes

    return check_type(ax, name, Axes, what="a matplotlib Axes")


def _axes(axes: Any, most: int | None = None) -> np.ndarray:
    """``axes`` (one Axes or several) as a 1-D array of matplotlib Axes, checked."""
    from matplotlib.axes import Axes

    arr = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
    bad = [type(a).__name__ for a in arr if not isinstance(a, Axes)]
    if bad or not len(arr):
        raise TypeError(f"axes: expected matplotlib Axes, got {bad[0] if bad else 'none'}")
    if most is not None and len(arr) > most:
        raise ValueError(f"axes: expected at most {most} Axes (one per panel), got {len(arr)}")
    return arr


def _str_list(value: Any, name: str, what: str) -> list:
    """A non-empty list or tuple of str, else an error naming it."""
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{name}: expected {what}, got {type(value).__name__}")
    return list(value)


def plot_allocation(results: list[PolicingResult], *, names: list[str] | None = None,
                    title: str = "", final: bool = False, axes: Any = None) -> Any:
    """One panel per region: every run's share of patrols over time, the truth dashed.

    Taught in ``14_monitoring-feedback-loops`` (``kit.sim.policing.policing_loop``).

    Parameters
    ----------
    results : list of PolicingResult (runs that differ in their seed)
    names : list of k str, optional
        Region names for the panel titles.
    title : str
    final : bool
        Only the last day, on one panel: a dot per run and region, the truth a black bar
        (a tenth of the drawing time: what a precomputed widget needs).
    axes : k matplotlib Axes (one when ``final``), optional

    Returns
    -------
    ndarray of k matplotlib Axes (of one when ``final``).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from kit.sim.policing import policing_loop
    >>> runs = [policing_loop([2.0, 1.0], days=50, seed=s) for s in range(3)]
    >>> axes = plot_allocation(runs)
    >>> len(axes), len(axes[0].lines)         # 3 runs and the dashed truth
    (2, 4)
    >>> plot_allocation(runs, final=True)[0].get_xlabel()
    'final share of patrols: a dot per run, the truth a bar'
    """
    import matplotlib.pyplot as plt

    from kit.sim.policing import PolicingResult

    if not isinstance(results, (list, tuple)) or not all(isinstance(r, PolicingResult) for r in results):
        raise TypeError(f"results: expected a list of PolicingResult, got {type(results).__name__}")
    if not results:
        raise ValueError("results: expected at least one PolicingResult")
    k = len(results[0].truth)
    if names is not None:
        names = _str_list(names, "names", "a list of region names (str)")
        if len(names) != k:
            raise ValueError(f"names: expected {k} region names, got {len(names)}")
    check_type(title, "title", str)
    final = check_flag(final, "final")
    labels = names or [f"region {j}" for j in range(k)]
    if final:
        ax = plt.subplots(figsize=(6, 0.4 * k + 0.9))[1] if axes is None else _axes(axes)[0]
        finals = np.array([r.final for r in results])
        rows = np.repeat(np.arange(k)[None], len(results), axis=0)
        ax.plot(finals.ravel(), rows.ravel(), "o", color="C0", alpha=0.5, ms=5)
        ax.plot(results[0].truth, np.arange(k), "|", color="k", ms=16, mew=2)
        ax.set_yticks(np.arange(k), labels)
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_xlabel("final share of patrols: a dot per run, the truth a bar")
        ax.set_title(title, fontsize=10)
        return np.array([ax])
    if axes is None:
        _, axes = plt.subplots(1, k, figsize=(2.6 * k, 2.4), sharey=True)
    axes = _axes(axes, most=k)
    for j, ax in enumerate(axes):
        for r in results:
            ax.plot(r.allocation[:, j], color="C0", alpha=0.35, lw=0.8)
        ax.axhline(results[0].truth[j], color="k", ls="--", lw=1)
        ax.set_title(labels[j], fontsize=9)
        ax.set_xlabel("day")
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("share of patrols")
    if title:
        axes[0].figure.suptitle(title, fontsize=10)
    axes[0].figure.tight_layout()
    return axes


def plot_rounds(frames: dict[str, pd.DataFrame], columns: list[str], *, axes: Any = None) -> Any:
    """One panel per column: each arm's mean over runs, round by round.

    Taught in ``14_monitoring-feedback-loops`` (``kit.sim.lending.lending_loop``).

    Parameters
    ----------
    frames : dict arm name -> DataFrame
        The ``frame`` rows of an arm's runs, concatenated (a ``round`` column and ``columns``).
    columns : list of str
        The columns to plot.
    axes : matplotlib Axes, one per column, optional

    Returns
    -------
    ndarray of matplotlib Axes.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> f = pd.DataFrame({"round": [1, 2, 1, 2], "gap": [0.2, 0.1, 0.4, 0.1]})
    >>> axes = plot_rounds({"two runs": f}, ["gap"])
    >>> axes[0].lines[0].get_ydata().round(2).tolist()      # the mean of the runs per round
    [0.3, 0.1]
    """
    import matplotlib.pyplot as plt

    if not isinstance(frames, dict) or not frames:
        raise ValueError("frames: expected a non-empty dict arm name -> DataFrame")
    for f in frames.values():
        check_type(f, "frames", pd.DataFrame, what="DataFrame values")
    columns = _str_list(columns, "columns", "a non-empty list of column names (str)")
    for name, f in frames.items():
        missing = [c for c in ["round", *columns] if c not in f]
        if missing:
            raise ValueError(f"columns: {missing} not in the frame of {name!r}")
    if axes is None:
        _, axes = plt.subplots(1, len(columns), figsize=(4.2 * len(columns), 3))
    axes = _axes(axes)
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

    if not isinstance(results, dict) or not results:
        raise TypeError(f"results: expected a non-empty dict label -> ReplayResult, got {type(results).__name__}")
    for res in results.values():
        if not isinstance(getattr(res, "frame", None), pd.DataFrame):
            raise TypeError(f"results: expected ReplayResult values (kit.sim.replay), got {type(res).__name__}")
    check_type(column, "column", str, what="a column name (str)")
    check_range(smooth, "smooth", low=1, high=10**9, integer=True)
    absolute = check_flag(absolute, "absolute")
    if ax is None:
        ax = plt.subplots(figsize=(9, 3.5))[1]
    _ax(ax)
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
                        default: float = -150.0, axes: Any = None) -> Any:
    """One panel per group: the outcome curve, with each policy's selection rate marked.

    Taught in ``14_monitoring-feedback-loops`` (``kit.sim.impact``; Liu et al. 2018).

    Parameters
    ----------
    groups : list of ScoreGroup
    table : DataFrame
        ``kit.sim.impact.impact_table(groups, ...)``: the points to mark.
    repaid, default : float
        Score changes of a repaid loan and of a default (as in the table).
    axes : matplotlib Axes, one per group, optional

    Returns
    -------
    ndarray of matplotlib Axes.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from kit.fairness.thresholds import ScoreGroup
    >>> from kit.sim.impact import impact_table
    >>> g = ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
    >>> axes = plot_outcome_curves([g], impact_table([g]))
    >>> len(axes[0].lines)                          # curve, zero line, three policies
    5
    """
    import matplotlib.pyplot as plt

    from kit.fairness.thresholds import ScoreGroup
    from kit.sim import impact

    if not isinstance(groups, (list, tuple)) or not groups or \
            not all(isinstance(g, ScoreGroup) for g in groups):
        raise TypeError(f"groups: expected a non-empty list of ScoreGroup, got {type(groups).__name__}")
    missing = {"group", "policy", "selection_rate", "delta_mu"} - set(getattr(table, "columns", []))
    if missing:
        raise ValueError(f"table: expected impact_table's columns, missing {sorted(missing)}")
    if axes is None:
        _, axes = plt.subplots(1, len(groups), figsize=(4.6 * len(groups), 3.2), sharey=True)
    axes = _axes(axes)
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


def plot_fidelity(curves: dict[str, tuple[list[int], list[float]]], *, ax: Any = None,
                  title: str = "") -> Any:
    """Fidelity (agreement) versus number of queries, one line per attack/defence.

    Taught in ``23_security-model-stealing`` (``kit.security.stealing.agreement``).

    Parameters
    ----------
    curves : dict label -> (n_queries, agreement)
        Two sequences of the same length: query budgets and the copy's agreement at each.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    The matplotlib axes (log-scaled query axis).

    Examples
    --------
    >>> ax = plot_fidelity({"confidences": ([65, 130], [0.9, 1.0]), "labels": ([65, 130], [0.8, 0.9])})
    >>> len(ax.lines), ax.get_xscale()
    (2, 'log')
    """
    import matplotlib.pyplot as plt

    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves: expected a non-empty dict label -> (n_queries, agreement)")
    for label, (n, agree) in curves.items():
        if len(n) != len(agree):
            raise ValueError(f"curves: {label!r} has {len(n)} budgets but {len(agree)} agreements")
    check_type(title, "title", str)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    _ax(ax)
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


def plot_slice_grids(grids: dict[str, pd.DataFrame], *, threshold: float | None = None,
                     axes: Any = None) -> Any:
    """Heat maps of accuracy per class (rows) and slice (columns), one panel per data set.

    Taught in ``10_simulation-gap`` (grids from ``kit.acceptance.slice_grid``); cells below
    ``threshold`` are marked with a dot.

    Parameters
    ----------
    grids : dict title -> DataFrame of accuracies in [0, 1] (NaN for empty cells)
    threshold : float, optional
        The requirement; cells below it get a dot.
    axes : matplotlib Axes (one per grid), optional

    Returns
    -------
    The array of axes.

    Examples
    --------
    >>> g = pd.DataFrame({"thin": [1.0, 0.5], "thick": [0.9, np.nan]})
    >>> axes = plot_slice_grids({"sim": g, "real": g / 2}, threshold=0.8)
    >>> len(axes), axes[0].get_title()
    (2, 'sim')
    """
    import matplotlib.pyplot as plt

    if not isinstance(grids, dict) or not grids or not all(isinstance(g, pd.DataFrame) for g in grids.values()):
        raise TypeError("grids: expected a non-empty dict title -> DataFrame of accuracies")
    if threshold is not None:
        check_range(threshold, "threshold", low=0.0, high=1.0)
    if axes is None:
        first = next(iter(grids.values()))
        _, axes = plt.subplots(1, len(grids), figsize=(0.55 * first.shape[1] * len(grids) + 1.5,
                                                       0.3 * first.shape[0] + 1.6), squeeze=False)
    axes = _axes(axes)
    if len(axes) != len(grids):
        raise ValueError(f"axes: expected {len(grids)} Axes (one per grid), got {len(axes)}")
    image = None
    for ax, (title, grid) in zip(axes, grids.items(), strict=True):
        values = grid.to_numpy(float)
        image = ax.imshow(values, vmin=0, vmax=1, cmap="RdYlGn", aspect="auto")
        ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns], rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(grid.shape[0]), [str(r) for r in grid.index], fontsize=8)
        if threshold is not None:
            rows, cols = np.nonzero(values < threshold)
            ax.plot(cols, rows, "k.", markersize=3)
        ax.set_title(title)
    plt.colorbar(image, ax=list(axes), fraction=0.03, label="accuracy")
    return axes
