"""A prediction API as deployed: counts queries, answers with confidences, labels or rounded
confidences, optionally watched by a query monitor, and served over HTTP on 127.0.0.1.

Tramer, Zhang, Juels, Reiter & Ristenpart (2016), "Stealing Machine Learning Models via
Prediction APIs", USENIX Security: labels only and rounding are the defences they study.
Used by ``notebooks/23_security-model-stealing.ipynb`` and ``24_security-model-inversion.ipynb``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from kit._validate import as_array, check_choice, check_range
from kit.security.monitoring import QueryBlocked, QueryMonitor
from kit.serving import MAX_BODY, http_server, json_handler, post_json

__all__ = ["PredictionAPI", "RemoteAPI", "serve"]


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
    bounds : (low, high), optional
        The valid input range (``(0, 1)`` for pixels). Inputs outside it, like non-finite
        inputs always, are refused with ``ValueError`` before the monitor or the model sees them:
        one ``inf`` would otherwise turn the monitor's statistics into NaN and switch it off.

    Queries are answered one batch at a time (a lock guards the counter and the monitor), so
    one instance can serve several threads.

    Examples
    --------
    >>> api = PredictionAPI(lambda X: np.full((len(X), 2), [0.123, 0.877]), decimals=1)
    >>> api.query(np.zeros((3, 4))).tolist(), api.n_queries
    ([[0.1, 0.9], [0.1, 0.9], [0.1, 0.9]], 3)
    >>> PredictionAPI(lambda X: X, bounds=(0, 1)).query(np.full((1, 4), 2.0))
    Traceback (most recent call last):
    ...
    ValueError: X: expected inputs in [0, 1], got values from 2.0 to 2.0
    """

    def __init__(self, predict_proba: Callable[[np.ndarray], np.ndarray], *, output: str = "proba",
                 decimals: int | None = None, monitor: QueryMonitor | None = None,
                 bounds: tuple[float, float] | None = None) -> None:
        if not callable(predict_proba):
            raise TypeError("predict_proba: expected a callable X -> probabilities")
        check_choice(output, "output", ("proba", "label"))
        if decimals is not None:
            check_range(decimals, "decimals", low=0, high=15, integer=True)
        if monitor is not None and not isinstance(monitor, QueryMonitor):
            raise TypeError(f"monitor: expected a QueryMonitor, got {type(monitor).__name__}")
        if bounds is not None:
            if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
                raise TypeError(f"bounds: expected (low, high), got {bounds!r}")
            lo, hi = (check_range(b, "bounds") for b in bounds)
            if lo >= hi:
                raise ValueError(f"bounds: expected low < high, got {bounds!r}")
            bounds = (lo, hi)
        self.predict_proba, self.output, self.decimals, self.monitor = predict_proba, output, decimals, monitor
        self.bounds = bounds
        self.n_queries = 0
        self._lock = threading.Lock()

    def query(self, X) -> np.ndarray:
        """Answer a batch: ``(n, K)`` confidences, or ``(n,)`` labels when ``output="label"``."""
        X = as_array(X, "X", ndim=(2, 3, 4))  # refuses NaN and inf
        if self.bounds is not None and X.size and (X.min() < self.bounds[0] or X.max() > self.bounds[1]):
            raise ValueError(f"X: expected inputs in [{self.bounds[0]}, {self.bounds[1]}], "
                             f"got values from {X.min()} to {X.max()}")
        with self._lock:
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
    """Client of an API served by ``serve``: same ``query`` verb, over HTTP on 127.0.0.1.

    Parameters
    ----------
    url : str
        ``http://host:port`` of a running ``serve``; ``query`` raises ``QueryBlocked`` on 403.

    Examples
    --------
    >>> with serve(PredictionAPI(lambda X: np.full((len(X), 2), 0.5))) as remote:
    ...     _ = remote.query(np.zeros((3, 2)))
    >>> type(remote).__name__, remote.n_queries
    ('RemoteAPI', 3)
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.n_queries = 0

    def query(self, X) -> np.ndarray:
        """Send a batch; ``QueryBlocked`` on 403, ``ValueError`` with the server's reason on 400."""
        X = as_array(X, "X", ndim=(2, 3, 4))
        out = post_json(self.url + "/predict", {"inputs": X.tolist()},
                        errors={403: QueryBlocked, 400: ValueError, 413: ValueError})
        self.n_queries += len(X)
        return np.asarray(out["outputs"])

    def __repr__(self) -> str:
        return f"RemoteAPI(url={self.url!r}, n_queries={self.n_queries})"


@contextmanager
def serve(api: PredictionAPI, *, host: str = "127.0.0.1", port: int = 0,
          allow_remote: bool = False, max_bytes: int = MAX_BODY) -> Iterator[RemoteAPI]:
    """Serve ``api`` over HTTP in a background thread; stop it when the ``with`` block ends.

    The HTTP layer is ``kit.serving.http_server``; this adds the ``{"inputs": ...}`` protocol.

    ``POST /predict`` with ``{"inputs": [...]}`` answers ``{"outputs": [...]}``: 403 once the
    monitor blocks the client, 400 with a short reason for a body that is not JSON, lacks
    ``inputs`` or holds inputs the API refuses (wrong shape, strings, NaN or inf, out of
    ``bounds``), 411 without a Content-Length and 413 above ``max_bytes``. ``port=0`` takes any
    free port. Only a loopback ``host`` is accepted unless ``allow_remote=True``: a teaching
    server should not be reachable from the network by accident.

    Examples
    --------
    >>> api = PredictionAPI(lambda X: np.full((len(X), 2), 0.5))
    >>> with serve(api) as remote:
    ...     remote.query(np.zeros((2, 3))).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    >>> with serve(api, host="0.0.0.0") as remote:
    ...     pass
    Traceback (most recent call last):
    ...
    ValueError: host: '0.0.0.0' is not a loopback address; pass allow_remote=True to serve the network
    """
    if not isinstance(api, PredictionAPI):
        raise TypeError(f"api: expected a PredictionAPI, got {type(api).__name__}")
    with http_server(json_handler(api.query, key="inputs", reply="outputs", statuses={QueryBlocked: 403}),
                     path="/predict", host=host, port=port,
                     allow_remote=allow_remote, max_bytes=max_bytes) as url:
        yield RemoteAPI(url)
