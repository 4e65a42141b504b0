"""Tests for kit.verification.bounds: soundness of the interval bounds, exactness at eps = 0,
certification never beats an attack, the IBP loss hook and its schedule.

No verification library runs here: auto_LiRPA 0.3 (the PyPI release) imports
``numpy.lib.arraysetops``, removed in numpy 2, so it does not import in the kit's environment.
The bounds are checked against sampled perturbations, exhaustive corners of a tiny box and
exact formulas instead.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from kit.data import load
from kit.models import nets
from kit.security import evasion
from kit.verification import bounds as B


def _net(seed: int = 0, d: int = 64, conv: bool = False) -> nn.Sequential:
    if conv:
        net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 64, 16),
                            nn.ReLU(), nn.Linear(16, 10))
    else:
        net = nn.Sequential(nn.Flatten(), nn.Linear(d, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 10))
    nets.reset_parameters(net, torch.Generator().manual_seed(seed))
    return net


@pytest.fixture(scope="module")
def digits():
    torch.set_num_threads(1)
    X, y = load("digits")
    return X[:300].astype("float32"), y[:300]


@pytest.mark.parametrize("conv", [False, True])
def test_bounds_contain_random_perturbations(digits, conv):
    X, y = digits
    net, eps = _net(1, conv=conv), 0.05
    Xt = torch.as_tensor(X[:50]).unsqueeze(1)
    lo, hi = B.interval_bounds(net, (Xt - eps).clamp(0, 1), (Xt + eps).clamp(0, 1))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for _ in range(20):
            d = (torch.rand(Xt.shape, generator=g) * 2 - 1) * eps
            out = net((Xt + d).clamp(0, 1))
            assert bool((out >= lo - 1e-5).all()) and bool((out <= hi + 1e-5).all())
        margins = B.margin_bounds(net, X[:50], y[:50], eps=eps)
        for _ in range(20):
            d = (torch.rand(Xt.shape, generator=g) * 2 - 1) * eps
            out = net((Xt + d).clamp(0, 1)).numpy()
            diff = out - out[np.arange(50), y[:50]][:, None]
            assert (diff <= margins + 1e-5).all()


def test_margin_bounds_are_tighter_than_logit_bounds(digits):
    X, y = digits
    net, eps = _net(2), 0.05
    Xt = torch.as_tensor(X[:50]).unsqueeze(1)
    lo, hi = B.interval_bounds(net, (Xt - eps).clamp(0, 1), (Xt + eps).clamp(0, 1))
    naive = (hi - lo[torch.arange(50), torch.as_tensor(y[:50])][:, None]).detach().numpy()
    m = B.margin_bounds(net, X[:50], y[:50], eps=eps)
    assert (m <= naive + 1e-5).all() and (m < naive - 1e-3).any()


def test_exact_at_eps_zero(digits):
    X, y = digits
    net = _net(3)
    Xt = torch.as_tensor(X[:20]).unsqueeze(1)
    lo, hi = B.interval_bounds(net, Xt, Xt)
    with torch.no_grad():
        out = net(Xt)
    assert torch.allclose(lo, out, atol=1e-5) and torch.allclose(hi, out, atol=1e-5)
    m = B.margin_bounds(net, X[:20], y[:20], eps=0.0)
    expected = (out - out[torch.arange(20), torch.as_tensor(y[:20])][:, None]).numpy()
    assert np.allclose(m, expected, atol=1e-5)
    pred = nets.predict(net, X[:20])
    assert (B.certify(net, X[:20], y[:20], eps=0.0) == (pred == y[:20])).all()


def test_one_linear_layer_is_exact_at_the_corners():
    """For a linear map the interval bound is attained at a corner of the box: compare with all 2**4."""
    net = nn.Sequential(nn.Linear(4, 3))
    x = torch.tensor([[0.3, 0.5, 0.7, 0.2]])
    eps = 0.1
    lo, hi = B.interval_bounds(net, x - eps, x + eps)
    with torch.no_grad():
        corners = torch.stack([net(x + eps * torch.tensor(s, dtype=torch.float32))[0]
                               for s in itertools.product([-1.0, 1.0], repeat=4)])
    assert torch.allclose(lo[0], corners.min(0).values, atol=1e-6)
    assert torch.allclose(hi[0], corners.max(0).values, atol=1e-6)


def test_certified_never_exceeds_pgd_and_radius_is_certified(digits):
    X, y = digits
    net = nets.train(_net(4), X[:200], y[:200], epochs=5, show_progress=False)
    Xte, yte = X[200:], y[200:]
    for eps in (0.0, 0.01, 0.03):
        cert = B.certify(net, Xte, yte, eps=eps)
        adv = Xte if eps == 0 else evasion.pgd(net, Xte, yte, eps=eps, steps=10, seed=0)
        survived = nets.predict(net, adv) == yte
        assert not (cert & ~survived).any()  # soundness: a certified example is never broken
    r = B.certified_radius(net, Xte, yte, eps_max=0.2, steps=10)
    assert (B.certify(net, Xte, yte, eps=0.0)[r > 0]).all()
    inside = r > 0
    assert B.certify(net, Xte[inside], yte[inside], eps=float(r[inside].min())).all()
    assert (r[nets.predict(net, Xte) != yte] == 0).all()
    # every example is certified at its own radius, and not at twice the bisection tolerance above it
    for i in np.flatnonzero(inside)[:10]:
        assert B.certify(net, Xte[i:i + 1], yte[i:i + 1], eps=float(r[i]))[0]
        if r[i] < 0.2 - 1e-3:
            assert not B.certify(net, Xte[i:i + 1], yte[i:i + 1], eps=float(r[i]) + 2 * 0.2 / 2**10)[0]


def test_schedule_and_loss_hook():
    net = _net(5)
    hook = B.IBPLoss(net, eps=0.2, total_steps=100, warmup=0.1, ramp=0.5, kappa_end=0.5)
    assert hook.schedule(0) == (0.0, 1.0) and hook.schedule(10) == (0.0, 1.0)
    assert hook.schedule(35) == pytest.approx((0.1, 0.75))
    assert hook.schedule(60) == pytest.approx((0.2, 0.5)) and hook.schedule(99) == pytest.approx((0.2, 0.5))
    x, t = torch.rand(8, 1, 8, 8), torch.arange(8)
    hook.step = 60
    logits = hook.model.train()(x)
    loss = hook(logits, t)
    clean = nn.functional.cross_entropy(logits, t, reduction="none")
    worst = nn.functional.cross_entropy(B._margins(net, x, t, 0.2), t, reduction="none")
    assert torch.allclose(loss, 0.5 * clean + 0.5 * worst) and (worst >= clean - 1e-5).all()
    assert hook.step == 61


def test_ibp_training_certifies_more_than_plain(digits):
    X, y = digits
    kw = dict(epochs=15, lr=3e-3, batch_size=64, seed=0, show_progress=False)
    plain = nets.train(_net(6), X[:200], y[:200], **kw)
    ibp = B.ibp_train(_net(6), X[:200], y[:200], eps=0.05, **kw)
    assert B.certified_accuracy(ibp, X[200:], y[200:], eps=0.05) > B.certified_accuracy(plain, X[200:], y[200:], eps=0.05) + 0.2


def test_bad_input_names_the_argument(digits):
    X, y = digits
    with pytest.raises(TypeError, match="model"):
        B.certify(nn.Sequential(nn.Flatten(), nn.Linear(64, 10), nn.Tanh()), X, y, eps=0.1)
    with pytest.raises(TypeError, match="model"):
        B.certify(nn.Linear(64, 10), X, y, eps=0.1)
    with pytest.raises(ValueError, match="eps"):
        B.certify(_net(), X, y, eps=2.0)
    with pytest.raises(ValueError, match="upper"):
        B.interval_bounds(_net(), torch.ones(1, 64), torch.zeros(1, 64))
    with pytest.raises(ValueError, match="eps_max"):
        B.certified_radius(_net(), X, y, eps_max=-1)
