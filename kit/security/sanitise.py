"""Training-set sanitisation against poisoning: kNN label consistency, spectral signatures,
activation clustering (the attacks are in ``kit.security.poisoning``).

Papers
------
- "Label Sanitization against Label Flipping Poisoning Attacks", Paudice, Munoz-Gonzalez &
  Lupu, ECML PKDD workshops 2018, https://arxiv.org/abs/1803.00992 (kNN label consistency).
- "Spectral Signatures in Backdoor Attacks", Tran, Li & Madry, NeurIPS 2018,
  https://arxiv.org/abs/1811.00636 (poisons stand out along the top singular vector).
- "Detecting Backdoor Attacks on Deep Neural Networks by Activation Clustering", Chen et al.,
  AAAI SafeAI workshop 2019, https://arxiv.org/abs/1811.03728.

Taught in ``notebooks/22_security-poisoning.ipynb``. Functions return new arrays (inputs are
never modified).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from kit._validate import as_array, as_labels, check_range, check_seed, same_length


def knn_label_consistency(features: ArrayLike, y: ArrayLike, *, k: int = 10,
                          agree: float = 0.5) -> np.ndarray:
    """Keep a row only if its label agrees with its ``k`` nearest neighbours' labels.

    A row is dropped when fewer than ``agree`` of its neighbours (itself excluded) share its
    label (Paudice et al. 2018, https://arxiv.org/abs/1803.00992). A poisoned point keeps the
    look of its true class, so its neighbours vote against its planted label.

    Parameters
    ----------
    features : array ``(n, d)`` (flattened pixels or a trusted representation)
    y : int array ``(n,)``
    k : int
    agree : float in [0, 1]

    Returns
    -------
    keep : bool array ``(n,)``

    Examples
    --------
    >>> F = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [0.15]])
    >>> knn_label_consistency(F, np.array([0, 0, 0, 1, 1, 1]), k=2).tolist()
    [True, True, True, True, True, False]
    """
    from sklearn.neighbors import NearestNeighbors

    F = as_array(features, "features", ndim=2)
    y = as_labels(y)
    n = same_length(features=F, y=y)
    check_range(k, "k", low=1, high=n - 1, integer=True)
    check_range(agree, "agree", low=0, high=1)
    _, nbr = NearestNeighbors(n_neighbors=k + 1).fit(F).kneighbors(F)
    # drop each row itself (the first neighbour, or wherever it appears after ties)
    votes = np.array([(y[[j for j in row if j != i][:k]] == y[i]).mean() for i, row in enumerate(nbr)])
    return votes >= agree


def spectral_scores(features: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Outlier score of each row: squared projection on its class's top singular vector.

    Within one label, centre the representations and take the top right singular vector
    ``v``; the score is ``((r - mean) . v) ** 2`` (Tran et al., NeurIPS 2018,
    https://arxiv.org/abs/1811.00636).

    Parameters
    ----------
    features : array ``(n, d)``, e.g. a network's penultimate activations
    y : int array ``(n,)``

    Returns
    -------
    scores : array ``(n,)``

    Examples
    --------
    >>> F = np.r_[np.random.default_rng(0).normal(size=(20, 3)), [[9.0, 9, 9]]]
    >>> int(np.argmax(spectral_scores(F, np.zeros(21, "int64"))))
    20
    """
    F = as_array(features, "features", ndim=2)
    y = as_labels(y)
    same_length(features=F, y=y)
    if F.shape[1] == 0:
        raise ValueError(f"features: expected at least one feature per row, got shape {F.shape}")
    scores = np.zeros(len(y))
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        if len(rows) < 2:
            continue
        R = F[rows] - F[rows].mean(axis=0)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                v = np.linalg.svd(R, full_matrices=False)[2][0]
                scores[rows] = (R @ v) ** 2
        except np.linalg.LinAlgError as exc:
            raise ValueError(f"features: the SVD of class {c} failed ({exc}); rescale the features") from None
    if not np.isfinite(scores).all():
        raise ValueError("features: the spectral scores overflow float64; rescale the features")
    return scores


def spectral_filter(features: ArrayLike, y: ArrayLike, *, expected_share: float,
                    factor: float = 1.5) -> np.ndarray:
    """Drop, in every class, the ``factor * expected_share`` rows with the top spectral scores.

    ``expected_share`` is the defender's guess of the poisoned share of a class (Tran et al.
    remove 1.5 times it). Returns ``keep``, a bool array ``(n,)``.

    Examples
    --------
    >>> F = np.r_[np.random.default_rng(0).normal(size=(20, 3)), [[9.0, 9, 9]]]
    >>> keep = spectral_filter(F, np.zeros(21, "int64"), expected_share=0.05)
    >>> int((~keep).sum()), bool(keep[20])
    (2, False)
    """
    check_range(expected_share, "expected_share", low=0, high=1)
    check_range(factor, "factor", low=0)
    scores = spectral_scores(features, y)
    y = as_labels(y)
    keep = np.ones(len(y), dtype=bool)
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        m = min(len(rows), int(np.ceil(factor * expected_share * len(rows) - 1e-9)))
        if m:
            keep[rows[np.argsort(scores[rows])[::-1][:m]]] = False
    return keep


@dataclass(frozen=True)
class FilterReport:
    """How well a sanitiser separated the poisoned rows from the clean ones (``filter_report``).

    >>> rep = FilterReport(removed=5, poisoned_removed=4, poisoned_total=5)
    >>> rep.recall, rep.clean_removed
    (0.8, 1)
    """

    removed: int
    poisoned_removed: int
    poisoned_total: int

    @property
    def recall(self) -> float:
        """Share of the poisoned rows removed."""
        return self.poisoned_removed / self.poisoned_total if self.poisoned_total else 1.0

    @property
    def clean_removed(self) -> int:
        """Clean rows removed along with the poison (the defence's cost)."""
        return self.removed - self.poisoned_removed

    def __repr__(self) -> str:
        return (f"FilterReport(removed={self.removed}, poisoned caught={self.poisoned_removed}"
                f"/{self.poisoned_total} (recall {self.recall:.2f}), clean removed={self.clean_removed})")


def filter_report(keep: ArrayLike, poisoned: ArrayLike) -> FilterReport:
    """Compare a ``keep`` mask ``(n,)`` with the indices of the truly ``poisoned`` rows.

    >>> filter_report(np.array([True, False, False, True]), np.array([1, 3]))
    FilterReport(removed=2, poisoned caught=1/2 (recall 0.50), clean removed=1)
    """
    keep = as_array(keep, "keep", dtype=None, min_rows=0)
    if keep.ndim != 1:
        raise ValueError(f"keep: expected a 1-D bool mask, got shape {keep.shape}")
    if keep.dtype != bool:
        raise TypeError(f"keep: expected a bool mask (n,), got dtype {keep.dtype}")
    poisoned = as_array(poisoned, "poisoned", ndim=1, dtype=None, min_rows=0)
    if poisoned.size and poisoned.dtype.kind not in "iu":
        raise TypeError(f"poisoned: expected integer row indices, got dtype {poisoned.dtype}")
    poisoned = poisoned.astype(np.int64)
    if poisoned.size and (poisoned.min() < 0 or poisoned.max() >= len(keep)):
        raise ValueError(f"poisoned: expected row indices in [0, {len(keep)}), got [{poisoned.min()}, {poisoned.max()}]")
    return FilterReport(int((~keep).sum()), int((~keep[poisoned]).sum()), len(poisoned))


@dataclass(frozen=True)
class Clustering:
    """Result of ``activation_clustering``: rows kept, each class's silhouette, classes flagged.

    >>> Clustering(np.array([True, False]), {0: 0.52, 1: 0.12}, (0,))
    Clustering(flagged classes=[0], removed=1, silhouette={0: 0.52, 1: 0.12})
    """

    keep: np.ndarray
    silhouette: dict[int, float]
    flagged: tuple[int, ...]

    def __repr__(self) -> str:
        sil = ", ".join(f"{c}: {v:.2f}" for c, v in self.silhouette.items())
        return (f"Clustering(flagged classes={list(self.flagged)}, removed={int((~self.keep).sum())}, "
                f"silhouette={{{sil}}})")


def activation_clustering(features: ArrayLike, y: ArrayLike, *, n_components: int = 10,
                          min_silhouette: float = 0.38, outlier_z: float | None = None,
                          seed: int = 0) -> Clustering:
    """Split each class's activations in two; where the split is clean, drop the smaller part.

    Chen et al., "Detecting Backdoor Attacks on Deep Neural Networks by Activation
    Clustering", AAAI SafeAI workshop 2019, https://arxiv.org/abs/1811.03728: inside the
    target class the poisoned rows are activated by the trigger, not by the digit, so they
    form their own cluster. Per class: reduce to ``n_components`` (PCA here; the paper uses
    ICA), run 2-means, and flag the class when the silhouette score reaches
    ``min_silhouette``; the smaller cluster of a flagged class is removed. A fixed threshold
    has to be tuned to the data; ``outlier_z`` replaces it by a rule that needs no tuning: flag
    a class whose silhouette exceeds the median over all classes by more than ``outlier_z``
    median absolute deviations (a poisoned class is the odd one out).

    Parameters
    ----------
    features : array ``(n, d)``, activations of the model trained on the suspect data
    y : int array ``(n,)``, the labels as given (poisoned ones included)
    n_components : int
    min_silhouette : float in [-1, 1]
    outlier_z : float > 0, optional
        When given, used instead of ``min_silhouette`` (the rule above).
    seed : int
        Seeds k-means.

    Returns
    -------
    Clustering

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> F = np.r_[rng.normal(size=(40, 5)), rng.normal(size=(10, 5)) + 6, rng.normal(size=(50, 5))]
    >>> res = activation_clustering(F, np.r_[np.zeros(50, "int64"), np.ones(50, "int64")], n_components=3)
    >>> res.flagged, int((~res.keep[40:50]).sum()), int((~res.keep).sum())
    ((0,), 10, 10)
    >>> F3 = np.r_[F, rng.normal(size=(50, 5))]
    >>> activation_clustering(F3, np.r_[np.zeros(50, "int64"), np.ones(50, "int64"), np.full(50, 2)],
    ...                       n_components=3, outlier_z=4).flagged
    (0,)
    """
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score

    F = as_array(features, "features", ndim=2)
    y = as_labels(y)
    same_length(features=F, y=y)
    check_range(n_components, "n_components", low=1, high=10**4, integer=True)
    seed = check_seed(seed)
    check_range(min_silhouette, "min_silhouette", low=-1, high=1)
    if outlier_z is not None:
        check_range(outlier_z, "outlier_z", low=1e-9, high=1e6)
    keep = np.ones(len(y), dtype=bool)
    sil: dict[int, float] = {}
    splits: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        if len(rows) < max(4, n_components + 1):
            continue
        Z = PCA(min(n_components, F.shape[1]), random_state=seed).fit_transform(F[rows])
        lab = KMeans(2, n_init=10, random_state=seed).fit_predict(Z)
        if len(np.unique(lab)) < 2:
            continue
        sil[int(c)] = float(silhouette_score(Z, lab))
        splits[int(c)] = (rows, lab)
    if outlier_z is None:
        flagged = [c for c, v in sil.items() if v >= min_silhouette]
    else:
        values = np.array(list(sil.values()))
        median = float(np.median(values)) if len(values) else 0.0
        mad = float(np.median(np.abs(values - median))) if len(values) else 0.0
        flagged = [c for c, v in sil.items() if mad > 0 and v > median + outlier_z * mad]
    for c in flagged:
        rows, lab = splits[c]
        small = np.argmin(np.bincount(lab))
        keep[rows[lab == small]] = False
    return Clustering(keep, sil, tuple(flagged))


