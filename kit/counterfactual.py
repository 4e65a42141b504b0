"""Counterfactual explanations: the smallest actionable change that would have flipped a decision.

Wachter, Mittelstadt & Russell (2017), "Counterfactual Explanations without Opening the Black
Box: Automated Decisions and the GDPR", Harvard Journal of Law & Technology 31(2), proposed
answering "why was I refused?" with "you would have been accepted had your income been X": the
nearest point, in a distance that weights each feature by its median absolute deviation (MAD),
where the model decides the other way. Ustun, Spangher & Liu (2019), "Actionable Recourse in
Linear Classification", FAT*, added that the change must be one the person can make: age, a
past default or marital status cannot be changed, and a loan amount can only go down. The kit
searches a grid of values taken from the data (quantiles of each column) for changes to at
most ``max_changes`` features, so it needs only the model's scores (any model, trees
included), and it re-scores the answer before returning it. Taught in
``notebooks/19_law-unlearning.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, product

import numpy as np
from numpy.typing import ArrayLike

from kit._validate import as_array, check_callable, check_range

__all__ = ["Counterfactual", "counterfactual", "mad_scale"]


def mad_scale(X_ref: ArrayLike) -> np.ndarray:
    """Per-feature scale for the counterfactual distance: the median absolute deviation.

    Wachter et al. (2017) divide each feature's change by its MAD, so a change counts in units
    of typical spread and is robust to outliers. A feature whose MAD is 0 (mostly one value, as
    a 0/1 flag) falls back to its standard deviation, then to 1.

    Parameters
    ----------
    X_ref : array ``(n, d)``

    Returns
    -------
    array ``(d,)`` of positive scales

    >>> mad_scale([[1.0, 0.0], [2.0, 0.0], [4.0, 1.0]]).round(3).tolist()
    [1.0, 0.471]
    """
    X = as_array(X_ref, "X_ref", ndim=2, min_rows=2)
    mad = np.median(np.abs(X - np.median(X, axis=0)), axis=0)
    sd = X.std(axis=0)
    return np.where(mad > 0, mad, np.where(sd > 0, sd, 1.0))


@dataclass(frozen=True)
class Counterfactual:
    """The answer to "what would have to change?" for one decision.

    ``x_cf`` is ``None`` when no change within the search flips the decision (then ``valid``
    is False and ``cost`` is None). ``changes`` maps a feature's name to ``(before,
    after)``; ``cost`` is the MAD-weighted L1 distance; ``valid`` says the re-scored
    counterfactual is on the other side of the threshold.

    >>> Counterfactual(np.r_[1.0], np.r_[3.0], {"income": (1.0, 3.0)}, 2.0, 0.7, 0.4, True)
    Counterfactual(income 1 -> 3; cost 2.00; score 0.70 -> 0.40, valid)
    """

    x: np.ndarray
    x_cf: np.ndarray | None
    changes: dict[str, tuple[float, float]] = field(default_factory=dict)
    cost: float | None = None
    score_before: float = float("nan")
    score_after: float = float("nan")
    valid: bool = False

    @property
    def found(self) -> bool:
        """True when the search found a change that flips the decision."""
        return self.x_cf is not None

    def __repr__(self) -> str:
        if not self.found:
            return f"Counterfactual(none found; score {self.score_before:.2f})"
        what = ", ".join(f"{k} {a:.4g} -> {b:.4g}" for k, (a, b) in self.changes.items())
        return (f"Counterfactual({what}; cost {self.cost:.2f}; score {self.score_before:.2f} -> "
                f"{self.score_after:.2f}, {'valid' if self.valid else 'NOT valid'})")


def _grid(column: np.ndarray, n_grid: int) -> np.ndarray:
    return np.unique(np.quantile(column, np.linspace(0, 1, n_grid)))


def counterfactual(score: Callable[[np.ndarray], np.ndarray], x: ArrayLike, X_ref: ArrayLike, *,
                   mutable: Mapping[int, int], threshold: float = 0.5, names: Sequence[str] | None = None,
                   n_grid: int = 10, max_changes: int = 2) -> Counterfactual:
    """Nearest change to the ``mutable`` features, in their allowed directions, that flips a decision.

    The decision is adverse when ``score(x) >= threshold`` (e.g. the predicted probability of
    default, with a refusal above it). Candidate values of feature ``j`` are ``n_grid``
    quantiles of ``X_ref[:, j]`` on the allowed side of ``x[j]``; every change of one feature,
    and of up to ``max_changes`` features together, is scored in one batch, and the cheapest
    one whose score falls below ``threshold`` (MAD-weighted L1, Wachter et al. 2017) is
    re-scored and returned.

    Parameters
    ----------
    score : callable ``(m, d) -> (m,)``
        The model's score for the adverse outcome, e.g. ``lambda Z: model.predict_proba(Z)[:, 1]``.
    x : array ``(d,)``
        The person's features, in the units a person understands (money, months, years).
    X_ref : array ``(n, d)``
        Reference data (the training set): candidate values and the MAD scale come from it.
    mutable : dict feature index -> direction
        ``+1``: may only go up (income), ``-1``: only down (loan amount), ``0``: either way.
        Features not named are immutable (age, a past default, marital status).
    threshold : float
        The score at and above which the decision is adverse.
    names : list of d str, optional
        Feature names for ``changes`` (default ``x0, x1, ...``).
    n_grid : int >= 2
    max_changes : int in {1, 2, 3}

    Returns
    -------
    Counterfactual

    Examples
    --------
    >>> X_ref = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    >>> risk = lambda Z: (Z[:, 0] < 2).astype(float)           # refused below 2 in feature 0
    >>> counterfactual(risk, [1.0, 1.0], X_ref, mutable={0: +1}, names=["income", "age"])
    Counterfactual(income 1 -> 2; cost 1.00; score 1.00 -> 0.00, valid)
    >>> counterfactual(risk, [1.0, 1.0], X_ref, mutable={1: 0}).found    # only age may change
    False
    """
    check_callable(score, "score", what="a function scoring rows (m, d) -> (m,)")
    X = as_array(X_ref, "X_ref", ndim=2, min_rows=2)
    x = as_array(x, "x", ndim=1)
    if len(x) != X.shape[1]:
        raise ValueError(f"x: expected {X.shape[1]} features like X_ref, got {len(x)}")
    check_range(threshold, "threshold", low=-1e300, high=1e300)
    check_range(n_grid, "n_grid", low=2, high=1000, integer=True)
    check_range(max_changes, "max_changes", low=1, high=3, integer=True)
    if names is not None and (isinstance(names, str) or not isinstance(names, Sequence)):
        raise TypeError(f"names: expected a list of {len(x)} feature names, got {type(names).__name__}")
    names = [f"x{j}" for j in range(len(x))] if names is None else list(names)
    if len(names) != len(x) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"names: expected {len(x)} feature names (str)")
    if not isinstance(mutable, Mapping):
        raise TypeError(f"mutable: expected a dict feature index -> direction (+1, -1 or 0), got {type(mutable).__name__}")
    for j, d in mutable.items():
        if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < len(x):
            raise ValueError(f"mutable: expected feature indices in 0..{len(x) - 1}, got {j!r}")
        if isinstance(d, bool) or d not in (-1, 0, 1):
            raise ValueError(f"mutable: expected directions +1, -1 or 0, got {d!r} for feature {j}")

    def _score(Z: np.ndarray) -> np.ndarray:
        s = np.asarray(score(Z), dtype=float).reshape(-1)
        if len(s) != len(Z) or not np.all(np.isfinite(s)):
            raise ValueError("score: expected one finite score per row")
        return s

    before = float(_score(x[None, :])[0])
    none = Counterfactual(x, None, {}, None, before, before, False)
    if before < threshold:
        raise ValueError(f"x: the decision is not adverse (score {before:.3g} < threshold {threshold})")
    options = {}
    for j, d in mutable.items():
        g = _grid(X[:, j], n_grid)
        g = g[(g > x[j]) if d > 0 else (g < x[j]) if d < 0 else (g != x[j])]
        if len(g):
            options[int(j)] = g
    if not options:
        return none
    scale = mad_scale(X)
    if not np.all(np.isfinite(scale)) or not np.all(np.isfinite(X - x)):
        raise ValueError("X_ref: values too large to measure distances (the MAD overflows)")
    rows, costs = [], []
    for size in range(1, max_changes + 1):
        for feats in combinations(sorted(options), size):
            for values in product(*(options[j] for j in feats)):
                z = x.copy()
                z[list(feats)] = values
                rows.append(z)
                costs.append(float(np.sum(np.abs(z - x) / scale)))
    Z, costs = np.array(rows), np.array(costs)
    ok = np.flatnonzero(_score(Z) < threshold)
    if not len(ok):
        return none
    best = Z[ok[np.argmin(costs[ok])]]
    after = float(_score(best[None, :])[0])  # re-scored: the answer is checked, not assumed
    changes = {names[j]: (float(x[j]), float(best[j])) for j in np.flatnonzero(best != x)}
    return Counterfactual(x, best, changes, float(np.sum(np.abs(best - x) / scale)), before, after,
                          after < threshold)
