"""Compatible model updates: a new model trained not to break what the old one got right.

A retrained model can be more accurate on average and still get wrong some of the cases its
predecessor got right (negative flips, ``kit.evaluate.flip_rates``). *Focal distillation*
(Yan et al. 2021) adds to the usual cross-entropy a distillation term that pulls the new
model's probabilities towards the old model's, weighted more on the rows the old model
classified correctly:

    loss_i = CE(y_i, p_new_i) + (alpha + beta * [old right on i]) * CE(p_old_i, p_new_i)

``distillation_set`` turns that loss into soft targets and sample weights for the kit's one
training loop (``kit.models.nets.train``): the weighted cross-entropy of the target
``(onehot + w p_old) / (1 + w)`` with weight ``1 + w`` is exactly the sum above (up to
``train``'s per-batch normalisation by the total weight). ``NetClassifier`` is a small
scikit-learn-style network for feature rows (so ``kit.sim.replay`` can retrain it), and
``FocalDistillation`` the same network trained with that loss. Taught in
``notebooks/16_updating-compatibility.ipynb``.

Examples
--------
>>> targets, weight = distillation_set([1, 0], [[0.2, 0.8], [0.3, 0.7]], beta=1.0)
>>> targets.round(2).tolist(), weight.tolist()      # the old model is right on row 0 only
([[0.1, 0.9], [1.0, 0.0]], [2.0, 1.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn

from kit._validate import as_array, as_labels, check_has, check_range, check_seed, same_length
from kit.models.nets import predict_proba, train

__all__ = ["distillation_set", "NetClassifier", "FocalDistillation"]


def distillation_set(y: ArrayLike, p_old: ArrayLike, *, alpha: float = 0.0,
                     beta: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Soft targets and weights that make ``nets.train`` minimise the focal-distillation loss.

    Row ``i`` gets the distillation weight ``w_i = alpha + beta * [argmax p_old_i == y_i]``, the
    target ``(onehot(y_i) + w_i p_old_i) / (1 + w_i)`` and the sample weight ``1 + w_i``:
    weighted cross-entropy to that target is ``CE(y_i) + w_i CE(p_old_i)``.

    Parameters
    ----------
    y : int array (n,)
        Labels in ``0 .. K-1``.
    p_old : array (n, K)
        The old model's class probabilities on the same rows (rows sum to 1).
    alpha, beta : float >= 0
        Distillation weight on every row, and added on rows the old model got right
        (``alpha=beta=0``: plain cross-entropy; ``beta=0``: ordinary distillation).

    Returns
    -------
    targets : float array (n, K), rows summing to 1
    weight : float array (n,)

    Paper: Yan, Xiong, Kundu, Yang, Deng, Wang, Xia & Soatto (2021), "Positive-Congruent
    Training: Towards Regression-Free Model Updates", CVPR (focal distillation, eq. 6).

    Examples
    --------
    >>> t, w = distillation_set([0, 1], [[0.9, 0.1], [0.6, 0.4]], alpha=1.0, beta=0.0)
    >>> t.round(2).tolist(), w.tolist()
    ([[0.95, 0.05], [0.3, 0.7]], [2.0, 2.0])
    """
    yl = as_labels(y, "y")
    P = as_array(p_old, "p_old", ndim=2)
    same_length(y=yl, p_old=P)
    check_range(alpha, "alpha", low=0, high=1e6)
    check_range(beta, "beta", low=0, high=1e6)
    if P.shape[1] < 2 or P.min() < -1e-6 or np.abs(P.sum(axis=1) - 1).max() > 1e-3:
        raise ValueError(f"p_old: expected class probabilities (n, K >= 2) whose rows sum to 1, got shape {P.shape}")
    if yl.min() < 0 or yl.max() >= P.shape[1]:
        raise ValueError(f"y: labels must lie in 0..{P.shape[1] - 1} (the columns of p_old), got {yl.min()}..{yl.max()}")
    w = alpha + beta * (P.argmax(axis=1) == yl)
    targets = (np.eye(P.shape[1])[yl] + w[:, None] * P) / (1 + w[:, None])
    return targets, (1 + w).astype(float)


class NetClassifier(ClassifierMixin, BaseEstimator):
    """A one-hidden-layer network for feature rows with a scikit-learn face (fit, predict_proba).

    Trained by ``kit.models.nets.train`` (Adam, mini-batches, ``seed`` for everything), so it
    can serve in ``kit.sim.replay``, be cloned, frozen (``sklearn.frozen.FrozenEstimator``)
    and compared with scikit-learn models.

    Parameters
    ----------
    hidden : int
        Hidden units (ReLU).
    epochs, batch_size, lr, weight_decay, seed :
        Passed to ``nets.train``.

    Attributes (after ``fit``)
    --------------------------
    classes_ : array (K,)
        The labels seen in ``fit``; ``net_`` the torch module.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(200, 3)); y = (X[:, 0] > 0).astype(int)
    >>> clf = NetClassifier(hidden=8, epochs=30, batch_size=32, lr=1e-2).fit(X, y)
    >>> float((clf.predict(X) == y).mean()) > 0.9, clf.predict_proba(X[:2]).shape
    (True, (2, 2))
    """

    def __init__(self, *, hidden: int = 64, epochs: int = 8, batch_size: int = 256, lr: float = 1e-3,
                 weight_decay: float = 0.0, seed: int = 0) -> None:
        self.hidden = check_range(hidden, "hidden", low=1, high=10**5, integer=True)
        self.epochs = check_range(epochs, "epochs", low=1, high=10**4, integer=True)
        self.batch_size = check_range(batch_size, "batch_size", low=1, high=10**7, integer=True)
        self.lr = check_range(lr, "lr", low=0, high=1e3)
        self.weight_decay = check_range(weight_decay, "weight_decay", low=0, high=1e3)
        self.seed = check_seed(seed)

    def _targets(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """What ``train`` fits: plain labels here (``FocalDistillation`` adds the old model)."""
        return y, None

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> NetClassifier:
        """Fit on rows ``X (n, d)`` and integer labels ``y (n,)``; returns ``self``."""
        Xa = as_array(X, "X", ndim=2)
        yl = as_labels(y, "y")
        same_length(X=Xa, y=yl)
        self.classes_, codes = np.unique(yl, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y: expected at least two classes, got only {self.classes_.tolist()}")
        targets, weight = self._targets(Xa, codes)
        if sample_weight is not None:
            sw = as_array(sample_weight, "sample_weight", ndim=1)
            same_length(X=Xa, sample_weight=sw)
            weight = sw if weight is None else weight * sw
        with torch.random.fork_rng(devices=[]):  # layer constructors draw from the global RNG
            self.net_ = nn.Sequential(nn.Linear(Xa.shape[1], self.hidden), nn.ReLU(),
                                      nn.Linear(self.hidden, len(self.classes_)))
        train(self.net_, Xa, targets, epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
              weight_decay=self.weight_decay, seed=self.seed, sample_weight=weight, show_progress=False)
        if not all(torch.isfinite(p).all() for p in self.net_.parameters()):
            raise ValueError(f"X: the fit overflowed to non-finite weights (|X| up to {np.abs(Xa).max():.3g}); "
                             "scale the features, and keep sample_weight moderate")
        return self

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities ``(n, K)``, columns in the order of ``classes_``."""
        if not hasattr(self, "net_"):
            raise ValueError(f"X: {type(self).__name__} is not fitted yet; call fit(X, y) first")
        Xa = as_array(X, "X", ndim=2)
        if Xa.shape[1] != self.net_[0].in_features:
            raise ValueError(f"X: expected {self.net_[0].in_features} columns as in fit, got {Xa.shape[1]}")
        proba = predict_proba(self.net_, Xa)
        if not np.isfinite(proba).all():
            raise ValueError(f"X: non-finite probabilities (|X| up to {np.abs(Xa).max():.3g}); scale the features "
                             "as in fit")
        return proba

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted labels ``(n,)``."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def _params(self) -> str:
        return f"hidden={self.hidden}, epochs={self.epochs}, seed={self.seed}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._params()})"


class FocalDistillation(NetClassifier):
    """A ``NetClassifier`` trained to agree with ``old`` where ``old`` was right (focal distillation).

    ``fit(X, y)`` asks ``old`` for its probabilities on ``X``, builds the targets and weights
    of ``distillation_set`` and trains as ``NetClassifier`` does. With ``alpha=beta=0`` it is a
    plain ``NetClassifier``.

    Parameters
    ----------
    old : fitted model with ``predict_proba`` (and ``classes_``, the same labels as ``y``)
        The model being replaced.
    alpha, beta : float >= 0
        See ``distillation_set``. Yan et al. (2021) use alpha=1, beta=5 on ImageNet; smaller
        weights cost less accuracy when the old model is much weaker than the new one.
    hidden, epochs, batch_size, lr, weight_decay, seed :
        As for ``NetClassifier``.

    Paper: Yan et al. (2021), "Positive-Congruent Training: Towards Regression-Free Model
    Updates", CVPR.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(300, 2)); y = (X.sum(axis=1) > 0).astype(int)
    >>> old = NetClassifier(hidden=4, epochs=5).fit(X[:50], y[:50])
    >>> new = FocalDistillation(old, beta=2.0, hidden=16, epochs=10).fit(X, y)
    >>> new
    FocalDistillation(hidden=16, epochs=10, seed=0, alpha=0.0, beta=2.0)
    """

    def __init__(self, old: Any, *, alpha: float = 0.0, beta: float = 2.0, hidden: int = 64, epochs: int = 8,
                 batch_size: int = 256, lr: float = 1e-3, weight_decay: float = 0.0, seed: int = 0) -> None:
        super().__init__(hidden=hidden, epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                         seed=seed)
        self.old = check_has(old, "old", "predict_proba", what="a fitted model with predict_proba(X)")
        self.alpha = check_range(alpha, "alpha", low=0, high=1e6)
        self.beta = check_range(beta, "beta", low=0, high=1e6)

    def _targets(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        old_classes = getattr(self.old, "classes_", None)
        if old_classes is not None and not np.array_equal(np.asarray(old_classes), self.classes_):
            raise ValueError(f"y: the labels {self.classes_.tolist()} differ from the old model's classes_ "
                             f"{np.asarray(old_classes).tolist()}")
        p_old = np.asarray(self.old.predict_proba(X), dtype=float)
        return distillation_set(y, p_old, alpha=self.alpha, beta=self.beta)

    def _params(self) -> str:
        return f"{super()._params()}, alpha={self.alpha}, beta={self.beta}"
