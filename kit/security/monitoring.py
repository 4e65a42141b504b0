"""Query monitoring: spot a client whose queries do not look like natural traffic.

A defence against model stealing and model inversion through a prediction API, in the style
of PRADA (Juuti, Szyller, Marchal & Asokan (2019), "PRADA: Protecting Against DNN Model
Stealing Attacks", IEEE EuroS&P). Used by ``kit.security.stealing.PredictionAPI`` and taught in
``notebooks/23_security-model-stealing.ipynb`` and ``24_security-model-inversion.ipynb``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial.distance import cdist
from scipy.stats import shapiro

from kit._validate import as_array, as_features, check_has, check_range


class QueryBlocked(RuntimeError):
    """Raised by an API whose monitor has flagged the client (``kit.security.api.PredictionAPI``).

    >>> QueryBlocked("client blocked after 50 queries")
    QueryBlocked('client blocked after 50 queries')
    """


class QueryMonitor:
    """Flag a client whose query stream does not look like natural traffic.

    Two tests, run on every batch once ``min_queries`` have arrived:

    * PRADA (Juuti et al. 2019): the distances from each query to the client's nearest earlier
      query are roughly normal for natural traffic; synthetic streams (small perturbations of a
      few seeds) give a spike of tiny distances. Flag when the Shapiro-Wilk ``W < delta``.
    * Distance to natural data: flag when the median distance from the client's queries to the
      nearest of ``X_ref`` (natural inputs the owner has seen) exceeds ``ratio`` times the
      median seen for natural inputs (uniform-noise queries are far from every digit).

    Parameters
    ----------
    X_ref : array (m, d) or images (m, H, W)
        Natural traffic (the owner's own held-out data).
    min_queries : int
    delta : float
        PRADA threshold on Shapiro-Wilk W.
    ratio : float

    Attributes
    ----------
    last_W : float
        The last Shapiro-Wilk W; NaN until ``min_queries`` queries have arrived.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=(300, 5))
    >>> m = QueryMonitor(ref, min_queries=50); m.observe(rng.normal(size=(100, 5)))
    False
    >>> m = QueryMonitor(ref, min_queries=50); m.observe(rng.normal(size=(100, 5)) + 10), m.reason
    (True, 'far from natural data')
    """

    def __init__(self, X_ref, *, min_queries: int = 50, delta: float = 0.9, ratio: float = 1.5) -> None:
        self.ref = as_features(X_ref, "X_ref", min_rows=2).astype(np.float64)
        check_range(min_queries, "min_queries", low=3, integer=True)
        check_range(delta, "delta", low=0, high=1)
        check_range(ratio, "ratio", low=0)
        self.min_queries, self.delta, self.ratio = min_queries, delta, ratio
        d = cdist(self.ref, self.ref)
        np.fill_diagonal(d, np.inf)
        self.ref_median = float(np.median(d.min(axis=1)))
        self.seen = np.zeros((0, self.ref.shape[1]))
        self.min_dist: list[float] = []
        self.ref_dist: list[float] = []
        self.flagged, self.flagged_at, self.reason = False, None, ""
        self.last_W = float("nan")

    def observe(self, X) -> bool:
        """Add a batch of queries; returns ``flagged``."""
        X = as_features(X, "X").astype(np.float64)
        if X.shape[1] != self.ref.shape[1]:
            raise ValueError(f"X: expected {self.ref.shape[1]} features per query, got {X.shape[1]}")
        d_new = cdist(X, X)
        d_new[np.triu_indices(len(X))] = np.inf  # each query's distance to the earlier ones only
        if len(self.seen):
            d_new = np.hstack([cdist(X, self.seen), d_new])
        mins = d_new.min(axis=1)
        self.min_dist += [float(v) for v in (mins if len(self.seen) else mins[1:])]
        self.ref_dist += cdist(X, self.ref).min(axis=1).tolist()
        self.seen = np.vstack([self.seen, X])
        n = len(self.seen)
        if not self.flagged and n >= self.min_queries:
            self.last_W = float(shapiro(np.asarray(self.min_dist)[-5000:]).statistic)
            if np.median(self.ref_dist) > self.ratio * self.ref_median:
                self.flagged, self.reason = True, "far from natural data"
            elif self.last_W < self.delta:
                self.flagged, self.reason = True, f"PRADA W={self.last_W:.2f}"
            if self.flagged:
                self.flagged_at = n
        return self.flagged

    def __repr__(self) -> str:
        state = f"flagged at {self.flagged_at} ({self.reason})" if self.flagged else "not flagged"
        return f"QueryMonitor(queries={len(self.seen)}, {state})"


def query_until_blocked(api: Any, X: ArrayLike, *,
                        batch_size: int = 50) -> tuple[np.ndarray, np.ndarray, bool]:
    """Send ``X`` in batches until the API blocks; return ``(X_answered, answers, blocked)``.

    Parameters
    ----------
    api : object with ``query(X)``, raising ``QueryBlocked`` once it stops answering
    X : array ``(n, d)`` or images ``(n, H, W)``
    batch_size : int

    Examples
    --------
    >>> from kit.security.api import PredictionAPI
    >>> rng = np.random.default_rng(0)
    >>> api = PredictionAPI(lambda X: np.full((len(X), 2), 0.5),
    ...                     monitor=QueryMonitor(rng.normal(size=(300, 5)), min_queries=50))
    >>> answered, answers, blocked = query_until_blocked(api, rng.normal(size=(200, 5)) + 10)
    >>> len(answered), blocked
    (0, True)
    """
    check_has(api, "api", "query", what="a prediction API with .query(X)")
    X = as_array(X, "X", ndim=(2, 3, 4))
    check_range(batch_size, "batch_size", low=1, integer=True)
    done, outs = 0, []
    try:
        for start in range(0, len(X), batch_size):
            outs.append(np.asarray(api.query(X[start:start + batch_size])))
            done = start + len(outs[-1])
    except QueryBlocked:
        return X[:done], (np.concatenate(outs) if outs else np.zeros((0,))), True
    return X, np.concatenate(outs), False
