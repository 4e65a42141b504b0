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


# --- attribute inference (Fredrikson et al. 2014, 2015) ---------------------------------------

def _brute_force_attribute(query, X, y, column, values, prior):
    """One person and one candidate at a time: the attack as written in Fredrikson et al. 2014."""
    out = []
    for x, label in zip(X, y):
        best, best_score = None, -1.0
        for v, p in zip(values, prior):
            xv = x.copy()
            xv[column] = v
            score = float(np.asarray(query(xv[None]))[0, label]) * p
            if score > best_score:
                best, best_score = v, score
        out.append(best)
    return np.array(out)


def test_infer_attribute_matches_the_attack_written_one_person_at_a_time():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    X[:, 2] = rng.integers(0, 3, 60)
    W = rng.normal(size=(4, 3))

    def query(Z):
        e = np.exp(Z @ W)
        return e / e.sum(1, keepdims=True)

    y = rng.integers(0, 3, 60)
    prior = [0.5, 0.3, 0.2]
    fast = inv.infer_attribute(query, X, y, column=2, values=[0, 1, 2], prior=prior)
    assert np.array_equal(fast, _brute_force_attribute(query, X, y, 2, [0, 1, 2], prior))


def test_infer_attribute_leaks_more_from_the_tree_that_trained_on_them_than_from_a_control():
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(1)
    n = 400
    secret = rng.integers(0, 2, n)
    other = rng.normal(size=(n, 3))
    y = (other[:, 0] + 1.5 * secret + rng.normal(size=n) > 0.75).astype(int)
    X = np.column_stack([other, secret]).astype(float)
    members, others = np.arange(200), np.arange(200, 400)
    tree = DecisionTreeClassifier(random_state=0).fit(X[members], y[members])
    control = DecisionTreeClassifier(random_state=0).fit(X[others], y[others])
    hit = {name: (inv.infer_attribute(m.predict_proba, X[members], y[members], column=3, values=[0, 1])
                  == secret[members]).mean() for name, m in (("tree", tree), ("control", control))}
    assert hit["tree"] >= hit["control"] + 0.05, hit  # 0.73 against 0.61 on this seed


def test_infer_attribute_labels_only_and_prior_break_ties():
    def labels(Z):
        return np.zeros(len(Z), int)  # always answers class 0: no information

    X = np.zeros((4, 2))
    guess = inv.infer_attribute(labels, X, [0, 0, 1, 1], column=1, values=[5.0, 7.0], prior=[0.2, 0.8])
    assert guess.tolist() == [7.0, 7.0, 7.0, 7.0]  # every candidate scores the same: the prior decides


def test_infer_attribute_bad_arguments_name_the_argument():
    def q(Z):
        return np.full((len(Z), 2), 0.5)

    with pytest.raises(ValueError, match="column"):
        inv.infer_attribute(q, np.zeros((3, 2)), [0, 1, 0], column=5, values=[0, 1])
    with pytest.raises(ValueError, match="prior"):
        inv.infer_attribute(q, np.zeros((3, 2)), [0, 1, 0], column=1, values=[0, 1], prior=[0.5])
    with pytest.raises(ValueError, match="y"):
        inv.infer_attribute(q, np.zeros((3, 2)), [0, 1, 4], column=1, values=[0, 1])


# --- an attacker that adapts to per-client monitoring -------------------------------------------

def _account(ref, counter):
    def open_account():
        counter.append(1)
        return service.PredictionAPI(lambda X: np.full((len(X), 2), 0.5),
                                     monitor=mon.QueryMonitor(ref, min_queries=50))
    return open_account


def test_adaptive_client_spreads_queries_over_accounts_below_the_minimum():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(200, 5))
    opened = []
    client = mon.AdaptiveClient(_account(ref, opened), batch=7, per_account=49, max_accounts=100)
    near_duplicates = 0.01 * rng.normal(size=(300, 5))
    answers = client.query(near_duplicates)
    assert answers.shape == (300, 2)
    assert client.blocked == 0 and client.answered == 300 and client.sent == 300
    assert client.accounts == len(opened) == int(np.ceil(300 / 49))  # 7 batches of 7 per account


def test_adaptive_client_one_account_is_blocked_and_cover_does_not_hide_near_duplicates():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(200, 5))
    client = mon.AdaptiveClient(_account(ref, []), batch=5, cover=4, X_cover=rng.normal(size=(500, 5)))
    with pytest.raises(mon.QueryBlocked):
        client.query(0.01 * rng.normal(size=(300, 5)))
    assert client.blocked == 1 and client.sent <= 5 * 60 and client.sent == 5 * client.answered  # first test: 50 sent


def test_adaptive_client_returns_only_its_own_answers():
    seen = []

    def open_account():
        def answer(X):
            seen.append(X.copy())
            return np.column_stack([X[:, 0], 1 - X[:, 0]])
        return service.PredictionAPI(answer)

    cover = np.full((10, 2), 0.9)
    client = mon.AdaptiveClient(open_account, batch=3, cover=2, X_cover=cover, seed=0)
    X = np.column_stack([np.linspace(0, 0.2, 6), np.zeros(6)])
    assert np.allclose(client.query(X)[:, 0], X[:, 0])
    assert sum(len(s) for s in seen) == 18 and client.sent == 18


def test_adaptive_client_bad_arguments():
    with pytest.raises(ValueError, match="X_cover"):
        mon.AdaptiveClient(lambda: None, cover=2)
    with pytest.raises(ValueError, match="per_account"):
        mon.AdaptiveClient(lambda: None, batch=10, per_account=5)
    with pytest.raises(TypeError, match="open_account"):
        mon.AdaptiveClient(3)
