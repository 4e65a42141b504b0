"""A model that keeps learning from its users' submissions, the users who poison it, and the
gates that decide which submissions it learns from.

Tay, Microsoft's 2016 chatbot, learned from what users wrote to it; a coordinated group taught
it to repeat offensive phrases within hours. Here the learner is refitted every simulated hour
on its trusted corpus plus every submission it accepted so far, and three gates decide what it
accepts: a per-user rate limit, a duplicate filter (sanitisation), and a quarantine that holds
back an hour's batch when a two-sample test (``kit.shift.twosample.ks_test``) says the batch
does not look like trusted data.

Papers
------
- Paleyes, Urma & Lawrence (2022), "Challenges in deploying machine learning", ACM Computing
  Surveys, section on security (data poisoning; Tay).
- Biggio, Nelson & Laskov (2012), "Poisoning attacks against support vector machines", ICML.
- Rabanser, Guennemann & Lipton (2019), "Failing loudly", NeurIPS (two-sample tests on batches).

Taught in ``casestudies/cs02_tay-poisoning.ipynb``.

Examples
--------
>>> rate_limit(["a", "a", "a", "b"], [0, 0, 1, 0], cap=1).tolist()
[True, False, True, True]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, check_callable, check_range, check_seed, check_type, same_length
from kit.shift.twosample import ks_test

__all__ = ["completion_prob", "first_copies", "flood", "learn_online", "quarantine", "rate_limit"]


def rate_limit(users: Any, hours: Any, *, cap: int) -> np.ndarray:
    """Accept at most ``cap`` submissions per user per hour, first come first served.

    Parameters
    ----------
    users : array (n,)
        Who sent each submission (any hashable ids). ``hours`` (n,): when (integers).
    cap : int
        Submissions a user may make in one hour (>= 1).

    Returns
    -------
    keep : bool array (n,)

    Paper: Paleyes et al. (2022), security section (Tay was steered by a few very active users).
    Taught in ``casestudies/cs02_tay-poisoning.ipynb``.

    >>> rate_limit([1, 1, 1, 2], [5, 5, 5, 5], cap=2).tolist()
    [True, True, False, True]
    """
    users = as_array(users, "users", ndim=1, dtype=None)
    hours = as_array(hours, "hours", ndim=1, dtype=None)
    same_length(users=users, hours=hours)
    cap = int(check_range(cap, "cap", low=1, integer=True))
    seen: Counter = Counter()
    keep = np.zeros(len(users), bool)
    for i, key in enumerate(zip(users.tolist(), hours.tolist())):
        seen[key] += 1
        keep[i] = seen[key] <= cap
    return keep


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def first_copies(texts: Sequence[str]) -> np.ndarray:
    """Sanitise by dropping repeats: keep a submission only if no earlier one had the same text.

    Texts are compared after lower-casing and keeping only letters and digits, so a copy with
    other punctuation or capitals is still a copy. Coordinated users who paste the same phrase
    get it learned once; a paraphrase is a new text and passes (a limit of this filter).

    Parameters
    ----------
    texts : list of str, length n, in arrival order

    Returns
    -------
    keep : bool array (n,)

    Taught in ``casestudies/cs02_tay-poisoning.ipynb``.

    >>> first_copies(["Tay is great", "tay is GREAT!", "Tay is bad"]).tolist()
    [True, False, True]
    """
    if isinstance(texts, str) or not isinstance(texts, Sequence) or not all(isinstance(t, str) for t in texts):
        raise TypeError(f"texts: expected a list of strings, got {type(texts).__name__}")
    seen: set[str] = set()
    keep = np.zeros(len(texts), bool)
    for i, t in enumerate(texts):
        key = _normalise(t)
        keep[i] = key not in seen
        seen.add(key)
    return keep


def quarantine(reference: Any, features: Any, hours: Any, *, alpha: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Hold back every hour's batch whose features a two-sample KS test tells from the reference.

    Each hour's rows are compared with ``reference`` (features of trusted data the model did
    not see in training) by ``kit.shift.twosample.ks_test`` (one test per feature, Holm
    corrected); a batch that drifts is quarantined: none of its rows is learned.

    Parameters
    ----------
    reference : array (m, d)
        Features of trusted, held-out data (e.g. per-token log-likelihood and length).
    features : array (n, d)
        The same features of each submission. ``hours`` (n,): each submission's hour.
    alpha : float
        Family-wise false-alarm rate of each hour's test, in (0, 1).

    Returns
    -------
    keep : bool array (n,)
        False for the rows of quarantined hours.
    flagged : array
        The quarantined hours, sorted.

    Paper: Rabanser, Guennemann & Lipton (2019), "Failing loudly", NeurIPS.
    Taught in ``casestudies/cs02_tay-poisoning.ipynb``.

    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=(300, 1)); cur = rng.normal(size=(200, 1)); cur[100:] += 2
    >>> keep, flagged = quarantine(ref, cur, np.repeat([0, 1], 100))
    >>> flagged.tolist(), int(keep.sum())
    ([1], 100)
    """
    ref = as_array(reference, "reference", ndim=2)
    X = as_array(features, "features", ndim=2)
    hours = as_array(hours, "hours", ndim=1, dtype=None)
    same_length(features=X, hours=hours)
    if X.shape[1] != ref.shape[1]:
        raise ValueError(f"features: expected {ref.shape[1]} columns like reference, got {X.shape[1]}")
    alpha = float(check_range(alpha, "alpha", low=1e-9, high=1 - 1e-9))
    flagged = [h for h in np.unique(hours) if ks_test(ref, X[hours == h], alpha=alpha).drift]
    return ~np.isin(hours, flagged), np.asarray(flagged)


def flood(phrases: Sequence[str], *, users: Sequence[Any], per_hour: int, hours: Sequence[int],
          seed: int) -> pd.DataFrame:
    """A coordinated attack: each attacking user sends ``per_hour`` of the phrases every hour.

    Parameters
    ----------
    phrases : list of str
        What the attackers want the model to say (each submission picks one at random).
    users : list of ids
        The attacking accounts. ``hours``: the hours they are active.
    per_hour : int
        Submissions per attacker per hour (>= 1).
    seed : int

    Returns
    -------
    DataFrame with columns ``text``, ``user``, ``hour`` (len(users) * per_hour rows per hour).

    Paper: Paleyes et al. (2022), security section (Tay). Taught in
    ``casestudies/cs02_tay-poisoning.ipynb``.

    >>> flood(["x y"], users=["m1", "m2"], per_hour=1, hours=[3], seed=0)["user"].tolist()
    ['m1', 'm2']
    """
    if isinstance(phrases, str) or not isinstance(phrases, Sequence) or not phrases or \
            not all(isinstance(p, str) for p in phrases):
        raise TypeError(f"phrases: expected a non-empty list of strings, got {type(phrases).__name__}")
    if isinstance(users, str) or not isinstance(users, Sequence) or not users:
        raise TypeError(f"users: expected a non-empty list of ids, got {type(users).__name__}")
    if isinstance(hours, str) or not isinstance(hours, Sequence | np.ndarray):
        raise TypeError(f"hours: expected a non-empty list of integers, got {type(hours).__name__}")
    hours = as_array(hours, "hours", ndim=1)
    if (hours != np.round(hours)).any():
        raise ValueError("hours: expected whole numbers (hour indices)")
    per_hour = int(check_range(per_hour, "per_hour", low=1, high=10_000, integer=True))
    rng = np.random.default_rng(check_seed(seed))
    hour = np.repeat(hours.astype(int), len(users) * per_hour)
    user = np.tile(np.repeat(np.asarray(users, dtype=object), per_hour), len(hours))
    text = np.asarray(phrases, dtype=object)[rng.integers(0, len(phrases), size=len(hour))]
    return pd.DataFrame({"text": text.tolist(), "user": user.tolist(), "hour": hour})


def completion_prob(lm: Any, prompt: str, continuation: str) -> float:
    """P(the model continues ``prompt`` with exactly ``continuation`` and then stops).

    The product of the model's next-token probabilities along the continuation, its end
    token included: the share of the model's sampled replies to ``prompt`` that are exactly
    ``continuation``.

    Parameters
    ----------
    lm : fitted ``kit.text.ngram.NGramLM`` (word units)
    prompt, continuation : str

    Taught in ``casestudies/cs02_tay-poisoning.ipynb``.

    >>> from kit.text.ngram import NGramLM
    >>> lm = NGramLM(order=2).fit(["a b", "a c"])
    >>> round(completion_prob(lm, "a", "b") / completion_prob(lm, "a", "c"), 6)
    1.0
    """
    check_type(prompt, "prompt", str)
    check_type(continuation, "continuation", str)
    if not hasattr(lm, "next_probs") or not hasattr(lm, "index_"):
        raise TypeError(f"lm: expected a fitted NGramLM, got {type(lm).__name__}")
    toks, nxt = prompt.split(), continuation.split() + ["</s>"]
    p = 1.0
    for tok in nxt:
        j = lm.index_.get(tok)
        if j is None:
            return 0.0
        p *= float(lm.next_probs(toks)[j])
        toks.append(tok)
    return p


def learn_online(fit: Callable[[list[str]], Any], trusted: Sequence[str], texts: Sequence[str], hours: Any,
                 keep: Any, probe: Callable[[Any], float], *, every: int = 1) -> tuple[pd.DataFrame, Any]:
    """Refit the model each hour on the trusted corpus plus every accepted submission so far.

    Parameters
    ----------
    fit : callable list[str] -> fitted model
        E.g. ``lambda t: NGramLM(order=3).fit(t)``.
    trusted : list of str
        The corpus the deployed model was trained on.
    texts : list of str, length n ; hours : array (n,) ; keep : bool array (n,)
        The submissions, their hours and which the gates accepted.
    probe : callable model -> float
        Measured on the model that serves after each refit (e.g. ``completion_prob``).
    every : int
        Refit every ``every`` hours (and after the last one).

    Returns
    -------
    (DataFrame with columns ``hour``, ``learned`` (accepted rows so far), ``probe``; final model)

    Taught in ``casestudies/cs02_tay-poisoning.ipynb``.

    >>> from kit.text.ngram import NGramLM
    >>> frame, lm = learn_online(lambda t: NGramLM(2).fit(t), ["a b"], ["a c", "a c"], [0, 1],
    ...                          [True, True], lambda m: completion_prob(m, "a", "c"))
    >>> frame["probe"].round(2).tolist()
    [0.23, 0.38]
    """
    check_callable(fit, "fit")
    check_callable(probe, "probe")
    if isinstance(trusted, str) or not isinstance(trusted, Sequence):
        raise TypeError(f"trusted: expected a list of strings, got {type(trusted).__name__}")
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise TypeError(f"texts: expected a list of strings, got {type(texts).__name__}")
    hours = as_array(hours, "hours", ndim=1, dtype=None)
    keep = as_array(keep, "keep", ndim=1, dtype=None)
    if keep.dtype != bool:
        raise TypeError(f"keep: expected a boolean mask, got dtype {keep.dtype}")
    same_length(texts=np.empty(len(texts)), hours=hours, keep=keep)
    every = int(check_range(every, "every", low=1, integer=True))
    steps = np.unique(hours)
    rows, model = [], None
    for i, h in enumerate(steps):
        if i % every and i != len(steps) - 1:
            continue
        take = np.flatnonzero(keep & (hours <= h))
        model = fit(list(trusted) + [texts[j] for j in take])
        rows.append({"hour": h, "learned": len(take), "probe": float(probe(model))})
    return pd.DataFrame(rows), model
