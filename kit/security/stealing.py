"""Model stealing through a prediction API (``kit.security.api``): equation solving, learning.

Tramer, Zhang, Juels, Reiter & Ristenpart (2016), "Stealing Machine Learning Models via
Prediction APIs", USENIX Security: an API that returns confidences of a logistic regression
is copied *exactly* from ``d + 1`` queries by solving linear equations; non-linear models are
copied approximately by training a surrogate on the API's answers. Defences studied here:
labels only, rounded confidences (both from Tramer et al.), and query monitoring in the style
of PRADA (Juuti, Szyller, Marchal & Asokan 2019, IEEE EuroS&P).

Taught in ``notebooks/23_security-model-stealing.ipynb``.

>>> from kit.security.api import PredictionAPI
>>> rng = np.random.default_rng(0)
>>> secret = SoftmaxRegression(rng.normal(size=(5, 3)), rng.normal(size=3))
>>> api = PredictionAPI(secret.predict_proba)
>>> copy = extract_softmax_regression(api, n_features=5, seed=1)
>>> X = rng.random((4, 5))
>>> api.n_queries, bool(np.allclose(copy.predict_proba(X), secret.predict_proba(X)))
(6, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike
from scipy.special import log_softmax

from kit._validate import (
    as_array,
    as_features,
    check_choice,
    check_has,
    check_range,
    check_seed,
    same_length,
)
from kit.models import nets
from kit.models.softmax import SoftmaxRegression, fit_softmax_regression


def extract_softmax_regression(api: Any, n_features: int, *, n_queries: int | None = None,
                               floor: float = 1e-300, seed: int = 0) -> SoftmaxRegression:
    """Equation-solving extraction (Tramer et al. 2016, Sec. 4.1) of a multinomial logistic regression.

    For softmax outputs, ``log p_k(x) - mean_j log p_j(x) = x @ (w_k - w_bar) + (b_k - b_bar)``
    is linear in the unknowns, so ``d + 1`` queries at random points in ``[0, 1]^d`` fix every
    logit up to a shift that softmax ignores: an exact functional copy. More queries give a
    least-squares fit.

    Parameters
    ----------
    api : object with ``query(X) -> (n, K)`` confidences
    n_features : int
        ``d``, the input dimension (images are flat vectors of pixels).
    n_queries : int, optional
        Defaults to ``d + 1``.
    floor : float
        Confidences below it (a rounded API returns zeros) are raised to it before the log.
    seed : int

    Returns
    -------
    SoftmaxRegression

    Examples
    --------
    >>> from kit.security.api import PredictionAPI
    >>> secret = SoftmaxRegression(np.array([[2.0, -1.0], [0.5, 1.0]]), np.array([0.1, -0.1]))
    >>> copy = extract_softmax_regression(PredictionAPI(secret.predict_proba), n_features=2)
    >>> bool(np.allclose(copy.predict_proba(np.eye(2)), secret.predict_proba(np.eye(2))))
    True
    """
    check_has(api, "api", "query", what="a prediction API with .query(X)")
    check_range(n_features, "n_features", low=1, high=10**6, integer=True)
    n = n_features + 1 if n_queries is None else n_queries
    check_range(n, "n_queries", low=n_features + 1, high=10**7, integer=True)
    check_range(floor, "floor", low=0)
    seed = check_seed(seed)
    Q = np.random.default_rng(seed).random((n, n_features))
    P = np.asarray(_ask(api, Q, "n_features"), dtype=np.float64)
    if P.ndim != 2:
        raise ValueError("api: equation solving needs confidences (n, K); this API returns labels only")
    return solve_softmax_regression(Q, P, floor=floor)


def solve_softmax_regression(X_query: ArrayLike, P: ArrayLike, *, floor: float = 1e-300) -> SoftmaxRegression:
    """The equation-solving step alone: the softmax regression that fits confidences ``P``
    returned for queries ``X_query`` (least squares; the minimum-norm solution when there are
    fewer than ``d + 1`` queries, e.g. an attacker blocked early keeps what it got).

    Parameters
    ----------
    X_query : array (n, d)
    P : array (n, K), confidences returned for ``X_query``
    floor : float
        Confidences below it are raised to it before the log (a rounded API returns zeros).

    Examples
    --------
    >>> secret = SoftmaxRegression(np.array([[2.0, -1.0], [0.5, 1.0]]), np.array([0.1, -0.1]))
    >>> Q = np.random.default_rng(0).random((3, 2))
    >>> copy = solve_softmax_regression(Q, secret.predict_proba(Q))
    >>> bool(np.allclose(copy.predict_proba(np.eye(2)), secret.predict_proba(np.eye(2))))
    True
    """
    Q = as_array(X_query, "X_query", ndim=2)
    P = as_array(P, "P", ndim=2)
    same_length(X_query=Q, P=P)
    if P.shape[1] < 2 or np.any(P < 0) or np.any(P > 1):
        raise ValueError("P: expected confidences in [0, 1], one column per class (at least 2)")
    check_range(floor, "floor", low=0, high=1)
    L = np.log(np.maximum(P, floor) if floor > 0 else P)
    if not np.all(np.isfinite(L)):
        raise ValueError("P: a confidence of 0 has no logarithm; pass floor > 0 (e.g. half a rounding step)")
    clr = L - L.mean(axis=1, keepdims=True)
    A = np.hstack([Q, np.ones((len(Q), 1))])
    theta = np.linalg.lstsq(A, clr, rcond=None)[0]
    return SoftmaxRegression(theta[:-1], theta[-1])


def _ask(api: Any, X: np.ndarray, name: str) -> Any:
    """``api.query(X)``; an API that refuses the queries' shape names the argument that set it."""
    try:
        return api.query(X)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}: the API refused queries of shape {X.shape} ({exc})") from exc


class Surrogate:
    """A stolen copy trained on an API's answers: a small MLP (``torch``) or a softmax regression.

    Parameters
    ----------
    net : torch.nn.Module mapping feature rows to logits, or a ``SoftmaxRegression``
    kind : {"mlp", "linear"}

    Examples
    --------
    >>> copy = Surrogate(SoftmaxRegression(np.eye(2), np.zeros(2)), "linear")
    >>> copy, copy.predict(np.array([[1.0, 0.0], [0.0, 1.0]])).tolist()
    (Surrogate(kind='linear'), [0, 1])
    """

    def __init__(self, net, kind: str) -> None:
        self.net, self.kind = net, check_choice(kind, "kind", ("mlp", "linear"))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(n, K)``; images are flattened."""
        if self.kind == "linear":
            return self.net.predict_proba(X)
        return nets.predict_proba(self.net, as_features(X, "X"))

    def predict(self, X) -> np.ndarray:
        """Predicted labels ``(n,)``."""
        return self.predict_proba(X).argmax(axis=1)

    def __repr__(self) -> str:
        return f"Surrogate(kind={self.kind!r})"


def extract_by_learning(api: Any, X_query: ArrayLike, *, model: str = "mlp", n_classes: int = 10,
                        hidden: int = 128, epochs: int = 30, seed: int = 0) -> Surrogate:
    """Learning-based extraction: query the API on ``X_query`` and train a surrogate on the answers.

    Confidences are soft targets (cross-entropy against the API's probabilities, renormalised
    when rounded); a labels-only API gives hard targets. The MLP is trained by the kit's one
    loop, ``kit.models.nets.train``. Papernot et al. (2017, AsiaCCS) and Tramer et al. (2016,
    Sec. 5).

    Parameters
    ----------
    api : object with ``query(X)`` returning ``(n, K)`` confidences or ``(n,)`` labels
    X_query : array (n, d) or images (n, H, W)
    model : {"mlp", "linear"}
    n_classes, hidden, epochs : int
    seed : int
        Initialisation and batch order (local generators).

    Returns
    -------
    Surrogate

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> secret = SoftmaxRegression(rng.normal(size=(4, 2)) * 5, np.zeros(2))
    >>> X = rng.random((200, 4))
    >>> from kit.security.api import PredictionAPI
    >>> copy = extract_by_learning(PredictionAPI(secret.predict_proba, output="label"), X, model="linear", n_classes=2)
    >>> agreement(copy, secret, X) > 0.9
    True
    """
    check_has(api, "api", "query", what="a prediction API with .query(X)")
    check_choice(model, "model", ("mlp", "linear"))
    check_range(epochs, "epochs", low=1, high=10**6, integer=True)
    check_range(hidden, "hidden", low=1, high=10**5, integer=True)
    check_range(n_classes, "n_classes", low=2, high=10**5, integer=True)
    seed = check_seed(seed)
    X = as_features(X_query, "X_query")
    if model == "mlp" and np.abs(X).max() > np.finfo(np.float32).max:  # the MLP trains in float32
        raise ValueError(f"X_query: expected values that fit in float32, got up to {np.abs(X).max():g}")
    answers = np.asarray(_ask(api, X, "X_query"))
    if model == "linear":
        return Surrogate(fit_softmax_regression(X, answers, n_classes=n_classes), "linear")
    if answers.ndim == 2:  # renormalise rounded confidences so they are a distribution
        answers = np.maximum(answers, 0) + 1e-12
        answers = answers / answers.sum(axis=1, keepdims=True)
    with torch.random.fork_rng(devices=[]):  # layer constructors draw from the global RNG
        net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], hidden), torch.nn.ReLU(),
                                  torch.nn.Linear(hidden, n_classes))
    nets.train(net, X, answers, epochs=epochs, batch_size=64, lr=2e-3, seed=seed, show_progress=False)
    return Surrogate(net, "mlp")


def agreement(copy: Any, target: Any, X: ArrayLike) -> float:
    """Fidelity: the share of ``X`` on which ``copy`` and ``target`` predict the same class.

    Both need ``predict_proba``; ``X`` is ``(n, d)`` or images (flattened for models that need it).

    >>> a = SoftmaxRegression(np.eye(2), np.zeros(2))
    >>> agreement(a, SoftmaxRegression(-np.eye(2), np.zeros(2)), np.array([[1.0, 0.0], [0.0, 1.0]]))
    0.0
    """
    check_has(copy, "copy", "predict_proba", what="a model with .predict_proba(X)")
    check_has(target, "target", "predict_proba", what="a model with .predict_proba(X)")
    X = as_array(X, "X", ndim=(2, 3, 4))
    return float((copy.predict_proba(X).argmax(1) == target.predict_proba(X).argmax(1)).mean())


def log_prob_error(copy: Any, target: Any, X: ArrayLike) -> float:
    """Largest absolute difference between the two models' log-probabilities on ``X``.

    Zero (up to rounding) for an exact functional copy; both need ``predict_proba``.

    >>> a = SoftmaxRegression(np.eye(2), np.zeros(2))
    >>> log_prob_error(a, SoftmaxRegression(np.eye(2), np.ones(2)), np.eye(2))
    0.0
    """
    check_has(copy, "copy", "predict_proba", what="a model with .predict_proba(X)")
    check_has(target, "target", "predict_proba", what="a model with .predict_proba(X)")
    X = as_array(X, "X", ndim=(2, 3, 4))
    a = log_softmax(np.log(np.maximum(copy.predict_proba(X), 1e-300)), axis=1)
    b = log_softmax(np.log(np.maximum(target.predict_proba(X), 1e-300)), axis=1)
    return float(np.abs(a - b).max())


