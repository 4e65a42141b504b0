"""Tests for kit.modelcard (notebook 19): group metrics agree with scikit-learn; the card has its sections."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from kit.modelcard import group_metrics, model_card


def test_group_metrics_agree_with_sklearn():
    rng = np.random.default_rng(0)
    yt, yp = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    g = rng.choice(["a", "b", "c"], 300)
    table = group_metrics(yt, yp, g)
    for name in "abc":
        m = g == name
        assert table.loc[name, "accuracy"] == pytest.approx(accuracy_score(yt[m], yp[m]))
        assert table.loc[name, "n"] == m.sum()
        assert table.loc[name, "decided_1"] == pytest.approx(yp[m].mean())
    assert table.loc["all", "accuracy"] == pytest.approx(accuracy_score(yt, yp))


def test_model_card_has_the_sections_and_integer_counts():
    table = group_metrics([1, 0, 0, 1], [1, 0, 1, 1], ["a", "a", "b", "b"])
    card = model_card("m v1", model="Model()", intended_use="u", out_of_scope="o", data="d",
                      metrics={"accuracy": 0.81234}, by_group={"group": table}, erasure="e",
                      caveats=["c1"])
    for heading in ("# Model card: m v1", "## Intended use", "## Out of scope", "## Data", "## Metrics",
                    "### By group", "## Erasure", "## Caveats"):
        assert heading in card
    assert "- accuracy: 0.812" in card
    assert "| a | 2 | 1.000 |" in card


def test_bad_arguments_name_themselves():
    good = dict(model="M", intended_use="u", out_of_scope="o", data="d", metrics={"a": 1.0}, erasure="e")
    with pytest.raises(ValueError, match="^erasure: "):
        model_card("m", **{**good, "erasure": " "})
    with pytest.raises(ValueError, match="^metrics: "):
        model_card("m", **{**good, "metrics": {"a": float("nan")}})
    with pytest.raises(TypeError, match="^by_group: "):
        model_card("m", **good, by_group={"x": 3})
    with pytest.raises(TypeError, match="^caveats: "):
        model_card("m", **good, caveats="one")
    with pytest.raises(ValueError, match="^y_true: "):
        group_metrics([0, 2], [0, 1], ["a", "b"])
    with pytest.raises(ValueError):
        group_metrics([0, 1], [0, 1], ["a"])
    assert isinstance(group_metrics([0, 1], [0, 1], [1, 2]), pd.DataFrame)
