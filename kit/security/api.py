"""A prediction API as deployed: counts queries, answers with confidences, labels or rounded
confidences, optionally watched by a query monitor, and served over HTTP on 127.0.0.1.

Tramer, Zhang, Juels, Reiter & Ristenpart (2016), "Stealing Machine Learning Models via
Prediction APIs", USENIX Security: labels only and rounding are the defences they study.
Used by ``notebooks/23_security-model-stealing.ipynb`` and ``24_security-model-inversion.ipynb``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from kit._validate import as_array, check_choice, check_range
from kit.security.monitoring import QueryBlocked, QueryMonitor

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
