"""kit.text.watermark: the z-score against the closed form and scipy, green counts of unmarked
text Binomial(T, gamma) exactly, the bias and the mask agree, watermarked sampling is
detected and unmarked sampling is not, pooling and editing, and bad input named."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, binomtest, norm

from kit.text.ngram import NGramLM
from kit.text.watermark import GreenList, WatermarkScore, hash_token, replace_words, z_score

CORPUS = [f"w{i % 37} w{(i * 7) % 41} w{(i * 13) % 43} w{(i * 3) % 29} w{i % 11}" for i in range(400)]


def test_z_score_is_the_one_proportion_z_test():
    for g, T, gamma in [(9, 12, 0.25), (3, 12, 0.25), (40, 60, 0.5), (0, 5, 0.1)]:
        assert z_score(g, T, gamma) == pytest.approx((g - gamma * T) / np.sqrt(T * gamma * (1 - gamma)))
    # the normal approximation of the exact binomial tail, on a long text
    g, T, gamma = 160, 500, 0.25
    exact = binomtest(g, T, gamma, alternative="greater").pvalue
    approx = norm.sf(z_score(g, T, gamma))
    assert approx == pytest.approx(exact, rel=0.5)
    np.testing.assert_allclose(z_score(np.array([3, 9]), 12, 0.25), [0.0, 4.0])


def test_green_share_of_unmarked_text_is_gamma():
    vocab = [f"t{i}" for i in range(5000)]
    wm = GreenList(vocab, gamma=0.25, key=11)
    share = np.mean([wm.green_mask(prev).mean() for prev in vocab[:50]])
    assert share == pytest.approx(0.25, abs=0.01)
    # random texts of 40 distinct pairs: green count Binomial(40, gamma), so z has mean 0, sd 1
    # and the binomial's exact tail (not quite the normal one, at T = 40)
    rng = np.random.default_rng(0)
    scores = [wm.score(" ".join(rng.choice(vocab, 40))) for _ in range(3000)]
    assert {s.n_tokens for s in scores} == {40}
    z = np.array([s.z for s in scores])
    assert sum(s.n_green for s in scores) / 120_000 == pytest.approx(0.25, abs=0.01)
    assert abs(z.mean()) < 0.12 and z.std() == pytest.approx(1.0, abs=0.06)
    assert (z >= 2).mean() == pytest.approx(binom.sf(15, 40, 0.25), abs=0.012)  # z >= 2 <=> g >= 16


def test_bias_adds_delta_on_the_mask_and_is_keyed():
    vocab = [f"t{i}" for i in range(200)]
    wm = GreenList(vocab, gamma=0.5, delta=3.0, key=1)
    mask = wm.green_mask("t5")
    np.testing.assert_allclose(wm.bias(np.zeros(200), "t5"), 3.0 * mask)
    assert (mask != GreenList(vocab, gamma=0.5, key=2).green_mask("t5")).mean() > 0.3
    assert (mask != wm.green_mask("t6")).mean() > 0.3
    assert wm.is_green(["t5", "t9"])[1] == mask[vocab.index("t9")]


def test_watermarked_samples_are_detected_and_plain_ones_are_not():
    lm = NGramLM(order=2).fit(CORPUS)
    wm = GreenList(lm.vocab_, gamma=0.25, delta=4.0, key=5)
    marked = lm.sample(100, seed=0, watermark=wm, min_tokens=4)
    plain = lm.sample(100, seed=1, min_tokens=4)
    assert np.median(wm.z_scores(marked)) > 2.5
    assert (wm.z_scores(marked, pool=10) >= 4).mean() >= 0.9
    assert (wm.z_scores(plain, pool=10) >= 4).mean() == 0.0
    with pytest.raises(ValueError, match="watermark"):
        lm.sample(1, seed=0, watermark=GreenList(["x"], key=5))


def test_score_counts_distinct_pairs_and_pools():
    wm = GreenList(["a", "b"], gamma=0.5, key=3)
    assert wm.score("a b a b").n_tokens == 3  # (<s>,a) (a,b) (b,a); the second (a,b) counts once
    pooled = wm.score(["a b", "b a"])
    assert pooled.n_tokens == 4 and isinstance(pooled, WatermarkScore)
    assert wm.score("").n_tokens == 0 and wm.score("").z == 0.0
    assert len(wm.z_scores(["a"] * 25, pool=10)) == 2


def test_replace_words_and_hash_token():
    text = "one two three four five six seven eight nine ten"
    edited = replace_words(text, 0.3, seed=0, vocabulary=["X"])
    assert edited.split().count("X") == 3 and len(edited.split()) == 10
    assert replace_words(text, 0.0, seed=0, vocabulary=["X"]) == text
    assert hash_token("abc") == 440920331  # FNV-1a 32-bit, stable across processes


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="gamma"):
        GreenList(["a"], gamma=1.5)
    with pytest.raises(ValueError, match="delta"):
        GreenList(["a"], delta=-1)
    with pytest.raises(TypeError, match="key"):
        GreenList(["a"], key=None)
    with pytest.raises(TypeError, match="vocab"):
        GreenList("abc")
    with pytest.raises(ValueError, match="n_green"):
        z_score(5, 4, 0.25)
    with pytest.raises(ValueError, match="n_tokens"):
        z_score(0, 0, 0.25)
    with pytest.raises(ValueError, match="logp"):
        GreenList(["a", "b"]).bias(np.zeros(3), "a")
    with pytest.raises(ValueError, match="fraction"):
        replace_words("a b", 2.0, seed=0, vocabulary=["x"])


def test_longer_context_seeds_the_list_with_the_last_tokens():
    vocab = [f"t{i}" for i in range(300)]
    wm = GreenList(vocab, gamma=0.25, key=9, context=2)
    tokens = ["t1", "t2", "t3", "zz", "t1"]
    seeds, ids = wm._pairs(tokens)
    assert seeds.tolist() == [wm._seed_of([wm._id(t) for t in tokens[:i]]) for i in range(len(tokens))]
    # the list after (..., t2, t3) depends on both tokens, and equals the mask the generator used
    assert (wm.green_mask(["t2", "t3"]) != wm.green_mask(["t1", "t3"])).mean() > 0.2
    assert wm.is_green(tokens)[3] == wm._green(np.array([seeds[3]]), np.array([ids[3]]))[0]
    assert wm.green_mask(["t9", "t2", "t3"]).tolist() == wm.green_mask(["t2", "t3"]).tolist()
    rng = np.random.default_rng(1)
    z = np.array([wm.score(" ".join(rng.choice(vocab, 30))).z for _ in range(1500)])
    assert abs(z.mean()) < 0.12 and z.std() == pytest.approx(1.0, abs=0.08)
