"""Multinomial logistic regression in float64: the deployed linear model of the security lessons.

``SoftmaxRegression`` holds ``W, b`` and predicts ``softmax(X @ W + b)``;
``fit_softmax_regression`` fits it by L-BFGS on hard labels or soft targets (a stolen copy
learns from an API's confidences). Used by ``notebooks/23_security-model-stealing.ipynb`` and
``24_security-model-inversion.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import softmax

from kit._validate import as_array, as_features, check_range, same_length

__all__ = ["SoftmaxRegression", "fit_softmax_regression"]


@dataclass(repr=False)
class SoftmaxRegression:
    """Multinomial logistic regression ``p = softmax(X @ W + b)``, computed in float64.

    Parameters
    ----------
    W : array (d, K)
    b : array (K,)

    Examples
    --------
    >>> m = SoftmaxRegression(np.array([[1.0, -1.0]]), np.zeros(2))
    >>> m, m.predict_proba(np.array([[0.0]])).tolist(), m.predict(np.array([[2.0], [-2.0]])).tolist()
    (SoftmaxRegression(d=1, n_classes=2), [[0.5, 0.5]], [0, 1])
    """

    W: np.ndarray
    b: np.ndarray

    def __post_init__(self) -> None:
        self.W = as_array(self.W, "W", ndim=2).astype(np.float64)
        self.b = as_array(self.b, "b", ndim=1).astype(np.float64)
        if self.W.shape[1] != len(self.b):
            raise ValueError(f"b: expected {self.W.shape[1]} entries (one per class: the columns of W), "
                             f"got {len(self.b)}")

    def _flat(self, X) -> np.ndarray:
        X = as_features(X, "X")
        if X.shape[1] != self.W.shape[0]:
            raise ValueError(f"X: expected {self.W.shape[0]} features per row, got {X.shape[1]}")
        return X

    def decision_function(self, X) -> np.ndarray:
        """Logits ``(n, K)``; images are flattened."""
        return self._flat(X) @ self.W + self.b

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(n, K)``."""
        return softmax(self.decision_function(X), axis=1)

    def predict(self, X) -> np.ndarray:
        """Predicted labels ``(n,)``."""
        return self.decision_function(X).argmax(axis=1)

    def __repr__(self) -> str:
        return f"SoftmaxRegression(d={self.W.shape[0]}, n_classes={self.W.shape[1]})"


def fit_softmax_regression(X: ArrayLike, y: ArrayLike, *, n_classes: int | None = None, l2: float = 1e-3,
                           max_iter: int = 200) -> SoftmaxRegression:
    """Fit multinomial logistic regression by L-BFGS on hard labels or soft targets.

    Minimises mean cross-entropy + ``l2 * ||W||^2``; deterministic (zero initialisation).

    Parameters
    ----------
    X : array (n, d) or images (n, H, W)
    y : int array (n,) of labels, or float array (n, K) of target probabilities
    n_classes : int, optional
        Needed with hard labels when some class is absent from ``y``.
    l2 : float
    max_iter : int

    Returns
    -------
    SoftmaxRegression

    Examples
    --------
    >>> X = np.array([[0.0], [0.2], [0.8], [1.0]]); y = np.array([0, 0, 1, 1])
    >>> fit_softmax_regression(X, y).predict(X).tolist()
    [0, 0, 1, 1]
    """
    import torch

    Xa = as_features(X, "X")
    ya = as_array(y, "y", ndim=(1, 2), dtype=None)
    same_length(X=Xa, y=ya)
    check_range(l2, "l2", low=0, high=1e6)
    check_range(max_iter, "max_iter", low=1, high=10**6, integer=True)
    if ya.ndim == 1:
        if ya.dtype.kind not in "iu":
            raise TypeError(f"y: expected integer labels or (n, K) probabilities, got dtype {ya.dtype}")
        if n_classes is not None:
            check_range(n_classes, "n_classes", low=2, high=10**5, integer=True)
        k = int(n_classes or ya.max() + 1)
        if ya.min() < 0 or ya.max() >= k:
            raise ValueError(f"y: label {ya.min() if ya.min() < 0 else ya.max()} is out of range for {k} classes")
        target = torch.as_tensor(ya, dtype=torch.long)
    else:
        k = ya.shape[1]
        target = torch.as_tensor(as_array(ya, "y", ndim=2), dtype=torch.float64)
    Xt = torch.as_tensor(Xa, dtype=torch.float64)
    W = torch.zeros(Xa.shape[1], k, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(k, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], max_iter=max_iter, line_search_fn="strong_wolfe",
                            tolerance_grad=1e-9, tolerance_change=1e-12)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(Xt @ W + b, target) + l2 * (W ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    if not (torch.isfinite(W).all() and torch.isfinite(b).all()):
        raise ValueError(f"X: the fit overflowed to non-finite weights (|X| up to {np.abs(Xa).max():g}); "
                         "scale the features")
    return SoftmaxRegression(W.detach().numpy().copy(), b.detach().numpy().copy())
