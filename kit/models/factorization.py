"""Matrix factorisation of a ratings table by alternating least squares (ALS), in numpy.

A rating is modelled as ``mu + b_u + b_i + p_u . q_i``: a global mean, a user bias, an item
bias and the dot product of a user's and an item's ``rank``-dimensional factors (Koren, Bell &
Volinsky 2009, "Matrix factorization techniques for recommender systems", IEEE Computer).
Fixing the items, each user's ``(p_u, b_u)`` is a ridge regression on the items that user
rated (closed form); fixing the users, each item's ``(q_i, b_i)`` is one too; ALS alternates
the two (Hu, Koren & Volinsky 2008; Zhou et al. 2008). Every user's (or item's) normal
equations are built at once as one matrix product on a dense masked matrix and solved in one batched
``np.linalg.solve``, so a MovieLens-sized table (671 users x 1,000 films) fits in about a second.
``rank=0`` is the bias-only model (a film's popularity plus a user's leniency).

Taught in ``casestudies/cs03_booking-ab.ipynb``: the offline models whose RMSE improves, and the
simulated population's true tastes. Survey: Paleyes, Urma & Lawrence (2022), "Model selection"
and "Requirement encoding" (Booking.com, Bernardi et al. 2019).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> truth = rng.normal(size=(30, 2)) @ rng.normal(size=(2, 40)) + 3.0
>>> users, items = np.nonzero(rng.random((30, 40)) < 0.5)
>>> model = fit_als(users, items, truth[users, items], n_users=30, n_items=40, rank=2, reg=0.1, seed=0)
>>> model
Factorization(rank=2, users=30, items=40, reg=0.1)
>>> bool(rmse(model, users, items, truth[users, items]) < 0.1)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kit._validate import as_array, check_range, check_seed, same_length

__all__ = ["Factorization", "fit_als", "rmse"]


@dataclass(frozen=True)
class Factorization:
    """A fitted factorisation: ``mu + user_bias[u] + item_bias[i] + P[u] . Q[i]``.

    Attributes
    ----------
    mu : float
        Global mean rating.
    user_bias : ndarray, shape (n_users,)
    item_bias : ndarray, shape (n_items,)
    P : ndarray, shape (n_users, rank)
    Q : ndarray, shape (n_items, rank)
    reg : float
        The ridge penalty it was fitted with.

    Koren, Bell & Volinsky (2009). Taught in ``casestudies/cs03_booking-ab.ipynb``.

    Examples
    --------
    >>> f = Factorization(3.0, np.zeros(2), np.array([0.5, -0.5]), np.ones((2, 1)), np.ones((2, 1)), 0.1)
    >>> f.predict([0, 1], [0, 1]).tolist()
    [4.5, 3.5]
    >>> f.scores().shape
    (2, 2)
    """

    mu: float
    user_bias: np.ndarray
    item_bias: np.ndarray
    P: np.ndarray
    Q: np.ndarray
    reg: float

    @property
    def rank(self) -> int:
        return int(self.P.shape[1])

    def predict(self, users: Any, items: Any) -> np.ndarray:
        """Predicted ratings of the pairs ``(users[k], items[k])``, shape ``(n,)``."""
        u = _index(users, "users", len(self.user_bias), "n_users")
        i = _index(items, "items", len(self.item_bias), "n_items")
        same_length(users=u, items=i)
        return self.mu + self.user_bias[u] + self.item_bias[i] + np.einsum("nk,nk->n", self.P[u], self.Q[i])

    def scores(self, users: Any = None) -> np.ndarray:
        """Predicted ratings of every item for ``users`` (all users if None), shape ``(n_users, n_items)``."""
        u = np.arange(len(self.user_bias)) if users is None else _index(users, "users", len(self.user_bias), "n_users")
        return self.mu + self.user_bias[u, None] + self.item_bias[None, :] + self.P[u] @ self.Q.T

    def __repr__(self) -> str:
        return (f"Factorization(rank={self.rank}, users={len(self.user_bias)}, items={len(self.item_bias)}, "
                f"reg={self.reg:g})")


def _index(values: Any, name: str, size: int, size_name: str = "size") -> np.ndarray:
    arr = as_array(values, name, ndim=1, dtype=None, min_rows=0)
    if arr.size == 0:
        return np.zeros(0, np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer indices, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        raise ValueError(f"{name}: expected indices in [0, {size_name}={size}), got values in [{arr.min()}, {arr.max()}]")
    return arr.astype(np.int64)


def _ridge_rows(mask: np.ndarray, target: np.ndarray, X: np.ndarray, reg: float) -> np.ndarray:
    """Solve, for every row r, min_w sum_j mask[r, j] (target[r, j] - X[j] . w)^2 + reg |w|^2."""
    d = X.shape[1]
    A = (mask @ (X[:, :, None] * X[:, None, :]).reshape(len(X), d * d)).reshape(-1, d, d) + reg * np.eye(d)
    b = (mask * target) @ X
    return np.linalg.solve(A, b[..., None])[..., 0]


def fit_als(users: Any, items: Any, ratings: Any, *, n_users: int, n_items: int, rank: int = 10,
            reg: float = 5.0, n_iter: int = 25, seed: int = 0) -> Factorization:
    """Fit ``mu + b_u + b_i + p_u . q_i`` to observed ratings by alternating ridge regressions.

    Parameters
    ----------
    users, items : array-like of int, shape (n,)
        Row and column of each observed rating (indices in ``[0, n_users)``, ``[0, n_items)``).
    ratings : array-like of float, shape (n,)
    n_users, n_items : int
        Size of the table (users or items without a rating keep bias 0 and factors near 0).
    rank : int, keyword-only
        Number of latent factors; 0 fits the biases alone.
    reg : float, keyword-only
        Ridge penalty on every user's and item's factors and bias (per user/item, not per rating).
    n_iter : int, keyword-only
        ALS sweeps (users then items).
    seed : int, keyword-only
        Seeds the small random start of the item factors.

    Returns
    -------
    Factorization

    Koren, Bell & Volinsky (2009), IEEE Computer 42(8); Zhou et al. (2008), AAIM. Taught in ``casestudies/cs03_booking-ab.ipynb``.

    Examples
    --------
    >>> m = fit_als([0, 0, 1], [0, 1, 1], [5.0, 3.0, 4.0], n_users=2, n_items=2, rank=0, reg=0.0)
    >>> m.predict([0, 1], [0, 1]).round(2).tolist()
    [5.0, 4.0]
    """
    check_range(n_users, "n_users", low=1, high=1_000_000, integer=True)
    check_range(n_items, "n_items", low=1, high=1_000_000, integer=True)
    if int(n_users) * int(n_items) > 50_000_000:
        raise ValueError(f"n_items: the dense n_users x n_items table is limited to 5e7 cells, got {n_users} x {n_items}")
    try:
        u = _index(users, "users", n_users, "n_users")
        i = _index(items, "items", n_items, "n_items")
    except ValueError as err:
        which = "n_users" if str(err).startswith("users") else "n_items"
        raise ValueError(f"{err} (or {which} is too small)") from None
    r = as_array(ratings, "ratings", ndim=1)
    same_length(users=u, items=i, ratings=r)
    if len(r) == 0:
        raise ValueError("ratings: expected at least one observed rating, got 0")
    check_range(rank, "rank", low=0, high=min(n_users, n_items), integer=True)
    check_range(reg, "reg", low=0)
    check_range(n_iter, "n_iter", low=1, high=10_000, integer=True)
    rng = np.random.default_rng(check_seed(seed))

    mask = np.zeros((n_users, n_items))
    table = np.zeros((n_users, n_items))
    mask[u, i] = 1.0
    table[u, i] = r
    mu = float(r.mean())
    P = np.zeros((n_users, rank))
    # start the item factors at the leading right singular vectors of the centred, zero-filled table
    Q = np.linalg.svd(table - mu * mask, full_matrices=False)[2][:rank].T.copy() if rank else np.zeros((n_items, 0))
    Q = Q + rng.normal(scale=1e-3, size=Q.shape)
    bu, bi = np.zeros(n_users), np.zeros(n_items)
    ridge = max(reg, 1e-9)  # keeps users/items without ratings solvable
    for _ in range(n_iter):
        w = _ridge_rows(mask, table - mu - bi[None, :], np.c_[Q, np.ones(n_items)], ridge)
        P, bu = w[:, :rank], w[:, rank]
        w = _ridge_rows(mask.T, (table - mu - bu[:, None]).T, np.c_[P, np.ones(n_users)], ridge)
        Q, bi = w[:, :rank], w[:, rank]
    return Factorization(mu, bu, bi, P, Q, float(reg))


def rmse(model: Factorization, users: Any, items: Any, ratings: Any) -> float:
    """Root mean squared error of ``model`` on the observed ``(users, items, ratings)``: the offline metric.

    The offline metric of the Netflix Prize (Koren, Bell & Volinsky 2009). Taught in ``casestudies/cs03_booking-ab.ipynb``.

    Examples
    --------
    >>> m = fit_als([0, 1], [0, 0], [4.0, 2.0], n_users=2, n_items=1, rank=0, reg=0.0)
    >>> round(rmse(m, [0, 1], [0, 0], [4.0, 2.0]), 6)
    0.0
    """
    if not isinstance(model, Factorization):
        raise TypeError(f"model: expected a Factorization (from fit_als), got {type(model).__name__}")
    r = as_array(ratings, "ratings", ndim=1)
    pred = model.predict(users, items)
    same_length(predictions=pred, ratings=r)
    return float(np.sqrt(np.mean((pred - r) ** 2)))
