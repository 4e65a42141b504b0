"""kit.drift: the domain-classifier AUC and the MMD test, checked against sklearn and by simulation."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.metrics.pairwise import euclidean_distances, rbf_kernel
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from kit.shift import twosample as drift


def _samples(shift, seed=0, n=150, d=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(shift, 1.0, size=(n + 30, d))


def test_domain_auc_matches_sklearn_cross_val_predict():
    X_ref, X_cur = _samples(0.5)
    ours = drift.domain_classifier_auc(X_ref, X_cur, n_splits=4, seed=3)
    Z, d = np.vstack([X_ref, X_cur]), np.r_[np.zeros(len(X_ref)), np.ones(len(X_cur))]
    folds = StratifiedKFold(4, shuffle=True, random_state=3)
    proba = cross_val_predict(LogisticRegression(C=0.1, max_iter=300), Z, d, cv=folds, method="predict_proba")
    assert ours.auc == pytest.approx(roc_auc_score(d, proba[:, 1]))
    assert (ours.n_ref, ours.n_cur, ours.n_splits) == (150, 180, 4)


def test_domain_auc_tracks_the_size_of_the_shift():
    aucs = [drift.domain_classifier_auc(*_samples(s)).auc for s in (0.0, 0.3, 1.5)]
    assert abs(aucs[0] - 0.5) < 0.1
    assert aucs[0] < aucs[1] < aucs[2]
    assert aucs[2] > 0.95


def test_domain_auc_takes_any_classifier_and_flattens_images():
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    A, B = rng.random((80, 3, 3)), rng.random((80, 3, 3)) ** 2
    flat = drift.domain_classifier_auc(A.reshape(80, -1), B.reshape(80, -1), seed=1)
    assert drift.domain_classifier_auc(A, B, seed=1) == flat
    forest = drift.domain_classifier_auc(A, B, model=RandomForestClassifier(n_estimators=30), seed=1)
    assert forest.auc > 0.7


def _mmd2_naive(X, Y, gamma):
    Kxx, Kyy, Kxy = rbf_kernel(X, X, gamma=gamma), rbf_kernel(Y, Y, gamma=gamma), rbf_kernel(X, Y, gamma=gamma)
    n, m = len(X), len(Y)
    return ((Kxx.sum() - np.trace(Kxx)) / (n * (n - 1)) + (Kyy.sum() - np.trace(Kyy)) / (m * (m - 1))
            - 2 * Kxy.mean())


def test_mmd_matches_the_textbook_estimate_with_sklearn_kernels():
    X_ref, X_cur = _samples(0.4, n=60)
    Z = np.vstack([X_ref, X_cur])
    D = euclidean_distances(Z, squared=True)[np.triu_indices(len(Z), k=1)]
    median_gamma = 1 / np.median(D)
    result = drift.mmd_test(X_ref, X_cur, n_permutations=10)
    assert result.gamma == pytest.approx(median_gamma)
    assert result.mmd2 == pytest.approx(_mmd2_naive(X_ref, X_cur, median_gamma))
    fixed = drift.mmd_test(X_ref, X_cur, gamma=0.3, n_permutations=10)
    assert fixed.mmd2 == pytest.approx(_mmd2_naive(X_ref, X_cur, 0.3))


def test_mmd_permutation_statistics_match_relabelled_data():
    rng = np.random.default_rng(0)
    X_ref, X_cur = _samples(0.0, n=30)
    Z = np.vstack([X_ref, X_cur])
    K = rbf_kernel(Z, Z, gamma=0.2)
    perm = rng.permutation(len(Z))
    A = np.zeros((len(Z), 1))
    A[perm[:30], 0] = 1
    ours = drift._mmd2_unbiased(K, A)[0]
    assert ours == pytest.approx(_mmd2_naive(Z[perm[:30]], Z[perm[30:]], 0.2))


def test_mmd_p_values_are_calibrated_and_powerful():
    null_p = [drift.mmd_test(*_samples(0.0, seed=s, n=40), n_permutations=99, seed=s).p_value
              for s in range(20)]
    assert np.mean(np.array(null_p) < 0.05) <= 0.2
    assert max(null_p) > 0.3
    shifted = drift.mmd_test(*_samples(1.0, n=40), n_permutations=99)
    assert shifted.p_value == pytest.approx(0.01)
    assert drift.mmd_test(*_samples(1.0, n=40), n_permutations=99, seed=5) == drift.mmd_test(
        *_samples(1.0, n=40), n_permutations=99, seed=5)


def test_reprs_are_short():
    X_ref, X_cur = _samples(1.0, n=20)
    assert repr(drift.domain_classifier_auc(X_ref, X_cur)).startswith("DomainAUC(auc=")
    assert "p_value=" in repr(drift.mmd_test(X_ref, X_cur, n_permutations=9))


def test_bad_input_names_the_argument():
    X_ref = np.zeros((10, 3))
    with pytest.raises(ValueError, match="X_cur"):
        drift.domain_classifier_auc(X_ref, np.zeros((10, 4)))
    with pytest.raises(ValueError, match="X_ref"):
        drift.mmd_test(np.zeros(10), np.zeros((10, 1)))
    with pytest.raises(ValueError, match="n_splits"):
        drift.domain_classifier_auc(X_ref, np.ones((10, 3)), n_splits=1)
    with pytest.raises(ValueError, match="X_cur"):
        drift.mmd_test(X_ref, np.full((10, 3), np.nan))
