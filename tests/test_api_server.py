"""The prediction API and its local HTTP server under hostile input, over real HTTP on 127.0.0.1.

Regression tests for issue 13: one non-finite query used to switch the query monitor off (its
Shapiro-Wilk statistic became NaN, so ``W < delta`` was never true again), and bad request bodies
made the handler raise instead of answering with an HTTP status.
"""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlparse

import numpy as np
import pytest

from kit.data import load
from kit.security import api as service
from kit.security import monitoring as mon


@pytest.fixture(scope="module")
def digits():
    X, _ = load("digits")
    return X.reshape(len(X), -1).astype(np.float64)


def _probs(X):
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    z = np.stack([X.mean(axis=1), 1 - X.mean(axis=1)], axis=1)
    return z / z.sum(axis=1, keepdims=True)


def _post(url, body: bytes | None, *, headers=None, path="/predict"):
    """Send a raw POST (the body exactly as given) and return (status, reply text)."""
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.putrequest("POST", path)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None and "Content-Length" not in (headers or {}):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None:
            conn.send(body)
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def _perturbation_attack(digits, n=400, seed=0):
    """PRADA's target: many small perturbations of a few natural seeds."""
    rng = np.random.default_rng(seed)
    seeds = digits[rng.integers(0, len(digits), 10)]
    return np.clip(seeds[rng.integers(0, 10, n)] + 0.05 * rng.standard_normal((n, digits.shape[1])), 0, 1)


def test_one_infinite_query_no_longer_disables_the_monitor(digits):
    attack = _perturbation_attack(digits)
    # reference: the attacker alone is blocked after a few batches
    plain = service.PredictionAPI(_probs, monitor=mon.QueryMonitor(digits[:300]), bounds=(0, 1))
    answered, _, blocked = mon.query_until_blocked(plain, attack)
    assert blocked and len(answered) <= 100
    # the bypass: one row of inf first (Python's JSON accepts Infinity), then the same attack
    api = service.PredictionAPI(_probs, monitor=mon.QueryMonitor(digits[:300]), bounds=(0, 1))
    with service.serve(api) as remote:
        row = [float("inf")] * digits.shape[1]
        status, reason = _post(remote.url, json.dumps({"inputs": [row]}).encode())
        assert status == 400 and "finite" in reason
        assert len(api.monitor.seen) == 0  # the monitor never saw it
        status, reason = _post(remote.url, json.dumps({"inputs": [[1e200] * digits.shape[1]]}).encode())
        assert status == 400 and "[0, 1]" in reason
        answered, _, blocked = mon.query_until_blocked(remote, attack)
    assert blocked and len(answered) == len(mon.query_until_blocked(
        service.PredictionAPI(_probs, monitor=mon.QueryMonitor(digits[:300])), attack)[0])


def test_bad_requests_get_a_status_and_a_reason(digits):
    api = service.PredictionAPI(_probs, bounds=(0, 1))
    with service.serve(api, max_bytes=10_000) as remote:
        cases = {
            "not json": (b"{inputs: oops", {}, 400, "expected JSON"),
            "no inputs": (b'{"x": [[0.1]]}', {}, 400, "inputs"),
            "a list, not an object": (b"[[0.1, 0.2]]", {}, 400, "JSON object"),
            "strings": (b'{"inputs": [["a", "b"]]}', {}, 400, "inputs:"),
            "1-D": (b'{"inputs": [0.1, 0.2]}', {}, 400, "2-D"),
            "ragged": (b'{"inputs": [[0.1], [0.1, 0.2]]}', {}, 400, "inputs:"),
            "nan": (b'{"inputs": [[NaN, 0.2]]}', {}, 400, "NaN"),
            "too large": (b"{" + b" " * 20_000 + b"}", {}, 413, "at most 10000 bytes"),
        }
        for name, (body, headers, code, words) in cases.items():
            status, reason = _post(remote.url, body, headers=headers)
            assert (status, words in reason) == (code, True), (name, status, reason)
        status, reason = _post(remote.url, None)  # no body, no Content-Length
        assert status == 411, reason
        status, _ = _post(remote.url, b'{"inputs": [[0.5]]}', path="/admin")
        assert status == 404
        # the server still answers a good request, and only good ones were counted
        assert remote.query(digits[:2]).shape == (2, 2)
        with pytest.raises(ValueError, match=r"expected inputs in \[0, 1\]"):
            remote.query(digits[:2] + 5)
    assert api.n_queries == 2


def test_server_counts_concurrent_clients_exactly(digits):
    api = service.PredictionAPI(_probs)
    with service.serve(api) as remote:
        def client():
            for _ in range(5):
                remote.query(digits[:4])

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert api.n_queries == 8 * 5 * 4


def test_server_refuses_the_network_unless_asked():
    api = service.PredictionAPI(_probs)
    for host in ("0.0.0.0", "192.168.1.10", "example.org"):
        with pytest.raises(ValueError, match="not a loopback address"):
            with service.serve(api, host=host):
                pass
    with service.serve(api, host="localhost") as remote:
        assert remote.query(np.zeros((1, 3))).shape == (1, 2)
    with pytest.raises(TypeError, match="api: expected a PredictionAPI"):
        with service.serve(_probs):
            pass


def test_api_arguments_are_checked():
    with pytest.raises(ValueError, match="decimals: expected a value <= 15"):
        service.PredictionAPI(_probs, decimals=10**12)
    with pytest.raises(ValueError, match="bounds: expected low < high"):
        service.PredictionAPI(_probs, bounds=(1, 0))
    with pytest.raises(TypeError, match="bounds: expected \\(low, high\\)"):
        service.PredictionAPI(_probs, bounds=1)
    with pytest.raises(TypeError, match="monitor: expected a QueryMonitor"):
        service.PredictionAPI(_probs, monitor="on")
    with pytest.raises(ValueError, match="X: expected finite values, found 1 infinite"):
        service.PredictionAPI(_probs).query(np.array([[0.1, np.inf]]))
