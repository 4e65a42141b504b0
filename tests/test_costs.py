"""Tests for kit.costs: latency, size, fit time, the Pareto front and constraint-aware choice."""

import pickle
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from kit.costs import (
    Latency,
    choose,
    cost_table,
    pareto_front,
    pickled_size,
    plot_frontier,
    single_row_latency,
    timed_fit,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + 0.5 * rng.normal(size=300) > 0).astype(int)
    return X, y


def test_latency_sees_a_slower_model_and_calls_one_row_at_a_time():
    shapes = []

    def fast(row):
        shapes.append(row.shape)

    def slow(row):
        end = time.process_time() + 0.002  # 2 ms of CPU
        while time.process_time() < end:
            pass

    X = np.zeros((7, 3))
    fast_lat = single_row_latency(fast, X, n_calls=30, warmup=5, rounds=2)
    slow_lat = single_row_latency(slow, X, n_calls=30, warmup=2, rounds=2)
    assert set(shapes) == {(1, 3)} and len(shapes) == 5 + 60
    assert fast_lat.n_calls == 60
    assert slow_lat.median_s >= 0.0019 and slow_lat.median_s > 20 * fast_lat.median_s
    assert slow_lat.p99_s >= slow_lat.median_s * 0.9


def test_wall_clock_counts_sleeping_cpu_clock_does_not():
    def sleeper(row):
        time.sleep(0.003)

    X = np.zeros((2, 1))
    wall = single_row_latency(sleeper, X, n_calls=5, warmup=0, rounds=1, clock="wall")
    cpu = single_row_latency(sleeper, X, n_calls=5, warmup=0, rounds=1, clock="cpu")
    assert wall.median_s >= 0.0029
    assert cpu.median_s < 0.001


def test_latency_does_not_touch_global_random_state():
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    single_row_latency(lambda r: r.sum(), np.ones((3, 2)), n_calls=10)
    assert np.random.random() == expected


def test_pickled_size_is_exact_and_grows_with_the_model(data):
    X, y = data
    small = RandomForestClassifier(5, random_state=0).fit(X, y)
    big = RandomForestClassifier(50, random_state=0).fit(X, y)
    assert pickled_size(small) == len(pickle.dumps(small, protocol=5))
    assert pickled_size(RandomForestClassifier(5, random_state=0).fit(X, y)) == pickled_size(small)
    assert pickled_size(big) > 5 * pickled_size(small)


def test_pickled_size_refuses_what_cannot_be_pickled():
    with pytest.raises(TypeError, match="^model: expected a picklable model"):
        pickled_size(lambda x: x)


def test_timed_fit_fits_in_place(data):
    X, y = data
    model = LogisticRegression()
    seconds = timed_fit(model, X, y)
    assert seconds >= 0 and hasattr(model, "coef_")


def test_cost_table_agrees_with_sklearn_and_pickle(data):
    X, y = data
    models = {"lr": LogisticRegression().fit(X, y), "rf": RandomForestClassifier(20, random_state=0).fit(X, y)}
    t = cost_table(models, X, y, fit_seconds={"lr": 0.1, "rf": 0.2}, n_calls=10, rounds=2)
    assert list(t.index) == ["lr", "rf"]
    assert t.loc["rf", "score"] == pytest.approx(roc_auc_score(y, models["rf"].predict_proba(X)[:, 1]))
    assert t.loc["lr", "bytes"] == pickled_size(models["lr"])
    assert t.loc["rf", "fit_s"] == 0.2
    assert (t["p99_ms"] > 0).all() and (t["median_ms"] > 0).all()
    assert t.loc["rf", "median_ms"] > t.loc["lr", "median_ms"]  # 20 trees vs one dot product


def _brute_front(table, maximize, minimize):
    rows = list(table.index)
    out = []
    for a in rows:
        dominated = False
        for b in rows:
            ge = table.loc[b, maximize] >= table.loc[a, maximize] and all(
                table.loc[b, c] <= table.loc[a, c] for c in minimize)
            gt = table.loc[b, maximize] > table.loc[a, maximize] or any(
                table.loc[b, c] < table.loc[a, c] for c in minimize)
            dominated |= ge and gt
        out.append(not dominated)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_pareto_front_matches_a_brute_force_definition(seed):
    rng = np.random.default_rng(seed)
    t = pd.DataFrame({"score": rng.integers(0, 4, 12) / 4, "p99_ms": rng.integers(1, 4, 12),
                      "bytes": rng.integers(1, 4, 12)}, index=[f"m{i}" for i in range(12)])
    assert pareto_front(t).tolist() == _brute_front(t, "score", ["p99_ms", "bytes"])


def test_pareto_front_keeps_ties():
    t = pd.DataFrame({"score": [0.9, 0.9], "p99_ms": [1.0, 1.0]}, index=["a", "b"])
    assert pareto_front(t, minimize=["p99_ms"]).tolist() == [True, True]


def test_choose_is_best_within_budget_and_on_the_front():
    t = pd.DataFrame({"score": [0.93, 0.92, 0.91, 0.90], "p99_ms": [2.5, 0.5, 0.4, 0.3],
                      "bytes": [4e5, 2e6, 4e4, 1e3]}, index=["big", "fat", "mlp", "lr"])
    assert choose(t, budget={"p99_ms": 1.0, "bytes": 1e6}) == "mlp"
    assert choose(t, budget={"p99_ms": 1.0}) == "fat"
    assert choose(t, budget={"p99_ms": 10.0, "bytes": 1e7}) == "big"
    assert pareto_front(t)[choose(t, budget={"p99_ms": 1.0, "bytes": 1e6})]
    assert choose(t, budget={"p99_ms": 0.4}) == "mlp"  # the limit is inclusive


def test_choose_says_when_nothing_fits():
    t = pd.DataFrame({"score": [0.9], "p99_ms": [3.0]}, index=["a"])
    with pytest.raises(ValueError, match="^budget: no model meets"):
        choose(t, budget={"p99_ms": 1.0})


@pytest.mark.parametrize("call, error, match", [
    (lambda: single_row_latency(3, np.ones((2, 2))), TypeError, "^predict:"),
    (lambda: single_row_latency(np.sum, np.ones(3)), ValueError, "^X: expected a 2-D"),
    (lambda: single_row_latency(np.sum, np.ones((2, 2)), n_calls=0), ValueError, "^n_calls:"),
    (lambda: single_row_latency(np.sum, np.ones((2, 2)), rounds=1.5), TypeError, "^rounds:"),
    (lambda: single_row_latency(np.sum, np.ones((2, 2)), clock="gpu"), ValueError, "clock"),
    (lambda: timed_fit(object(), np.ones((2, 2)), [0, 1]), TypeError, "^model:"),
    (lambda: cost_table({}, np.ones((2, 2)), [0, 1]), TypeError, "^models:"),
    (lambda: cost_table({"a": object()}, np.ones((2, 2)), [0, 1]), TypeError, "^models: 'a'"),
    (lambda: choose(pd.DataFrame({"score": [1.0]}), budget={"p99_ms": 1.0}), KeyError, "budget"),
    (lambda: choose(pd.DataFrame({"score": [1.0], "x": [1.0]}), budget={}), TypeError, "^budget:"),
    (lambda: choose([1, 2], budget={"x": 1.0}), TypeError, "^table:"),
    (lambda: pareto_front(pd.DataFrame({"score": [1.0], "b": [np.nan]}), minimize=["b"]), ValueError, "^table:"),
    (lambda: pareto_front(pd.DataFrame({"score": [1.0]}), minimize="score"), TypeError, "^minimize:"),
])
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_plot_frontier_marks_the_budget():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = pd.DataFrame({"score": [0.93, 0.91, 0.90], "p99_ms": [2.5, 0.4, 0.3], "bytes": [4e5, 4e4, 1e3]},
                     index=["big", "mlp", "lr"])
    ax = plot_frontier(t, budget={"p99_ms": 1.0, "bytes": 1e6}, chosen="mlp")
    labels = [txt.get_text() for txt in ax.texts]
    assert labels == ["big", "mlp", "lr"] and ax.get_xscale() == "log"
    with pytest.raises(KeyError, match="chosen: 'nope'"):
        plot_frontier(t, chosen="nope")
    plt.close("all")


def test_latency_repr():
    assert "p99 0.500 ms" in repr(Latency(0.0002, 0.0005, 10))
