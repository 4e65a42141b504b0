"""kit.shift.twosample: KS, PSI, MMD and the domain-classifier AUC, against scipy/sklearn and by simulation."""

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.metrics.pairwise import euclidean_distances, rbf_kernel
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from kit.shift import twosample as drift
from kit.shift.twosample import ShiftTest, ks_test, psi


def _samples(shift, seed=0, n=150, d=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(shift, 1.0, size=(n + 30, d))


def test_domain_auc_matches_sklearn_cross_val_predict():
    X_ref, X_cur = _samples(0.5)
    ours = drift.domain_classifier_auc(X_ref, X_cur, n_splits=4, seed=3)
    Z, d = np.vstack([X_ref, X_cur]), np.r_[np.zeros(len(X_ref)), np.ones(len(X_cur))]
    folds = StratifiedKFold(4, shuffle=True, random_state=3)
    proba = cross_val_predict(LogisticRegression(C=0.1, max_iter=300), Z, d, cv=folds, method="predict_proba")
    assert ours.statistic == pytest.approx(roc_auc_score(d, proba[:, 1]))
    assert ours.p_value is None and ours.drift == (ours.statistic > 0.75)
    assert ours.details == {"n_ref": 150, "n_cur": 180, "n_splits": 4}


def test_domain_auc_tracks_the_size_of_the_shift():
    aucs = [drift.domain_classifier_auc(*_samples(s)).statistic for s in (0.0, 0.3, 1.5)]
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
    assert forest.statistic > 0.7


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
    assert result.details["gamma"] == pytest.approx(median_gamma)
    assert result.statistic == pytest.approx(_mmd2_naive(X_ref, X_cur, median_gamma))
    fixed = drift.mmd_test(X_ref, X_cur, gamma=0.3, n_permutations=10)
    assert fixed.statistic == pytest.approx(_mmd2_naive(X_ref, X_cur, 0.3))


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
    assert shifted.p_value == pytest.approx(0.01) and shifted.drift
    assert drift.mmd_test(*_samples(1.0, n=40), n_permutations=99, seed=5) == drift.mmd_test(
        *_samples(1.0, n=40), n_permutations=99, seed=5)


def test_ks_matches_scipy_and_corrections():
    rng = np.random.default_rng(0)
    ref, cur = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
    cur[:, 1] += 0.4
    raw = np.array([stats.ks_2samp(ref[:, j], cur[:, j]).pvalue for j in range(4)])
    p = {c: ks_test(ref, cur, correction=c).details["p_values"] for c in drift.CORRECTIONS}
    assert np.allclose(p["none"], raw)
    assert np.allclose(p["bonferroni"], np.minimum(raw * 4, 1))
    assert np.all(raw <= p["bh"] + 1e-12) and np.all(p["bh"] <= p["holm"] + 1e-12)
    assert np.all(p["holm"] <= p["bonferroni"] + 1e-12)
    res = ks_test(ref, cur)
    assert res.details["drifted"].tolist() == [False, True, False, False]
    assert res.p_value == pytest.approx(p["holm"].min()) and res.drift
    assert res.statistic == pytest.approx(max(stats.ks_2samp(ref[:, j], cur[:, j]).statistic for j in range(4)))


def test_holm_and_bh_hand_computed():
    p = np.array([0.01, 0.04, 0.03, 0.20])
    # sorted 0.01, 0.03, 0.04, 0.20 -> 0.04, 0.09, 0.09 (monotone), 0.20
    assert np.allclose(drift._adjust(p, "holm"), [0.04, 0.09, 0.09, 0.20])
    # BH: 0.04, 0.06, 0.0533.., 0.20 -> monotone from the top: 0.04, 0.0533, 0.0533, 0.20
    assert np.allclose(drift._adjust(p, "bh"), [0.04, 0.16 / 3, 0.16 / 3, 0.20])


def test_ks_family_wise_false_alarms_controlled():
    rng = np.random.default_rng(1)
    hits_corrected = hits_raw = 0
    for _ in range(100):
        ref, cur = rng.normal(size=(100, 10)), rng.normal(size=(100, 10))
        hits_corrected += ks_test(ref, cur, alpha=0.05).drift
        hits_raw += ks_test(ref, cur, alpha=0.05, correction="none").drift
    assert hits_corrected <= 12  # about 5 expected
    assert hits_raw >= 20  # about 40 expected without correction


def test_psi_levels_and_per_feature():
    rng = np.random.default_rng(3)
    a = rng.normal(size=5000)
    assert psi(a, rng.normal(size=5000)).statistic < 0.02
    moderate = psi(a, rng.normal(loc=0.3, size=5000))
    assert 0.05 < moderate.statistic < 0.25 and not moderate.drift and moderate.p_value is None
    assert psi(a, rng.normal(loc=1.5, size=5000)).drift
    both = psi(np.c_[a, a], np.c_[rng.normal(size=5000), rng.normal(loc=1.5, size=5000)])
    assert both.details["psi"][0] < 0.02 < 1.0 < both.details["psi"][1] == both.statistic


def test_every_test_fills_one_result_type():
    X_ref, X_cur = _samples(1.0, n=40)
    results = [ks_test(X_ref, X_cur), psi(X_ref, X_cur), drift.mmd_test(X_ref, X_cur, n_permutations=99),
               drift.domain_classifier_auc(X_ref, X_cur)]
    for r in results:
        assert isinstance(r, ShiftTest) and r.drift is True and isinstance(r.statistic, float)
        assert repr(r).startswith(f"ShiftTest({r.name!r}, statistic=") and "details" not in repr(r)
    assert [r.p_value is None for r in results] == [False, True, False, True]


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
    with pytest.raises(ValueError, match="correction"):
        ks_test(X_ref, X_ref, correction="fdr")
    with pytest.raises(ValueError, match="X_ref"):
        psi(np.zeros((3, 2, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="threshold"):
        drift.domain_classifier_auc(X_ref, np.ones((10, 3)), threshold=0.2)


@pytest.mark.parametrize("model", [3, "logistic", object()])
def test_a_model_that_is_not_a_classifier_is_named(model):
    with pytest.raises(TypeError, match="^model: expected a scikit-learn classifier"):
        drift.domain_classifier_auc(np.zeros((10, 3)), np.ones((10, 3)), model=model)


def test_a_correction_that_is_not_text_is_named():
    with pytest.raises(TypeError, match="^correction: "):
        ks_test(np.zeros((10, 3)), np.ones((10, 3)), correction=np.zeros(2))
