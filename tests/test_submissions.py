"""Tests for kit.security.submissions: the gates in front of an online learner."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kit.security.submissions import (
    completion_prob,
    first_copies,
    flood,
    learn_online,
    quarantine,
    rate_limit,
)
from kit.text.ngram import NGramLM


def test_rate_limit_caps_each_user_each_hour_first_come():
    users = ["a", "a", "a", "b", "a", "a"]
    hours = [0, 0, 0, 0, 1, 1]
    assert rate_limit(users, hours, cap=2).tolist() == [True, True, False, True, True, True]
    assert rate_limit(users, hours, cap=10).all()


def test_rate_limit_agrees_with_pandas_cumcount():
    rng = np.random.default_rng(0)
    users, hours = rng.integers(0, 5, 300), np.sort(rng.integers(0, 6, 300))
    expected = pd.DataFrame({"u": users, "h": hours}).groupby(["u", "h"]).cumcount().to_numpy() < 3
    assert (rate_limit(users, hours, cap=3) == expected).all()


@pytest.mark.parametrize("kwargs, match", [(dict(users=[1, 2], hours=[0], cap=1), "hours"),
                                           (dict(users=[1], hours=[0], cap=0), "cap")])
def test_rate_limit_rejects_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        rate_limit(**kwargs)


def test_first_copies_normalises_case_and_punctuation():
    keep = first_copies(["Tay is great", "TAY is great!!", "Tay, is great", "Tay is not great"])
    assert keep.tolist() == [True, False, False, True]
    with pytest.raises(TypeError, match="texts"):
        first_copies("one string")


def test_quarantine_flags_only_the_shifted_hours_and_keeps_the_others():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(400, 2))
    cur = rng.normal(size=(600, 2))
    hours = np.repeat(np.arange(6), 100)
    cur[hours == 4, 1] += 1.5
    keep, flagged = quarantine(ref, cur, hours, alpha=0.01)
    assert flagged.tolist() == [4]
    assert (keep == (hours != 4)).all()


def test_quarantine_uses_the_ks_test_of_scipy():
    rng = np.random.default_rng(2)
    ref, cur = rng.normal(size=(200, 1)), rng.normal(0.3, 1, size=(80, 1))
    p = stats.ks_2samp(ref[:, 0], cur[:, 0]).pvalue
    _, flagged = quarantine(ref, cur, np.zeros(80, int), alpha=0.05)
    assert (len(flagged) == 1) == (p < 0.05)


def test_quarantine_rejects_mismatched_columns():
    with pytest.raises(ValueError, match="features"):
        quarantine(np.zeros((5, 2)), np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="alpha"):
        quarantine(np.zeros((5, 1)), np.zeros((5, 1)), np.zeros(5), alpha=1.5)


def test_flood_sends_per_hour_copies_from_each_account():
    f = flood(["x y", "x z"], users=["m1", "m2", "m3"], per_hour=2, hours=[4, 5], seed=0)
    assert len(f) == 12
    assert f.groupby(["user", "hour"]).size().eq(2).all()
    assert set(f["text"]) <= {"x y", "x z"}
    with pytest.raises(TypeError, match="phrases"):
        flood("x y", users=["m1"], per_hour=1, hours=[0], seed=0)


def test_completion_prob_is_the_chain_of_next_token_probabilities():
    lm = NGramLM(order=3).fit(["a b c", "a b d", "a c"])
    p = completion_prob(lm, "a", "b c")
    expected = lm.next_probs(["a"])[lm.index_["b"]] * lm.next_probs(["a", "b"])[lm.index_["c"]] \
        * lm.next_probs(["a", "b", "c"])[lm.index_["</s>"]]
    assert p == pytest.approx(expected)
    # the probabilities of every one-token completion sum to 1 with the continuations it leaves out
    total = sum(completion_prob(lm, "a", w) for w in lm.vocab_ if w != "</s>")
    assert 0 < total < 1
    assert completion_prob(lm, "a", "unknown") == 0.0


def test_learn_online_refits_on_accepted_rows_only():
    fit = lambda t: NGramLM(order=2).fit(t)  # noqa: E731
    probe = lambda m: completion_prob(m, "a", "z")  # noqa: E731
    texts, hours = ["a z", "a z", "a y", "a y"], np.array([0, 0, 1, 1])
    frame, _ = learn_online(fit, ["a b"], texts, hours, np.array([False, False, True, True]), probe)
    assert frame["probe"].eq(0).all() and frame["learned"].tolist() == [0, 2]
    frame, _ = learn_online(fit, ["a b"], texts, hours, np.ones(4, bool), probe)
    assert frame["probe"].iloc[0] > frame["probe"].iloc[1] > 0   # more "a y" dilutes "a z"
    frame, _ = learn_online(fit, ["a b"], texts * 2, np.arange(8), np.ones(8, bool), probe, every=3)
    assert frame["hour"].tolist() == [0, 3, 6, 7]
    with pytest.raises(TypeError, match="keep"):
        learn_online(fit, ["a b"], texts, hours, np.ones(4), probe)
