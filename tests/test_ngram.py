"""kit.text.ngram: probabilities sum to one, the Witten-Bell interpolation by hand, sampling
reproducible by seed and following the model's distribution, log_prob equal to the sum of
next_probs, and bad input named."""

from __future__ import annotations

import numpy as np
import pytest

from kit.text.ngram import EOS, NGramLM, detokenize, tokenize

CORPUS = ["the cat sat on the mat", "the dog sat on the log", "a cat ran", "the cat ran to the dog"]


@pytest.mark.parametrize("order,unit", [(1, "word"), (2, "word"), (3, "word"), (4, "char")])
def test_next_probs_is_a_distribution_over_the_vocabulary(order, unit):
    lm = NGramLM(order=order, unit=unit).fit(CORPUS)
    for context in [[], ["the"], ["the", "cat"], ["zzz", "the"]] if unit == "word" else [[], list("the c")]:
        p = lm.next_probs(context)
        assert p.shape == (len(lm.vocab_),)
        assert np.all(p > 0) and p.sum() == pytest.approx(1.0)


def test_witten_bell_interpolation_by_hand():
    lm = NGramLM(order=2).fit(CORPUS)
    V = len(lm.vocab_)
    unigram_counts = {w: sum(t.split().count(w) for t in CORPUS) for w in lm.vocab_}
    unigram_counts[EOS] = len(CORPUS)
    n = sum(unigram_counts.values())
    uni = {w: (c + 1) / (n + V) for w, c in unigram_counts.items()}
    # after "the": cat x2, mat, dog x2, log -> 6 continuations, 4 distinct
    follow = {"cat": 2, "mat": 1, "dog": 2, "log": 1}
    lam = 6 / (6 + 4)
    p = lm.next_probs(["the"])
    for w in lm.vocab_:
        assert p[lm.index_[w]] == pytest.approx(lam * follow.get(w, 0) / 6 + (1 - lam) * uni[w])


def test_log_prob_is_the_sum_of_the_next_token_log_probabilities():
    lm = NGramLM(order=3).fit(CORPUS)
    for text in ["the cat sat", "a dog ran to the mat", "the unknown cat"]:
        toks = text.split()
        ref = 0.0
        for i, tok in enumerate(toks + [EOS]):
            j = lm.index_.get(tok)
            ref += np.log(lm.next_probs(toks[:i])[j]) if j is not None else np.log(1 / (lm._n_tokens + len(lm.vocab_)))
        assert lm.log_prob(text) == pytest.approx(ref)
        assert lm.log_prob(text, per_token=True) == pytest.approx(ref / (len(toks) + 1))


def test_sampling_is_reproducible_and_follows_the_model():
    lm = NGramLM(order=2).fit(CORPUS)
    assert lm.sample(20, seed=3) == lm.sample(20, seed=3)
    assert lm.sample(20, seed=3) != lm.sample(20, seed=4)
    first = [t.split()[0] if t else EOS for t in lm.sample(4000, seed=0, max_tokens=1)]
    p = lm.next_probs([])
    for w in ["the", "a"]:
        assert np.mean([f == w for f in first]) == pytest.approx(p[lm.index_[w]], abs=0.03)


def test_temperature_and_lengths():
    lm = NGramLM(order=2).fit(CORPUS)
    cold = lm.sample(300, seed=0, temperature=0.05)
    warm = lm.sample(300, seed=0)
    assert len(set(cold)) < len(set(warm)) / 2  # near-greedy decoding repeats itself
    assert all(len(t.split()) >= 3 for t in lm.sample(50, seed=1, min_tokens=3))
    assert all(len(t.split()) <= 2 for t in lm.sample(50, seed=1, max_tokens=2))


def test_tokenize_round_trip():
    assert detokenize(tokenize("a b  c")) == "a b c"
    assert detokenize(tokenize("ab c", unit="char"), unit="char") == "ab c"


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="order"):
        NGramLM(order=0)
    with pytest.raises(ValueError, match="unit"):
        NGramLM(unit="byte")
    with pytest.raises(TypeError, match="texts"):
        NGramLM().fit("just one string")
    with pytest.raises(RuntimeError, match="fit"):
        NGramLM().next_probs([])
    lm = NGramLM().fit(CORPUS)
    with pytest.raises(TypeError, match="seed"):
        lm.sample(2, seed=None)
    with pytest.raises(ValueError, match="temperature"):
        lm.sample(2, seed=0, temperature=0)
    with pytest.raises(TypeError, match="context"):
        lm.next_probs("the")
