"""Which classes does a model mix up? Pair confusions, the harm a label-breaking change leaves.

Accuracy says how often a model is wrong; a pair confusion says *where*: the share of true
``a`` and ``b`` examples predicted as the other one. A transform that maps one class onto
another (a half turn makes a 6 a 9) shows up as one pair that stands out, while accuracy
drops only a little. ``confusion_pairs`` ranks every pair, so the pairs a change hurts most
can be read off a table. Both agree with ``sklearn.metrics.confusion_matrix``
(``tests/test_evaluate.py``). Taught in ``notebooks/03_data-augmentation.ipynb``.

Examples
--------
>>> y_true, y_pred = [6, 6, 9, 9, 1, 7], [9, 6, 6, 9, 1, 7]
>>> pair_confusion(y_true, y_pred, 6, 9), pair_confusion(y_true, y_pred, 1, 7)
(0.5, 0.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kit._validate import as_array, same_length

__all__ = ["pair_confusion", "confusion_pairs"]


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
