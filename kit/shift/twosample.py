"""How far has the current data drifted from the reference? Two generic measures.

* ``domain_classifier_auc``: train a classifier to tell ``X_ref`` from ``X_cur`` and report its
  out-of-fold ROC AUC: 0.5 means the two samples are indistinguishable, 1.0 means every row
  gives its origin away. This is the discriminator of domain-adversarial training (Ganin et
  al., JMLR 2016) and the "classifier two-sample test" (Lopez-Paz & Oquab, ICLR 2017).
* ``mmd_test``: the kernel maximum mean discrepancy with an RBF kernel (Gretton et al., JMLR
  2012), unbiased estimate, with a permutation p-value.

Both take 2-D feature arrays ``(n, d)``; anything with more axes (images ``(n, H, W)``) is
flattened to ``(n, H * W)``. Pass embeddings instead of pixels to measure drift in a model's
feature space. Taught in ``notebooks/03_data-augmentation.ipynb`` (augmented and synthetic
digits against real ones) and reused by the monitoring and updating notebooks.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> X_ref, X_cur = rng.normal(size=(200, 5)), rng.normal(0.8, 1, size=(200, 5))
>>> domain_classifier_auc(X_ref, X_cur).auc > 0.8
True
>>> mmd_test(X_ref, X_cur, n_permutations=99).p_value
0.01
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kit._validate import as_features, check_range


def _pair(X_ref, X_cur) -> tuple[np.ndarray, np.ndarray]:
    ref, cur = as_features(X_ref, "X_ref", min_rows=2), as_features(X_cur, "X_cur", min_rows=2)
    if ref.shape[1] != cur.shape[1]:
        raise ValueError(f"X_cur: expected {ref.shape[1]} features like X_ref, got {cur.shape[1]}")
    return ref, cur


@dataclass(frozen=True)
class DomainAUC:
    """Out-of-fold ROC AUC of a classifier telling current rows from reference rows."""

    auc: float
    n_ref: int
    n_cur: int
    n_splits: int

    def __repr__(self) -> str:
        return f"DomainAUC(auc={self.auc:.3f}, n_ref={self.n_ref}, n_cur={self.n_cur}, n_splits={self.n_splits})"


def domain_classifier_auc(X_ref, X_cur, *, model=None, n_splits: int = 3, seed: int = 0) -> DomainAUC:
    """ROC AUC of a domain classifier between ``X_ref`` (label 0) and ``X_cur`` (label 1).

    Every row is scored by a model that did not see it (stratified k-fold), so the AUC is an
    honest estimate: about 0.5 when nothing drifted, whatever the model's capacity.

    Parameters
    ----------
    X_ref : array-like, shape (n_ref, d) or (n_ref, H, W)
    X_cur : array-like, shape (n_cur, d) or (n_cur, H, W)
    model : sklearn classifier, optional
        Anything with ``fit`` and ``predict_proba``; default an L2 logistic regression.
    n_splits : int
        Folds of the cross-fitting.
    seed : int
        Seeds the fold split (and the model, if it takes ``random_state``).

    Returns
    -------
    DomainAUC

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> same = domain_classifier_auc(rng.random((100, 3, 3)), rng.random((100, 3, 3)))
    >>> round(abs(same.auc - 0.5), 1) <= 0.1
    True
    """
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    ref, cur = _pair(X_ref, X_cur)
    check_range(n_splits, "n_splits", low=2, integer=True)
    check_range(seed, "seed", low=0, integer=True)
    if min(len(ref), len(cur)) < n_splits:
        raise ValueError(f"X_ref, X_cur: each needs at least n_splits={n_splits} rows")
    Z = np.vstack([ref, cur])
    d = np.r_[np.zeros(len(ref), dtype=int), np.ones(len(cur), dtype=int)]
    base = model if model is not None else LogisticRegression(C=0.1, max_iter=300)
    score = np.empty(len(Z))
    folds = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    for train, test in folds.split(Z, d):
        clf = clone(base)
        if "random_state" in clf.get_params():
            clf.set_params(random_state=seed)
        clf.fit(Z[train], d[train])
        score[test] = clf.predict_proba(Z[test])[:, 1]
    return DomainAUC(float(roc_auc_score(d, score)), len(ref), len(cur), n_splits)


@dataclass(frozen=True)
class MMDTest:
    """Unbiased squared MMD with an RBF kernel and its permutation p-value."""

    mmd2: float
    p_value: float
    gamma: float
    n_permutations: int

    def __repr__(self) -> str:
        return (f"MMDTest(mmd2={self.mmd2:.4f}, p_value={self.p_value:.3f}, gamma={self.gamma:.3g}, "
                f"n_permutations={self.n_permutations})")


def _sq_dists(Z: np.ndarray) -> np.ndarray:
    sq = (Z * Z).sum(axis=1)
    D = sq[:, None] + sq[None, :] - 2 * Z @ Z.T
    np.maximum(D, 0, out=D)
    np.fill_diagonal(D, 0)
    return D


def _mmd2_unbiased(K: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Unbiased MMD^2 for each column of the 0/1 membership matrix ``A`` (N, B) (1 = reference)."""
    n = A.sum(axis=0)
    m = len(K) - n
    B = 1 - A
    KA = K @ A
    diag = np.diag(K)
    s_xx = (A * KA).sum(axis=0) - diag @ A
    s_yy = (B * (K @ B)).sum(axis=0) - diag @ B
    s_xy = (B * KA).sum(axis=0)
    return s_xx / (n * (n - 1)) + s_yy / (m * (m - 1)) - 2 * s_xy / (n * m)


def mmd_test(X_ref, X_cur, *, gamma: float | None = None, n_permutations: int = 200,
             seed: int = 0) -> MMDTest:
    """Kernel two-sample test: unbiased MMD^2 with ``k(x, y) = exp(-gamma ||x - y||^2)``.

    The p-value is the share of random relabellings of the pooled rows whose MMD^2 reaches
    the observed one, ``(1 + #{perm >= obs}) / (1 + n_permutations)``, so it can be no
    smaller than ``1 / (1 + n_permutations)``. Gretton et al., "A kernel two-sample test",
    JMLR 2012.

    Parameters
    ----------
    X_ref : array-like, shape (n_ref, d) or (n_ref, H, W)
    X_cur : array-like, shape (n_cur, d) or (n_cur, H, W)
    gamma : float, optional
        RBF width; default the median heuristic ``1 / median(||x - y||^2)`` on the pooled rows.
    n_permutations : int
    seed : int

    Returns
    -------
    MMDTest

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> mmd_test(rng.normal(size=(50, 2)), rng.normal(size=(60, 2)), n_permutations=99).p_value > 0.05
    True
    """
    ref, cur = _pair(X_ref, X_cur)
    check_range(n_permutations, "n_permutations", low=1, integer=True)
    check_range(seed, "seed", low=0, integer=True)
    Z = np.vstack([ref, cur]).astype(np.float64)
    D = _sq_dists(Z)
    if gamma is None:
        off = D[np.triu_indices(len(Z), k=1)]
        med = np.median(off[off > 0]) if (off > 0).any() else 1.0
        gamma = 1.0 / med
    check_range(gamma, "gamma", low=0)
    K = np.exp(-gamma * D)
    N, n = len(Z), len(ref)
    observed = float(_mmd2_unbiased(K, np.r_[np.ones(n), np.zeros(N - n)][:, None])[0])
    rng = np.random.default_rng(seed)
    hits, done = 0, 0
    while done < n_permutations:
        b = min(64, n_permutations - done)
        A = np.zeros((N, b))
        for j in range(b):
            A[rng.permutation(N)[:n], j] = 1
        hits += int((_mmd2_unbiased(K, A) >= observed - 1e-12).sum())
        done += b
    return MMDTest(observed, (1 + hits) / (1 + n_permutations), float(gamma), n_permutations)
