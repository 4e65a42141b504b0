"""Train/serving parity: serve raw records over HTTP, and replay training rows to catch skew.

A model trained in a notebook and served by a separate code path agrees with itself only if
the serving code computes the same features: the same category order, the same time zone,
the same scaler statistics, the same float width. Breck, Polyzotis, Roy, Whang & Zinkevich
(2019), "Data Validation for Machine Learning", SysML, call the difference *training/serving
skew*. ``serve_records`` serves any ``predict(DataFrame of raw records)`` on 127.0.0.1 (over
``kit.serving.http_server``); ``disagreement`` compares scores row by row; ``parity_test``
replays rows through the real serving path and returns those that disagree;
``detection_probability`` says how many rows it needs to see a skew that touches only some
rows. Taught in ``notebooks/12_integration-skew.ipynb``.

Examples
--------
>>> svc = RecordService(lambda df: df["x"].to_numpy(float) / 10, columns=["x"])
>>> with serve_records(svc) as client:
...     client.predict(pd.DataFrame({"x": [1, 5]})).tolist()
[0.1, 0.5]
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import (
    as_array,
    check_callable,
    check_frame,
    check_range,
    check_type,
    same_length,
)
from kit.serving import MAX_BODY, http_server, json_handler, post_json

__all__ = ["local_time_features", "RecordService", "RecordClient", "serve_records", "Disagreement",
           "disagreement", "ParityResult", "parity_test", "detection_probability"]


def local_time_features(X: pd.DataFrame, *, tz: str = "America/New_York") -> pd.DataFrame:
    """Hour, weekday and month of UTC ISO timestamps, in the local time zone ``tz``.

    The feature step of a pipeline that receives timestamps as APIs send them (UTC, ``...Z``)
    while the behaviour it models follows local clocks. Every column of ``X`` is converted.

    Parameters
    ----------
    X : DataFrame (n, k) of ISO 8601 strings with a zone (``2013-01-01T10:15:00Z``)
    tz : str
        IANA time zone name.

    Returns
    -------
    DataFrame (n, 3k): ``<col>_hour``, ``<col>_weekday`` (Monday 0), ``<col>_month``.

    Examples
    --------
    >>> local_time_features(pd.DataFrame({"t": ["2013-07-01T02:30:00Z"]}))
       t_hour  t_weekday  t_month
    0      22          6        6
    """
    check_frame(X, "X")
    check_type(tz, "tz", str)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"tz: unknown time zone {tz!r}") from None
    out = {}
    for c in X.columns:
        try:
            t = pd.to_datetime(X[c], utc=True, format="ISO8601").dt.tz_convert(tz)
        except (ValueError, TypeError) as err:
            raise ValueError(f"X: column {c!r} holds values that are not ISO timestamps ({err})") from None
        if t.isna().any():
            raise ValueError(f"X: column {c!r} has missing timestamps")
        out[f"{c}_hour"], out[f"{c}_weekday"], out[f"{c}_month"] = t.dt.hour, t.dt.day_of_week, t.dt.month
    return pd.DataFrame(out, index=X.index)


class RecordService:
    """A prediction service that receives raw records (JSON objects) and answers one score each.

    Parameters
    ----------
    predict : callable
        ``DataFrame (n, columns) -> (n,) scores``: the whole serving path (features + model).
    columns : list of str
        The fields every record must carry; they become the frame's columns, in this order.

    Examples
    --------
    >>> svc = RecordService(lambda df: np.zeros(len(df)), columns=["a"])
    >>> svc.query([{"a": 1}, {"a": 2}]).tolist(), svc.n_queries
    ([0.0, 0.0], 2)
    >>> svc.query([{"b": 1}])
    Traceback (most recent call last):
    ...
    ValueError: records: record 0 lacks the fields ['a']
    """

    def __init__(self, predict: Callable[[pd.DataFrame], Any], *, columns: Sequence[str]) -> None:
        check_callable(predict, "predict", what="a callable DataFrame -> scores")
        if isinstance(columns, str) or not isinstance(columns, Sequence) or not columns \
                or not all(isinstance(c, str) for c in columns):
            raise TypeError(f"columns: expected a non-empty list of field names, got {columns!r}")
        self.predict, self.columns = predict, list(columns)
        self.n_queries = 0
        self._lock = threading.Lock()

    def query(self, records: Sequence[dict]) -> np.ndarray:
        """Score a batch of records: ``(n,)`` floats."""
        if not isinstance(records, (list, tuple)) or not records:
            raise TypeError(f"records: expected a non-empty list of JSON objects, got {type(records).__name__}")
        for i, r in enumerate(records):
            if not isinstance(r, dict):
                raise TypeError(f"records: record {i} is a {type(r).__name__}, expected an object")
            missing = [c for c in self.columns if c not in r]
            if missing:
                raise ValueError(f"records: record {i} lacks the fields {missing}")
        frame = pd.DataFrame.from_records(list(records), columns=self.columns)
        scores = np.asarray(self.predict(frame), dtype=np.float64).reshape(-1)
        if scores.shape != (len(frame),):
            raise ValueError(f"predict: expected one score per record ({len(frame)}), got shape {scores.shape}")
        with self._lock:
            self.n_queries += len(frame)
        return scores

    def __repr__(self) -> str:
        return f"RecordService(columns={self.columns}, n_queries={self.n_queries})"


class RecordClient:
    """Client of ``serve_records``: sends a frame as raw JSON records, in batches.

    Parameters
    ----------
    url : str
        ``http://host:port`` of a running ``serve_records``.

    Examples
    --------
    >>> with serve_records(RecordService(lambda df: np.ones(len(df)), columns=["a"])) as client:
    ...     client.predict(pd.DataFrame({"a": ["x", None, "z"]}), batch_size=2).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, url: str) -> None:
        check_type(url, "url", str)
        self.url = url
        self.n_queries = 0

    def predict(self, records: pd.DataFrame, *, batch_size: int = 1000) -> np.ndarray:
        """Scores of every row of ``records`` (NaN sent as JSON null), ``(n,)``."""
        check_frame(records, "records")
        check_range(batch_size, "batch_size", low=1, integer=True)
        rows = records.astype(object).where(records.notna(), None).to_dict("records")
        out = []
        for start in range(0, len(rows), int(batch_size)):
            reply = post_json(self.url + "/predict", {"records": rows[start:start + int(batch_size)]})
            out.extend(reply["scores"])
        self.n_queries += len(rows)
        return np.asarray(out, dtype=np.float64)

    def __repr__(self) -> str:
        return f"RecordClient(url={self.url!r}, n_queries={self.n_queries})"


@contextmanager
def serve_records(service: RecordService, *, host: str = "127.0.0.1", port: int = 0,
                  max_bytes: int = MAX_BODY) -> Iterator[RecordClient]:
    """Serve ``service`` on ``POST /predict`` (``{"records": [...]}`` -> ``{"scores": [...]}``).

    Loopback only, a free port by default, stopped when the ``with`` block ends (also on an
    exception); bad bodies get 400 with a reason, a failing model 500.

    Examples
    --------
    >>> svc = RecordService(lambda df: df["x"].to_numpy(float), columns=["x"])
    >>> with serve_records(svc) as client:
    ...     client.predict(pd.DataFrame({"x": [0.25]})).tolist()
    [0.25]
    """
    check_type(service, "service", RecordService)
    with http_server(json_handler(service.query, key="records", reply="scores"), path="/predict", host=host,
                     port=port, max_bytes=max_bytes) as url:
        yield RecordClient(url)


@dataclass(frozen=True)
class Disagreement:
    """How two sets of scores for the same requests differ.

    Attributes
    ----------
    n : int
    differs : ndarray (n,) bool
        Rows whose scores differ by more than ``atol``.
    flipped : ndarray (n,) bool
        Rows whose decision (score >= threshold) differs.
    max_abs_diff, threshold, atol : float

    Examples
    --------
    >>> d = disagreement([0.1, 0.6], [0.1, 0.4], threshold=0.5)
    >>> d.share_differs, d.share_flipped
    (0.5, 0.5)
    """

    n: int
    differs: np.ndarray
    flipped: np.ndarray
    max_abs_diff: float
    threshold: float
    atol: float

    @property
    def share_differs(self) -> float:
        """Share of rows whose scores differ by more than ``atol``."""
        return float(self.differs.mean())

    @property
    def share_flipped(self) -> float:
        """Share of rows whose decision differs."""
        return float(self.flipped.mean())

    def __repr__(self) -> str:
        return (f"Disagreement(n={self.n}, scores differ on {self.share_differs:.1%}, decisions "
                f"flip on {self.share_flipped:.1%}, max |diff| {self.max_abs_diff:.2g})")


def disagreement(score_ref: Any, score_served: Any, *, threshold: float = 0.5,
                 atol: float = 1e-6) -> Disagreement:
    """Compare the reference scores (the training code's) with the served scores, row by row.

    Parameters
    ----------
    score_ref, score_served : array (n,)
        Scores of the same requests.
    threshold : float
        Decision threshold: a row is flagged when its score is >= threshold.
    atol : float
        Score differences up to ``atol`` count as agreement (float rounding).

    Returns
    -------
    Disagreement

    Examples
    --------
    >>> disagreement([0.2, 0.7, 0.9], [0.2, 0.7 + 1e-9, 0.3])
    Disagreement(n=3, scores differ on 33.3%, decisions flip on 33.3%, max |diff| 0.6)
    """
    a = as_array(score_ref, "score_ref", ndim=1)
    b = as_array(score_served, "score_served", ndim=1)
    n = same_length(score_ref=a, score_served=b)
    if n == 0:
        raise ValueError("score_ref: expected at least one score, got 0")
    threshold = float(check_range(threshold, "threshold"))
    atol = float(check_range(atol, "atol", low=0))
    diff = np.abs(a - b)
    return Disagreement(n, diff > atol, (a >= threshold) != (b >= threshold), float(diff.max()),
                        threshold, atol)


@dataclass(frozen=True)
class ParityResult:
    """The verdict of a parity test: the replayed rows whose served score disagrees.

    Attributes
    ----------
    passed : bool
        No replayed row disagrees.
    n : int
    rows : DataFrame
        The disagreeing records, with ``expected`` and ``served`` scores appended.
    max_abs_diff : float
        Largest score difference (inf when a served score is NaN).

    Examples
    --------
    >>> ParityResult(True, 10, pd.DataFrame(), 0.0)
    ParityResult(passed: 10 rows replayed, 0 disagree, max |diff| 0)
    """

    passed: bool
    n: int
    rows: pd.DataFrame
    max_abs_diff: float

    def __repr__(self) -> str:
        return (f"ParityResult({'passed' if self.passed else 'FAILED'}: {self.n} rows replayed, "
                f"{len(self.rows)} disagree, max |diff| {self.max_abs_diff:.2g})")


def parity_test(client: Any, records: pd.DataFrame, expected: Any, *, atol: float = 1e-6,
                batch_size: int = 1000) -> ParityResult:
    """Replay ``records`` through the serving path and compare with the training code's scores.

    Parameters
    ----------
    client : RecordClient or callable
        The real serving path (``client.predict(frame)``), or a callable ``frame -> scores``.
    records : DataFrame (n, ...)
        Raw records, as clients send them (e.g. training rows).
    expected : array (n,)
        The scores the training code gives the same records.
    atol : float
        Largest score difference counted as agreement.
    batch_size : int
        Records per request.

    Returns
    -------
    ParityResult: fails on any row whose served score is more than ``atol`` away.

    Examples
    --------
    >>> recs = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    >>> parity_test(lambda df: df["x"].to_numpy() / 10, recs, [0.1, 0.2, 0.3])
    ParityResult(passed: 3 rows replayed, 0 disagree, max |diff| 0)
    >>> parity_test(lambda df: np.round(df["x"].to_numpy() / 4, 1), recs, [0.25, 0.5, 0.75]).rows
         x  expected  served
    0  1.0      0.25     0.2
    2  3.0      0.75     0.8
    """
    check_frame(records, "records")
    expected = as_array(expected, "expected", ndim=1)
    same_length(records=records, expected=expected)
    atol = float(check_range(atol, "atol", low=0))
    if hasattr(client, "predict") and callable(client.predict):
        served = client.predict(records, batch_size=batch_size)
    else:
        check_callable(client, "client", what="a RecordClient or a callable frame -> scores")
        check_range(batch_size, "batch_size", low=1, integer=True)
        served = client(records)
    served = np.asarray(served, dtype=np.float64).reshape(-1)
    if served.shape != expected.shape:
        raise ValueError(f"client: expected one score per record ({len(expected)}), got shape {served.shape}")
    diff = np.abs(served - expected)
    bad = ~(diff <= atol)  # NaN disagrees
    rows = records.loc[bad].assign(expected=expected[bad], served=served[bad])
    return ParityResult(not bad.any(), len(records), rows, float(np.where(np.isnan(diff), np.inf, diff).max()))


def detection_probability(differs: Any, n_rows: Any) -> np.ndarray:
    """Chance that ``n`` rows drawn at random (without replacement) include a disagreeing one.

    With ``k`` disagreeing rows among ``N``, a parity test of ``n`` random rows misses the skew
    with the hypergeometric probability ``C(N-k, n) / C(N, n)``; a skew that touches few rows
    needs many replayed rows to be seen.

    Parameters
    ----------
    differs : array (N,) bool
        Which rows of the pool disagree (``Disagreement.differs``).
    n_rows : int or array of int
        Replay sizes, each between 0 and N.

    Returns
    -------
    ndarray of float, shaped like ``n_rows``.

    Examples
    --------
    >>> detection_probability([True, False, False, False], [1, 2, 4]).round(2).tolist()
    [0.25, 0.5, 1.0]
    """
    from scipy.stats import hypergeom

    flags = np.asarray(differs)
    if flags.ndim != 1 or flags.dtype != bool or flags.size == 0:
        raise TypeError("differs: expected a non-empty 1-d boolean array")
    n = np.asarray(n_rows)
    if n.dtype == bool or not np.issubdtype(n.dtype, np.integer) or (n < 0).any() or (n > flags.size).any():
        raise ValueError(f"n_rows: expected integers between 0 and {flags.size}, got {n_rows!r}")
    return 1.0 - hypergeom(flags.size, int(flags.sum()), n).pmf(0)
