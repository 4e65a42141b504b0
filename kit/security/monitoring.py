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

from kit._validate import as_array, as_features, check_callable, check_has, check_range, check_seed


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


class AdaptiveClient:
    """An attacker that adapts to per-client monitoring: small batches, cover traffic, new accounts.

    ``query(X)`` sends the attack queries ``X`` in batches of ``batch``; before each attack query
    it sends ``cover`` natural-looking queries (rows of ``X_cover``, answers thrown away) so the
    stream resembles real traffic; it moves to a fresh account (``open_account()``) after
    ``per_account`` queries, and when an account is blocked it resends the batch from a new one,
    until ``max_accounts`` have been used (then ``QueryBlocked`` propagates and the search stops).
    The evasions Juuti et al. (2019) discuss against PRADA; taught in notebook 24.

    Parameters
    ----------
    open_account : callable () -> API with ``query(X)`` raising ``QueryBlocked``
    batch : int
        Attack queries per request.
    cover : int
        Natural queries sent before each attack query (0: none).
    X_cover : array ``(m, ...)``, required when ``cover > 0``
    per_account : int, optional
        Queries (attack and cover) an account sends before the attacker switches; ``None``: no limit.
    max_accounts : int
    seed : int
        Which cover queries are drawn.

    Attributes
    ----------
    accounts, blocked : int
        Accounts opened, and how many of them were blocked.
    sent, answered : int
        Queries sent in all (cover included), and attack queries answered.

    Examples
    --------
    >>> from kit.security.api import PredictionAPI
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=(300, 5))
    >>> def account():
    ...     return PredictionAPI(lambda X: np.full((len(X), 2), 0.5),
    ...                          monitor=QueryMonitor(ref, min_queries=50))
    >>> attacker = AdaptiveClient(account, batch=10, per_account=49, max_accounts=10)
    >>> attacker.query(np.zeros((100, 5)) + 0.01 * rng.normal(size=(100, 5))).shape
    (100, 2)
    >>> attacker.accounts, attacker.blocked, attacker.answered
    (3, 0, 100)
    """

    def __init__(self, open_account, *, batch: int = 50, cover: int = 0, X_cover=None,
                 per_account: int | None = None, max_accounts: int = 1, seed: int = 0) -> None:
        self.open_account = check_callable(open_account, "open_account",
                                           what="a callable () -> monitored API")
        self.batch = check_range(batch, "batch", low=1, high=10**7, integer=True)
        self.cover = check_range(cover, "cover", low=0, high=10**4, integer=True)
        if self.cover and X_cover is None:
            raise ValueError("X_cover: expected natural queries to send as cover when cover > 0")
        self.X_cover = None if X_cover is None else as_array(X_cover, "X_cover", ndim=(2, 3, 4))
        if per_account is not None:
            check_range(per_account, "per_account", low=self.batch * (1 + self.cover), integer=True)
        self.per_account = per_account
        self.max_accounts = check_range(max_accounts, "max_accounts", low=1, integer=True)
        self._rng = np.random.default_rng(check_seed(seed))
        self.accounts = self.blocked = self.sent = self.answered = 0
        self._api, self._used = None, 0

    def _switch(self) -> None:
        if self.accounts >= self.max_accounts:
            raise QueryBlocked(f"all {self.max_accounts} accounts used")
        self._api, self._used = self.open_account(), 0
        self.accounts += 1

    def _send(self, X: np.ndarray) -> np.ndarray:
        n = len(X) * (1 + self.cover)
        while True:
            if self._api is None or (self.per_account is not None and self._used + n > self.per_account):
                self._switch()
            if self.cover:
                cover = self.X_cover[self._rng.integers(len(self.X_cover), size=(len(X), self.cover))]
                mixed = np.concatenate([cover, X[:, None]], axis=1).reshape(n, *X.shape[1:])
            else:
                mixed = X
            try:
                answers = np.asarray(self._api.query(mixed))
            except QueryBlocked:
                self.blocked += 1
                self._api = None
                continue
            self._used += n
            self.sent += n
            self.answered += len(X)
            return answers[self.cover::1 + self.cover]

    def query(self, X) -> np.ndarray:
        """Answer the attack queries ``X``, however many requests and accounts that takes."""
        X = as_array(X, "X", ndim=(2, 3, 4))
        return np.concatenate([self._send(X[i:i + self.batch]) for i in range(0, len(X), self.batch)])

    def __repr__(self) -> str:
        return (f"AdaptiveClient(batch={self.batch}, cover={self.cover}, per_account={self.per_account}, "
                f"accounts={self.accounts}, blocked={self.blocked}, sent={self.sent}, "
                f"answered={self.answered})")
