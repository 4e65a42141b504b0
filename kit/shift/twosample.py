"""Has the current window drifted from the reference? Four two-sample tests, one result type.

* ``ks_test``: a Kolmogorov-Smirnov test per feature, corrected for testing d features
  (Holm, Bonferroni or Benjamini-Hochberg): the strong simple baseline of Rabanser et al. 2019.
* ``psi``: the population stability index of credit scoring, a magnitude with a rule of thumb.
* ``mmd_test``: the kernel maximum mean discrepancy with an RBF kernel (Gretton et al., JMLR
  2012), unbiased estimate, with a permutation p-value.
* ``domain_classifier_auc``: train a classifier to tell ``X_ref`` from ``X_cur`` and report its
  out-of-fold ROC AUC (Ganin et al., JMLR 2016; Lopez-Paz & Oquab, ICLR 2017).

Each returns a ``ShiftTest``: the statistic, a p-value where the test has one (PSI and the
domain AUC are magnitudes judged against a threshold, so theirs is None), the decision and
the rule that made it. All take 2-D feature arrays ``(n, d)``; images ``(n, H, W)`` are
flattened. Taught in ``notebooks/03_data-augmentation.ipynb`` (augmented and synthetic
digits against real ones) and ``notebooks/15_updating-concept-drift.ipynb`` (inputs over time).

Examples
--------
>>> rng = np.random.default_rng(0)
>>> X_ref, X_cur = rng.normal(size=(200, 5)), rng.normal(0.8, 1, size=(200, 5))
>>> [t.drift for t in (ks_test(X_ref, X_cur), psi(X_ref, X_cur), mmd_test(X_ref, X_cur),
...                    domain_classifier_auc(X_ref, X_cur))]
[True, True, True, True]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats
from scipy.spatial.distance import pdist, squareform

from kit._validate import as_array, as_features, check_choice, check_has, check_range, check_seed

__all__ = ["ShiftTest", "ks_test", "psi", "mmd_test", "domain_classifier_auc"]

CORRECTIONS = ("holm", "bonferroni", "bh", "none")


@dataclass(frozen=True)
class ShiftTest:
    """The outcome of a two-sample test between a reference and a current window.

    Attributes
    ----------
    name : str
        Which test ("ks", "psi", "mmd", "domain_auc").
    statistic : float
        The test's own scale: the largest KS distance, the largest PSI, MMD^2, the AUC.
    p_value : float or None
        None for PSI and the domain AUC, which are magnitudes, not tests with a null law.
    drift : bool
        The decision, by ``rule`` (e.g. ``"p < 0.05"`` or ``"PSI > 0.25"``).
    details : dict
        Per-feature arrays and settings (not compared, not printed).

    Examples
    --------
    >>> ShiftTest("psi", 0.31, None, True, "PSI > 0.25")
    ShiftTest('psi', statistic=0.31, p_value=None, drift=True, rule='PSI > 0.25')
    """

    name: str
    statistic: float
    p_value: float | None
    drift: bool
    rule: str
    details: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        p = "None" if self.p_value is None else f"{self.p_value:.3g}"
        return (f"ShiftTest({self.name!r}, statistic={self.statistic:.3g}, p_value={p}, "
                f"drift={self.drift}, rule={self.rule!r})")


def _check_correction(correction: Any) -> str:
    """``correction`` if it is one of ``CORRECTIONS``, else an error naming it."""
    if not isinstance(correction, str):
        raise TypeError(f"correction: expected one of {list(CORRECTIONS)}, got {type(correction).__name__}")
    return check_choice(correction, "correction", CORRECTIONS)


def _pair(X_ref: Any, X_cur: Any) -> tuple[np.ndarray, np.ndarray]:
    ref, cur = as_features(X_ref, "X_ref", min_rows=2), as_features(X_cur, "X_cur", min_rows=2)
    if ref.shape[1] != cur.shape[1]:
        raise ValueError(f"X_cur: expected {ref.shape[1]} features like X_ref, got {cur.shape[1]}")
    return ref, cur


def _adjust(p: np.ndarray, correction: str) -> np.ndarray:
    """Multiple-testing adjusted p-values (Bonferroni, Holm 1979, Benjamini-Hochberg 1995)."""
    m = len(p)
    if correction == "none":
        return p.copy()
    if correction == "bonferroni":
        return np.minimum(p * m, 1.0)
    order = np.argsort(p)
    ps = p[order]
    if correction == "holm":
        adj = np.maximum.accumulate(np.minimum(ps * (m - np.arange(m)), 1.0))
    else:  # bh
        adj = np.minimum(np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1], 1.0)
    out = np.empty(m)
    out[order] = adj
    return out


def ks_test(X_ref: Any, X_cur: Any, *, alpha: float = 0.05, correction: str = "holm") -> ShiftTest:
    """Two-sample Kolmogorov-Smirnov test on each feature, corrected for testing d features.

    Drift when any feature's adjusted p-value is below ``alpha``; the result's ``p_value`` is
    the smallest adjusted one, ``statistic`` the largest KS distance. ``details`` holds the
    per-feature ``statistics``, adjusted ``p_values`` and ``drifted`` mask, each (d,).

    Parameters
    ----------
    X_ref : array (n_ref, d)
        Reference window (e.g. the training inputs). ``X_cur`` (n_cur, d): current window.
    alpha : float
        Family-wise error rate (Holm, Bonferroni) or false discovery rate (``"bh"``).
    correction : {"holm", "bonferroni", "bh", "none"}

    Paper: Rabanser, Guennemann & Lipton (2019), "Failing loudly", NeurIPS (univariate KS
    with a Bonferroni correction was among the strongest shift tests).

    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=(500, 3)); cur = rng.normal(size=(500, 3)); cur[:, 2] += 0.5
    >>> ks_test(ref, cur).details["drifted"].tolist()
    [False, False, True]
    """
    ref, cur = _pair(X_ref, X_cur)
    check_range(alpha, "alpha", low=0, high=1)
    _check_correction(correction)
    res = [stats.ks_2samp(ref[:, j], cur[:, j]) for j in range(ref.shape[1])]
    stat = np.array([r.statistic for r in res])
    p = _adjust(np.array([r.pvalue for r in res]), correction)
    return ShiftTest("ks", float(stat.max()), float(p.min()), bool((p < alpha).any()),
                     f"p < {alpha} ({correction})",
                     {"statistics": stat, "p_values": p, "drifted": p < alpha})


def psi(X_ref: Any, X_cur: Any, *, bins: int = 10, threshold: float = 0.25,
        eps: float = 1e-4) -> ShiftTest:
    """Population stability index per feature: sum (c - r) log(c / r) over quantile bins.

    Bins are the deciles of each reference feature applied to the current one. Rule of thumb
    from credit scoring: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 major shift (Yurdakul
    2018, "Statistical properties of population stability index", PhD thesis). A magnitude,
    not a test: ``p_value`` is None; ``statistic`` is the largest PSI, ``details["psi"]`` (d,).

    Parameters
    ----------
    X_ref : array (n_ref,) or (n_ref, d)
    X_cur : array (n_cur,) or (n_cur, d)
    bins : int
    threshold : float
        Drift when the largest PSI exceeds it.

    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=2000), rng.normal(size=2000)
    >>> round(psi(a, b).statistic, 2), round(psi(a, b + 1).statistic, 1)
    (0.0, 1.0)
    """
    ref = as_array(X_ref, "X_ref", ndim=(1, 2), min_rows=2)
    cur = as_array(X_cur, "X_cur", ndim=(1, 2), min_rows=2)
    ref, cur = _pair(ref.reshape(len(ref), -1), cur.reshape(len(cur), -1))
    check_range(bins, "bins", low=2, high=10**6, integer=True)
    check_range(threshold, "threshold", low=0)
    check_range(eps, "eps", low=0)
    if not eps > 0:
        raise ValueError(f"eps: expected a floor > 0 for empty bins (log(0) is -inf), got {eps}")
    values = np.empty(ref.shape[1])
    for j in range(ref.shape[1]):
        edges = np.unique(np.quantile(ref[:, j], np.linspace(0, 1, bins + 1)[1:-1]))
        r, c = (np.bincount(np.searchsorted(edges, v, side="right"), minlength=len(edges) + 1)
                / len(v) for v in (ref[:, j], cur[:, j]))
        r, c = np.clip(r, eps, None), np.clip(c, eps, None)
        values[j] = np.sum((c - r) * np.log(c / r))
    top = float(values.max())
    return ShiftTest("psi", top, None, top > threshold, f"PSI > {threshold}", {"psi": values})


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


def mmd_test(X_ref: Any, X_cur: Any, *, gamma: float | None = None, n_permutations: int = 200,
             alpha: float = 0.05, seed: int = 0) -> ShiftTest:
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
    alpha : float
        Drift when the p-value is below it.
    seed : int
        Seeds the permutations.

    Returns
    -------
    ShiftTest
        ``statistic`` is MMD^2; ``details`` holds ``gamma`` and ``n_permutations``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> same = mmd_test(rng.normal(size=(50, 2)), rng.normal(size=(60, 2)), n_permutations=99)
    >>> same.p_value > 0.05, same.drift
    (True, False)
    """
    ref, cur = _pair(X_ref, X_cur)
    check_range(n_permutations, "n_permutations", low=1, high=10**6, integer=True)
    check_range(alpha, "alpha", low=0, high=1)
    seed = check_seed(seed)
    Z = np.vstack([ref, cur]).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        pairs = pdist(Z, "sqeuclidean")
    if not np.isfinite(pairs).all():  # e.g. values near 1e154: a NaN MMD would read as drift
        raise ValueError("X_ref, X_cur: squared distances between rows overflow float64; rescale the "
                         "features (e.g. standardise them) before the test")
    if gamma is None:
        gamma = 1.0 / (np.median(pairs[pairs > 0]) if (pairs > 0).any() else 1.0)
    check_range(gamma, "gamma", low=0)
    K = np.exp(-gamma * squareform(pairs))
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
    p = (1 + hits) / (1 + n_permutations)
    return ShiftTest("mmd", observed, p, p < alpha, f"p < {alpha}",
                     {"gamma": float(gamma), "n_permutations": n_permutations})


def domain_classifier_auc(X_ref: Any, X_cur: Any, *, model: Any = None, n_splits: int = 3,
                          threshold: float = 0.75, seed: int = 0) -> ShiftTest:
    """ROC AUC of a domain classifier between ``X_ref`` (label 0) and ``X_cur`` (label 1).

    Every row is scored by a model that did not see it (stratified k-fold), so the AUC is an
    honest estimate: about 0.5 when nothing drifted, 1.0 when every row gives its origin away.
    The folds share training rows, so there is no exact null law: the AUC is read as a
    magnitude against ``threshold`` and ``p_value`` is None.

    Parameters
    ----------
    X_ref : array-like, shape (n_ref, d) or (n_ref, H, W)
    X_cur : array-like, shape (n_cur, d) or (n_cur, H, W)
    model : sklearn classifier, optional
        A scikit-learn classifier (``fit``, ``predict_proba``; cloned for each fold);
        default an L2 logistic regression.
    n_splits : int
        Folds of the cross-fitting.
    threshold : float
        Drift when the AUC exceeds it (0.75 is the drift gate's default, ``kit.shift.gate``).
    seed : int
        Seeds the fold split (and the model, if it takes ``random_state``).

    Returns
    -------
    ShiftTest
        ``statistic`` is the AUC; ``details`` holds ``n_ref``, ``n_cur``, ``n_splits``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> same = domain_classifier_auc(rng.random((100, 3, 3)), rng.random((100, 3, 3)))
    >>> abs(same.statistic - 0.5) <= 0.1, same.drift
    (True, False)
    """
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    ref, cur = _pair(X_ref, X_cur)
    check_range(n_splits, "n_splits", low=2, integer=True)
    check_range(threshold, "threshold", low=0.5, high=1)
    seed = check_seed(seed)
    if model is not None:
        check_has(model, "model", "fit", "predict_proba", "get_params",
                  what="a scikit-learn classifier (fit, predict_proba, get_params)")
    if min(len(ref), len(cur)) < n_splits:
        raise ValueError(f"X_ref, X_cur: each needs at least n_splits={n_splits} rows")
    Z = np.vstack([ref, cur])
    d = np.r_[np.zeros(len(ref), dtype=int), np.ones(len(cur), dtype=int)]
    base = model if model is not None else LogisticRegression(C=0.1, max_iter=300)
    score = np.empty(len(Z))
    for train, test in StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(Z, d):
        clf = clone(base)
        if "random_state" in clf.get_params():
            clf.set_params(random_state=seed)
        clf.fit(Z[train], d[train])
        score[test] = clf.predict_proba(Z[test])[:, 1]
    auc = float(roc_auc_score(d, score))
    return ShiftTest("domain_auc", auc, None, auc > threshold, f"AUC > {threshold}",
                     {"n_ref": len(ref), "n_cur": len(cur), "n_splits": n_splits})
