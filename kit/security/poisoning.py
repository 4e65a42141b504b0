"""Data poisoning attacks: label flips and backdoor triggers (defences: ``kit.security.sanitise``).

Papers
------
- "Poisoning Attacks against Support Vector Machines", Biggio, Nelson & Laskov, ICML 2012,
  https://arxiv.org/abs/1206.6389 (a few crafted training points steer the learner).
- "BadNets: Identifying Vulnerabilities in the Machine Learning Model Supply Chain", Gu,
  Dolan-Gavitt & Garg, 2017, https://arxiv.org/abs/1708.06733 (a trigger patch backdoor).

Taught in ``notebooks/22_security-poisoning.ipynb``. Functions return new arrays (inputs are
never modified) and take a ``seed`` where they draw randomness.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from kit._validate import as_array, as_labels, check_range, check_seed, same_length


def _images(X) -> np.ndarray:
    arr = as_array(X, "X", ndim=3, dtype=None)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"X: expected images of numbers, got dtype {arr.dtype}")
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def _count(share: float, n: int) -> int:
    check_range(share, "share", low=0, high=1)
    return int(round(share * n))


def random_flips(y: ArrayLike, share: float, *, n_classes: int | None = None,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Give ``share`` of the rows a uniformly random *wrong* label (noise-like poisoning).

    Parameters
    ----------
    y : int array ``(n,)``
    share : float in [0, 1]
        Share of rows flipped.
    n_classes : int, optional
        Number of classes (``y.max() + 1`` when omitted).
    seed : int

    Returns
    -------
    (y_poisoned ``(n,)``, flipped ``(k,)`` row indices)

    Examples
    --------
    >>> y = np.arange(10).repeat(10)
    >>> y2, idx = random_flips(y, 0.2, seed=0)
    >>> len(idx), int((y2 != y).sum())
    (20, 20)
    """
    y = as_labels(y)
    k = _count(share, len(y))
    if n_classes is None:
        n_classes = int(y.max()) + 1
        if n_classes < 2:
            raise ValueError("y: only class 0 occurs; pass n_classes= to say how many classes there are")
    check_range(n_classes, "n_classes", low=2, high=2**31, integer=True)
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"y: expected labels in [0, {n_classes}), got [{y.min()}, {y.max()}]")
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(y), size=k, replace=False))
    shift = rng.integers(1, n_classes, size=k)  # never 0: the new label always differs
    y_new = y.copy()
    y_new[idx] = (y[idx] + shift) % n_classes
    return y_new, idx


def targeted_flips(y: ArrayLike, share: float, *, source: int, target: int,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Relabel ``share`` of the *training set* from class ``source`` to class ``target``.

    The attacker spends the same budget as ``random_flips`` but concentrates it on one class
    pair, as in a poisoning that aims at one outcome (Biggio et al., ICML 2012 craft the
    points; here the choice of rows is the whole attack). The budget is capped at the size of
    the source class.

    Parameters
    ----------
    y : int array ``(n,)``
    share : float in [0, 1]
        Budget as a share of all rows.
    source, target : int
        Class whose rows are relabelled, and the label they get.

    Returns
    -------
    (y_poisoned ``(n,)``, flipped ``(k,)`` row indices)

    Examples
    --------
    >>> y = np.arange(10).repeat(10)
    >>> y2, idx = targeted_flips(y, 0.05, source=3, target=8, seed=0)
    >>> sorted(set(y[idx].tolist())), sorted(set(y2[idx].tolist()))
    ([3], [8])
    """
    y = as_labels(y)
    check_range(source, "source", integer=True)
    check_range(target, "target", low=0, high=2**63 - 1, integer=True)
    if source == target:
        raise ValueError(f"target: expected a class other than source={source}")
    pool = np.flatnonzero(y == source)
    if len(pool) == 0:
        raise ValueError(f"source: class {source} does not occur in y")
    k = min(_count(share, len(y)), len(pool))
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(pool, size=k, replace=False))
    y_new = y.copy()
    y_new[idx] = target
    return y_new, idx


def add_trigger(X: ArrayLike, *, size: int = 2, value: float = 1.0) -> np.ndarray:
    """Stamp a ``size`` x ``size`` square of brightness ``value`` in the bottom-right corner.

    The BadNets trigger (Gu et al. 2017, https://arxiv.org/abs/1708.06733): a small pattern
    that never occurs in clean data, so the model can tie it to the attacker's label without
    hurting clean accuracy.

    Parameters
    ----------
    X : array ``(n, H, W)``, pixels in [0, 1]

    Returns
    -------
    A new array ``(n, H, W)``.

    Examples
    --------
    >>> add_trigger(np.zeros((1, 4, 4)), size=2)[0]
    array([[0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [0., 0., 1., 1.],
           [0., 0., 1., 1.]])
    """
    X = _images(X)
    check_range(size, "size", low=1, high=min(X.shape[1:]), integer=True)
    check_range(value, "value", low=0, high=1)
    out = X.copy()
    out[:, -size:, -size:] = value
    return out


@dataclass(frozen=True)
class Backdoor:
    """A poisoned training set: ``X``, ``y`` with triggered rows ``poisoned`` labelled ``target``.

    Made by ``backdoor``; ``share`` is the poisoned share of all rows, ``size`` the trigger side.

    >>> Backdoor(np.zeros((4, 8, 8)), np.zeros(4, "int64"), np.array([1]), target=0, size=2).share
    0.25
    """

    X: np.ndarray
    y: np.ndarray
    poisoned: np.ndarray
    target: int
    size: int

    @property
    def share(self) -> float:
        """Poisoned rows as a share of all rows."""
        return len(self.poisoned) / len(self.y)

    def __repr__(self) -> str:
        return (f"Backdoor(n={len(self.y)}, poisoned={len(self.poisoned)} ({self.share:.1%}), "
                f"target={self.target}, trigger={self.size}x{self.size})")


def backdoor(X: ArrayLike, y: ArrayLike, share: float, *, target: int = 0, size: int = 2, value: float = 1.0,
             seed: int = 0) -> Backdoor:
    """Poison ``share`` of the training rows: stamp the trigger and relabel them ``target``.

    Rows are drawn from the classes other than ``target`` (Gu et al. 2017).

    Parameters
    ----------
    X : array ``(n, H, W)``; y : int array ``(n,)``
    share : float in [0, 1]
        Share of *all* rows that are poisoned.
    target : int
        The label the trigger should produce.
    size, value : int, float
        Trigger side in pixels and its brightness (see ``add_trigger``).
    seed : int

    Returns
    -------
    Backdoor

    Examples
    --------
    >>> X, y = np.zeros((100, 8, 8)), np.arange(10).repeat(10)
    >>> bd = backdoor(X, y, 0.05, target=0, seed=0)
    >>> bd
    Backdoor(n=100, poisoned=5 (5.0%), target=0, trigger=2x2)
    >>> bool((bd.y[bd.poisoned] == 0).all()), float(bd.X[bd.poisoned, -1, -1].min())
    (True, 1.0)
    """
    X = _images(X)
    y = as_labels(y)
    same_length(X=X, y=y)
    check_range(target, "target", low=0, high=2**63 - 1, integer=True)
    check_range(size, "size", low=1, high=min(X.shape[1:]), integer=True)
    check_range(value, "value", low=0, high=1)
    pool = np.flatnonzero(y != target)
    k = min(_count(share, len(y)), len(pool))
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(pool, size=k, replace=False))
    Xp, yp = X.copy(), y.copy()
    if k:
        Xp[idx] = add_trigger(X[idx], size=size, value=value)
    yp[idx] = target
    return Backdoor(Xp, yp, idx, int(target), int(size))


def attack_success_rate(y_pred_triggered: ArrayLike, y_true: ArrayLike, *, target: int) -> float:
    """Share of triggered test inputs, whose true class is not ``target``, predicted ``target``.

    Examples
    --------
    >>> attack_success_rate([0, 0, 1, 0], [1, 2, 3, 0], target=0)
    0.6666666666666666
    """
    y_pred, y_true = as_labels(y_pred_triggered, "y_pred_triggered"), as_labels(y_true, "y_true")
    same_length(y_pred_triggered=y_pred, y_true=y_true)
    check_range(target, "target", integer=True)
    mask = y_true != target
    if not mask.any():
        raise ValueError("y_true: expected some rows whose class is not the target")
    return float((y_pred[mask] == target).mean())
