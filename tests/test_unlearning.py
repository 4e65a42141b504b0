"""Tests for kit.models.unlearning (notebook 19): SISA unlearning is exact, costs one shard, and
the batched-request formula agrees with a simulation."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from kit.models.unlearning import (
    ShardedEnsemble,
    UnlearningReport,
    expected_shards_hit,
    unlearning_cost,
)


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def test_unlearning_is_exactly_retraining_the_shard_without_the_row():
    X, y = _data()
    ids = np.arange(1000, 1300)
    est = RandomForestClassifier(5, random_state=0)
    sisa = ShardedEnsemble(est, n_shards=4, seed=3).fit(X, y, ids=ids)
    shard = int(sisa.shard_of([1007])[0])
    report = sisa.unlearn([1007])
    assert report.shards_retrained == (shard,)
    # the same shard, refitted from scratch without row 7 with the same seed, predicts identically
    rows = [r for r in sisa._rows[shard]]
    assert 7 not in rows
    fresh = RandomForestClassifier(5, random_state=3 + shard).fit(X[rows], y[rows])
    np.testing.assert_array_equal(fresh.predict_proba(X), sisa.models_[shard].predict_proba(X))
    # the other shards were not touched
    assert report.rows_retrained == len(rows) and report.rows_full == 299 and sisa.n_rows == 299


def test_the_ensemble_averages_the_shards_probabilities():
    X, y = _data()
    sisa = ShardedEnsemble(LogisticRegression(), n_shards=3, seed=0).fit(X, y)
    manual = np.mean([m.predict_proba(X) for m in sisa.models_], axis=0)
    np.testing.assert_allclose(sisa.predict_proba(X), manual)
    np.testing.assert_array_equal(sisa.predict(X), manual.argmax(axis=1))


def test_one_shard_is_the_plain_model():
    X, y = _data()
    sisa = ShardedEnsemble(DecisionTreeClassifier(random_state=0), n_shards=1, seed=0).fit(X, y)
    plain = DecisionTreeClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(sisa.predict(X), plain.predict(X))


def test_a_batch_retrains_each_hit_shard_once_and_erased_ids_are_gone():
    X, y = _data()
    sisa = ShardedEnsemble(DecisionTreeClassifier(), n_shards=5, seed=1).fit(X, y)
    ids = np.arange(40)
    hit = set(sisa.shard_of(ids).tolist())
    report = sisa.unlearn(ids)
    assert set(report.shards_retrained) == hit and report.removed == 40
    with pytest.raises(KeyError, match="^'ids: "):
        sisa.unlearn([3])
    assert isinstance(report, UnlearningReport) and "removed=40" in repr(report)


def test_expected_shards_hit_agrees_with_a_simulation():
    rng = np.random.default_rng(0)
    for k, S in [(1, 10), (10, 10), (20, 16), (50, 10)]:
        sim = np.mean([len(np.unique(rng.integers(0, S, k))) for _ in range(20_000)])
        assert expected_shards_hit(k, S) == pytest.approx(sim, rel=0.01)
    assert expected_shards_hit(0, 7) == 0.0 and expected_shards_hit(5, 1) == 1.0
    assert unlearning_cost(1, 10) == pytest.approx(0.1)
    assert unlearning_cost(200, 10) == pytest.approx(1.0, abs=1e-6)


def test_bad_arguments_name_themselves():
    X, y = _data()
    with pytest.raises(TypeError, match="^estimator: "):
        ShardedEnsemble("forest")
    with pytest.raises(ValueError, match="^n_shards: "):
        ShardedEnsemble(DecisionTreeClassifier(), n_shards=0)
    with pytest.raises(ValueError, match="^n_shards: "):
        ShardedEnsemble(DecisionTreeClassifier(), n_shards=200).fit(X, y)
    with pytest.raises(ValueError, match="^ids: "):
        ShardedEnsemble(DecisionTreeClassifier(), n_shards=2).fit(X, y, ids=np.zeros(len(y), int))
    with pytest.raises(RuntimeError, match="fit"):
        ShardedEnsemble(DecisionTreeClassifier()).predict(X)
    with pytest.raises(ValueError, match="^k: "):
        expected_shards_hit(-1, 3)
    with pytest.raises(TypeError, match="^n_shards: "):
        unlearning_cost(3, 2.5)
