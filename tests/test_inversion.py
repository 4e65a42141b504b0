"""Tests for kit.security.inversion (notebook 24): the prior, white- and black-box inversion."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from kit.models import softmax
from kit.security import api as service
from kit.security import inversion as inv
from kit.security import monitoring as mon
from kit.viz import images


@pytest.fixture(scope="module")
def setting():
    d = load_digits()
    X = (d.images / 16.0).astype(np.float32)
    y = d.target
    prior = inv.PCAPrior.fit(X[1000:], n_components=15)
    # a linear target fitted on the first half: class templates are what it knows
    model = softmax.fit_softmax_regression(X[:900], y[:900], l2=1e-3, max_iter=100)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    with torch.no_grad():
        net[1].weight.copy_(torch.as_tensor(model.W.T))
        net[1].bias.copy_(torch.as_tensor(model.b))
    judge = softmax.fit_softmax_regression(X[900:1400], y[900:1400], l2=1e-3, max_iter=100)
    return X, prior, model, net, judge.predict


def test_prior_reconstructs_like_sklearn_pca(setting):
    from sklearn.decomposition import PCA

    X, prior, *_ = setting
    ref = PCA(15).fit(X[1000:].reshape(len(X) - 1000, -1))
    np.testing.assert_allclose(np.abs(prior.components), np.abs(ref.components_), atol=1e-4)
    z = np.zeros((1, 15))
    np.testing.assert_allclose(prior.decode(z)[0], X[1000:].mean(0), atol=1e-5)


def test_whitebox_and_blackbox_beat_the_prior(setting):
    X, prior, model, net, judge = setting
    classes = np.arange(10)
    base = inv.Inversion(prior.decode(np.random.default_rng(0).normal(0, 0.5, (20, 15))),
                         np.repeat(classes, 2), 0, "prior")
    white = inv.invert_whitebox(net, classes, prior, restarts=2, steps=100, seed=0)
    black = inv.invert_blackbox(model.predict_proba, classes, prior, restarts=2, steps=60, seed=0)
    assert white.recognition_rate(judge) >= 0.8
    assert black.recognition_rate(judge) >= 0.8
    assert base.recognition_rate(judge) <= 0.4
    assert black.n_queries == 20 * 60 * 2 * 20
    assert white.images.min() >= 0 and white.images.max() <= 1


def test_blocked_api_stops_the_search(setting):
    X, prior, model, net, judge = setting
    calls = []

    def api(images):
        calls.append(len(images))
        if len(calls) > 1:
            raise mon.QueryBlocked("blocked")
        return model.predict_proba(images)

    res = inv.invert_blackbox(api, np.arange(10), prior, restarts=1, steps=20, population=5, seed=0)
    assert len(calls) == 2 and res.n_queries == 10 * 2 * 5
    far = service.PredictionAPI(model.predict_proba, monitor=mon.QueryMonitor(X[:300] + 5.0))
    res = inv.invert_blackbox(far.query, np.arange(10), prior, restarts=1, steps=20, seed=0)
    assert res.n_queries == 0 and far.monitor.flagged


def test_whitebox_leaves_the_callers_model_as_it_was(setting):
    X, prior, model, net, judge = setting
    frozen = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 32), torch.nn.ReLU(),
                                 torch.nn.Linear(32, 10))
    frozen[1].requires_grad_(False)  # a frozen feature layer under a trainable head
    frozen.train()
    weights = [p.detach().clone() for p in frozen.parameters()]
    inv.invert_whitebox(frozen, [0, 1], prior, restarts=1, steps=5)
    assert [p.requires_grad for p in frozen.parameters()] == [False, False, True, True]
    assert all(p.grad is None for p in frozen.parameters())
    assert all(torch.equal(a, b) for a, b in zip(weights, frozen.parameters()))
    assert frozen.training
    net.eval()
    inv.invert_whitebox(net, [0], prior, restarts=1, steps=2)
    assert all(p.requires_grad for p in net.parameters()) and not net.training


def test_bad_arguments(setting):
    X, prior, model, net, judge = setting
    with pytest.raises(TypeError, match="classes: expected integer class labels, got dtype float64"):
        inv.invert_blackbox(model.predict_proba, [0.5], prior)
    with pytest.raises(ValueError, match="z: expected 15 columns, got 3"):
        prior.decode(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="n_components: expected a value <= 10, got 100"):
        inv.PCAPrior.fit(X[:10], n_components=100)
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module, got SoftmaxRegression"):
        inv.invert_whitebox(model, [0], prior)
    with pytest.raises(ValueError, match="results: expected a non-empty dict label -> Inversion"):
        images.plot_reconstructions({})
    assert "n_components=15" in repr(prior)


def test_bad_judge_and_sigma_name_the_argument():
    result = inv.Inversion(np.zeros((2, 8, 8)), np.array([0, 1]), 0, "demo")
    with pytest.raises(TypeError, match="^judge: "):
        result.recognition_rate(None)
    prior = inv.PCAPrior.fit(np.random.default_rng(0).random((20, 4, 4)), n_components=3)
    query = lambda X: np.stack([X.mean(axis=(1, 2)), 1 - X.mean(axis=(1, 2))], axis=1)  # noqa: E731
    with pytest.raises(ValueError, match="^sigma: "):
        inv.invert_blackbox(query, [0], prior, restarts=1, steps=1, population=2, sigma=0)
    with pytest.raises(TypeError, match="^api: "):
        mon.query_until_blocked(3, np.zeros((4, 2)))
