"""The augmentation drift gate: accept a transform only if its output stays close to real data.

Whether a transform is *label-preserving* is a fact about the data, not the code: a small
rotation keeps a 6 a 6, a half turn makes it a 9 (Paleyes et al. 2022, "data augmentation").
``drift_gate`` measures it on real data, class by class, before anything is trained. Taught
in ``notebooks/03_data-augmentation.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kit._validate import as_array, check_range, check_seed, check_type, same_length
from kit.augment import Flip, RandomAffine, Transform, augment  # noqa: F401  (doctest names)
from kit.shift.twosample import domain_classifier_auc

__all__ = ["GateResult", "drift_gate"]


@dataclass
class GateResult:
    """What ``drift_gate`` decided for one transform: the mean class-wise AUC and the verdict.

    >>> GateResult("Flip(p=1.0)", 0.97, {0: 0.96, 1: 0.98}, threshold=0.75, accepted=False)
    GateResult(REJECT: Flip(p=1.0), class-wise AUC 0.97 (worst class 1: 0.98), threshold 0.75)
    """

    transform: str
    auc: float
    per_class: dict[int, float] = field(repr=False)
    threshold: float
    accepted: bool

    def __repr__(self) -> str:
        verdict = "accept" if self.accepted else "REJECT"
        worst = max(self.per_class, key=self.per_class.get)
        return (f"GateResult({verdict}: {self.transform}, class-wise AUC {self.auc:.2f} "
                f"(worst class {worst}: {self.per_class[worst]:.2f}), threshold {self.threshold:.2f})")


def drift_gate(transform: Transform, X, y, *, threshold: float = 0.75, n_per_class: int = 60,
               seed: int = 0, name: str | None = None) -> GateResult:
    """Accept a transform only if, class by class, its output stays close to real images.

    For each class, half of the real images are transformed and a domain classifier
    (``kit.shift.twosample.domain_classifier_auc``) tries to tell them from the other,
    untouched half; the gate's score is the mean of the per-class AUCs. Class-wise matters:
    an upside-down 6 looks like a real *9*, so pooled over classes it barely drifts, but next
    to real 6s it stands out. The idea of rejecting augmentations that drift from real data follows
    Paleyes et al. 2022; the domain classifier is Ganin et al.'s (JMLR 2016) discriminator.

    Parameters
    ----------
    transform : callable
    X : array-like, shape (n, H, W), real images in [0, 1]
    y : array-like of int, shape (n,)
    threshold : float
        Largest mean class-wise AUC accepted (0.5 = indistinguishable from real).
    n_per_class : int
        Images per half per class (2 * n_per_class real images of each class are used).
    seed : int
    name : str, optional
        Label shown in the result (defaults to the transform's repr).

    Returns
    -------
    GateResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.zeros((80, 8, 8), dtype="float32"); X[:, 2:6, 1:3] = rng.random((80, 4, 2))
    >>> y = np.repeat([0, 1], 40)
    >>> drift_gate(Flip(p=1.0), X, y, n_per_class=20).accepted
    False
    >>> drift_gate(RandomAffine(), X, y, n_per_class=20).accepted
    True
    """
    arr = as_array(X, "X", ndim=3).astype(np.float32)
    labels = as_array(y, "y", ndim=1, dtype=None)
    same_length(X=arr, y=labels)
    check_range(threshold, "threshold", low=0.5, high=1)
    check_range(n_per_class, "n_per_class", low=5, integer=True)
    seed = check_seed(seed)
    if name is not None:
        check_type(name, "name", str, what="a label (str) or None")
    rng = np.random.default_rng(seed)
    per_class: dict[int, float] = {}
    for k, c in enumerate(np.unique(labels)):
        idx = rng.permutation(np.flatnonzero(labels == c))
        m = min(n_per_class, len(idx) // 2)
        if m < 5:
            raise ValueError(f"y: class {c} has {len(idx)} images; the gate needs at least 10")
        ref, cur = arr[idx[:m]], augment(arr[idx[m:2 * m]], transform, seed=seed + k)
        per_class[int(c)] = domain_classifier_auc(ref, cur, seed=seed + k).statistic
    auc = float(np.mean(list(per_class.values())))
    return GateResult(name or repr(transform), auc, per_class, float(threshold), auc <= threshold)
