"""kit.data.profiling: the profile, the sentinel finder, the drift table and subgroup metrics,
on small frames and on Adult, checked against pandas, pandera and scikit-learn where they
compute the same thing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from sklearn.metrics import confusion_matrix

from kit.data import load
from kit.data.profiling import Profile, drift_table, find_sentinels, profile, subgroup_metrics
from kit.shift.twosample import psi


@pytest.fixture(scope="module")
def adult():
    raw = load("adult", raw=True)
    return (raw[raw.split == "train"].drop(columns="split").reset_index(drop=True),
            raw[raw.split == "test"].drop(columns="split").reset_index(drop=True))


def test_profile_agrees_with_pandas_on_counts_and_ranges():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=200), "k": rng.choice(["a", "b", "?"], size=200)})
    df.loc[:4, "x"] = np.nan
    p = profile(df)
    assert isinstance(p, Profile)
    assert p.table.loc["x", "min"] == pytest.approx(df.x.min()) and p.table.loc["x", "max"] == pytest.approx(df.x.max())
    assert p.table.loc["x", "missing"] == df.x.isna().sum() == 5
    assert p.table.loc["k", "missing"] == (df.k == "?").sum()
    assert p.table.loc["k", "unique"] == df.k[df.k != "?"].nunique()
    assert p.n_duplicates == df.duplicated().sum()
    assert "200 rows x 2 columns" in repr(p)


def test_adult_profile_finds_the_files_quirks(adult):
    train, test = adult
    p = profile(train, missing_tokens=("?",), y=train.income.eq(">50K").to_numpy())
    assert set(p.table.index[p.table.missing > 0]) == {"workclass", "occupation", "native_country"}
    assert p.table.loc["workclass", "missing"] == (train.workclass == "?").sum()
    assert p.n_duplicates == train.duplicated().sum() == 24
    top = p.sentinels.set_index("column").loc["capital_gain"]
    assert top.value == 99999 and top["count"] == 159 and top.rate_at_value == 1.0
    assert "age" not in set(p.sentinels.column)  # 90 is a top code too, but not apart from 88


def test_sentinel_rules():
    apart = pd.Series([1, 2, 3, 4, 5] + [500] * 6)
    assert find_sentinels(apart).reason.tolist() == ["isolated spike at the max"]
    assert find_sentinels(pd.Series([-1] * 5 + [0, 3, 7, 8])).value.tolist() == [-1]
    assert find_sentinels(pd.Series(np.arange(100))).empty  # a plain range has none
    assert find_sentinels(pd.Series([1, 2, 99, 99], name="h"), min_count=3).empty  # too rare
    assert find_sentinels(pd.Series(["a", "b", "c"])).empty  # text: nothing to say


def test_drift_table_numeric_psi_is_kit_psi(adult):
    train, test = adult
    table = drift_table(train, test, missing_tokens=("?",))
    for col in ["age", "hours_per_week", "fnlwgt"]:
        expected = psi(train[col].to_numpy(float), test[col].to_numpy(float)).statistic
        assert table.loc[col, "psi"] == pytest.approx(expected)
    assert table.psi.drop("income").max() < 0.02  # the two files are one population
    assert table.loc["income", "unseen"] == 1.0  # ... whose test labels carry a trailing dot


def test_drift_table_type_change_and_missing_columns():
    ref = pd.DataFrame({"age": [20, 30, 40], "a": [1, 2, 3]})
    cur = pd.DataFrame({"age": ["junk", "30", "40"], "b": [1, 2, 3]})
    t = drift_table(ref, cur)
    assert not t.loc["age", "same_type"] and np.isnan(t.loc["age", "psi"])
    assert pd.isna(t.loc["a", "dtype_cur"]) and pd.isna(t.loc["b", "dtype_ref"])
    assert np.isnan(t.loc["a", "psi"]) and not t.loc["b", "same_type"]


def test_schema_fails_loudly_where_pandera_inference_is_silent(adult):
    train, test = adult
    schema = profile(train, missing_tokens=("?",)).schema()
    schema.validate(train)  # the frame it was profiled from passes
    with pytest.raises(pa.errors.SchemaErrors) as err:
        schema.validate(test, lazy=True)
    cases = err.value.failure_cases
    assert (cases.column == "income").sum() == len(test)
    inferred = pa.infer_schema(train)
    with pytest.raises(pa.errors.SchemaErrors) as err2:  # one fnlwgt above the train maximum
        inferred.validate(test, lazy=True)
    assert "income" not in set(err2.value.failure_cases.column)
    # both schemas agree on every column's dtype and on the numeric ranges
    for name, col in inferred.columns.items():
        assert str(schema.columns[name].dtype) == str(col.dtype)


def test_subgroup_metrics_agree_with_sklearn_confusion_matrix():
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 2, 500), rng.integers(0, 2, 500)
    groups = rng.choice(["a", "b", "c"], 500)
    t = subgroup_metrics(y_true, y_pred, groups)
    assert t.index[0] == "all" and t.loc["all", "n"] == 500
    for g in ["all", "a", "b", "c"]:
        m = np.ones(500, bool) if g == "all" else groups == g
        tn, fp, fn, tp = confusion_matrix(y_true[m], y_pred[m], labels=[0, 1]).ravel()
        assert t.loc[g, "error"] == pytest.approx((fp + fn) / m.sum())
        assert t.loc[g, "fnr"] == pytest.approx(fn / (fn + tp))
        assert t.loc[g, "fpr"] == pytest.approx(fp / (fp + tn))
        assert t.loc[g, "error_low"] <= t.loc[g, "error"] <= t.loc[g, "error_high"]


def test_subgroup_wilson_interval_matches_scipy():
    from scipy.stats import binomtest

    t = subgroup_metrics([1] * 7 + [0] * 13, [0] * 20, ["g"] * 20)
    ci = binomtest(7, 20).proportion_ci(confidence_level=0.95, method="wilson")
    assert t.loc["g", "error_low"] == pytest.approx(ci.low, abs=1e-4)
    assert t.loc["g", "error_high"] == pytest.approx(ci.high, abs=1e-4)


def test_subgroup_intersections_from_a_frame():
    groups = pd.DataFrame({"sex": ["f", "m", "f"], "race": ["x", "x", "y"]})
    t = subgroup_metrics([1, 0, 1], [1, 0, 0], groups)
    assert set(t.index) == {"all", "f | x", "m | x", "f | y"}


@pytest.mark.parametrize("call, message", [
    (lambda: profile([[1, 2]]), "df: expected a pandas DataFrame"),
    (lambda: profile(pd.DataFrame()), "df: expected a DataFrame with rows"),
    (lambda: profile(pd.DataFrame({"a": [1]}), missing_tokens="?"), "missing_tokens"),
    (lambda: find_sentinels([1, 2]), "s: expected a pandas Series"),
    (lambda: find_sentinels(pd.Series([1, 2]), y=[1]), "y: expected one 0/1 label per row"),
    (lambda: drift_table(pd.DataFrame({"a": [1]}), None), "X_cur: expected a pandas DataFrame"),
    (lambda: subgroup_metrics([0, 2], [0, 1], ["a", "b"]), "y_true: expected binary labels 0/1"),
    (lambda: subgroup_metrics([0, 1], [0, 1], ["a"]), "groups: expected one label per row"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
