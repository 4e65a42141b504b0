"""kit.evaluate: pair confusions agree with sklearn's confusion matrix."""

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from kit.evaluate import FlipRates, confusion_pairs, flip_rates, pair_confusion


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


def test_flip_rates_agree_with_sklearns_confusion_matrix_of_correctness():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 3, 1000)
    y_old = np.where(rng.random(1000) < 0.7, y_true, rng.integers(0, 3, 1000))
    y_new = np.where(rng.random(1000) < 0.8, y_true, rng.integers(0, 3, 1000))
    (both, neg), (pos, neither) = confusion_matrix(y_old == y_true, y_new == y_true, labels=[True, False])
    f = flip_rates(y_true, y_old, y_new)
    assert f.nfr == pytest.approx(neg / 1000) and f.pfr == pytest.approx(pos / 1000)
    assert f.compatibility == pytest.approx(both / (both + neg))
    assert f.gain == pytest.approx(f.pfr - f.nfr) == pytest.approx(f.accuracy_new - f.accuracy_old)
    assert f.n == 1000 and isinstance(f, FlipRates)


def test_flip_rates_of_identical_models_and_an_always_wrong_old_one():
    y = np.array([0, 1, 1, 0])
    same = flip_rates(y, y, y)
    assert (same.nfr, same.pfr, same.compatibility) == (0.0, 0.0, 1.0)
    wrong = flip_rates(y, 1 - y, y)
    assert wrong.nfr == 0.0 and wrong.pfr == 1.0 and np.isnan(wrong.compatibility)


@pytest.mark.parametrize("args, name", [
    (([0, 1], [0], [0, 1]), "rows"),
    (([[0, 1]], [0, 1], [0, 1]), "y_true"),
    (([0, 1], [0, 1], [[0, 1]]), "y_new"),
    (([0, 1], [0.0, float("nan")], [0, 1]), "y_old"),
])
def test_flip_rates_bad_input_names_the_argument(args, name):
    with pytest.raises(ValueError, match=name):
        flip_rates(*args)
