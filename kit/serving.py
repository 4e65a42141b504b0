"""Serving a fitted pipeline request batch by request batch, and the categories it never saw.

A one-hot encoder fitted on training data knows a fixed list of categories per column. At
serving time a value outside that list (a country absent from a small training sample, a new
product code, a new spelling) makes ``OneHotEncoder(handle_unknown="error")`` raise, and the
whole batch that holds it gets no answer; a wrapper that catches the error and returns a
default score hides the failure instead. ``unseen_categories`` finds such values before they
are served; ``serve_batches`` replays a table through a prediction function the way a batch
scoring job does and counts what failed. Taught in
``notebooks/02_preprocessing-leakage.ipynb``; the encoder policies measured there are
scikit-learn's (``handle_unknown="ignore"``, ``"infrequent_if_exist"``).

``http_server`` is the kit's one HTTP layer: a JSON ``POST`` endpoint on 127.0.0.1 in a
background thread that always stops, and ``post_json`` its client. The prediction API of
``kit.security.api`` (notebooks 23, 24) and the raw-record service of ``kit.parity``
(notebook 12) both stand on it.

Examples
--------
>>> train = pd.DataFrame({"city": ["Atlanta", "Macon"]})
>>> serve = pd.DataFrame({"city": ["Macon", "Savannah"]})
>>> unseen_categories(train, serve, ["city"])["city"].tolist()
[False, True]
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import check_callable, check_columns, check_range, check_type

__all__ = ["unseen_categories", "ServeResult", "serve_batches", "http_server", "json_handler", "post_json", "MAX_BODY"]


def unseen_categories(X_train: pd.DataFrame, X_serve: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Which serving values never occur in the training data, column by column.

    A missing value counts as a value of its own: it is unseen only when the training column
    has none (as for a ``SimpleImputer`` that was never fitted on a missing value).

    Parameters
    ----------
    X_train : DataFrame (n_train, ...)
        The rows the encoder was fitted on.
    X_serve : DataFrame (n, ...)
        The rows to be served.
    columns : list of str
        The categorical columns, present in both frames.

    Returns
    -------
    DataFrame (n, len(columns)) of bool, indexed like ``X_serve``: True where the value was
    never seen in training. ``.any(axis=1)`` marks the rows an encoder that refuses unknown
    categories cannot encode.

    Examples
    --------
    >>> train = pd.DataFrame({"home": ["rent", "owner", None], "job": ["fixed", "fixed", "partime"]})
    >>> serve = pd.DataFrame({"home": ["rent", "priv", None], "job": ["fixed", "fixed", "freelance"]})
    >>> unseen_categories(train, serve, ["home", "job"])
        home    job
    0  False  False
    1   True  False
    2  False   True
    """
    check_type(X_train, "X_train", pd.DataFrame, what="a pandas DataFrame")
    check_type(X_serve, "X_serve", pd.DataFrame, what="a pandas DataFrame")
    cols = check_columns(columns, "columns", [("X_train", X_train), ("X_serve", X_serve)])
    out = {}
    for c in cols:
        seen = X_train[c].dropna().unique()
        known = X_serve[c].isin(seen) | (X_serve[c].isna() & X_train[c].isna().any())
        out[c] = ~known.to_numpy(bool)
    return pd.DataFrame(out, index=X_serve.index)


@dataclass(frozen=True)
class ServeResult:
    """What a batch scoring job answered: one score per request, and which requests failed.

    Attributes
    ----------
    scores : ndarray (n,) float
        The score of each request; NaN where its batch raised and there was no fallback, the
        fallback value where there was one.
    failed : ndarray (n,) bool
        Requests whose batch raised an exception.
    batch_size : int
    fallback : float or None
        The score a failed request was given (None: it got an error).
    errors : tuple of str
        The distinct exception messages, in the order they first occurred (at most 5).

    Examples
    --------
    >>> r = ServeResult(np.array([0.2, np.nan]), np.array([False, True]), 1, None, ("boom",))
    >>> r.n_batches, r.failed_batches, r.failed_share
    (2, 1, 0.5)
    """

    scores: np.ndarray
    failed: np.ndarray
    batch_size: int
    fallback: float | None
    errors: tuple[str, ...]

    @property
    def n_batches(self) -> int:
        """How many batches the requests were cut into."""
        return -(-len(self.failed) // self.batch_size)

    @property
    def failed_batches(self) -> int:
        """How many batches raised."""
        starts = self.failed[:: self.batch_size]
        return int(starts.sum())

    @property
    def failed_share(self) -> float:
        """Share of the requests whose batch raised."""
        return float(self.failed.mean()) if len(self.failed) else 0.0

    def __repr__(self) -> str:
        n, fb = len(self.failed), self.failed_batches
        what = ("unanswered" if self.fallback is None
                else f"given the fallback score {self.fallback:g}")
        return (f"ServeResult({n} requests in {self.n_batches} batches of {self.batch_size}: "
                f"{fb} batch{'es' if fb != 1 else ''} failed, {int(self.failed.sum())} requests "
                f"({self.failed_share:.0%}) {what})")


def serve_batches(predict: Callable[[Any], Any], X: Any, *, batch_size: int = 100,
                  fallback: float | None = None) -> ServeResult:
    """Score ``X`` in consecutive batches, as a batch scoring job does, and record failures.

    Each batch is passed to ``predict``. When it raises, every request of that batch fails:
    with ``fallback=None`` they get no score (NaN), as when the job stops or the API answers
    with an error; with a number, they silently get that score, as behind a wrapper written
    ``except Exception: return default``. The job then moves on to the next batch.

    Parameters
    ----------
    predict : callable
        ``X_batch -> scores`` of shape (len(X_batch),), e.g.
        ``lambda X: model.predict_proba(X)[:, 1]``.
    X : DataFrame or array (n, ...)
        The requests, in arrival order.
    batch_size : int
        Requests per call of ``predict``.
    fallback : float, optional
        The score a request of a failed batch silently receives; None (default) leaves it
        unanswered (NaN).

    Returns
    -------
    ServeResult

    Examples
    --------
    >>> def predict(X):
    ...     if (X["city"] == "Savannah").any():
    ...         raise ValueError("Found unknown categories ['Savannah']")
    ...     return np.full(len(X), 0.3)
    >>> X = pd.DataFrame({"city": ["Macon", "Atlanta", "Savannah", "Macon", "Atlanta"]})
    >>> serve_batches(predict, X, batch_size=2)
    ServeResult(5 requests in 3 batches of 2: 1 batch failed, 2 requests (40%) unanswered)
    >>> serve_batches(predict, X, batch_size=2, fallback=0.0).scores.tolist()
    [0.3, 0.3, 0.0, 0.0, 0.3]
    """
    check_callable(predict, "predict", what="a callable X_batch -> scores")
    if not hasattr(X, "__len__") or isinstance(X, (str, bytes)):
        raise TypeError(f"X: expected a DataFrame or an array of requests, got {type(X).__name__}")
    n = len(X)
    if n == 0:
        raise ValueError("X: expected at least one request, got 0")
    batch_size = int(check_range(batch_size, "batch_size", low=1, integer=True))
    if fallback is not None:
        fallback = float(check_range(fallback, "fallback"))
    take = X.iloc.__getitem__ if isinstance(X, (pd.DataFrame, pd.Series)) else X.__getitem__
    scores, failed, errors = np.full(n, np.nan), np.zeros(n, bool), []
    for start in range(0, n, batch_size):
        rows = slice(start, min(start + batch_size, n))
        try:
            out = predict(take(rows))
        except Exception as exc:  # noqa: BLE001 - a scoring job that catches everything is the lesson
            failed[rows] = True
            msg = f"{type(exc).__name__}: {exc}"
            if msg not in errors and len(errors) < 5:
                errors.append(msg)
            if fallback is not None:
                scores[rows] = fallback
            continue
        out = np.asarray(out, dtype=float).reshape(-1)
        if out.shape != (rows.stop - rows.start,):
            raise ValueError(f"predict: expected one score per request ({rows.stop - rows.start}), "
                             f"got shape {np.shape(out)}")
        scores[rows] = out
    return ServeResult(scores, failed, batch_size, fallback, tuple(errors))


MAX_BODY = 16 * 2**20  # bytes: a request larger than this is refused (413)


@contextmanager
def http_server(handle: Callable[[bytes], tuple[int, str]], *, path: str = "/predict",
                host: str = "127.0.0.1", port: int = 0, allow_remote: bool = False,
                max_bytes: int = MAX_BODY) -> Iterator[str]:
    """Answer ``POST path`` with ``handle(body) -> (status, text)`` in a background thread.

    The ``with`` block receives the base URL ``http://host:port``; the server stops and its
    thread is joined when the block ends, also when it ends with an exception. ``port=0``
    takes any free port. Only a loopback ``host`` is accepted unless ``allow_remote=True``: a
    teaching server should not be reachable from the network by accident. The server answers
    404 on other paths, 411 without a Content-Length, 413 above ``max_bytes`` and 500 (the
    exception's type, not its text) when ``handle`` raises. Status 200 is sent as JSON, any
    other as plain text.

    Parameters
    ----------
    handle : callable
        ``body bytes -> (HTTP status, reply text)``; the caller owns parsing and validation.
    path : str
        The one path served.
    host, port : str, int
        Where to listen.
    allow_remote : bool
        Allow a non-loopback ``host``.
    max_bytes : int
        Largest accepted body.

    Examples
    --------
    >>> with http_server(lambda body: (200, body.decode())) as url:
    ...     post_json(url + "/predict", {"echo": [1, 2]})
    {'echo': [1, 2]}
    >>> with http_server(lambda body: (200, "{}"), host="0.0.0.0") as url:
    ...     pass
    Traceback (most recent call last):
    ...
    ValueError: host: '0.0.0.0' is not a loopback address; pass allow_remote=True to serve the network
    """
    import ipaddress

    check_callable(handle, "handle", what="a callable body -> (status, text)")
    check_type(path, "path", str)
    if not path.startswith("/"):
        raise ValueError(f"path: expected a path starting with '/', got {path!r}")
    check_type(host, "host", str, what="a string")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not allow_remote:
        raise ValueError(f"host: {host!r} is not a loopback address; pass allow_remote=True to serve the network")
    check_range(port, "port", low=0, high=65535, integer=True)
    check_range(max_bytes, "max_bytes", low=1, integer=True)
    served = path.rstrip("/") or "/"

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, code: int, text: str) -> None:
            payload = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json" if code == 200 else "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            if (self.path.rstrip("/") or "/") != served:
                return self._reply(404, f"path: only {served} is served, got {self.path!r}")
            length = self.headers.get("Content-Length")
            if length is None or not length.strip().isdigit():
                return self._reply(411, "Content-Length: expected the body's size in bytes")
            if int(length) > max_bytes:
                self.close_connection = True
                return self._reply(413, f"body: expected at most {max_bytes} bytes, got {int(length)}")
            try:
                code, text = handle(self.rfile.read(int(length)))
            except Exception as err:  # noqa: BLE001 - the model failed: answer, do not kill the thread
                code, text = 500, f"the model failed: {type(err).__name__}"
            self._reply(code, text)

        def log_message(self, *args) -> None:  # keep the notebook quiet
            pass

    server = ThreadingHTTPServer((host, int(port)), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def json_handler(call: Callable[[Any], Any], *, key: str, reply: str,
                 statuses: Mapping[type[Exception], int] | None = None) -> Callable[[bytes], tuple[int, str]]:
    """A ``handle`` for ``http_server``: the body ``{key: value}`` in, ``{reply: call(value)}`` out.

    A body that is not JSON, or not an object with ``key``, gets 400 with a reason; so does a
    ``call`` that raises ``TypeError``, ``ValueError`` or ``KeyError`` (the reason is prefixed
    by ``key``). ``statuses`` maps other exception classes to a status, answered with the
    exception's message (e.g. a blocked client: 403). The result is sent as a JSON list.

    Examples
    --------
    >>> handle = json_handler(lambda xs: [2 * x for x in xs], key="inputs", reply="outputs")
    >>> handle(b'{"inputs": [1, 2]}')
    (200, '{"outputs": [2, 4]}')
    >>> handle(b'{"rows": [1]}')
    (400, 'body: expected a JSON object {"inputs": [...]}')
    """
    check_callable(call, "call", what="a callable value -> array-like")
    check_type(key, "key", str)
    check_type(reply, "reply", str)
    if not isinstance(statuses, (Mapping, type(None))):
        raise TypeError(f"statuses: expected a dict exception class -> HTTP status, got {type(statuses).__name__}")
    statuses = dict(statuses or {})
    for cls, code in statuses.items():
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            raise TypeError(f"statuses: expected exception classes as keys, got {cls!r}")
        check_range(code, "statuses", low=100, high=599, integer=True)

    def handle(body: bytes) -> tuple[int, str]:
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            return 400, f"body: expected JSON, {err}"
        if not isinstance(data, dict) or key not in data:
            return 400, f'body: expected a JSON object {{"{key}": [...]}}'
        try:
            out = call(data[key])
        except Exception as err:
            code = next((c for cls, c in statuses.items() if isinstance(err, cls)), None)
            if code is not None:
                return code, str(err)
            if isinstance(err, (TypeError, ValueError, KeyError)):
                return 400, f"{key}: {err}"
            raise
        return 200, json.dumps({reply: np.asarray(out).tolist()})

    return handle


def post_json(url: str, payload: Any, *, timeout: float = 60.0,
              errors: Mapping[int, type[Exception]] | None = None) -> Any:
    """POST ``payload`` as JSON to ``url`` and return the decoded JSON reply.

    A reply with an error status raises the exception ``errors`` maps it to (default: 400 and
    413 raise ``ValueError``), with the server's reason as its message; other error statuses
    raise ``urllib.error.HTTPError``.

    Parameters
    ----------
    url : str
        The endpoint, e.g. ``http://127.0.0.1:8000/predict``.
    payload : JSON-serialisable
    timeout : float
        Seconds to wait for the reply.
    errors : dict, optional
        ``status -> exception class``.

    Examples
    --------
    >>> with http_server(lambda body: (400, "inputs: expected numbers")) as url:
    ...     post_json(url + "/predict", {"inputs": ["a"]})
    Traceback (most recent call last):
    ...
    ValueError: inputs: expected numbers
    """
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen

    check_type(url, "url", str)
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"url: expected an http:// address, got {url!r}")
    check_range(timeout, "timeout", low=1e-3)
    errors = {400: ValueError, 413: ValueError} if errors is None else dict(errors)
    try:
        body = json.dumps(payload).encode()
    except (TypeError, ValueError) as err:
        raise TypeError(f"payload: expected JSON-serialisable data, {err}") from None
    req = Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())
    except HTTPError as err:
        if err.code in errors:
            raise errors[err.code](err.read().decode(errors="replace")) from None
        raise
