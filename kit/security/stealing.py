"""Model stealing: a prediction API, equation-solving and learning-based extraction, defences.

Tramer, Zhang, Juels, Reiter & Ristenpart (2016), "Stealing Machine Learning Models via
Prediction APIs", USENIX Security: an API that returns confidences of a logistic regression
is copied *exactly* from ``d + 1`` queries by solving linear equations; non-linear models are
copied approximately by training a surrogate on the API's answers. Defences studied here:
labels only, rounded confidences (both from Tramer et al.), and query monitoring in the style
of PRADA (Juuti, Szyller, Marchal & Asokan 2019, IEEE EuroS&P).

Taught in ``notebooks/23_security-model-stealing.ipynb``.

>>> rng = np.random.default_rng(0)
>>> secret = SoftmaxRegression(rng.normal(size=(5, 3)), rng.normal(size=3))
>>> api = PredictionAPI(secret.predict_proba)
>>> copy = extract_softmax_regression(api, n_features=5, seed=1)
>>> X = rng.random((4, 5))
>>> api.n_queries, bool(np.allclose(copy.predict_proba(X), secret.predict_proba(X)))
(6, True)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from scipy.special import log_softmax, softmax

from kit._validate import as_array, as_features, check_choice, check_range, same_length
from kit.security.monitoring import QueryBlocked, QueryMonitor, query_until_blocked  # noqa: F401  (re-exported: the API these notebooks use)

# --- the deployed linear model ----------------------------------------------------------------

@dataclass(repr=False)
class SoftmaxRegression:
    """Multinomial logistic regression ``p = softmax(X @ W + b)``, computed in float64.

    Parameters
    ----------
    W : array (d, K)
    b : array (K,)
    """

    W: np.ndarray
    b: np.ndarray

    def __post_init__(self) -> None:
        self.W = as_array(self.W, "W", ndim=2).astype(np.float64)
        self.b = as_array(self.b, "b", ndim=1).astype(np.float64)
        if self.W.shape[1] != len(self.b):
            raise ValueError(f"b: expected {self.W.shape[1]} entries (one per class), got {len(self.b)}")

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


def fit_softmax_regression(X, y, *, n_classes: int | None = None, l2: float = 1e-3,
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
    ya = np.asarray(y)
    same_length(X=Xa, y=ya)
    check_range(l2, "l2", low=0)
    check_range(max_iter, "max_iter", low=1, integer=True)
    if ya.ndim == 1:
        if ya.dtype.kind not in "iu":
            raise TypeError(f"y: expected integer labels or (n, K) probabilities, got dtype {ya.dtype}")
        k = int(n_classes or ya.max() + 1)
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
    return SoftmaxRegression(W.detach().numpy().copy(), b.detach().numpy().copy())


# --- the prediction API ------------------------------------------------------------------------

class PredictionAPI:
    """A prediction service: counts queries and answers with confidences, labels or rounded confidences.

    Parameters
    ----------
    predict_proba : callable
        ``X (n, ...) -> (n, K)`` probabilities of the deployed model.
    output : {"proba", "label"}
        ``"label"`` returns only the predicted class (a defence).
    decimals : int, optional
        Round confidences to this many decimals (a defence).
    monitor : QueryMonitor, optional
        Sees every batch before it is answered; once it flags the client, queries raise
        ``QueryBlocked``.

    Examples
    --------
    >>> api = PredictionAPI(lambda X: np.full((len(X), 2), [0.123, 0.877]), decimals=1)
    >>> api.query(np.zeros((3, 4))).tolist(), api.n_queries
    ([[0.1, 0.9], [0.1, 0.9], [0.1, 0.9]], 3)
    """

    def __init__(self, predict_proba: Callable[[np.ndarray], np.ndarray], *, output: str = "proba",
                 decimals: int | None = None, monitor: QueryMonitor | None = None) -> None:
        if not callable(predict_proba):
            raise TypeError("predict_proba: expected a callable X -> probabilities")
        check_choice(output, "output", ("proba", "label"))
        if decimals is not None:
            check_range(decimals, "decimals", low=0, integer=True)
        self.predict_proba, self.output, self.decimals, self.monitor = predict_proba, output, decimals, monitor
        self.n_queries = 0

    def query(self, X) -> np.ndarray:
        """Answer a batch: ``(n, K)`` confidences, or ``(n,)`` labels when ``output="label"``."""
        X = as_array(X, "X", ndim=(2, 3, 4))
        if self.monitor is not None:
            if self.monitor.flagged:
                raise QueryBlocked(f"client blocked after {self.monitor.flagged_at} queries")
            self.monitor.observe(X)
            if self.monitor.flagged:
                raise QueryBlocked(f"client blocked after {self.monitor.flagged_at} queries")
        self.n_queries += len(X)
        P = np.asarray(self.predict_proba(X), dtype=np.float64)
        if self.output == "label":
            return P.argmax(axis=1)
        return np.round(P, self.decimals) if self.decimals is not None else P

    def __repr__(self) -> str:
        return (f"PredictionAPI(output={self.output!r}, decimals={self.decimals}, "
                f"monitor={'on' if self.monitor else 'off'}, n_queries={self.n_queries})")


class RemoteAPI:
    """Client of an API served by ``serve``: same ``query`` verb, over HTTP on 127.0.0.1."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.n_queries = 0

    def query(self, X) -> np.ndarray:
        from urllib.error import HTTPError
        from urllib.request import Request, urlopen

        X = as_array(X, "X", ndim=(2, 3, 4))
        body = json.dumps({"inputs": X.tolist()}).encode()
        req = Request(self.url + "/predict", data=body, headers={"Content-Type": "application/json"})
        try:
            with urlopen(req, timeout=60) as resp:
                out = json.loads(resp.read())
        except HTTPError as err:
            if err.code == 403:
                raise QueryBlocked(err.read().decode()) from None
            raise
        self.n_queries += len(X)
        return np.asarray(out["outputs"])

    def __repr__(self) -> str:
        return f"RemoteAPI(url={self.url!r}, n_queries={self.n_queries})"


@contextmanager
def serve(api: PredictionAPI, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[RemoteAPI]:
    """Serve ``api`` over HTTP in a background thread; stop it when the ``with`` block ends.

    ``POST /predict`` with ``{"inputs": [...]}`` answers ``{"outputs": [...]}`` (403 once the
    monitor blocks the client). ``port=0`` takes any free port.

    Examples
    --------
    >>> api = PredictionAPI(lambda X: np.full((len(X), 2), 0.5))
    >>> with serve(api) as remote:
    ...     remote.query(np.zeros((2, 3))).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                out, code = json.dumps({"outputs": api.query(np.asarray(data["inputs"])).tolist()}), 200
            except QueryBlocked as err:
                out, code = str(err), 403
            payload = out.encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:  # keep the notebook quiet
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RemoteAPI(f"http://{host}:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- attacks -----------------------------------------------------------------------------------

def extract_softmax_regression(api, n_features: int, *, n_queries: int | None = None,
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
    """
    check_range(n_features, "n_features", low=1, integer=True)
    n = n_features + 1 if n_queries is None else n_queries
    check_range(n, "n_queries", low=n_features + 1, integer=True)
    check_range(floor, "floor", low=0)
    Q = np.random.default_rng(seed).random((n, n_features))
    P = np.asarray(api.query(Q), dtype=np.float64)
    if P.ndim != 2:
        raise ValueError("api: equation solving needs confidences (n, K); this API returns labels only")
    L = np.log(np.maximum(P, floor) if floor > 0 else P)
    clr = L - L.mean(axis=1, keepdims=True)
    A = np.hstack([Q, np.ones((n, 1))])
    theta = np.linalg.lstsq(A, clr, rcond=None)[0]
    return SoftmaxRegression(theta[:-1], theta[-1])


class Surrogate:
    """A stolen copy trained on an API's answers: a small MLP, or a softmax regression."""

    def __init__(self, net, kind: str) -> None:
        self.net, self.kind = net, kind

    def predict_proba(self, X) -> np.ndarray:
        if self.kind == "linear":
            return self.net.predict_proba(X)
        import torch

        X = as_features(X, "X")
        with torch.no_grad():
            z = self.net(torch.as_tensor(X, dtype=torch.float32))
        return softmax(z.numpy().astype(np.float64), axis=1)

    def predict(self, X) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1)

    def __repr__(self) -> str:
        return f"Surrogate(kind={self.kind!r})"


def extract_by_learning(api, X_query, *, model: str = "mlp", n_classes: int = 10, hidden: int = 128,
                        epochs: int = 30, seed: int = 0) -> Surrogate:
    """Learning-based extraction: query the API on ``X_query`` and train a surrogate on the answers.

    Confidences are used as soft targets (cross-entropy with probabilities); a labels-only API
    gives hard targets. Papernot et al. (2017, AsiaCCS) and Tramer et al. (2016, Sec. 5).

    Parameters
    ----------
    api : object with ``query(X)`` returning ``(n, K)`` confidences or ``(n,)`` labels
    X_query : array (n, d) or images (n, H, W)
    model : {"mlp", "linear"}
    n_classes, hidden, epochs : int
    seed : int
        Initialisation and batch order (a local generator).

    Returns
    -------
    Surrogate

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> secret = SoftmaxRegression(rng.normal(size=(4, 2)) * 5, np.zeros(2))
    >>> X = rng.random((200, 4))
    >>> copy = extract_by_learning(PredictionAPI(secret.predict_proba, output="label"), X, model="linear", n_classes=2)
    >>> agreement(copy, secret, X) > 0.9
    True
    """
    import torch

    check_choice(model, "model", ("mlp", "linear"))
    check_range(epochs, "epochs", low=1, integer=True)
    X = as_features(X_query, "X_query")
    answers = np.asarray(api.query(X))
    if model == "linear":
        return Surrogate(fit_softmax_regression(X, answers, n_classes=n_classes), "linear")
    gen = torch.Generator().manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], hidden), torch.nn.ReLU(),
                              torch.nn.Linear(hidden, n_classes))
    with torch.no_grad():
        for layer in (net[0], net[2]):
            bound = 1.0 / np.sqrt(layer.in_features)
            layer.weight.uniform_(-bound, bound, generator=gen)
            layer.bias.uniform_(-bound, bound, generator=gen)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    if answers.ndim == 1:
        target = torch.as_tensor(answers, dtype=torch.long)
    else:  # renormalise rounded confidences so they are a distribution
        A = np.maximum(answers, 0) + 1e-12
        target = torch.as_tensor(A / A.sum(axis=1, keepdims=True), dtype=torch.float32)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    for _ in range(epochs):
        order = torch.randperm(len(Xt), generator=gen)
        for start in range(0, len(Xt), 64):
            idx = order[start:start + 64]
            loss = torch.nn.functional.cross_entropy(net(Xt[idx]), target[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return Surrogate(net.eval(), "mlp")


def agreement(copy, target, X) -> float:
    """Fidelity: the share of ``X`` on which ``copy`` and ``target`` predict the same class.

    Both need ``predict_proba``; ``X`` is ``(n, d)`` or images (flattened for models that need it).
    """
    X = as_array(X, "X", ndim=(2, 3, 4))
    return float((copy.predict_proba(X).argmax(1) == target.predict_proba(X).argmax(1)).mean())


def log_prob_error(copy, target, X) -> float:
    """Largest absolute difference between the two models' log-probabilities on ``X``."""
    X = as_array(X, "X", ndim=(2, 3, 4))
    a = log_softmax(np.log(np.maximum(copy.predict_proba(X), 1e-300)), axis=1)
    b = log_softmax(np.log(np.maximum(target.predict_proba(X), 1e-300)), axis=1)
    return float(np.abs(a - b).max())


def plot_fidelity(curves: dict[str, tuple[list[int], list[float]]], *, ax=None, title: str = ""):
    """Fidelity (agreement) versus number of queries, one line per attack/defence.

    ``curves`` maps a label to ``(n_queries, agreement)``; returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves: expected a non-empty dict label -> (n_queries, agreement)")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    for label, (n, agree) in curves.items():
        ax.plot(n, agree, marker="o", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("queries to the API")
    ax.set_ylabel("agreement with the deployed model")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title)
    return ax
