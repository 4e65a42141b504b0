"""Tests for kit.security.poisoning: flips, backdoors, and the sanitisers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression

from kit.data import load
from kit.models.nets import SmallCNN, accuracy, activations, predict, train
from kit.security import poisoning as P
from kit.security import sanitise as S


@pytest.fixture(scope="module")
def digits():
    X, y = load("digits")
    p = np.random.default_rng(0).permutation(len(X))
    return X[p[:1200]], y[p[:1200]], X[p[1200:]], y[p[1200:]]


def test_random_flips_count_and_change():
    y = np.arange(10).repeat(30)
    y_before = y.copy()
    y2, idx = P.random_flips(y, 0.2, seed=1)
    assert len(idx) == 60 and len(np.unique(idx)) == 60
    assert (y2[idx] != y[idx]).all() and (np.delete(y2, idx) == np.delete(y, idx)).all()
    assert y2.min() >= 0 and y2.max() <= 9
    assert np.array_equal(y, y_before)  # input untouched
    assert np.array_equal(P.random_flips(y, 0.2, seed=1)[0], y2)
    assert not np.array_equal(P.random_flips(y, 0.2, seed=2)[0], y2)


def test_targeted_flips_only_source_and_capped():
    y = np.arange(10).repeat(30)
    y2, idx = P.targeted_flips(y, 0.05, source=3, target=8, seed=0)
    assert len(idx) == 15 and (y[idx] == 3).all() and (y2[idx] == 8).all()
    y3, idx3 = P.targeted_flips(y, 0.5, source=3, target=8, seed=0)
    assert len(idx3) == 30 and not (y3 == 3).any()  # capped at the class size
    with pytest.raises(ValueError, match="target: expected a class other than source=3"):
        P.targeted_flips(y, 0.1, source=3, target=3)
    with pytest.raises(ValueError, match="source: class 11 does not occur in y"):
        P.targeted_flips(y, 0.1, source=11, target=3)


def test_targeted_flips_hurt_more_than_random(digits):
    Xtr, ytr, Xte, yte = digits

    def acc(labels):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = LogisticRegression(max_iter=300).fit(Xtr.reshape(len(Xtr), -1), labels)
        return m.score(Xte.reshape(len(Xte), -1), yte)

    clean = acc(ytr)
    rand = acc(P.random_flips(ytr, 0.1, seed=0)[0])
    targ = acc(P.targeted_flips(ytr, 0.1, source=3, target=8, seed=0)[0])
    assert clean - targ >= 2 * (clean - rand)
    assert clean - targ >= 0.05


def test_trigger_and_backdoor():
    X = np.zeros((50, 8, 8), dtype=np.float32)
    y = np.arange(10).repeat(5)
    T = P.add_trigger(X, size=3)
    assert T.dtype == np.float32 and T[:, -3:, -3:].min() == 1.0 and T[:, :-3].max() == 0.0
    assert X.max() == 0.0  # input untouched
    bd = P.backdoor(X, y, 0.1, target=0, size=2, seed=0)
    assert len(bd.poisoned) == 5 and bd.share == pytest.approx(0.1)
    assert (y[bd.poisoned] != 0).all() and (bd.y[bd.poisoned] == 0).all()
    assert (bd.X[bd.poisoned, -2:, -2:] == 1).all()
    clean_rows = np.setdiff1d(np.arange(50), bd.poisoned)
    assert (bd.X[clean_rows] == 0).all() and np.array_equal(bd.y[clean_rows], y[clean_rows])
    assert len(P.backdoor(X, y, 0.0).poisoned) == 0
    assert "poisoned=5" in repr(bd)


def test_attack_success_rate_ignores_target_class():
    assert P.attack_success_rate([0, 0, 0, 1], [0, 5, 6, 7], target=0) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="y_true: expected some rows whose class is not the target"):
        P.attack_success_rate([0, 0], [0, 0], target=0)


def test_knn_matches_brute_force():
    rng = np.random.default_rng(0)
    F = rng.normal(size=(60, 4))
    y = rng.integers(0, 3, size=60)
    keep = S.knn_label_consistency(F, y, k=5)
    D = ((F[:, None] - F[None]) ** 2).sum(-1)
    np.fill_diagonal(D, np.inf)
    nbrs = np.argsort(D, axis=1)[:, :5]
    expected = (y[nbrs] == y[:, None]).mean(axis=1) >= 0.5
    assert np.array_equal(keep, expected)


def test_spectral_scores_match_sklearn_pca():
    rng = np.random.default_rng(1)
    F = rng.normal(size=(80, 6)) * np.array([3, 1, 1, 1, 1, 1])
    y = np.r_[np.zeros(40, "int64"), np.ones(40, "int64")]
    scores = S.spectral_scores(F, y)
    for c in (0, 1):
        proj = PCA(1).fit_transform(F[y == c])[:, 0]
        np.testing.assert_allclose(scores[y == c], proj ** 2, rtol=1e-6, atol=1e-9)
    keep = S.spectral_filter(F, y, expected_share=0.1)
    assert (~keep).sum() == 12  # ceil(1.5 * 0.1 * 40) in each class


def test_backdoor_end_to_end_and_activation_clustering(digits):
    torch.set_num_threads(1)
    Xtr, ytr, Xte, yte = digits
    bd = P.backdoor(Xtr, ytr, 0.05, target=0, size=3, seed=0)
    model = train(SmallCNN(8), bd.X, bd.y, epochs=6, lr=2e-3, seed=0, show_progress=False)
    trig = P.add_trigger(Xte, size=3)
    asr = P.attack_success_rate(predict(model, trig), yte, target=0)
    assert asr >= 0.8
    assert accuracy(model, Xte, yte) >= 0.9
    res = S.activation_clustering(activations(model, bd.X), bd.y, seed=0)
    rep = S.filter_report(res.keep, bd.poisoned)
    assert 0 in res.flagged and rep.recall >= 0.9
    assert "flagged" in repr(res) and "recall" in repr(rep)
    knn = S.filter_report(S.knn_label_consistency(bd.X.reshape(len(bd.X), -1), bd.y), bd.poisoned)
    assert knn.recall < rep.recall


def test_errors_name_the_argument():
    y = np.arange(10).repeat(3)
    with pytest.raises(ValueError, match="share: expected a value <= 1, got 1.5"):
        P.random_flips(y, 1.5)
    with pytest.raises(TypeError, match="y: expected integer class labels, got dtype float64"):
        P.random_flips(y.astype(float), 0.1)
    with pytest.raises(ValueError, match=r"X: expected a 3-D array, got shape \(3, 64\)"):
        P.add_trigger(np.zeros((3, 64)))
    with pytest.raises(ValueError, match="k: expected a value <= 29, got 30"):
        S.knn_label_consistency(np.zeros((30, 2)), y, k=30)
    with pytest.raises(ValueError, match=r"layer: expected one of \['conv', 'hidden'\], got 'logits'"):
        activations(SmallCNN(8), np.zeros((2, 8, 8), "float32"), layer="logits")
    with pytest.raises(ValueError, match=r"keep: expected a 1-D bool mask, got shape \(2, 2\)"):
        S.filter_report(np.ones((2, 2), bool), [0])


def test_a_target_beyond_int64_names_the_argument():
    y = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match="^target: "):
        P.targeted_flips(y, 0.2, source=0, target=2**70, seed=0)
    with pytest.raises(ValueError, match="^target: "):
        P.backdoor(np.zeros((20, 8, 8)), y, 0.2, target=2**70)


def test_activation_clustering_outlier_rule_flags_the_odd_class_out_without_a_tuned_threshold():
    from kit.security import sanitise

    rng = np.random.default_rng(1)
    blocks = [rng.normal(size=(60, 6)) for _ in range(6)]
    blocks[2] = np.r_[rng.normal(size=(45, 6)), rng.normal(size=(15, 6)) + 5]   # class 2 hides a cluster
    F, y = np.concatenate(blocks), np.repeat(np.arange(6), 60)
    res = sanitise.activation_clustering(F, y, n_components=3, outlier_z=4)
    assert res.flagged == (2,)
    assert int((~res.keep).sum()) == 15 and not res.keep[120 + 45:180].any()
    # a fixed threshold set for other data flags clean classes too, or misses the odd one out
    assert sanitise.activation_clustering(F, y, n_components=3, min_silhouette=0.2).flagged != (2,)
    with pytest.raises(ValueError, match="^outlier_z: "):
        sanitise.activation_clustering(F, y, outlier_z=-1)
