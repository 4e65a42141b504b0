"""A simulated population of users who see recommendations, click, and book (convert) at most once.

Each user has a true utility for every item (in the case study: a matrix factorisation fitted to
real MovieLens ratings). A model shows a visiting user its ``k`` top-scored items among those the
user has not rated yet (``recommend``). The user then

- **clicks** each shown item with probability ``click_max * sigmoid((u - click_mid) / click_width)``:
  every better item draws more clicks, so the click-through rate keeps rising with the model's
  ranking quality (the *proxy* metric);
- **books** once at most, with probability ``book_max * sigmoid((max shown u - book_mid) /
  book_width)``: one good enough item is all a booking needs, so once most users see one the
  booking rate *saturates* (the *business* metric; Bernardi et al. 2019, lesson "Value
  performance saturation").

``Population.rates`` gives each user's exact probabilities; ``Population.visit`` simulates visits
(users drawn at random), whose counts an A/B test compares (``kit.experiments``).

Taught in ``casestudies/cs03_booking-ab.ipynb``. Survey: Paleyes, Urma & Lawrence (2022),
"Requirement encoding" (Booking.com).

Examples
--------
>>> import numpy as np
>>> U = np.array([[5.0, 1.0, 3.0], [1.0, 5.0, 3.0]])
>>> recommend(-U, k=1).tolist()          # a model that gets everything backwards
[[1], [0]]
>>> pop = Population(U)
>>> pop.rates(recommend(U, k=1))["book"].round(2).tolist()
[0.3, 0.3]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, check_range, check_seed

__all__ = ["Population", "recommend"]


def recommend(scores: Any, *, k: int = 5, exclude: Any = None) -> np.ndarray:
    """The ``k`` top-scored items of every user, best first, skipping ``exclude`` (already seen).

    Parameters
    ----------
    scores : array-like, shape (n_users, n_items)
        A model's predicted utility of every item for every user.
    k : int, keyword-only
        Items shown per visit.
    exclude : array-like of bool, shape (n_users, n_items), optional
        True where an item must not be shown (the user rated it already).

    Returns
    -------
    ndarray of int, shape (n_users, k)

    Bernardi et al. (2019), KDD (recommendations tested online at Booking.com). Taught in ``casestudies/cs03_booking-ab.ipynb``.

    Examples
    --------
    >>> recommend([[0.1, 0.9, 0.5]], k=2, exclude=[[False, True, False]]).tolist()
    [[2, 0]]
    """
    S = as_array(scores, "scores", ndim=2)
    check_range(k, "k", low=1, high=S.shape[1], integer=True)
    if exclude is not None:
        E = np.asarray(exclude, dtype=bool)
        if E.shape != S.shape:
            raise ValueError(f"exclude: expected shape {S.shape} (as scores), got {E.shape}")
        if np.any((~E).sum(axis=1) < k):
            raise ValueError(f"exclude: every user needs at least k={k} items left to show")
        S = np.where(E, -np.inf, S)
    top = np.argpartition(-S, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(S, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Population:
    """Users with true utilities ``U`` and the click and booking responses described above.

    Parameters
    ----------
    U : ndarray, shape (n_users, n_items)
        True utility (on the rating scale) of every item for every user.
    book_max, book_mid, book_width : float
        Ceiling, midpoint and width of the booking response to the best shown item.
    click_max, click_mid, click_width : float
        The same for each shown item's click.

    Bernardi et al. (2019), KDD: value performance saturation. Taught in ``casestudies/cs03_booking-ab.ipynb``.

    Examples
    --------
    >>> Population(np.ones((2, 3)))
    Population(users=2, items=3, book=0.3*sigmoid((best - 4)/0.15), click=0.2*sigmoid((u - 4.3)/0.25))
    """

    U: np.ndarray
    book_max: float = 0.3
    book_mid: float = 4.0
    book_width: float = 0.15
    click_max: float = 0.2
    click_mid: float = 4.3
    click_width: float = 0.25

    def __post_init__(self) -> None:
        object.__setattr__(self, "U", as_array(self.U, "U", ndim=2))
        for name in ("book_max", "click_max"):
            check_range(getattr(self, name), name, low=0, high=1)
        for name in ("book_width", "click_width"):
            check_range(getattr(self, name), name, low=1e-9)
        for name in ("book_mid", "click_mid"):
            check_range(getattr(self, name), name)

    def _shown(self, shown: Any) -> np.ndarray:
        idx = as_array(shown, "shown", ndim=2, dtype=None)
        if idx.dtype.kind not in "iu" or idx.shape[0] != self.U.shape[0]:
            raise ValueError(f"shown: expected integer item indices of shape ({self.U.shape[0]}, k), "
                             f"got {idx.dtype} {idx.shape}")
        if idx.min() < 0 or idx.max() >= self.U.shape[1]:
            raise ValueError(f"shown: expected item indices in [0, {self.U.shape[1]})")
        return np.take_along_axis(self.U, idx, axis=1)

    def rates(self, shown: Any) -> pd.DataFrame:
        """Each user's exact booking probability and expected click-through rate per shown item.

        Parameters
        ----------
        shown : array-like of int, shape (n_users, k)
            The items a model shows each user (``recommend``).

        Returns
        -------
        DataFrame, one row per user: ``book``, ``click`` (per shown item), ``best_utility``.

        Examples
        --------
        >>> Population(np.array([[4.0, 3.0]])).rates([[0]])["book"].round(3).tolist()
        [0.15]
        """
        u = self._shown(shown)
        best = u.max(axis=1)
        return pd.DataFrame({
            "book": self.book_max * _sigmoid((best - self.book_mid) / self.book_width),
            "click": (self.click_max * _sigmoid((u - self.click_mid) / self.click_width)).mean(axis=1),
            "best_utility": best,
        })

    def visit(self, shown: Any, n: int, *, seed: int = 0) -> pd.DataFrame:
        """Simulate ``n`` visits (each by a user drawn uniformly at random) to a model showing ``shown``.

        Returns
        -------
        DataFrame, one row per visit: ``user``, ``clicks`` (0..k), ``impressions`` (k), ``booked`` (0/1).

        Examples
        --------
        >>> v = Population(np.full((3, 4), 5.0)).visit([[0, 1]] * 3, 1000, seed=0)
        >>> round(float(v["booked"].mean()), 1), int(v["impressions"].iloc[0])
        (0.3, 2)
        """
        check_range(n, "n", low=1, integer=True)
        u = self._shown(shown)
        rng = np.random.default_rng(check_seed(seed))
        users = rng.integers(0, self.U.shape[0], size=n)
        seen = u[users]
        p_click = self.click_max * _sigmoid((seen - self.click_mid) / self.click_width)
        p_book = self.book_max * _sigmoid((seen.max(axis=1) - self.book_mid) / self.book_width)
        return pd.DataFrame({"user": users, "clicks": (rng.random(p_click.shape) < p_click).sum(axis=1),
                             "impressions": seen.shape[1], "booked": (rng.random(n) < p_book).astype(int)})

    def __repr__(self) -> str:
        return (f"Population(users={self.U.shape[0]}, items={self.U.shape[1]}, "
                f"book={self.book_max:g}*sigmoid((best - {self.book_mid:g})/{self.book_width:g}), "
                f"click={self.click_max:g}*sigmoid((u - {self.click_mid:g})/{self.click_width:g}))")
