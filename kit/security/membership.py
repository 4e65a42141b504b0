"""Membership inference: was this record in the model's training set?

Shokri, Stronati, Song & Shmatikov (2017), "Membership Inference Attacks Against Machine
Learning Models", IEEE S&P, trained shadow models to attack ML-as-a-service APIs. Yeom,
Giacomelli, Fredrikson & Jha (2018), "Privacy Risk in Machine Learning: Analyzing the
Connection to Overfitting", IEEE CSF, showed a one-line attack does much of the work: call a
record a member when the model's loss on it is below a threshold (the average training loss).
Its *membership advantage*, ``TPR - FPR`` on equally many members and non-members, is 0 for a
model that learned nothing about who was in its training set, and grows with the
generalisation gap. A model trained with ``(epsilon, delta)``-differential privacy caps it
(``advantage_bound``). Taught in ``notebooks/07_privacy-membership.ipynb``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score

from kit._validate import as_array, as_labels, check_choice, check_range, same_length

__all__ = ["MembershipResult", "advantage_bound", "cross_entropy", "loss_threshold_attack"]


def cross_entropy(proba: ArrayLike, y: ArrayLike, *, floor: float = 1e-12) -> np.ndarray:
    """Per-record loss ``-log p(y | x)``: what a loss-threshold attacker computes from an API's answer.

    Parameters
    ----------
    proba : array ``(n, K)``
        Predicted class probabilities (rows sum to 1), e.g. ``kit.models.nets.predict_proba``.
    y : int labels ``(n,)`` in ``0 .. K-1``
    floor : float
        Probabilities are clipped to at least ``floor`` so a confident mistake costs a finite loss.

    Returns
    -------
    array ``(n,)`` of losses >= 0

    Examples
    --------
    >>> cross_entropy([[0.9, 0.1], [0.5, 0.5]], [0, 1]).round(3)
    array([0.105, 0.693])
    """
    P = as_array(proba, "proba", ndim=2, min_rows=1)
    y = as_labels(y, "y")
    same_length(proba=P, y=y)
    if np.any(P < 0) or not np.allclose(P.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("proba: expected rows of class probabilities (non-negative, summing to 1)")
    if y.min() < 0 or y.max() >= P.shape[1]:
        raise ValueError(f"y: expected labels in 0..{P.shape[1] - 1}, got {y.min()}..{y.max()}")
    check_range(floor, "floor", low=1e-300, high=0.5)
    return -np.log(np.clip(P[np.arange(len(y)), y], floor, 1.0))


@dataclass(frozen=True)
class MembershipResult:
    """What a loss-threshold attack achieved on equally weighted members and non-members.

    ``tpr``: share of members called members; ``fpr``: share of non-members called members;
    ``advantage = tpr - fpr`` (Yeom et al. 2018), 0 at chance, 1 for a perfect attack;
    ``auc``: area under the ROC curve of the score ``-loss`` over all thresholds (0.5 at chance).

    >>> MembershipResult(threshold=0.3, tpr=0.8, fpr=0.6, auc=0.61, n_members=100, n_nonmembers=100)
    MembershipResult(advantage=0.200, tpr=0.800, fpr=0.600, auc=0.610, threshold=0.3, n=100+100)
    """

    threshold: float
    tpr: float
    fpr: float
    auc: float
    n_members: int
    n_nonmembers: int

    @property
    def advantage(self) -> float:
        """``tpr - fpr``."""
        return self.tpr - self.fpr

    @property
    def noise(self) -> float:
        """Standard error of ``advantage`` from sampling the evaluated people (binomial)."""
        return math.sqrt(self.tpr * (1 - self.tpr) / self.n_members + self.fpr * (1 - self.fpr) / self.n_nonmembers)

    def __repr__(self) -> str:
        return (f"MembershipResult(advantage={self.advantage:.3f}, tpr={self.tpr:.3f}, fpr={self.fpr:.3f}, "
                f"auc={self.auc:.3f}, threshold={self.threshold:.3g}, n={self.n_members}+{self.n_nonmembers})")


def loss_threshold_attack(loss_members: ArrayLike, loss_nonmembers: ArrayLike, *,
                          threshold: float) -> MembershipResult:
    """Call a record a member when the model's loss on it is ``<= threshold`` (Yeom et al. 2018).

    Yeom et al.'s attacker sets ``threshold`` to the model's average training loss (which a
    provider often publishes); an attacker with data of their own can instead calibrate it on a
    shadow model (Shokri et al. 2017). Either way the threshold must not be tuned on the people
    being evaluated: a threshold picked to separate them reports a positive advantage even for a
    model that never saw any of them. The AUC, by contrast, sweeps every threshold.

    Parameters
    ----------
    loss_members : array ``(n,)``
        Losses of records that were in the training set (``cross_entropy``).
    loss_nonmembers : array ``(m,)``
        Losses of records from the same population that were not.
    threshold : float

    Returns
    -------
    MembershipResult

    Examples
    --------
    >>> r = loss_threshold_attack([0.01, 0.02, 0.9, 0.03], [0.5, 0.02, 1.2, 2.0], threshold=0.1)
    >>> r.tpr, r.fpr, round(r.advantage, 2), round(r.auc, 3)
    (0.75, 0.25, 0.5, 0.781)
    """
    lm = as_array(loss_members, "loss_members", ndim=1, min_rows=1)
    ln = as_array(loss_nonmembers, "loss_nonmembers", ndim=1, min_rows=1)
    check_range(threshold, "threshold", low=-1e300, high=1e300)
    truth = np.r_[np.ones(len(lm)), np.zeros(len(ln))]
    auc = float(roc_auc_score(truth, -np.r_[lm, ln]))
    return MembershipResult(float(threshold), float(np.mean(lm <= threshold)), float(np.mean(ln <= threshold)),
                            auc, len(lm), len(ln))


def advantage_bound(epsilon: float, *, delta: float = 0.0, kind: str = "hypothesis") -> float:
    """The largest membership advantage an ``(epsilon, delta)``-DP training algorithm allows.

    ``kind="yeom"``: ``e^epsilon - 1`` (Yeom et al. 2018, Theorem 1, for pure epsilon-DP; above 1
    once epsilon > ln 2, i.e. it says nothing there). ``kind="hypothesis"``: DP makes any test
    of "member or not" satisfy ``FPR + e^epsilon * FNR >= 1 - delta`` and the same with the two
    errors swapped (Kairouz, Oh & Viswanath 2015); the best such test has advantage
    ``(e^epsilon - 1 + 2 delta) / (e^epsilon + 1)`` (Humphries et al. 2020), always < 1.

    Parameters
    ----------
    epsilon : float >= 0
    delta : float in [0, 1)
        Must be 0 for ``kind="yeom"``.
    kind : {"hypothesis", "yeom"}

    Returns
    -------
    float

    Examples
    --------
    >>> round(advantage_bound(1.0), 3), round(advantage_bound(1.0, kind="yeom"), 3)
    (0.462, 1.718)
    >>> advantage_bound(0.0)
    0.0
    """
    check_range(epsilon, "epsilon", low=0.0, high=700.0)
    check_range(delta, "delta", low=0.0, high=1 - 1e-12)
    check_choice(kind, "kind", ("hypothesis", "yeom"))
    if kind == "yeom":
        if delta != 0:
            raise ValueError("delta: Yeom et al.'s bound is for pure epsilon-DP; use kind='hypothesis' with delta > 0")
        return math.expm1(epsilon)
    return min(1.0, (math.expm1(epsilon) + 2 * delta) / (math.exp(epsilon) + 1))
