"""OOD scores and abstention (kit.shift.ood): agreement with scipy and scikit-learn, and bad input."""

import numpy as np
import pytest
from scipy.special import logsumexp, softmax
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from kit.models.nets import SmallCNN, activations
from kit.shift import ood


def test_auroc_agrees_with_sklearn_ties_included():
    rng = np.random.default_rng(0)
    for _ in range(5):
        s_in, s_out = rng.integers(0, 6, 40).astype(float), rng.integers(2, 8, 30).astype(float)  # many ties
        expected = roc_auc_score(np.r_[np.zeros(40), np.ones(30)], np.r_[s_in, s_out])
        assert ood.auroc(s_in, s_out) == pytest.approx(expected, abs=1e-12)


def test_auroc_extremes():
    assert ood.auroc([0, 1], [2, 3]) == 1.0
    assert ood.auroc([2, 3], [0, 1]) == 0.0
    assert ood.auroc([1, 1], [1, 1]) == 0.5


def test_msp_and_energy_agree_with_scipy():
    z = np.random.default_rng(1).normal(size=(50, 10)) * 5
    assert np.allclose(ood.msp_score(z), 1 - softmax(z, axis=1).max(axis=1))
    assert np.allclose(ood.energy_score(z), -logsumexp(z, axis=1))
    assert np.allclose(ood.energy_score(z, temperature=3.0), -3.0 * logsumexp(z / 3.0, axis=1))


def test_msp_does_not_tie_confident_inputs():
    z = np.array([[30.0, 0.0], [40.0, 0.0]])  # float32 softmax would give 1.0 for both
    s = ood.msp_score(z)
    assert s[0] > s[1] > 0


def test_knn_agrees_with_sklearn_nearest_neighbors():
    rng = np.random.default_rng(2)
    bank, query = rng.normal(size=(200, 6)), rng.normal(size=(30, 6))
    unit = lambda F: F / np.linalg.norm(F, axis=1, keepdims=True)  # noqa: E731
    nn = NearestNeighbors(n_neighbors=7).fit(unit(bank))
    det = ood.KNNDetector(k=7).fit(bank)
    assert np.allclose(det.score(query), nn.kneighbors(unit(query))[0][:, -1], atol=1e-6)
    loo = nn.kneighbors(unit(bank), n_neighbors=8)[0][:, -1]  # the row itself comes first
    assert np.allclose(det.score(bank, exclude_self=True), loo, atol=1e-6)


def test_mahalanobis_matches_a_direct_computation():
    rng = np.random.default_rng(3)
    F = rng.normal(size=(300, 4)) @ rng.normal(size=(4, 4))
    y = rng.integers(0, 3, 300)
    det = ood.MahalanobisDetector(shrinkage=0.0).fit(F, y)
    means = np.stack([F[y == c].mean(axis=0) for c in range(3)])
    cov = np.cov((F - means[y]).T, bias=True)
    P = np.linalg.inv(cov)
    q = rng.normal(size=(20, 4))
    direct = np.min([np.einsum("ij,jk,ik->i", q - m, P, q - m) for m in means], axis=0)
    assert np.allclose(det.score(q), direct)


def test_selective_accuracy_is_order_free_and_counts_ties_in_proportion():
    correct = np.array([1, 0, 1, 1, 0, 0], dtype=float)
    score = np.array([0.1, 0.5, 0.5, 0.2, 0.9, 0.5])
    perm = np.random.default_rng(4).permutation(6)
    assert ood.selective_accuracy(correct, score, 0.5) == ood.selective_accuracy(correct[perm], score[perm], 0.5)
    # kept: 0.1 (right), 0.2 (right), and one of the three tied at 0.5 (one right of three)
    assert ood.selective_accuracy(correct, score, 0.5) == pytest.approx((2 + 1 / 3) / 3)
    assert ood.selective_accuracy(correct, score, 1.0) == pytest.approx(0.5)


def test_risk_coverage_ends_at_the_overall_error():
    correct = np.random.default_rng(5).random(100) < 0.7
    cov, risk = ood.risk_coverage(correct, np.random.default_rng(6).random(100), n_points=10)
    assert cov[-1] == 1.0 and risk[-1] == pytest.approx(1 - correct.mean())
    good_cov, good_risk = ood.risk_coverage(correct, (~correct).astype(float), n_points=10)
    assert good_risk[good_cov <= correct.mean()].max() == 0.0  # a score that knows the errors answers the right ones first


def test_network_outputs_match_the_network_and_its_activations():
    import torch

    net = SmallCNN(8, 3)
    X = np.random.default_rng(7).random((5, 8, 8)).astype(np.float32)
    z, F = ood.network_outputs(net, X, batch_size=2)
    with torch.no_grad():
        expected = net(torch.as_tensor(X)).numpy()
    assert np.allclose(z, expected, atol=1e-5)
    assert np.allclose(F, activations(net, X, layer="hidden"), atol=1e-6)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="logits"):
        ood.msp_score([1.0, 2.0])
    with pytest.raises(ValueError, match="temperature"):
        ood.energy_score([[1.0, 2.0]], temperature=0.0)
    with pytest.raises(ValueError, match="out_scores"):
        ood.auroc([0.1], [float("nan")])
    with pytest.raises(ValueError, match="features"):
        ood.KNNDetector(k=5).fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="features"):
        ood.KNNDetector(k=1).fit(np.zeros((3, 2)) + [1, 0]).score(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="exclude_self"):
        ood.KNNDetector(k=1).fit(np.eye(3)).score(np.eye(3), exclude_self="yes")
    with pytest.raises(RuntimeError, match="fit"):
        ood.MahalanobisDetector().score(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="coverage"):
        ood.selective_accuracy([1, 0], [0.1, 0.2], 0.0)
    with pytest.raises(ValueError, match="correct"):
        ood.selective_accuracy([1, 0, 1], [0.1, 0.2], 0.5)
    with pytest.raises(TypeError, match="model"):
        ood.network_outputs(object(), np.zeros((1, 8, 8)))
    with pytest.raises(TypeError, match="curves"):
        ood.plot_risk_coverage({"a": [0.5, 1.0]})
