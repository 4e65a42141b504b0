"""kit.evaluate: pair confusions agree with sklearn's confusion matrix."""

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from kit.evaluate import confusion_pairs, pair_confusion


def test_pair_confusions_agree_with_sklearn():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, 500)
    y_pred = np.where(rng.random(500) < 0.3, rng.integers(0, 10, 500), y_true)
    cm = confusion_matrix(y_true, y_pred, labels=range(10))
    pairs = confusion_pairs(y_true, y_pred)
    assert len(pairs) == 45
    for (a, b), rate in pairs.items():
        assert rate == pytest.approx((cm[a, b] + cm[b, a]) / (cm[a].sum() + cm[b].sum()))
        assert rate == pair_confusion(y_true, y_pred, a, b)
    rates = list(pairs.values())
    assert rates == sorted(rates, reverse=True)
    assert list(confusion_pairs(y_true, y_pred, top=3)) == list(pairs)[:3]


def test_a_swap_shows_in_its_pair_only():
    y_true = np.repeat(np.arange(10), 20)
    y_pred = np.where(y_true == 6, 9, y_true)   # every 6 read as a 9
    assert pair_confusion(y_true, y_pred, 6, 9) == 0.5
    assert list(confusion_pairs(y_true, y_pred, top=1).items()) == [((6, 9), 0.5)]
    assert confusion_pairs(y_true, y_pred)[(1, 7)] == 0.0


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="y_true"):
        pair_confusion([1, 2], [1, 2], 6, 9)
    with pytest.raises(ValueError, match="rows"):
        pair_confusion([6, 9], [6], 6, 9)
    with pytest.raises(ValueError, match="top"):
        confusion_pairs([1, 2], [1, 2], top=0)


def test_top_takes_a_numpy_integer_and_refuses_a_bool():
    y_true, y_pred = [6, 6, 9, 9, 1, 7], [9, 6, 9, 9, 7, 7]
    assert confusion_pairs(y_true, y_pred, top=np.int64(1)) == confusion_pairs(y_true, y_pred, top=1)
    with pytest.raises(ValueError, match="^top: "):
        confusion_pairs(y_true, y_pred, top=True)
