"""Tests for kit.models.nets: the one training loop, its hooks, and the input checks."""

import numpy as np
import pytest
import torch

from kit import data
from kit.models import nets


@pytest.fixture(scope="module")
def digits():
    torch.set_num_threads(1)
    X, y = data.load("digits")
    return X[:1200], y[:1200], X[1200:], y[1200:]


def test_small_cnn_learns_real_digits_and_is_seeded(digits):
    Xtr, ytr, Xte, yte = digits
    before = torch.get_rng_state()
    a = nets.train(nets.SmallCNN(8), Xtr, ytr, epochs=4, seed=5, show_progress=False)
    b = nets.train(nets.SmallCNN(8), Xtr, ytr, epochs=4, seed=5, show_progress=False)
    assert torch.equal(before, torch.get_rng_state()), "training touched the global torch RNG"
    assert nets.accuracy(a, Xte, yte) >= 0.85
    assert np.array_equal(nets.predict_proba(a, Xte), nets.predict_proba(b, Xte))


def test_transform_sees_every_row_once_per_epoch(digits):
    X, y, _, _ = digits
    seen = []

    def spy(batch, gen):
        assert isinstance(gen, torch.Generator)
        seen.append(batch.shape[0])
        return batch

    nets.train(nets.SmallCNN(8), X[:200], y[:200], epochs=2, seed=0, transform=spy, show_progress=False)
    assert sum(seen) == 400


def test_zero_weight_on_a_class_stops_the_model_predicting_it(digits):
    Xtr, ytr, Xte, yte = digits
    w = np.where(ytr == 3, 0.0, 1.0)
    kw = dict(epochs=4, seed=0, show_progress=False)
    weighted = nets.train(nets.SmallCNN(8), Xtr, ytr, sample_weight=w, **kw)
    plain = nets.train(nets.SmallCNN(8), Xtr, ytr, sample_weight=np.ones(len(ytr)), **kw)
    recall3 = lambda m: float((nets.predict(m, Xte[yte == 3]) == 3).mean())  # noqa: E731
    assert recall3(plain) >= 0.6
    assert recall3(weighted) <= 0.1  # weights ignored would give the plain model's recall


def test_soft_one_hot_targets_train_like_hard_labels(digits):
    X, y, Xte, _ = digits
    kw = dict(epochs=1, seed=2, show_progress=False)
    hard = nets.train(nets.SmallCNN(8), X[:300], y[:300], **kw)
    soft = nets.train(nets.SmallCNN(8), X[:300], np.eye(10)[y[:300]], **kw)
    np.testing.assert_allclose(nets.predict_proba(soft, Xte), nets.predict_proba(hard, Xte), atol=1e-4)


def test_loss_hook_replaces_cross_entropy(digits):
    X, y, _, _ = digits
    net = nets.SmallCNN(8)
    before = [p.detach().clone() for p in net.parameters()]
    seen = []

    def flat_loss(logits, targets):  # no gradient: Adam leaves every weight where it was
        seen.append(tuple(logits.shape))
        return 0.0 * logits.sum(dim=1)

    nets.train(net, X[:100], y[:100], epochs=1, init=False, loss=flat_loss, show_progress=False)
    assert seen[0] == (64, 10) and len(seen) == 2
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_adversary_hook_gets_the_model_in_eval_mode_and_its_batch_is_trained_on(digits):
    X, y, _, _ = digits
    calls = []

    def blank(model, xb, yb, gen):  # an "attack" that erases the digits
        calls.append((model.training, xb.shape, yb.shape))
        return torch.zeros_like(xb)

    nets.train(nets.SmallCNN(8), X[:128], y[:128], epochs=1, adversary=blank, show_progress=False)
    assert calls == [(False, (64, 1, 8, 8), (64,))] * 2
    kw = dict(epochs=2, adversary=blank, show_progress=False)
    blind = nets.train(nets.SmallCNN(8), X, y, **kw)
    mixed = nets.train(nets.SmallCNN(8), X, y, clean_share=0.5, **kw)
    assert nets.accuracy(blind, X[:300], y[:300]) <= 0.2  # it only ever saw blank images
    assert nets.accuracy(mixed, X[:300], y[:300]) >= 0.6  # the clean half of the loss still teaches


def test_feature_rows_train_an_mlp(digits):
    X, y, Xte, yte = digits
    mlp = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    nets.train(mlp, X.reshape(len(X), -1), y, epochs=5, lr=3e-3, show_progress=False)
    assert nets.accuracy(mlp, Xte.reshape(len(Xte), -1), yte) >= 0.85


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((4, 8, 8)), np.zeros(3, dtype=int), "expected the same number of rows: X has 4, y has 3"),
    (np.full((4, 8, 8), 2.0), np.zeros(4, dtype=int), r"X: expected pixels in \[0, 1\]"),
    (np.zeros(4), np.zeros(4, dtype=int), "X: expected a 2-D or 3-D or 4-D array"),
    (np.zeros((4, 8, 8)), np.zeros(4), "y: expected integer class labels"),
    (np.zeros((4, 8, 8)), np.full((4, 10), 0.5), r"y: expected labels \(n,\) or probabilities"),
])
def test_bad_input_is_named(X, y, match):
    with pytest.raises((ValueError, TypeError), match=match):
        nets.train(nets.SmallCNN(8), X, y, epochs=1, show_progress=False)


def test_bad_options_are_named():
    X, y = np.zeros((4, 8, 8)), np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="sample_weight: expected non-negative weights"):
        nets.train(nets.SmallCNN(8), X, y, sample_weight=[1, -1, 1, 1], show_progress=False)
    with pytest.raises(ValueError, match="clean_share: .* pass adversary="):
        nets.train(nets.SmallCNN(8), X, y, clean_share=0.5, show_progress=False)
    with pytest.raises(TypeError, match="adversary: expected a callable"):
        nets.train(nets.SmallCNN(8), X, y, adversary="pgd", show_progress=False)
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module"):
        nets.train("cnn", X, y, show_progress=False)
    with pytest.raises(TypeError, match="gen: expected a torch.Generator"):
        nets.reset_parameters(nets.SmallCNN(8), 0)
    with pytest.raises(TypeError, match="y: expected integer class labels"):
        nets.as_label_tensor([0.5, 1.0])


def test_init_false_fine_tunes_from_current_weights(digits):
    X, y, Xte, yte = digits
    net = nets.train(nets.SmallCNN(8), X[:600], y[:600], epochs=3, seed=1, show_progress=False)
    before = nets.accuracy(net, Xte, yte)
    nets.train(net, X[600:700], y[600:700], epochs=1, lr=1e-4, seed=2, init=False, show_progress=False)
    after = nets.accuracy(net, Xte, yte)
    fresh = nets.train(nets.SmallCNN(8), X[600:700], y[600:700], epochs=1, lr=1e-4, seed=2,
                       show_progress=False)
    assert after >= before - 0.05 > nets.accuracy(fresh, Xte, yte)


def test_bad_model_x_and_layer_name_the_argument():
    with pytest.raises(TypeError, match="^model: "):
        nets.reset_parameters("net", torch.Generator())
    with pytest.raises(ValueError, match="^X: "):
        nets.accuracy(nets.SmallCNN(8, 2), None, np.array([0, 1]))
    with pytest.raises(ValueError, match="^layer: "):
        nets.activations(nets.SmallCNN(8, 2), np.zeros((2, 8, 8)), layer=np.zeros(2))
