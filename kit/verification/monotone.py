"""Monotonicity: search for counterexamples, and verify gradient-boosted trees exhaustively.

A stated requirement such as "the risk score must not rise when income rises" is a claim about
every input, which a test-set metric never looks at. Two ways to check it:

- a **counterexample search** (``monotonicity_violations``): for real rows, move one feature
  along a grid and look for a rise where the requirement wants none. Finding one refutes the
  requirement; finding none on a grid proves nothing between its points;
- for a tree ensemble the search can be made **exhaustive**: the model is piecewise constant
  in each feature, changing only at the split thresholds of that feature, so the grid of those
  thresholds (``split_grid``) covers every value for a row. ``tree_order_violations`` goes
  further and checks the structure: in every split on the feature, the leaves on the left are
  all below (or above) those on the right, which makes every tree, and so their sum, monotone
  for every input (scikit-learn's ``monotonic_cst`` enforces exactly this ordering).

Taught in ``09_formal-verification``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, check_callable, check_choice, check_range

__all__ = ["MonotonicityReport", "monotonicity_violations", "split_grid", "tree_order_violations"]


@dataclass(frozen=True)
class MonotonicityReport:
    """Result of a counterexample search: per row, the worst rise against the requirement.

    Attributes
    ----------
    rise : ndarray ``(n,)``
        For each row, the largest ``score(v2) - score(v1)`` over grid values ``v1 < v2`` (for
        ``direction="decreasing"``; mirrored for ``"increasing"``); <= 0 where it complies.
    grid : ndarray ``(g,)``
    tol : float
        Rises up to ``tol`` are not counted.

    Examples
    --------
    >>> r = MonotonicityReport(np.array([0.0, 0.2]), np.array([1.0, 2.0]), 0.0)
    >>> r.n_violating, r.worst
    (1, 0.2)
    """

    rise: np.ndarray
    grid: np.ndarray
    tol: float = 0.0

    @property
    def violating(self) -> np.ndarray:
        """Boolean ``(n,)``: rows with a counterexample."""
        return self.rise > self.tol

    @property
    def n_violating(self) -> int:
        return int(self.violating.sum())

    @property
    def share(self) -> float:
        return float(self.violating.mean()) if len(self.rise) else 0.0

    @property
    def worst(self) -> float:
        return float(max(self.rise.max(initial=0.0), 0.0))

    def __repr__(self) -> str:
        return (f"MonotonicityReport({self.n_violating} of {len(self.rise)} rows violate, "
                f"worst rise {self.worst:.3g}, grid of {len(self.grid)})")


def _column(X: Any, feature: Any) -> int:
    if isinstance(X, pd.DataFrame):
        if feature not in X.columns:
            raise KeyError(f"feature: {feature!r} is not a column of X")
        return int(X.columns.get_loc(feature))
    if isinstance(feature, bool) or not isinstance(feature, (int, np.integer)) or not 0 <= feature < X.shape[1]:
        raise ValueError(f"feature: expected a column index in [0, {X.shape[1]}), got {feature!r}")
    return int(feature)


def monotonicity_violations(score: Callable[[Any], Any], X: Any, *, feature: Any, grid: Any,
                            direction: str = "decreasing", tol: float = 0.0) -> MonotonicityReport:
    """Search for counterexamples to "``score`` is monotone in ``feature``" around each row of ``X``.

    Every row is copied once per grid value with ``feature`` set to that value (the other
    columns kept), all copies are scored in one call, and the worst rise against ``direction``
    is kept per row. A rise refutes the requirement; no rise on a grid proves nothing between
    its points (use ``split_grid`` for trees). Taught in ``09_formal-verification``.

    Parameters
    ----------
    score : callable ``X -> (n,)`` scores, e.g. ``lambda X: model.predict_proba(X)[:, 1]``
    X : DataFrame or array ``(n, d)``; real rows to start from
    feature : column name (DataFrame) or index
    grid : 1-d array of values for the feature (sorted here)
    direction : ``"decreasing"`` (the score must not rise as the feature rises) or ``"increasing"``
    tol : float
        Rises up to ``tol`` are ignored (float noise).

    Examples
    --------
    >>> X = np.array([[0.0], [1.0]])
    >>> rep = monotonicity_violations(lambda Z: np.sin(3 * Z[:, 0]), X, feature=0, grid=np.linspace(0, 2, 9))
    >>> rep.n_violating, round(rep.worst, 2)
    (2, 1.0)
    """
    check_callable(score, "score")
    check_choice(direction, "direction", ("decreasing", "increasing"))
    if not isinstance(X, pd.DataFrame):
        X = as_array(X, "X", ndim=2, allow_nan=True)
        if np.isinf(X).any():
            raise ValueError("X: expected finite values or NaN (missing), found infinite values")
    if len(X) == 0:
        raise ValueError("X: expected at least one row")
    col = _column(X, feature)
    g = np.sort(as_array(grid, "grid", ndim=1))
    if len(g) < 2:
        raise ValueError(f"grid: expected at least 2 values, got {len(g)}")
    tol = float(check_range(tol, "tol", low=0, high=1e300))
    n, k = len(X), len(g)
    if isinstance(X, pd.DataFrame):
        big = X.iloc[np.repeat(np.arange(n), k)].copy()
        big[big.columns[col]] = np.tile(g, n)
    else:
        big = np.repeat(X, k, axis=0)
        big[:, col] = np.tile(g, n)
    try:
        s = np.asarray(score(big), dtype=float).reshape(n, k)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"score: expected one number per what-if copy of X ({n} x {k}); failed with: {exc}") from None
    if direction == "increasing":
        s = -s
    rise = (s - np.minimum.accumulate(s, axis=1)).max(axis=1)   # worst later-minus-earlier
    return MonotonicityReport(rise, g, tol)


def _trees(model: Any) -> list:
    predictors = getattr(model, "_predictors", None)
    if predictors is None:
        raise TypeError("model: expected a fitted HistGradientBoostingClassifier or Regressor")
    return [tree for step in predictors for tree in step]


def _feature_index(model: Any, feature: Any) -> int:
    _trees(model)
    names = getattr(model, "feature_names_in_", None)
    if names is not None and not isinstance(feature, (int, np.integer)):
        if feature not in list(names):
            raise KeyError(f"feature: {feature!r} is not a feature of the model")
        return list(names).index(feature)
    n = model.n_features_in_
    if isinstance(feature, bool) or not isinstance(feature, (int, np.integer)) or not 0 <= feature < n:
        raise ValueError(f"feature: expected a feature name or an index in [0, {n}), got {feature!r}")
    return int(feature)


def _tree_index(model: Any, feature: Any) -> int:
    """Index of ``feature`` inside the trees: with categorical columns, scikit-learn puts them first."""
    j = _feature_index(model, feature)
    if getattr(model, "_preprocessor", None) is None:
        return j
    cat = np.asarray(model.is_categorical_, dtype=bool)
    if cat[j]:
        raise ValueError(f"feature: {feature!r} is categorical; monotonicity needs an ordered feature")
    order = np.r_[np.flatnonzero(cat), np.flatnonzero(~cat)]
    return int(np.flatnonzero(order == j)[0])


def split_grid(model: Any, feature: Any) -> np.ndarray:
    """The values that cover every value of ``feature`` for a fitted histogram gradient boosting model.

    A row goes left at a split when its value is ``<= threshold``, so the model is constant on
    each interval between consecutive thresholds of the feature: the thresholds themselves plus
    one value above the largest represent every interval. Missing values (routed separately)
    and the other features are not covered.

    Examples
    --------
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> X = np.arange(40.0).reshape(-1, 1); y = (X[:, 0] > 19).astype(int)
    >>> split_grid(HistGradientBoostingClassifier(max_iter=3).fit(X, y), 0)
    array([19.5, 20.5])
    """
    j = _tree_index(model, feature)
    t = [node["num_threshold"] for tree in _trees(model) for node in tree.nodes
         if not node["is_leaf"] and node["feature_idx"] == j and not node["is_categorical"]]
    t = np.unique(np.asarray(t, dtype=float))
    return t if len(t) == 0 else np.append(t, t[-1] + 1.0)


def _leaf_range(nodes: np.ndarray, i: int) -> tuple[float, float]:
    if nodes[i]["is_leaf"]:
        return float(nodes[i]["value"]), float(nodes[i]["value"])
    a, b = _leaf_range(nodes, nodes[i]["left"]), _leaf_range(nodes, nodes[i]["right"])
    return min(a[0], b[0]), max(a[1], b[1])


def tree_order_violations(model: Any, feature: Any, *, direction: str = "decreasing", tol: float = 1e-12) -> int:
    """Count the splits on ``feature`` whose leaves are out of the required order.

    For ``direction="decreasing"`` every leaf left of a split on the feature (smaller values)
    must be >= every leaf on its right. Zero violations proves that the raw score (the log-odds
    of ``classes_[1]`` for a classifier) is monotone in the feature for EVERY input, not only
    for the rows one tried; a positive count does not by itself prove a violation at a
    reachable input. scikit-learn's ``monotonic_cst`` enforces this order while the trees grow
    (the same idea as XGBoost's monotone constraints, Chen & Guestrin 2016).

    Examples
    --------
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> X = np.arange(40.0).reshape(-1, 1); y = (X[:, 0] < 20).astype(int)
    >>> m = HistGradientBoostingClassifier(max_iter=5, monotonic_cst=[-1]).fit(X, y)
    >>> tree_order_violations(m, 0, direction="decreasing"), tree_order_violations(m, 0, direction="increasing")
    (0, 5)
    """
    check_choice(direction, "direction", ("decreasing", "increasing"))
    check_range(tol, "tol", low=0, high=1e300)
    j = _tree_index(model, feature)
    bad = 0
    for tree in _trees(model):
        nodes = tree.nodes
        for i in np.flatnonzero((~nodes["is_leaf"].astype(bool)) & (nodes["feature_idx"] == j)):
            left, right = _leaf_range(nodes, nodes[i]["left"]), _leaf_range(nodes, nodes[i]["right"])
            ok = left[0] >= right[1] - tol if direction == "decreasing" else left[1] <= right[0] + tol
            bad += not ok
    return bad
