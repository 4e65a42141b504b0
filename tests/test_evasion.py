"""Tests for kit.security.evasion: budgets, strength ordering, agreement with torchattacks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kit.data import load
from kit.models.nets import SmallCNN, accuracy, train
from kit.security import evasion as E

EPS = 0.1  # 8x8 digits are fragile: a small budget already bites


@pytest.fixture(scope="module")
def digits_model():
    torch.set_num_threads(1)
    X, y = load("digits")
    rng = np.random.default_rng(0)
    p = rng.permutation(len(X))
    tr, te = p[:1200], p[1200:1500]
    model = train(SmallCNN(8), X[tr], y[tr], epochs=4, seed=0, show_progress=False)
    return model, X[tr], y[tr], X[te], y[te]


def test_budget_and_range(digits_model):
    model, _, _, X, y = digits_model
    for adv in (E.fgsm(model, X, y, eps=EPS), E.pgd(model, X, y, eps=EPS, steps=5, seed=3)):
        assert adv.shape == X.shape and adv.dtype == np.float32
        rep = E.perturbation_report(X, adv, eps=EPS)
        assert rep.ok, rep
        assert rep.linf > 0.5 * EPS  # the attack did move pixels
        assert "ok=True" in repr(rep)


def test_attacks_hurt_and_pgd_at_least_as_strong(digits_model):
    model, _, _, X, y = digits_model
    clean = accuracy(model, X, y)
    curve = E.accuracy_vs_eps(model, X, y, [0.0, EPS], steps=10, show_progress=False)
    assert curve.at("fgsm", 0.0) == pytest.approx(clean)
    # the curve skips the attack at eps = 0; running it gives the same accuracy
    assert curve.at("pgd", 0.0) == pytest.approx(accuracy(model, E.pgd(model, X, y, eps=0.0, steps=3), y))
    assert curve.at("fgsm", EPS) < clean - 0.2
    assert curve.at("pgd", EPS) <= curve.at("fgsm", EPS) + 0.01
    assert "pgd" in repr(curve)
    with pytest.raises(ValueError, match=r"eps: 0.05 is not on the grid \(0.0, 0.1\)"):
        curve.at("pgd", 0.05)


def test_fgsm_matches_torchattacks_exactly(digits_model):
    torchattacks = pytest.importorskip("torchattacks")
    model, _, _, X, y = digits_model
    ours = E.fgsm(model, X, y, eps=EPS)
    theirs = torchattacks.FGSM(model, eps=EPS)(torch.as_tensor(X)[:, None], torch.as_tensor(y))
    assert np.abs(ours - theirs[:, 0].numpy()).max() < 1e-6


def test_pgd_agrees_with_torchattacks_within_one_point(digits_model):
    torchattacks = pytest.importorskip("torchattacks")
    model, _, _, X, y = digits_model
    steps, alpha = 10, 2.5 * EPS / 10
    acc_ours = accuracy(model, E.pgd(model, X, y, eps=EPS, steps=steps, alpha=alpha, seed=0), y)
    atk = torchattacks.PGD(model, eps=EPS, alpha=alpha, steps=steps, random_start=True)
    torch.manual_seed(0)
    adv = atk(torch.as_tensor(X)[:, None], torch.as_tensor(y))
    acc_theirs = accuracy(model, adv[:, 0].numpy(), y)
    assert abs(acc_ours - acc_theirs) <= 0.01 + 1e-9
    # without the random start both are deterministic and identical
    a = E.pgd(model, X, y, eps=EPS, steps=3, alpha=0.04, random_start=False)
    b = torchattacks.PGD(model, eps=EPS, alpha=0.04, steps=3, random_start=False)(
        torch.as_tensor(X)[:, None], torch.as_tensor(y))
    assert np.abs(a - b[:, 0].numpy()).max() < 1e-6


def test_pgd_seeded_and_leaves_global_rng_alone(digits_model):
    model, _, _, X, y = digits_model
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = E.pgd(model, X[:20], y[:20], eps=EPS, steps=2, seed=5)
    assert torch.rand(1) == before
    b = E.pgd(model, X[:20], y[:20], eps=EPS, steps=2, seed=5)
    c = E.pgd(model, X[:20], y[:20], eps=EPS, steps=0, seed=6)
    assert np.array_equal(a, b)
    assert not np.array_equal(E.pgd(model, X[:20], y[:20], eps=EPS, steps=0, seed=5), c)


def test_adversarial_train_is_train_with_the_pgd_hook(digits_model):
    _, Xtr, ytr, _, _ = digits_model
    kw = dict(epochs=1, lr=2e-3, seed=4, show_progress=False)
    a = E.adversarial_train(SmallCNN(8), Xtr[:256], ytr[:256], eps=EPS, steps=2, clean_share=0.25, **kw)
    hook = E.PGDAdversary(eps=EPS, steps=2)
    assert hook.alpha == pytest.approx(2.5 * EPS / 2)
    b = train(SmallCNN(8), Xtr[:256], ytr[:256], adversary=hook, clean_share=0.25, **kw)
    c = train(SmallCNN(8), Xtr[:256], ytr[:256], **kw)
    assert all(torch.equal(pa, pb) for pa, pb in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(pa, pc) for pa, pc in zip(a.parameters(), c.parameters()))


def test_pgd_hook_examples_are_the_kit_pgd_examples(digits_model):
    model, _, _, X, y = digits_model
    hook = E.PGDAdversary(eps=EPS, steps=3)
    ours = hook(model, torch.as_tensor(X[:50])[:, None], torch.as_tensor(y[:50]), torch.Generator().manual_seed(7))
    np.testing.assert_array_equal(ours[:, 0].numpy(), E.pgd(model, X[:50], y[:50], eps=EPS, steps=3, seed=7))


def test_adversarial_training_raises_robust_accuracy(digits_model):
    model, Xtr, ytr, X, y = digits_model
    robust = E.adversarial_train(SmallCNN(8), Xtr, ytr, eps=EPS, steps=2, epochs=4, seed=0,
                                 show_progress=False)
    before = accuracy(model, E.pgd(model, X, y, eps=EPS, steps=5), y)
    after = accuracy(robust, E.pgd(robust, X, y, eps=EPS, steps=5), y)
    assert after > before + 0.08
    assert accuracy(robust, X, y) > 0.8


def test_errors_name_the_argument(digits_model):
    model, _, _, X, y = digits_model
    with pytest.raises(ValueError, match="eps: expected a value <= 1, got 1.5"):
        E.fgsm(model, X, y, eps=1.5)
    with pytest.raises(ValueError, match=r"method: expected one of \['fgsm', 'pgd'\], got 'cw'"):
        E.attack(model, X, y, method="cw", eps=0.1)
    with pytest.raises(ValueError, match="expected the same number of rows: X has 300, y has 299"):
        E.pgd(model, X, y[:-1], eps=0.1)
    with pytest.raises(ValueError, match=r"X: expected pixels in \[0, 1\]"):
        E.fgsm(model, X * 3, y, eps=0.1)
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module, got str"):
        E.fgsm("net", X, y, eps=0.1)
    with pytest.raises(ValueError, match=r"X_adv: expected the shape of X \(300, 8, 8\), got \(3, 8, 8\)"):
        E.perturbation_report(X, X[:3], eps=0.1)
    with pytest.raises(ValueError, match="steps: expected a value >= 1, got 0"):
        E.PGDAdversary(eps=0.1, steps=0)


def test_bad_names_and_budgets_name_the_argument():
    X, y = np.zeros((2, 8, 8), "float32"), np.array([0, 1])
    with pytest.raises(ValueError, match="^method: "):
        E.attack(SmallCNN(8), X, y, method=np.zeros(3), eps=0.1)
    with pytest.raises(ValueError, match="^eps: the default step"):
        E.attack(SmallCNN(8), X, y, method="pgd", eps=1, steps=2)
    curve = E.EpsCurve((0.0, 0.1), {"pgd": (0.9, 0.2)})
    with pytest.raises(ValueError, match="^method: "):
        curve.at(np.zeros(2), 0.1)
    with pytest.raises(TypeError, match="^eps: "):
        curve.at("pgd", None)
    with pytest.raises(ValueError, match="^methods: "):
        E.accuracy_vs_eps(SmallCNN(8), X, y, [0.0], methods=np.zeros((2, 2)), show_progress=False)
    with pytest.raises(ValueError, match="^alpha: "):
        E.PGDAdversary(eps=0.05, steps=1, alpha=2**70)
