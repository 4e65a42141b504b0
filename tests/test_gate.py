"""kit.shift.gate: the drift gate accepts label-preserving transforms and rejects label-breaking ones."""

import numpy as np
import pytest

from kit.augment import Flip, RandomAffine, Rot180
from kit.shift.gate import drift_gate


@pytest.fixture(scope="module")
def digits():
    import kit.data

    X, y = kit.data.load("mnist")
    order = np.random.default_rng(0).permutation(len(X))[:1200]
    return X[order], y[order]


def test_drift_gate_on_real_digits(digits):
    X, y = digits
    kept = drift_gate(RandomAffine(degrees=10), X, y, n_per_class=40, seed=0)
    mirror = drift_gate(Flip(p=1.0), X, y, n_per_class=40, seed=0)
    upside = drift_gate(Rot180(p=1.0), X, y, n_per_class=40, seed=0)
    assert kept.accepted and kept.auc < 0.65
    assert not mirror.accepted and mirror.auc > 0.9
    assert not upside.accepted and upside.auc > 0.9
    assert set(kept.per_class) == set(range(10))
    assert "accept" in repr(kept) and "REJECT" in repr(mirror)


def test_the_threshold_decides():
    X = np.zeros((80, 8, 8), dtype="float32")
    X[:, 2:6, 1:3] = np.random.default_rng(0).random((80, 4, 2))
    y = np.repeat([0, 1], 40)
    strict = drift_gate(RandomAffine(degrees=20), X, y, n_per_class=20, threshold=0.5)
    lenient = drift_gate(RandomAffine(degrees=20), X, y, n_per_class=20, threshold=1.0)
    assert strict.auc == lenient.auc and not strict.accepted and lenient.accepted


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="threshold"):
        drift_gate(Flip(), np.zeros((20, 4, 4)), np.repeat([0, 1], 10), threshold=0.2)
    with pytest.raises(ValueError, match="X has 20, y has 10"):
        drift_gate(Flip(), np.zeros((20, 4, 4)), np.repeat([0, 1], 5))
    with pytest.raises(ValueError, match="class"):
        drift_gate(Flip(), np.zeros((20, 4, 4)), np.r_[np.zeros(16), np.ones(4)].astype(int))


@pytest.mark.parametrize("name", [float("nan"), np.zeros(2)])
def test_a_label_that_is_not_text_is_refused(name):
    # a NaN name used to land in GateResult.transform unremarked
    with pytest.raises(TypeError, match="^name: "):
        drift_gate(Flip(), np.zeros((20, 4, 4)), np.repeat([0, 1], 10), n_per_class=5, name=name)
