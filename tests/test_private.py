"""Tests for kit.models.private (notebook 24): DP-SGD through opacus, epsilon from its accountant."""

import numpy as np
import pytest
import torch
from torch import nn

from kit.models import nets
from kit.models.private import train_dp


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def test_the_accountant_spends_what_was_asked(data):
    X, y = data
    for eps in (0.5, 4.0):
        dp = train_dp(nn.Linear(5, 2), X, y, epsilon=eps, epochs=3, batch_size=60, lr=0.5, seed=0)
        assert 0.8 * eps <= dp.epsilon <= eps + 1e-6
        assert dp.steps > 0 and dp.delta == 1e-3
    strong = train_dp(nn.Linear(5, 2), X, y, epsilon=0.5, epochs=3, batch_size=60, lr=0.5, seed=0)
    weak = train_dp(nn.Linear(5, 2), X, y, epsilon=4.0, epochs=3, batch_size=60, lr=0.5, seed=0)
    assert strong.noise_multiplier > weak.noise_multiplier  # more privacy, more noise


def test_learns_and_is_a_pure_function_of_its_seed(data):
    X, y = data
    nets_ = [nn.Linear(5, 2) for _ in range(3)]  # building a layer draws from the global generator
    state = torch.get_rng_state()
    a = train_dp(nets_[0], X, y, epsilon=4.0, epochs=5, batch_size=60, lr=1.0, seed=3)
    b = train_dp(nets_[1], X, y, epsilon=4.0, epochs=5, batch_size=60, lr=1.0, seed=3)
    c = train_dp(nets_[2], X, y, epsilon=4.0, epochs=5, batch_size=60, lr=1.0, seed=4)
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is untouched
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.model.parameters(), c.model.parameters()))
    assert nets.accuracy(a.model, X, y) > 0.85  # a separable problem survives the noise


def test_returns_a_plain_module_without_opacus_hooks(data):
    X, y = data
    net = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
    dp = train_dp(net, X, y, epsilon=2.0, epochs=1, batch_size=60, lr=0.5, seed=0)
    assert dp.model is net and not dp.model.training
    assert all(not m._forward_hooks and not m._backward_hooks for m in net.modules())
    assert "epsilon=" in repr(dp)


def test_bad_arguments_name_the_argument(data):
    X, y = data
    with pytest.raises(ValueError, match="epsilon"):
        train_dp(nn.Linear(5, 2), X, y, epsilon=0.0)
    with pytest.raises(ValueError, match="y"):
        train_dp(nn.Linear(5, 2), X, np.full((len(X), 2), 0.5), epsilon=1.0)
    with pytest.raises(ValueError, match="y"):
        train_dp(nn.Linear(5, 2), X, y + 5, epsilon=1.0)
    with pytest.raises(ValueError, match="X"):
        train_dp(nn.Linear(3, 2), X, y, epsilon=1.0)
    with pytest.raises(TypeError, match="model"):
        train_dp("net", X, y, epsilon=1.0)
