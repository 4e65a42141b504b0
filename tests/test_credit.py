"""Tests for kit.data.credit: the credit_data featuriser on the real table."""

import numpy as np
import pandas as pd
import pytest

import kit.data
from kit.data.credit import credit_features


def test_credit_features_on_real_data():
    X, y = credit_features(kit.data.load("credit_data"))
    assert X.shape == (4454, 32)
    assert not np.isnan(X).any()
    assert y.sum() == 1254
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-9)


def test_credit_features_needs_the_status_column():
    with pytest.raises(ValueError, match="df: expected the credit_data table"):
        credit_features(pd.DataFrame({"Income": [1.0]}))


def test_credit_features_names_a_df_that_is_not_a_frame():
    with pytest.raises(TypeError, match="^df: expected the credit_data table as a pandas DataFrame, got dict"):
        credit_features({"Status": ["good"]})


def test_credit_raw_keeps_readable_units_on_real_data():
    from kit.data.credit import credit_raw

    df = kit.data.load("credit_data")
    X, y = credit_raw(df)
    assert len(X) == 4454 and y.sum() == 1254
    assert not X.isna().any().any()
    assert X["Amount"].tolist() == df["Amount"].astype(float).tolist()  # money in the table's units
    assert set(X["Records"].unique()) == {0.0, 1.0}
    assert {"Home_owner", "Marital_married", "Job_fixed"} <= set(X.columns)


def test_credit_raw_names_a_bad_df():
    from kit.data.credit import credit_raw

    with pytest.raises(TypeError, match="^df: "):
        credit_raw([1, 2])
    with pytest.raises(ValueError, match="^df: "):
        credit_raw(pd.DataFrame({"Income": [1.0]}))
