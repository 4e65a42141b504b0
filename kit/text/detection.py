"""Learned detectors of generated text, and their evaluation across generators.

Two detectors a platform could train on examples of human and generated text:
``LikelihoodDetector`` is a logistic regression on how likely each text is, per token, under
the language models the platform knows (the signal of GLTR, Gehrmann et al. 2019, and of
zero-shot detectors); ``tfidf_detector`` is the stylometric baseline, TF-IDF word n-grams
and a logistic regression (Solaiman et al. 2019 used such a baseline). ``evaluate_detector``
scores either one on human text against each generator's text: detectors trained on some
generators can fail on the next (Solaiman et al. 2019). Taught in notebook 18
(ethics-authorship).

Examples
--------
>>> from kit.text.ngram import NGramLM
>>> lm = NGramLM(order=2).fit(["a b c", "a c b", "b c a"])
>>> det = LikelihoodDetector([lm]).fit(["x y z", "c c a"], ["a b c", "a c b"])
>>> det.predict(["a b c", "q r s"]).tolist()
[1, 0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from kit._validate import check_range, check_seed, check_type
from kit.text.ngram import NGramLM, _texts


class LikelihoodDetector:
    """Logistic regression on per-token log-likelihoods under known language models.

    Features of a text: ``lm.log_prob(text, per_token=True)`` for each model of ``models``
    (shape (n, len(models))). Label 1 means "generated".

    Parameters
    ----------
    models : list of fitted NGramLM
        The generators the detector's owner knows (it needs their probabilities).
    C : float
        Inverse L2 strength of the logistic regression.

    Examples
    --------
    >>> from kit.text.ngram import NGramLM
    >>> LikelihoodDetector([NGramLM(order=2).fit(["a b"])])
    LikelihoodDetector(models=[NGramLM(order=2, unit='word', V=3)])
    """

    def __init__(self, models: Sequence[NGramLM], *, C: float = 1.0) -> None:
        if not isinstance(models, Sequence) or not len(models):
            raise TypeError(f"models: expected a non-empty list of fitted NGramLM, got {type(models).__name__}")
        for m in models:
            check_type(m, "models", NGramLM, what="a list of fitted NGramLM")
            if not hasattr(m, "vocab_"):
                raise ValueError("models: every language model must be fitted first")
        self.models = list(models)
        self.C = float(check_range(C, "C", low=1e-6, high=1e6))

    def __repr__(self) -> str:
        return f"LikelihoodDetector(models={self.models})"

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """Per-token log-likelihood of each text under each model: array (n, len(models)).

        >>> from kit.text.ngram import NGramLM
        >>> LikelihoodDetector([NGramLM(order=2).fit(["a b"])]).features(["a b", "b"]).shape
        (2, 1)
        """
        texts = _texts(texts)
        return np.array([[m.log_prob(t, per_token=True) for m in self.models] for t in texts])

    def fit(self, human: Sequence[str], generated: Sequence[str]) -> LikelihoodDetector:
        """Fit on human texts (label 0) and generated texts (label 1), classes weighted equally.

        >>> from kit.text.ngram import NGramLM
        >>> lm = NGramLM(order=2).fit(["a b"])
        >>> LikelihoodDetector([lm]).fit(["q"], ["a b"]).classifier_.coef_.shape
        (1, 1)
        """
        human, generated = _texts(human, "human"), _texts(generated, "generated")
        X = self.features(human + generated)
        y = np.r_[np.zeros(len(human)), np.ones(len(generated))]
        self.classifier_ = LogisticRegression(C=self.C, class_weight="balanced").fit(X, y)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(generated) for each text: array (n,).

        >>> from kit.text.ngram import NGramLM
        >>> lm = NGramLM(order=2).fit(["a b"])
        >>> LikelihoodDetector([lm]).fit(["q"], ["a b"]).predict_proba(["a b"]).shape
        (1,)
        """
        if not hasattr(self, "classifier_"):
            raise RuntimeError("LikelihoodDetector: call fit(human, generated) first")
        return self.classifier_.predict_proba(self.features(texts))[:, 1]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """1 (generated) where ``predict_proba >= 0.5``, else 0: int array (n,).

        >>> from kit.text.ngram import NGramLM
        >>> lm = NGramLM(order=2).fit(["a b"])
        >>> LikelihoodDetector([lm]).fit(["q"], ["a b"]).predict(["a b"]).tolist()
        [1]
        """
        return (self.predict_proba(texts) >= 0.5).astype(int)


def tfidf_detector(*, C: float = 10.0, seed: int = 0) -> Pipeline:
    """An unfitted TF-IDF (word 1-2 grams) + logistic regression detector; ``fit(texts, labels)``.

    >>> tfidf_detector().fit(["a b", "c d"], [0, 1]).predict(["c d"]).tolist()
    [1]
    """
    C = float(check_range(C, "C", low=1e-6, high=1e6))
    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+"),
                         LogisticRegression(C=C, class_weight="balanced", max_iter=2000,
                                            random_state=check_seed(seed)))


def evaluate_detector(predict: Any, human: Sequence[str], generated: dict[str, Sequence[str]]) -> pd.DataFrame:
    """Balanced accuracy of a detector on ``human`` against each generator's texts.

    ``predict(texts)`` returns 1 for "generated". For generator ``g`` the balanced accuracy is
    the mean of the share of human texts passed (true negative rate) and the share of ``g``'s
    texts flagged (true positive rate), so a coin scores 0.5 whatever the class sizes.

    Returns
    -------
    pandas.DataFrame indexed by generator, columns ``flagged`` (TPR), ``human passed`` (TNR),
    ``balanced accuracy``.

    >>> evaluate_detector(lambda t: np.array([len(s) > 3 for s in t]), ["ab"], {"g": ["abcd", "a"]})
       flagged  human passed  balanced accuracy
    g      0.5           1.0               0.75
    """
    if not callable(predict):
        raise TypeError(f"predict: expected a callable, got {type(predict).__name__}")
    check_type(generated, "generated", dict)
    if not generated:
        raise ValueError("generated: expected at least one generator's texts")
    tnr = 1.0 - float(np.mean(predict(_texts(human, "human"))))
    rows = {}
    for name, texts in generated.items():
        tpr = float(np.mean(predict(_texts(texts, "generated"))))
        rows[name] = {"flagged": tpr, "human passed": tnr, "balanced accuracy": (tpr + tnr) / 2}
    return pd.DataFrame(rows).T
