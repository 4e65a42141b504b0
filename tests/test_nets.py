import numpy as np
import pytest
import torch

from kit import data
from kit.models import nets


def test_small_cnn_learns_real_digits_and_is_seeded():
    X, y = data.load("digits")
    Xtr, ytr, Xte, yte = X[:1200], y[:1200], X[1200:], y[1200:]
    before = torch.get_rng_state()
    a = nets.train(nets.SmallCNN(8), Xtr, ytr, epochs=4, seed=5, show_progress=False)
    b = nets.train(nets.SmallCNN(8), Xtr, ytr, epochs=4, seed=5, show_progress=False)
    assert torch.equal(before, torch.get_rng_state()), "training touched the global torch RNG"
    assert nets.accuracy(a, Xte, yte) >= 0.85
    assert np.array_equal(nets.predict_proba(a, Xte), nets.predict_proba(b, Xte))


def test_transform_and_weights_are_used():
    X, y = data.load("digits")
    seen = []

    def spy(batch, gen):
        seen.append(batch.shape[0])
        return batch

    w = np.ones(200)
    nets.train(nets.SmallCNN(8), X[:200], y[:200], epochs=1, seed=0, transform=spy,
               sample_weight=w, show_progress=False)
    assert sum(seen) == 200


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((4, 8, 8)), np.zeros(3, dtype=int), "same number of rows"),
    (np.full((4, 8, 8), 2.0), np.zeros(4, dtype=int), "pixels in \\[0, 1\\]"),
    (np.zeros((4, 64)), np.zeros(4, dtype=int), "3-D or 4-D"),
    (np.zeros((4, 8, 8)), np.zeros(4), "integer class labels"),
])
def test_bad_input_is_named(X, y, match):
    with pytest.raises((ValueError, TypeError), match=match):
        nets.train(nets.SmallCNN(8), X, y, epochs=1, show_progress=False)


def test_negative_weights_rejected():
    with pytest.raises(ValueError, match="sample_weight"):
        nets.train(nets.SmallCNN(8), np.zeros((4, 8, 8)), np.zeros(4, dtype=int), epochs=1,
                   sample_weight=[1, -1, 1, 1], show_progress=False)


def test_init_false_fine_tunes_from_current_weights():
    X, y = data.load("digits")
    net = nets.train(nets.SmallCNN(8), X[:600], y[:600], epochs=3, seed=1, show_progress=False)
    before = nets.accuracy(net, X[1200:], y[1200:])
    nets.train(net, X[600:700], y[600:700], epochs=1, lr=1e-4, seed=2, init=False, show_progress=False)
    after = nets.accuracy(net, X[1200:], y[1200:])
    fresh = nets.train(nets.SmallCNN(8), X[600:700], y[600:700], epochs=1, lr=1e-4, seed=2,
                       show_progress=False)
    assert after >= before - 0.05 > nets.accuracy(fresh, X[1200:], y[1200:])
