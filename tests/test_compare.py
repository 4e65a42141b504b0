"""kit.sim.compare: the policy table and the per-period error agree with the replay frames."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from kit.sim.compare import error_by, policy_table
from kit.sim.policies import Never, Periodic
from kit.sim.replay import replay


@pytest.fixture(scope="module")
def runs():
    rng = np.random.default_rng(0)
    t = np.repeat(np.arange(12), rng.integers(80, 120, 12))
    X = rng.normal(size=(len(t), 2))
    y = np.where(t < 6, X[:, 0] > 0, X[:, 1] > 0).astype(int)
    return {name: replay(LogisticRegression, X, y, t, policy=p, warmup=2, window=300)
            for name, p in {"never": Never(), "every 2": Periodic(2)}.items()}


def test_policy_table(runs):
    table = policy_table(runs)
    assert list(table.index) == ["never", "every 2"]
    for name, r in runs.items():
        assert table.loc[name, "mean error"] == pytest.approx(r.frame.error.mean())
        assert table.loc[name, ["retrains", "rows_fitted", "labels_used"]].tolist() == [
            r.retrains, r.rows_fitted, r.labels_used]
    gaps = policy_table(runs, column="calib_gap", absolute=True)
    assert gaps.columns[0] == "mean |calib_gap|"
    assert gaps.iloc[0, 0] == pytest.approx(runs["never"].frame.calib_gap.abs().mean())


def test_error_by_weights_batches_by_rows(runs):
    r = runs["never"]
    halves = error_by(r, lambda b: b >= 6)
    f = r.frame
    for flag, value in halves.items():
        part = f[(f.batch >= 6) == flag]
        assert value == pytest.approx(np.average(part.error, weights=part.n))
    assert error_by(r, lambda b: np.zeros(len(b)))[0] == pytest.approx(r.mean_error)


def test_bad_input_names_the_argument(runs):
    with pytest.raises(ValueError, match="column"):
        policy_table(runs, column="accuracy")
    with pytest.raises(TypeError, match="runs"):
        policy_table({"x": 1})
    with pytest.raises(TypeError, match="period"):
        error_by(runs["never"], "year")


@pytest.mark.parametrize("kwargs, error, name", [
    ({"runs": 3}, TypeError, "runs"),
    ({"runs": {"x": "not a result"}}, TypeError, "runs"),
    ({"column": ["error"]}, TypeError, "column"),
    ({"absolute": np.zeros(2)}, TypeError, "absolute"),
])
def test_bad_policy_table_arguments_are_named(runs, kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        policy_table(**{"runs": runs, **kwargs})


def test_error_by_names_its_result():
    with pytest.raises(TypeError, match="^result: expected a ReplayResult"):
        error_by(None, lambda b: b)
