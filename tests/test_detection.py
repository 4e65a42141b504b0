"""kit.text.detection: the likelihood detector's features are the models' log-likelihoods and
its classifier is scikit-learn's on them; balanced accuracy against scikit-learn's; the TF-IDF
detector; bad input named."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score

from kit.text.detection import LikelihoodDetector, evaluate_detector, tfidf_detector
from kit.text.ngram import NGramLM

HUMAN = [f"h{i % 17} h{(i * 5) % 23} h{(i * 7) % 19} end" for i in range(120)]
TRAIN = [f"g{i % 5} g{(i * 3) % 7} g{i % 3}" for i in range(200)]


def _lm():
    return NGramLM(order=2).fit(TRAIN)


def test_features_are_per_token_log_likelihoods():
    lm = _lm()
    det = LikelihoodDetector([lm])
    F = det.features(["g1 g2 g0", "h1 h2"])
    assert F.shape == (2, 1)
    assert F[0, 0] == pytest.approx(lm.log_prob("g1 g2 g0", per_token=True))


def test_fit_is_sklearn_logistic_regression_on_the_features():
    lm = _lm()
    gen = lm.sample(60, seed=0)
    det = LikelihoodDetector([lm], C=0.5).fit(HUMAN[:60], gen)
    X = det.features(HUMAN[:60] + gen)
    y = np.r_[np.zeros(60), np.ones(len(gen))]
    ref = LogisticRegression(C=0.5, class_weight="balanced").fit(X, y)
    np.testing.assert_allclose(det.predict_proba(HUMAN[60:]), ref.predict_proba(det.features(HUMAN[60:]))[:, 1])
    assert det.predict(lm.sample(30, seed=1)).mean() > 0.9 and det.predict(HUMAN[60:]).mean() < 0.1


def test_evaluate_detector_matches_balanced_accuracy_score():
    rng = np.random.default_rng(0)
    flags = {t: int(rng.random() < 0.3) for t in HUMAN} | {t: int(rng.random() < 0.8) for t in TRAIN}
    predict = lambda texts: np.array([flags[t] for t in texts])  # noqa: E731
    table = evaluate_detector(predict, HUMAN, {"g": TRAIN})
    y = np.r_[np.zeros(len(HUMAN)), np.ones(len(TRAIN))]
    assert table.loc["g", "balanced accuracy"] == pytest.approx(balanced_accuracy_score(y, predict(HUMAN + TRAIN)))


def test_tfidf_detector_learns_words():
    det = tfidf_detector(seed=0).fit(HUMAN + TRAIN, [0] * len(HUMAN) + [1] * len(TRAIN))
    assert (det.predict(TRAIN) == 1).all() and (det.predict(HUMAN) == 0).all()


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="models"):
        LikelihoodDetector([])
    with pytest.raises(ValueError, match="models"):
        LikelihoodDetector([NGramLM()])
    with pytest.raises(RuntimeError, match="fit"):
        LikelihoodDetector([_lm()]).predict(["a"])
    with pytest.raises(TypeError, match="predict"):
        evaluate_detector(3, HUMAN, {"g": TRAIN})
    with pytest.raises(ValueError, match="generated"):
        evaluate_detector(lambda t: np.zeros(len(t)), HUMAN, {})
    with pytest.raises(ValueError, match="C"):
        tfidf_detector(C=0)
