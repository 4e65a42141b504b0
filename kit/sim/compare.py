"""Compare retraining policies replayed on the same stream: quality and cost side by side.

``policy_table`` puts one row per policy: the mean of a per-batch quality column of
``ReplayResult.frame`` and what the policy cost (retrains, rows fitted, labels read).
``error_by`` pools the per-batch error into longer periods (years, decades), weighting each
batch by its rows. Plumbing a learner may skip; used by
``notebooks/15_updating-concept-drift.ipynb``.

Examples
--------
>>> from sklearn.linear_model import LogisticRegression
>>> from kit.sim.policies import Never, Periodic
>>> from kit.sim.replay import replay
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(600, 1)); t = np.repeat(np.arange(6), 100)
>>> y = np.where(t < 3, X[:, 0] > 0, X[:, 0] < 0).astype(int)   # the concept flips at batch 3
>>> runs = {k: replay(LogisticRegression, X, y, t, policy=p, window=100)
...         for k, p in {"never": Never(), "every batch": Periodic(1)}.items()}
>>> policy_table(runs).round(2)  # doctest: +NORMALIZE_WHITESPACE
             mean error  retrains  rows_fitted  labels_used
policy
never               0.6         0            0          100
every batch         0.2         4          400          500
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit._validate import check_flag, check_type

if TYPE_CHECKING:
    from kit.sim.replay import ReplayResult

__all__ = ["policy_table", "error_by"]


def _frame(result: ReplayResult, name: str = "runs") -> pd.DataFrame:
    if not isinstance(getattr(result, "frame", None), pd.DataFrame):
        what = "ReplayResult values" if name == "runs" else "a ReplayResult"
        raise TypeError(f"{name}: expected {what} (kit.sim.replay), got {type(result).__name__}")
    return result.frame


def policy_table(runs: Mapping[str, ReplayResult], *, column: str = "error",
                 absolute: bool = False) -> pd.DataFrame:
    """One row per policy: the mean over batches of ``column``, and the policy's cost.

    Parameters
    ----------
    runs : dict name -> ReplayResult
        Policies replayed on the same stream.
    column : str
        A per-batch column of ``ReplayResult.frame`` (``"error"``, ``"calib_gap"``, a metric).
    absolute : bool
        Average ``|column|`` (for signed gaps).

    Returns
    -------
    DataFrame indexed by policy: ``mean column`` (or ``mean |column|``), ``retrains``,
    ``rows_fitted``, ``labels_used``.

    Examples
    --------
    See the module docstring.
    >>> policy_table({})
    Traceback (most recent call last):
    ...
    ValueError: runs: expected at least one ReplayResult
    """
    if not isinstance(runs, Mapping):
        raise TypeError(f"runs: expected a dict name -> ReplayResult, got {type(runs).__name__}")
    if not runs:
        raise ValueError("runs: expected at least one ReplayResult")
    check_type(column, "column", str, what="a column name (str)")
    absolute = check_flag(absolute, "absolute")
    label = f"mean |{column}|" if absolute else f"mean {column}"
    rows = []
    for name, r in runs.items():
        f = _frame(r)
        if column not in f:
            raise ValueError(f"column: expected one of {list(f.columns)}, got {column!r}")
        v = f[column].abs() if absolute else f[column]
        rows.append({"policy": name, label: v.mean(), "retrains": r.retrains,
                     "rows_fitted": r.rows_fitted, "labels_used": r.labels_used})
    return pd.DataFrame(rows).set_index("policy")


def error_by(result: ReplayResult, period: Callable[[np.ndarray], np.ndarray]) -> pd.Series:
    """Row-weighted mean error per period; ``period`` maps batch labels to periods.

    Parameters
    ----------
    result : ReplayResult
    period : callable, array of batch labels (k,) -> array of periods (k,)
        E.g. ``np.floor`` for monthly batches labelled ``year + (month - 1) / 12``.

    Returns
    -------
    Series indexed by period.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> frame = pd.DataFrame({"batch": [0, 1, 2, 3], "n": [1, 3, 2, 2], "error": [1.0, 0.0, 0.5, 0.0]})
    >>> error_by(SimpleNamespace(frame=frame), lambda b: b // 2).tolist()
    [0.25, 0.25]
    """
    f = _frame(result, "result")
    if not callable(period):
        raise TypeError("period: expected a callable mapping batch labels to periods")
    key = np.asarray(period(f["batch"].to_numpy()))
    return (f["error"] * f["n"]).groupby(key).sum() / f["n"].groupby(key).sum()
