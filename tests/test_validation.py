"""kit.data.validation: the distances agree with scipy, the calibration delivers its false-alarm
rate on fresh clean batches, and the gate sees the changes it is built for."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from kit.data.validation import _ks_many, infer_validator, ks_distance, linf_distance


@pytest.mark.parametrize("seed", range(5))
def test_ks_distance_agrees_with_scipy_including_ties(seed):
    rng = np.random.default_rng(seed)
    ref = rng.integers(0, 12, 400).astype(float)         # many ties, as Adult's integer columns
    batch = rng.integers(2, 15, 50).astype(float)
    assert ks_distance(ref, batch) == pytest.approx(ks_2samp(ref, batch).statistic, abs=1e-12)
    cont = rng.normal(size=300)
    assert ks_distance(cont, cont[:40] + 0.5) == pytest.approx(ks_2samp(cont, cont[:40] + 0.5).statistic)


def test_vectorised_ks_matches_the_single_batch_version():
    rng = np.random.default_rng(1)
    ref = np.sort(rng.integers(0, 30, 1000).astype(float))
    batches = rng.integers(0, 35, (20, 50)).astype(float)
    assert np.allclose(_ks_many(ref, batches), [ks_distance(ref, b) for b in batches])


def test_ks_ignores_nan_and_gives_one_on_empty_sides():
    assert ks_distance([1.0, 2.0, np.nan], [1.0, 2.0]) == 0.0
    assert ks_distance([1.0, 2.0], [np.nan]) == 1.0


def test_linf_distance_counts_unseen_values_and_missing_as_levels():
    ref = pd.Series({"a": 0.5, "b": 0.3, "<missing>": 0.2})
    assert linf_distance(ref, pd.Series(["a", "b", None, None, "a"])) == pytest.approx(0.2)
    assert linf_distance(ref, pd.Series(["z"] * 4)) == 1.0          # unseen: share 1 against 0
    assert linf_distance(ref, pd.Series(["a", "b", None, "a", "a", "b", "a", "b", "a", None])) == 0.0


def reference(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"age": rng.integers(17, 90, n), "hours": rng.choice([20, 40, 40, 40, 50, 60], n),
                         "job": rng.choice(["a", "b", "c", None], n, p=[0.5, 0.3, 0.15, 0.05])})


@pytest.mark.parametrize("target", [0.02, 0.1])
def test_calibrated_false_alarm_rate_holds_on_fresh_clean_batches(target):
    gate = infer_validator(reference(seed=0), batch_size=50, false_alarm=target, seed=0)
    fresh = reference(n=50 * 600, seed=1)                          # new rows, same distribution
    alarms = np.mean([not gate.validate(fresh.iloc[i * 50:(i + 1) * 50]).passed for i in range(600)])
    assert target / 4 <= alarms <= target * 1.5, alarms             # conservative with ties, never above


def test_gate_flags_changes_a_range_schema_would_pass():
    gate = infer_validator(reference(), batch_size=50, seed=0)
    batch = reference(n=50, seed=3)
    assert gate.validate(batch).passed
    assert not gate.validate(batch.assign(hours=batch.hours // 2)).passed              # in range, new unit
    assert not gate.validate(batch.assign(job=None)).passed                             # a dropped field
    swapped = gate.validate(batch.assign(age=batch.hours, hours=batch.age))
    assert not swapped.passed and {"age", "hours"} <= set(swapped.failures.column)


def test_missing_and_extra_columns_fail_and_are_named():
    gate = infer_validator(reference(), batch_size=50, seed=0)
    verdict = gate.validate(reference(n=50, seed=4).rename(columns={"job": "occupation"}))
    assert not verdict.passed
    assert verdict.missing_columns == ("job",) and verdict.extra_columns == ("occupation",)
    assert "missing column job" in repr(verdict)


def test_text_in_a_numeric_column_fails():
    gate = infer_validator(reference(), batch_size=50, seed=0)
    batch = reference(n=50, seed=5).astype({"age": object})
    batch.loc[batch.index[0], "age"] = "age"                        # a repeated header row
    assert gate.statistics(batch)["age"] == 1.0


def test_same_seed_same_thresholds_and_other_seed_close():
    a = infer_validator(reference(), batch_size=50, seed=0)
    b = infer_validator(reference(), batch_size=50, seed=0)
    c = infer_validator(reference(), batch_size=50, seed=1)
    assert repr(a) == repr(b)
    assert all(abs(a.checks[k].threshold - c.checks[k].threshold) <= 0.06 for k in a.checks)


@pytest.mark.parametrize("kwargs, name", [
    (dict(batch_size=1), "batch_size"), (dict(false_alarm=0.7), "false_alarm"),
    (dict(n_batches=10), "n_batches"), (dict(seed=-1), "seed"), (dict(batch_size=4000), "reference")])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        infer_validator(reference(), **kwargs)


def test_reference_and_batch_must_be_frames():
    with pytest.raises(TypeError, match="reference"):
        infer_validator(np.zeros((200, 2)))
    gate = infer_validator(reference(), batch_size=50, seed=0)
    with pytest.raises(TypeError, match="batch"):
        gate.validate([1, 2, 3])
