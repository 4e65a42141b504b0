"""Model inversion: reconstruct what a class looks like from a classifier's confidences.

Fredrikson, Jha & Ristenpart (2015), "Model Inversion Attacks that Exploit Confidence
Information and Basic Countermeasures", ACM CCS: gradient ascent on a class's confidence
(MI-Face) recovered recognisable faces of people in the training set; rounding the returned
confidences was their basic countermeasure. Here the attacker's prior over images is a PCA of
unlabelled public digits (in the spirit of Zhang et al. 2020's generative prior); the attack
runs white-box (gradients) or black-box (natural-evolution-strategy gradient estimates from
returned confidences only). An independent classifier judges whether a reconstruction is
recognisable.

Taught in ``notebooks/24_security-model-inversion.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from kit._validate import (
    as_array,
    as_features,
    as_labels,
    check_callable,
    check_range,
    check_seed,
    check_type,
    same_length,
)
from kit.security.monitoring import QueryBlocked

if TYPE_CHECKING:
    import torch


@dataclass(repr=False)
class PCAPrior:
    """Images as ``mean + (z * scale) @ components``, clipped to [0, 1]; ``z`` is a standard normal prior.

    Parameters
    ----------
    mean : array (H, W)
    components : array (k, H*W)
    scale : array (k,)
        Standard deviation of the data along each component.

    Examples
    --------
    >>> prior = PCAPrior.fit(np.random.default_rng(0).random((50, 4, 4)), n_components=3)
    >>> prior, prior.decode(np.zeros((2, 3))).shape
    (PCAPrior(shape=(4, 4), n_components=3), (2, 4, 4))
    """

    mean: np.ndarray
    components: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X, *, n_components: int = 30) -> PCAPrior:
        """PCA of unlabelled images ``X (n, H, W)`` (the attacker's public data)."""
        X = as_array(X, "X", ndim=3, min_rows=2)
        check_range(n_components, "n_components", low=1, high=min(len(X), X[0].size), integer=True)
        flat = X.reshape(len(X), -1).astype(np.float64)
        mu = flat.mean(axis=0)
        _, s, vt = np.linalg.svd(flat - mu, full_matrices=False)
        return cls(mu.reshape(X.shape[1:]), vt[:n_components], s[:n_components] / np.sqrt(len(X) - 1))

    @property
    def n_components(self) -> int:
        return len(self.scale)

    def decode(self, z) -> np.ndarray:
        """Latent codes ``z (n, k)`` -> images ``(n, H, W)`` in [0, 1]."""
        z = as_array(z, "z", ndim=2)
        if z.shape[1] != self.n_components:
            raise ValueError(f"z: expected {self.n_components} columns, got {z.shape[1]}")
        flat = self.mean.ravel() + (z * self.scale) @ self.components
        return np.clip(flat, 0, 1).reshape((len(z),) + self.mean.shape)

    def __repr__(self) -> str:
        return f"PCAPrior(shape={self.mean.shape}, n_components={self.n_components})"


@dataclass(repr=False)
class Inversion:
    """Reconstructions ``images (n, H, W)`` of ``classes (n,)`` and what they cost.

    ``n_queries``: gradient evaluations (white-box) or API queries answered (black-box);
    ``recognition_rate(judge)`` scores the images with an independent classifier.

    >>> inv = Inversion(np.zeros((2, 4, 4)), np.array([0, 1]), 10, "demo")
    >>> inv, inv.recognition_rate(lambda images: np.array([0, 0]))
    (Inversion(method='demo', n_images=2, n_queries=10), 0.5)
    """

    images: np.ndarray
    classes: np.ndarray
    n_queries: int
    method: str

    def recognised(self, judge: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Boolean ``(n,)``: does ``judge`` (images -> labels) label each image as its class?"""
        check_callable(judge, "judge", what="a callable images -> labels")
        return np.asarray(judge(self.images)) == self.classes

    def recognition_rate(self, judge: Callable[[np.ndarray], np.ndarray]) -> float:
        """Share of reconstructions the independent judge assigns to the attacked class."""
        return float(self.recognised(judge).mean())

    def __repr__(self) -> str:
        return (f"Inversion(method={self.method!r}, n_images={len(self.images)}, "
                f"n_queries={self.n_queries})")


def _targets(classes, restarts: int) -> np.ndarray:
    c = as_labels(classes, "classes")
    check_range(restarts, "restarts", low=1, high=10**4, integer=True)
    return np.repeat(c, restarts)


def invert_whitebox(model: torch.nn.Module, classes: ArrayLike, prior: PCAPrior, *,
                    restarts: int = 3, steps: int = 200, lr: float = 0.1, l2: float = 0.05,
                    seed: int = 0) -> Inversion:
    """MI-Face with a prior (Fredrikson et al. 2015): gradient ascent on ``log p_c(decode(z)) - l2 ||z||^2``.

    Parameters
    ----------
    model : torch.nn.Module
        The target, mapping images ``(n, 1, H, W)`` to logits; the attacker has its weights.
        It is left as it was: no ``requires_grad`` flag, gradient or train/eval mode changes.
    classes : int array (c,)
    prior : PCAPrior
    restarts : int
        Random starting codes per class (the result has ``c * restarts`` images).
    steps, lr, l2 : optimisation settings; ``l2`` keeps ``z`` near the prior's typical images.
    seed : int

    Returns
    -------
    Inversion (``n_queries`` counts gradient evaluations per image)

    Examples
    --------
    >>> import torch
    >>> prior = PCAPrior.fit(np.random.default_rng(0).random((40, 4, 4)), n_components=5)
    >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
    >>> invert_whitebox(net, [0, 1], prior, restarts=2, steps=5).images.shape
    (4, 4, 4)
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    target = _targets(classes, restarts)
    check_range(steps, "steps", low=1, high=10**6, integer=True)
    check_range(lr, "lr", low=0, high=1e3)
    check_range(l2, "l2", low=0, high=1e6)
    check_type(prior, "prior", PCAPrior, what="a PCAPrior (PCAPrior.fit(X))")
    seed = check_seed(seed)
    probe = torch.as_tensor(prior.mean, dtype=torch.float32).reshape((1, 1) + prior.mean.shape)
    from kit.models.nets import check_fits
    n_classes = check_fits(model, probe, x_name="prior")
    if target.max() >= n_classes or target.min() < 0:
        raise ValueError(f"classes: label {int(target.max())} is out of range for a model with {n_classes} classes")
    rng = np.random.default_rng(seed)
    z = torch.tensor(rng.normal(0, 0.5, (len(target), prior.n_components)), requires_grad=True)
    mean = torch.as_tensor(prior.mean.ravel())
    basis = torch.as_tensor(prior.components * prior.scale[:, None])
    t = torch.as_tensor(target)
    opt = torch.optim.Adam([z], lr=lr)
    was_training = model.training
    model.eval()
    for _ in range(steps):
        x = (mean + z @ basis).clamp(0, 1).reshape((len(t), 1) + prior.mean.shape).float()
        logp = torch.log_softmax(model(x), dim=1).gather(1, t[:, None]).squeeze(1)
        loss = -(logp - l2 * (z ** 2).sum(1)).sum()
        (z.grad,) = torch.autograd.grad(loss, [z])  # the code's gradient only: the model is untouched
        opt.step()
    model.train(was_training)
    return Inversion(prior.decode(z.detach().numpy()), target, steps, "white-box gradient")


def invert_blackbox(query: Callable[[np.ndarray], np.ndarray], classes: ArrayLike, prior: PCAPrior, *,
                    restarts: int = 3, steps: int = 100, population: int = 20, sigma: float = 0.5,
                    lr: float = 0.2, l2: float = 0.05, floor: float = 1e-3, seed: int = 0) -> Inversion:
    """Black-box inversion: estimate the gradient of ``log p_c`` from returned confidences (NES).

    Each step queries ``population`` antithetic pairs around the current code ``z`` and moves
    along ``sum_i (f(z + sigma e_i) - f(z - sigma e_i)) e_i``, with
    ``f = log(max(p_c, floor)) - l2 ||z||^2`` (Wierstra et al. 2014; Ilyas et al. 2018 used it
    for black-box attacks). Rounded confidences flatten ``f`` and starve the estimate.

    Parameters
    ----------
    query : callable
        The API: images ``(n, H, W)`` -> confidences ``(n, K)``.
    classes : int array (c,)
    prior : PCAPrior
    restarts, steps, population : int
    sigma, lr, l2, floor : float
    seed : int

    Returns
    -------
    Inversion (``n_queries`` is the total number of API queries answered; the search stops
    early if the API raises ``kit.security.monitoring.QueryBlocked``)

    Examples
    --------
    >>> prior = PCAPrior.fit(np.random.default_rng(0).random((40, 4, 4)), n_components=5)
    >>> api = lambda X: np.stack([X.mean(axis=(1, 2)), 1 - X.mean(axis=(1, 2))], axis=1)
    >>> inv = invert_blackbox(api, [0], prior, restarts=1, steps=3, population=4)
    >>> inv.n_queries
    24
    """
    target = _targets(classes, restarts)
    if not callable(query):
        raise TypeError(f"query: expected a callable images -> (n, K) confidences, got {type(query).__name__}")
    check_type(prior, "prior", PCAPrior, what="a PCAPrior (PCAPrior.fit(X))")
    check_range(steps, "steps", low=1, high=10**6, integer=True)
    check_range(population, "population", low=1, high=10**5, integer=True)
    check_range(lr, "lr", low=0, high=1e3)
    check_range(l2, "l2", low=0, high=1e6)
    check_range(sigma, "sigma", low=0, high=1e6)
    if sigma == 0:
        raise ValueError("sigma: expected a value > 0 (the gradient estimate divides by it)")
    check_range(floor, "floor", low=0)
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    n, k = len(target), prior.n_components
    z = rng.normal(0, 0.5, (n, k))
    m, v = np.zeros_like(z), np.zeros_like(z)
    n_queries = 0

    def f(codes: np.ndarray, cls: np.ndarray) -> np.ndarray:
        P = np.asarray(query(prior.decode(codes)), dtype=np.float64)
        return np.log(np.maximum(P[np.arange(len(codes)), cls], floor)) - l2 * (codes ** 2).sum(1)

    for step in range(1, steps + 1):
        eps = rng.standard_normal((n, population, k))
        cand = np.concatenate([z[:, None] + sigma * eps, z[:, None] - sigma * eps], axis=1)
        try:
            vals = f(cand.reshape(-1, k), np.repeat(target, 2 * population)).reshape(n, 2 * population)
        except QueryBlocked:  # a monitored API stopped answering: keep what we have
            break
        n_queries += cand.shape[0] * cand.shape[1]
        diff = vals[:, :population] - vals[:, population:]
        grad = (diff[:, :, None] * eps).sum(1) / (2 * population * sigma)
        m = 0.9 * m + 0.1 * grad  # Adam ascent step
        v = 0.999 * v + 0.001 * grad ** 2
        z = z + lr * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    return Inversion(prior.decode(z), target, n_queries, "black-box NES")




def infer_attribute(query: Callable[[np.ndarray], np.ndarray], X: ArrayLike, y: ArrayLike, *,
                    column: int, values: ArrayLike, prior: ArrayLike | None = None) -> np.ndarray:
    """Attribute inference by model inversion: guess a hidden input feature from a model's answers.

    The attacker knows a person's other features and their true outcome ``y``; for each candidate
    value ``v`` of the hidden feature it asks the model about the person with ``v`` filled in, and
    picks the ``v`` that makes the known outcome most likely, weighted by how common ``v`` is:
    ``argmax_v p(y | x, v) * prior(v)`` (Fredrikson et al. 2014's warfarin attack; 2015 ran it on
    decision trees trained on survey answers). An API that returns labels only gives ``p = 1`` for
    the predicted class and 0 otherwise; when no candidate yields the known outcome, the prior
    decides.

    Parameters
    ----------
    query : callable ``(n, d) -> (n, K)`` confidences, or ``(n,)`` labels
    X : array ``(n, d)``; the hidden column's values are ignored (overwritten by each candidate)
    y : int array ``(n,)`` of the known outcomes (class indices of the model's output)
    column : int
        Index of the hidden feature in ``X``.
    values : array ``(m,)`` of candidate values (as encoded in ``X``)
    prior : array ``(m,)`` of their frequencies in the population; uniform when omitted

    Returns
    -------
    array ``(n,)``: the guessed value for each row

    Examples
    --------
    >>> model = lambda X: np.stack([1 - X[:, 1], X[:, 1]], axis=1)   # y = the hidden feature
    >>> infer_attribute(model, np.zeros((3, 2)), [1, 0, 1], column=1, values=[0, 1]).tolist()
    [1.0, 0.0, 1.0]
    """
    check_callable(query, "query", what="a callable (n, d) -> confidences (n, K) or labels (n,)")
    X = as_features(X, "X").astype(np.float64)
    y = as_labels(y, "y")
    same_length(X=X, y=y)
    check_range(column, "column", low=-X.shape[1], high=X.shape[1] - 1, integer=True)
    values = as_array(values, "values", ndim=1)
    if prior is None:
        prior = np.full(len(values), 1.0 / len(values))
    prior = as_array(prior, "prior", ndim=1)
    same_length(values=values, prior=prior)
    if (prior < 0).any():
        raise ValueError("prior: expected non-negative frequencies")
    scores = np.empty((len(X), len(values)))
    for j, v in enumerate(values):
        Xv = X.copy()
        Xv[:, column] = v
        P = np.asarray(query(Xv))
        if P.ndim == 1:  # labels only
            scores[:, j] = (P == y) * prior[j]
        else:
            if P.ndim != 2 or len(P) != len(X) or y.max(initial=0) >= P.shape[1]:
                raise ValueError(f"y: expected class indices below the {P.shape[-1]} columns query returns, "
                                 f"got up to {y.max(initial=0)} (query answered shape {P.shape})")
            scores[:, j] = P[np.arange(len(X)), y] * prior[j]
    unexplained = scores.max(axis=1) <= 0  # no candidate yields the known outcome: the prior decides
    scores[unexplained] = prior
    return values[scores.argmax(axis=1)]
