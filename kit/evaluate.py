"""Which classes does a model mix up, and what does an update break? Pair confusions and flips.

Accuracy says how often a model is wrong; a pair confusion says *where*: the share of true
``a`` and ``b`` examples predicted as the other one. A transform that maps one class onto
another (a half turn makes a 6 a 9) shows up as one pair that stands out, while accuracy
drops only a little. ``confusion_pairs`` ranks every pair, so the pairs a change hurts most
can be read off a table. Both agree with ``sklearn.metrics.confusion_matrix``
(``tests/test_evaluate.py``). Taught in ``notebooks/03_data-augmentation.ipynb``.

An update is judged against the model it replaces as well as against the labels:
``flip_rates`` counts the *negative flips* (rows the old model got right and the new one gets
wrong, Yan et al. 2021) and the positive ones. Taught in
``notebooks/16_updating-compatibility.ipynb``.

Examples
--------
>>> y_true, y_pred = [6, 6, 9, 9, 1, 7], [9, 6, 6, 9, 1, 7]
>>> pair_confusion(y_true, y_pred, 6, 9), pair_confusion(y_true, y_pred, 1, 7)
(0.5, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kit._validate import as_array, same_length

__all__ = ["pair_confusion", "confusion_pairs", "FlipRates", "flip_rates"]


def _labels(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    yt = as_array(y_true, "y_true", ndim=1, dtype=None)
    yp = as_array(y_pred, "y_pred", ndim=1, dtype=None)
    same_length(y_true=yt, y_pred=yp)
    return yt, yp


def pair_confusion(y_true: Any, y_pred: Any, a: int, b: int) -> float:
    """Share of the true ``a`` and ``b`` examples predicted as the other one (a<->b swaps).

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n,)
    a, b : int
        The two classes.

    Returns
    -------
    float in [0, 1]: (#a predicted b + #b predicted a) / (#a + #b).

    Examples
    --------
    >>> pair_confusion([6, 6, 9, 9, 1], [9, 6, 9, 9, 1], 6, 9)
    0.25
    """
    yt, yp = _labels(y_true, y_pred)
    mask = (yt == a) | (yt == b)
    if not mask.any():
        raise ValueError(f"y_true: contains neither class {a} nor {b}")
    swapped = ((yt == a) & (yp == b)) | ((yt == b) & (yp == a))
    return float(swapped.sum() / mask.sum())


def confusion_pairs(y_true: Any, y_pred: Any, *, top: int | None = None) -> dict[tuple[int, int], float]:
    """``pair_confusion`` for every pair of classes ``a < b`` present, largest first.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n,)
    top : int, optional
        Keep only the ``top`` most confused pairs.

    Returns
    -------
    dict (a, b) -> share swapped, ties broken by the pair.

    Examples
    --------
    >>> confusion_pairs([6, 6, 9, 9, 1, 7], [9, 6, 9, 9, 7, 7], top=2)
    {(1, 7): 0.5, (6, 9): 0.25}
    """
    yt, yp = _labels(y_true, y_pred)
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
            raise ValueError(f"top: expected a positive int or None, got {top!r}")
        top = int(top)
    classes = np.unique(yt).tolist()
    rates = {(int(a), int(b)): pair_confusion(yt, yp, a, b)
             for i, a in enumerate(classes) for b in classes[i + 1:]}
    ranked = sorted(rates.items(), key=lambda kv: (-kv[1], kv[0]))
    return dict(ranked[:top] if top is not None else ranked)


@dataclass(frozen=True)
class FlipRates:
    """How an update's predictions changed against the labels, row by row (``flip_rates``).

    Attributes
    ----------
    nfr : float
        Negative-flip rate: share of all rows the old model got right and the new one gets wrong.
    pfr : float
        Positive-flip rate: share of all rows the old model got wrong and the new one gets right.
    accuracy_old, accuracy_new : float
        ``accuracy_new - accuracy_old == pfr - nfr``.
    compatibility : float
        Share of the rows the old model got right that the new one still gets right (Bansal
        et al. 2019's compatibility score; NaN when the old model got none right).
    n : int
        Rows compared.

    Examples
    --------
    >>> FlipRates(nfr=0.1, pfr=0.3, accuracy_old=0.5, accuracy_new=0.7, compatibility=0.8, n=10).gain
    0.2
    """

    nfr: float
    pfr: float
    accuracy_old: float
    accuracy_new: float
    compatibility: float
    n: int

    @property
    def gain(self) -> float:
        """Accuracy gained by the update (``pfr - nfr``), rounded to 12 digits."""
        return round(self.accuracy_new - self.accuracy_old, 12)

    def __repr__(self) -> str:
        return (f"FlipRates(nfr={self.nfr:.4f}, pfr={self.pfr:.4f}, accuracy {self.accuracy_old:.4f} -> "
                f"{self.accuracy_new:.4f}, compatibility={self.compatibility:.4f}, n={self.n})")


def flip_rates(y_true: Any, y_old: Any, y_new: Any) -> FlipRates:
    """Negative and positive flips of an update, from the labels and both models' predictions.

    A *negative flip* is a row the old model classified correctly and the new one does not:
    the mistake a user who relied on the old model notices first. Yan et al. (2021),
    "Positive-Congruent Training: Towards Regression-Free Model Updates", CVPR, define the
    negative-flip rate (NFR) over all rows; Bansal et al. (2019), "Updates in Human-AI Teams",
    AAAI, the compatibility score (the old model's correct rows the new one keeps).

    Parameters
    ----------
    y_true, y_old, y_new : array-like of labels, shape (n,)
        The labels and the old and new models' predicted labels.

    Returns
    -------
    FlipRates

    Examples
    --------
    >>> flip_rates([1, 1, 0, 0, 1], [1, 0, 0, 1, 1], [1, 1, 1, 0, 0])
    FlipRates(nfr=0.4000, pfr=0.4000, accuracy 0.6000 -> 0.6000, compatibility=0.3333, n=5)
    """
    yt, yo, yn = (as_array(v, name, ndim=1, dtype=None)
                  for v, name in ((y_true, "y_true"), (y_old, "y_old"), (y_new, "y_new")))
    same_length(y_true=yt, y_old=yo, y_new=yn)
    old_ok, new_ok = yo == yt, yn == yt
    n_ok = int(old_ok.sum())
    return FlipRates(nfr=float((old_ok & ~new_ok).mean()), pfr=float((~old_ok & new_ok).mean()),
                     accuracy_old=float(old_ok.mean()), accuracy_new=float(new_ok.mean()),
                     compatibility=float((old_ok & new_ok).sum() / n_ok) if n_ok else float("nan"), n=len(yt))
