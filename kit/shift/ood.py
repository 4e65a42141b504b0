"""Out-of-distribution (OOD) scores for a deployed classifier, and abstention on them.

A classifier answers every input, including inputs unlike anything it was trained on, and often
with high confidence. An *OOD score* ranks inputs by how unusual they look to the model; a monitor
alerts on high scores, or the service abstains on them. Every score here follows one convention:
**higher means more unusual** (more likely out-of-distribution).

- ``msp_score``: one minus the maximum softmax probability (Hendrycks & Gimpel, ICLR 2017);
- ``energy_score``: the free energy ``-T logsumexp(logits / T)`` (Liu et al., NeurIPS 2020);
- ``MahalanobisDetector``: distance to the nearest class mean in the network's feature space,
  under one shared covariance (Lee et al., NeurIPS 2018);
- ``KNNDetector``: distance to the k-th nearest training example, features scaled to unit
  length (Sun et al., ICML 2022);
- ``auroc``: how well a score separates in- from out-of-distribution inputs (rank formula);
- ``selective_accuracy`` / ``risk_coverage``: what abstaining on the highest scores buys
  (Geifman & El-Yaniv, NeurIPS 2017).

The survey's monitoring case is Seldon's outlier detectors beside deployed models (Klaise et al.
2020). Taught in ``notebooks/13_monitoring-ood.ipynb``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from kit._validate import as_array, check_flag, check_range, check_type, same_length


def _scores(values: ArrayLike, name: str) -> np.ndarray:
    return as_array(values, name, ndim=1).astype(np.float64)


def _logits(values: ArrayLike, name: str = "logits") -> np.ndarray:
    z = as_array(values, name, ndim=2).astype(np.float64)
    if z.shape[1] < 2:
        raise ValueError(f"{name}: expected at least two classes (columns), got shape {z.shape}")
    return z


def _ax(ax):
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    return plt.gca() if ax is None else check_type(ax, "ax", Axes, what="a matplotlib Axes or None")


def network_outputs(model, X: ArrayLike, *, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Logits ``(n, K)`` and penultimate-layer features ``(n, d)`` of a ``SmallCNN``, in one pass.

    The features are the hidden layer that feeds the last linear layer (``activations(...,
    layer="hidden")`` of ``kit.models.nets``), where Lee et al. 2018 and Sun et al. 2022 measure
    distances. Logits come back as float64 so that softmax scores near 1 do not tie.

    >>> from kit.models.nets import SmallCNN
    >>> z, F = network_outputs(SmallCNN(8), np.zeros((3, 8, 8)))
    >>> z.shape, F.shape
    ((3, 10), (3, 64))
    """
    import torch

    from kit.models import nets

    if not hasattr(model, "features") or not hasattr(model, "head"):
        raise TypeError("model: expected a kit.models.nets.SmallCNN (with .features and .head)")
    check_range(batch_size, "batch_size", low=1, integer=True)
    Xt = nets.as_images(X)
    nets.check_fits(model, Xt)
    model.eval()
    logits, feats = [], []
    with torch.no_grad():
        for i in range(0, len(Xt), batch_size):
            hidden = model.head[:-1](model.features(Xt[i:i + batch_size]))
            feats.append(hidden)
            logits.append(model.head[-1](hidden))
    return torch.cat(logits).double().numpy(), torch.cat(feats).double().numpy()


def msp_score(logits: ArrayLike) -> np.ndarray:
    """One minus the maximum softmax probability, ``(n,)``: Hendrycks & Gimpel's baseline.

    Parameters
    ----------
    logits : array-like, shape (n, K)

    >>> msp_score([[4.0, 0.0], [0.0, 0.0]]).round(3)
    array([0.018, 0.5  ])
    """
    z = _logits(logits)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p[np.arange(len(p)), z.argmax(axis=1)] = 0.0
    others = p.sum(axis=1)  # the other classes' mass relative to the winner's: no 1 - (1 - tiny) rounding
    return others / (1.0 + others)


def energy_score(logits: ArrayLike, *, temperature: float = 1.0) -> np.ndarray:
    """Free energy ``-T logsumexp(logits / T)``, ``(n,)``: Liu et al. 2020 (higher = more unusual).

    Unlike the softmax, the energy keeps the scale of the logits: an input that excites every
    class weakly has a high energy even when one class wins the softmax.

    >>> energy_score([[4.0, 0.0], [0.0, 0.0]]).round(3)
    array([-4.018, -0.693])
    """
    z = _logits(logits)
    check_range(temperature, "temperature", low=1e-3, high=1e3)
    m = z.max(axis=1)
    return -temperature * (m / temperature + np.log(np.exp((z - m[:, None]) / temperature).sum(axis=1)))


class MahalanobisDetector:
    """Distance to the closest class mean under a tied covariance (Lee et al., NeurIPS 2018).

    ``fit(features, y)`` estimates one mean per class and the covariance shared by all classes
    (a ridge ``shrinkage x mean variance`` keeps it invertible); ``score(features)`` returns
    ``min_c (f - mu_c)' S^-1 (f - mu_c)``, ``(n,)``. Lee et al. add input perturbation and
    combine layers; this is the single-layer score.

    >>> rng = np.random.default_rng(0)
    >>> F, y = rng.normal(size=(200, 3)) + np.repeat([[0, 0, 0], [5, 0, 0]], 100, axis=0), np.repeat([0, 1], 100)
    >>> det = MahalanobisDetector().fit(F, y)
    >>> bool(det.score([[0, 0, 0]])[0] < det.score([[0, 20, 0]])[0])
    True
    """

    def __init__(self, *, shrinkage: float = 1e-3) -> None:
        self.shrinkage = check_range(shrinkage, "shrinkage", low=0, high=1)

    def fit(self, features: ArrayLike, y: ArrayLike) -> MahalanobisDetector:
        F = as_array(features, "features", ndim=2, min_rows=2).astype(np.float64)
        labels = as_array(y, "y", ndim=1, dtype=None)
        same_length(features=F, y=labels)
        classes = np.unique(labels)
        self.means_ = np.stack([F[labels == c].mean(axis=0) for c in classes])
        centred = F - self.means_[np.searchsorted(classes, labels)]
        cov = centred.T @ centred / len(F)
        cov += self.shrinkage * max(float(np.trace(cov)) / len(cov), 1e-12) * np.eye(len(cov))
        self.chol_ = np.linalg.cholesky(cov)
        return self

    def score(self, features: ArrayLike) -> np.ndarray:
        if not hasattr(self, "chol_"):
            raise RuntimeError("MahalanobisDetector: call fit(features, y) before score(features)")
        F = as_array(features, "features", ndim=2).astype(np.float64)
        if F.shape[1] != self.means_.shape[1]:
            raise ValueError(f"features: expected {self.means_.shape[1]} columns, got {F.shape[1]}")
        from scipy.linalg import solve_triangular

        d = np.min([(solve_triangular(self.chol_, (F - mu).T, lower=True) ** 2).sum(axis=0) for mu in self.means_],
                   axis=0)
        if not np.isfinite(d).all():
            raise ValueError("features: values too large for a finite distance (rescale the features)")
        return d

    def __repr__(self) -> str:
        return f"MahalanobisDetector(shrinkage={self.shrinkage})"


class KNNDetector:
    """Distance to the k-th nearest training example in feature space (Sun et al., ICML 2022).

    Features are scaled to unit length first, as in the paper; no labels, no density model.
    ``score(features, exclude_self=True)`` scores the training rows themselves, leaving each
    row out of its own neighbours (for a train-versus-test control).

    >>> rng = np.random.default_rng(0)
    >>> det = KNNDetector(k=5).fit(rng.normal(size=(100, 4)) + [3, 0, 0, 0])
    >>> bool(det.score([[3, 0, 0, 0]])[0] < det.score([[-3, 0, 0, 0]])[0])
    True
    """

    def __init__(self, k: int = 10) -> None:
        self.k = check_range(k, "k", low=1, high=10**6, integer=True)

    @staticmethod
    def _unit(F: np.ndarray) -> np.ndarray:
        return F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-12)

    def fit(self, features: ArrayLike) -> KNNDetector:
        F = as_array(features, "features", ndim=2).astype(np.float64)
        if len(F) < self.k + 1:
            raise ValueError(f"features: expected more than k={self.k} rows, got {len(F)}")
        self.bank_ = self._unit(F)
        return self

    def score(self, features: ArrayLike, *, exclude_self: bool = False) -> np.ndarray:
        if not hasattr(self, "bank_"):
            raise RuntimeError("KNNDetector: call fit(features) before score(features)")
        F = as_array(features, "features", ndim=2).astype(np.float64)
        if F.shape[1] != self.bank_.shape[1]:
            raise ValueError(f"features: expected {self.bank_.shape[1]} columns, got {F.shape[1]}")
        exclude_self = check_flag(exclude_self, "exclude_self")
        kth = self.k + int(exclude_self)  # a training row is its own nearest neighbour
        Q, out = self._unit(F), np.empty(len(F))
        for i in range(0, len(Q), 1000):
            d2 = np.maximum(2.0 - 2.0 * Q[i:i + 1000] @ self.bank_.T, 0.0)
            out[i:i + 1000] = np.sqrt(np.partition(d2, kth - 1, axis=1)[:, kth - 1])
        return out

    def __repr__(self) -> str:
        return f"KNNDetector(k={self.k})"


def auroc(in_scores: ArrayLike, out_scores: ArrayLike) -> float:
    """Area under the ROC curve of an OOD score: P(an OOD input scores higher than an in-distribution one).

    The rank (Mann-Whitney) formula, ties counted one half: 0.5 is a score that cannot tell the
    two sets apart, 1.0 a perfect one (``tests/test_ood.py`` checks it against
    ``sklearn.metrics.roc_auc_score``).

    Parameters
    ----------
    in_scores : array-like, shape (n_in,)
    out_scores : array-like, shape (n_out,)

    >>> auroc([0.1, 0.2, 0.3], [0.25, 0.9])
    0.8333333333333334
    """
    from scipy.stats import rankdata

    s_in, s_out = _scores(in_scores, "in_scores"), _scores(out_scores, "out_scores")
    ranks = rankdata(np.r_[s_in, s_out])  # average ranks for ties
    n_in, n_out = len(s_in), len(s_out)
    return float((ranks[n_in:].sum() - n_out * (n_out + 1) / 2) / (n_in * n_out))


def selective_accuracy(correct: ArrayLike, score: ArrayLike, coverage: float) -> float:
    """Accuracy on the ``coverage`` share of inputs with the lowest scores (the rest abstained on).

    Inputs tied at the cut are kept in proportion (their mean correctness counts), so the result
    does not depend on the order of the inputs.

    Parameters
    ----------
    correct : array-like of bool, shape (n,)
        Whether the model's answer is right (an answer to an OOD input counts as wrong).
    score : array-like, shape (n,)
    coverage : float in (0, 1]

    >>> selective_accuracy([1, 1, 0, 0], [0.1, 0.2, 0.9, 0.3], 0.5)
    1.0
    """
    c = as_array(correct, "correct", ndim=1)
    s = _scores(score, "score")
    same_length(correct=c, score=s)
    check_range(coverage, "coverage", low=1e-9, high=1)
    k = max(1, int(round(coverage * len(s))))
    cut = np.sort(s)[k - 1]
    below, tied = s < cut, s == cut
    return float((c[below].sum() + (k - below.sum()) * c[tied].mean()) / k)


def risk_coverage(correct: ArrayLike, score: ArrayLike, *, n_points: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """The risk-coverage curve of abstention: error rate among the kept inputs, ``(n_points,)`` each.

    >>> cov, risk = risk_coverage([1, 1, 0, 0], [0.1, 0.2, 0.9, 0.3], n_points=4)
    >>> cov.tolist(), risk.round(3).tolist()
    ([0.25, 0.5, 0.75, 1.0], [0.0, 0.0, 0.333, 0.5])
    """
    check_range(n_points, "n_points", low=1, high=10**5, integer=True)
    coverage = np.linspace(1.0 / n_points, 1.0, n_points)
    return coverage, np.array([1.0 - selective_accuracy(correct, score, float(c)) for c in coverage])


def plot_score_histograms(scores: dict, *, ax=None, bins: int = 40, title: str = ""):
    """Overlaid histograms (densities) of one OOD score per named set; returns the axes.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_score_histograms({"in": [0.1, 0.2], "out": [0.8, 0.9]}, ax=plt.figure().gca())
    >>> len(ax.get_legend().get_texts())
    2
    """
    check_type(scores, "scores", dict)
    check_range(bins, "bins", low=1, high=10**4, integer=True)
    arrays = {str(k): _scores(v, f"scores[{k!r}]") for k, v in scores.items()}
    if not arrays:
        raise ValueError("scores: expected at least one named set of scores")
    ax = _ax(ax)
    edges = np.histogram_bin_edges(np.concatenate(list(arrays.values())), bins=bins)
    for name, s in arrays.items():
        ax.hist(s, bins=edges, density=True, histtype="step", lw=1.5, label=name)
    ax.set_xlabel("score (higher = more unusual)")
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_risk_coverage(curves: dict, *, ax=None, title: str = ""):
    """Risk-coverage curves, ``{name: (coverage, risk)}`` from ``risk_coverage``; returns the axes.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_risk_coverage({"msp": risk_coverage([1, 0, 1], [0.1, 0.5, 0.2], n_points=3)}, ax=plt.figure().gca())
    >>> ax.get_xlabel()
    'coverage (share of inputs answered)'
    """
    check_type(curves, "curves", dict)
    if not curves:
        raise ValueError("curves: expected at least one named (coverage, risk) pair")
    ax = _ax(ax)
    for name, pair in curves.items():
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"curves: expected (coverage, risk) pairs, got {type(pair).__name__} for {name!r}")
        cov, risk = _scores(pair[0], "curves"), _scores(pair[1], "curves")
        same_length(coverage=cov, risk=risk)
        ax.plot(cov, risk, label=str(name))
    ax.set_xlabel("coverage (share of inputs answered)")
    ax.set_ylabel("risk (error rate of the answers)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax
