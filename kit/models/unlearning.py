"""Machine unlearning by sharded training (SISA): honour an erasure request by retraining a shard.

Bourtoule, Chandrasekaran, Choquette-Choo, Jia, Travers, Zhang, Lie & Papernot (2021), "Machine
Unlearning", IEEE S&P, split the training set into ``S`` disjoint *shards*, train one model per
shard in isolation, and aggregate their predictions. A record influences only the model of its
own shard, so deleting it means retraining that one shard without it: the result is exactly the
model that would have been trained had the record never been there, at about ``1/S`` of the
cost of retraining everything. (Their *slices*, checkpoints inside a shard, cut the cost further
for models trained incrementally; the kit shards only.) The price is accuracy: each constituent
sees ``1/S`` of the data. Requests that arrive together touch ``S (1 - (1 - 1/S)^k)`` shards on
average (``expected_shards_hit``), so batching erasures erodes the saving (``unlearning_cost``).
Taught in ``notebooks/19_law-unlearning.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import clone

from kit._validate import (
    as_features,
    as_labels,
    check_has,
    check_range,
    check_seed,
    same_length,
)

__all__ = ["ShardedEnsemble", "UnlearningReport", "expected_shards_hit", "unlearning_cost"]


@dataclass(frozen=True)
class UnlearningReport:
    """What one ``ShardedEnsemble.unlearn`` call did: rows removed, shards and rows retrained.

    ``rows_full`` is what retraining one model on everything that remains would have used;
    ``share`` is ``rows_retrained / rows_full``.

    >>> UnlearningReport(removed=1, shards_retrained=(3,), rows_retrained=99, rows_full=999)
    UnlearningReport(removed=1, shards_retrained=[3], rows_retrained=99 of 999 (0.099))
    """

    removed: int
    shards_retrained: tuple[int, ...]
    rows_retrained: int
    rows_full: int

    @property
    def share(self) -> float:
        """Rows retrained as a share of a full retraining's rows."""
        return self.rows_retrained / max(self.rows_full, 1)

    def __repr__(self) -> str:
        return (f"UnlearningReport(removed={self.removed}, shards_retrained={list(self.shards_retrained)}, "
                f"rows_retrained={self.rows_retrained} of {self.rows_full} ({self.share:.3f}))")


class ShardedEnsemble:
    """SISA training: one clone of ``estimator`` per shard, probabilities averaged.

    Parameters
    ----------
    estimator : scikit-learn classifier (unfitted)
        Cloned for every shard; a ``random_state`` parameter, when it has one, is set to
        ``seed + shard`` so the ensemble is a pure function of its arguments.
    n_shards : int >= 1
        ``S``: the training rows are dealt at random into ``S`` shards of equal size (+-1).
    seed : int
        Decides the deal of rows into shards and the constituents' seeds.

    Attributes (after ``fit``)
    --------------------------
    classes_ : array (K,); shard_of_ : dict id -> shard; models_ : list of S fitted estimators.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2)); y = (X[:, 0] > 0).astype(int)
    >>> sisa = ShardedEnsemble(DecisionTreeClassifier(max_depth=2), n_shards=3, seed=0).fit(X, y)
    >>> sisa
    ShardedEnsemble(DecisionTreeClassifier, n_shards=3, rows=60)
    >>> shard = int(sisa.shard_of([5])[0])
    >>> report = sisa.unlearn([5])
    >>> report.shards_retrained == (shard,), report.rows_retrained, sisa.n_rows
    (True, 19, 59)
    >>> sisa.predict_proba(X[:2]).shape
    (2, 2)
    """

    def __init__(self, estimator, *, n_shards: int = 10, seed: int = 0) -> None:
        check_has(estimator, "estimator", "fit", "predict_proba", "get_params",
                  what="a scikit-learn classifier with fit and predict_proba")
        check_range(n_shards, "n_shards", low=1, high=10_000, integer=True)
        self.estimator = estimator
        self.n_shards = int(n_shards)
        self.seed = check_seed(seed)

    def __repr__(self) -> str:
        rows = f", rows={self.n_rows}" if hasattr(self, "models_") else ""
        return f"ShardedEnsemble({type(self.estimator).__name__}, n_shards={self.n_shards}{rows})"

    def _fit_shard(self, s: int) -> None:
        rows = self._rows[s]
        if len(np.unique(self._y[rows])) < 2:
            raise ValueError(f"X: shard {s} has {len(rows)} row(s) of one class only; use fewer shards")
        model = clone(self.estimator)
        if "random_state" in model.get_params():
            model.set_params(random_state=self.seed + s)
        self.models_[s] = model.fit(self._X[rows], self._y[rows])

    def fit(self, X: ArrayLike, y: ArrayLike, *, ids: ArrayLike | None = None) -> ShardedEnsemble:
        """Deal the rows into shards and fit one model per shard.

        ``X`` is ``(n, d)``, ``y`` integer labels ``(n,)``; ``ids`` ``(n,)`` are the records'
        identifiers that erasure requests will name (default ``0 .. n-1``); they must be unique.
        """
        self._X = as_features(X, "X")
        self._y = as_labels(y, "y")
        ids = np.arange(len(self._X)) if ids is None else as_labels(ids, "ids")
        same_length(X=self._X, y=self._y, ids=ids)
        if len(np.unique(ids)) != len(ids):
            raise ValueError("ids: expected unique record identifiers")
        if len(self._X) < 2 * self.n_shards:
            raise ValueError(f"n_shards: expected at most n / 2 = {len(self._X) // 2} shards for {len(self._X)} rows")
        self.classes_ = np.unique(self._y)
        deal = np.random.default_rng(self.seed).permutation(len(ids)) % self.n_shards
        self._rows = [np.flatnonzero(deal == s) for s in range(self.n_shards)]
        self.shard_of_ = {int(i): int(s) for i, s in zip(ids, deal)}
        self._row_of = {int(i): r for r, i in enumerate(ids)}
        self.models_: list = [None] * self.n_shards
        for s in range(self.n_shards):
            self._fit_shard(s)
        return self

    def _fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise RuntimeError("ShardedEnsemble: call fit(X, y) first")

    @property
    def n_rows(self) -> int:
        """Rows the ensemble is currently trained on."""
        self._fitted()
        return int(sum(len(r) for r in self._rows))

    def shard_of(self, ids: ArrayLike) -> np.ndarray:
        """The shard of each record id ``(k,)`` (a KeyError names an id that is not trained on)."""
        self._fitted()
        ids = as_labels(np.atleast_1d(ids), "ids")
        missing = [int(i) for i in ids if int(i) not in self.shard_of_]
        if missing:
            raise KeyError(f"ids: {missing[:5]} not in the training data (already erased, or never there)")
        return np.array([self.shard_of_[int(i)] for i in ids], dtype=np.int64)

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """The shards' class probabilities averaged: ``(n, K)`` with columns ``classes_``."""
        self._fitted()
        X = as_features(X, "X")
        P = np.zeros((len(X), len(self.classes_)))
        for model in self.models_:
            P[:, np.searchsorted(self.classes_, model.classes_)] += model.predict_proba(X)
        return P / self.n_shards

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class of highest averaged probability ``(n,)``."""
        P = self.predict_proba(X)
        return self.classes_[P.argmax(axis=1)]

    def unlearn(self, ids: ArrayLike) -> UnlearningReport:
        """Erase records: drop them from their shards and retrain only the shards that held them.

        Parameters
        ----------
        ids : array ``(k,)`` of record ids given to ``fit``

        Returns
        -------
        UnlearningReport
        """
        ids = np.unique(as_labels(np.atleast_1d(ids), "ids"))
        hit = sorted(set(self.shard_of(ids).tolist()))
        gone = {self._row_of[int(i)] for i in ids}
        for i in ids:
            del self.shard_of_[int(i)]
        retrained = 0
        for s in hit:
            self._rows[s] = np.array([r for r in self._rows[s] if r not in gone], dtype=np.int64)
            self._fit_shard(s)
            retrained += len(self._rows[s])
        return UnlearningReport(len(ids), tuple(hit), retrained, self.n_rows)


def expected_shards_hit(k: int, n_shards: int) -> float:
    """Expected number of distinct shards that ``k`` erasures, each in a uniformly random shard, touch.

    ``S (1 - (1 - 1/S)^k)``: each shard escapes all ``k`` requests with probability
    ``(1 - 1/S)^k`` (Bourtoule et al. 2021, section on batching requests).

    >>> expected_shards_hit(1, 10), round(expected_shards_hit(10, 10), 3)
    (1.0, 6.513)
    """
    check_range(k, "k", low=0, high=10**9, integer=True)
    check_range(n_shards, "n_shards", low=1, high=10**9, integer=True)
    return float(n_shards * -np.expm1(k * np.log1p(-1.0 / n_shards))) if n_shards > 1 else float(k > 0)


def unlearning_cost(batch_size: int, n_shards: int) -> float:
    """Expected rows SISA retrains per batch of ``batch_size`` erasures, as a share of full retraining.

    Shards of equal size: ``expected_shards_hit(batch_size, n_shards) / n_shards``. One request
    at a time costs ``1/S``; a large batch touches every shard and costs as much as retraining.

    >>> unlearning_cost(1, 10), round(unlearning_cost(100, 10), 3)
    (0.1, 1.0)
    """
    check_range(batch_size, "batch_size", low=0, high=10**9, integer=True)
    check_range(n_shards, "n_shards", low=1, high=10**9, integer=True)
    return expected_shards_hit(batch_size, n_shards) / n_shards
