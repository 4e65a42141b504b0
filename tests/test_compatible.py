"""kit.models.compatible: the focal-distillation targets are the loss they stand for, and the
distilled network flips fewer of the old model's right answers."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from kit.evaluate import flip_rates
from kit.models.compatible import FocalDistillation, NetClassifier, distillation_set


def test_weighted_soft_targets_equal_the_focal_distillation_loss():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 50)
    p_old = rng.dirichlet(np.ones(3), 50)
    logits = torch.as_tensor(rng.normal(size=(50, 3)))
    alpha, beta = 0.5, 2.0
    targets, weight = distillation_set(y, p_old, alpha=alpha, beta=beta)
    log_p = torch.log_softmax(logits, dim=1).numpy()
    ce_label = -log_p[np.arange(50), y]
    ce_old = -(p_old * log_p).sum(axis=1)
    w = alpha + beta * (p_old.argmax(axis=1) == y)
    direct = ce_label + w * ce_old
    via_targets = weight * -(targets * log_p).sum(axis=1)
    np.testing.assert_allclose(via_targets, direct, rtol=1e-6)
    # and torch's cross-entropy with probability targets reads them the same way
    torch_ce = torch.nn.functional.cross_entropy(logits, torch.as_tensor(targets), reduction="none").numpy()
    np.testing.assert_allclose(weight * torch_ce, direct, rtol=1e-6)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0)


def test_no_distillation_means_one_hot_targets_and_unit_weights():
    targets, weight = distillation_set([1, 0], [[0.3, 0.7], [0.1, 0.9]], alpha=0.0, beta=0.0)
    assert targets.tolist() == [[0.0, 1.0], [1.0, 0.0]] and weight.tolist() == [1.0, 1.0]


def _data(seed=0, n=3000):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = ((X[:, 0] + 0.8 * X[:, 1] * X[:, 2] + 0.3 * rng.normal(size=n)) > 0).astype(int)
    return X, y


def test_focal_distillation_flips_fewer_right_answers():
    X, y = _data()
    Xt, yt = _data(1)
    old = LogisticRegression().fit(X[:300, :2], y[:300])
    old_full = FrozenEstimator(old)
    cols = lambda Z: Z[:, :2]  # noqa: E731
    pred_old = old.predict(cols(Xt))

    class OnTwoColumns:
        classes_ = old.classes_

        def predict_proba(self, Z):
            return old_full.predict_proba(cols(Z))

    plain = NetClassifier(hidden=16, epochs=20, lr=1e-2, seed=0).fit(X, y)
    fd = FocalDistillation(OnTwoColumns(), beta=2.0, hidden=16, epochs=20, lr=1e-2, seed=0).fit(X, y)
    f_plain = flip_rates(yt, pred_old, plain.predict(Xt))
    f_fd = flip_rates(yt, pred_old, fd.predict(Xt))
    assert f_plain.gain > 0.05                      # the richer model is better (0.11 when written)
    assert f_fd.nfr < 0.6 * f_plain.nfr              # and distillation keeps the old right answers (0.35x)
    assert f_fd.gain > 0.03                          # while keeping most of the gain (0.08)


def test_fit_is_a_pure_function_of_the_seed_and_clone_keeps_the_settings():
    X, y = _data(n=400)
    a = NetClassifier(hidden=8, epochs=2, seed=3).fit(X, y).predict_proba(X)
    b = NetClassifier(hidden=8, epochs=2, seed=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    fd = FocalDistillation(LogisticRegression().fit(X, y), beta=1.5, hidden=8, epochs=2, seed=3)
    twin = clone(fd)
    assert repr(twin) == repr(fd) == "FocalDistillation(hidden=8, epochs=2, seed=3, alpha=0.0, beta=1.5)"
    assert twin.get_params()["beta"] == 1.5


def test_labels_keep_their_values_and_sample_weight_counts():
    X, y = _data(n=400)
    clf = NetClassifier(hidden=8, epochs=3, seed=0).fit(X, np.where(y == 1, 7, 3))
    assert clf.classes_.tolist() == [3, 7] and set(clf.predict(X)) <= {3, 7}
    only_first = NetClassifier(hidden=8, epochs=3, seed=0).fit(X, y, sample_weight=(np.arange(400) < 200) * 1.0)
    assert only_first.predict_proba(X).shape == (400, 2)


@pytest.mark.parametrize("call, error, name", [
    (lambda: distillation_set([0, 1], [[0.5, 0.5]]), ValueError, "rows"),
    (lambda: distillation_set([0, 2], [[0.5, 0.5], [0.5, 0.5]]), ValueError, "y"),
    (lambda: distillation_set([0, 1], [[0.5, 0.6], [0.5, 0.5]]), ValueError, "p_old"),
    (lambda: distillation_set([0, 1], [[0.5, 0.5], [0.5, 0.5]], beta=-1), ValueError, "beta"),
    (lambda: distillation_set([0.5, 1], [[0.5, 0.5], [0.5, 0.5]]), TypeError, "y"),
    (lambda: NetClassifier(hidden=0), ValueError, "hidden"),
    (lambda: NetClassifier(seed=None), TypeError, "seed"),
    (lambda: NetClassifier().fit(np.zeros((4, 2)), [1, 1, 1, 1]), ValueError, "y"),
    (lambda: NetClassifier().predict_proba(np.zeros((2, 2))), ValueError, "fit"),
    (lambda: FocalDistillation("v1"), TypeError, "old"),
    (lambda: FocalDistillation(LogisticRegression().fit([[0], [1]], [0, 1]), alpha=-0.1), ValueError, "alpha"),
    (lambda: FocalDistillation(LogisticRegression().fit([[0], [1]], [3, 4])).fit([[0], [1]], [0, 1]),
     ValueError, "classes_"),
])
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_predict_proba_checks_the_columns():
    X, y = _data(n=200)
    clf = NetClassifier(hidden=4, epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="columns"):
        clf.predict_proba(X[:, :3])
