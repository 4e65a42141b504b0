"""A green-list watermark for generated text, and its z-score detector (Kirchenbauer et al. 2023).

Before each token is drawn, a key and the previous token pick a pseudo-random "green" share
``gamma`` of the vocabulary; the generator adds ``delta`` to the log-probability of the green
tokens, so watermarked text holds more green tokens than chance. Anyone holding the key (not
the model) counts the green tokens ``g`` among ``T`` and computes
``z = (g - gamma T) / sqrt(T gamma (1 - gamma))``: about N(0, 1) on text written without the
key, large on watermarked text. Here a token is green when a keyed hash of the pair
(previous token, token) falls below ``gamma``: each token is green independently with
probability ``gamma``, the paper's scheme with a hash in place of a seeded permutation.
Taught in notebook 18 (ethics-authorship).

Examples
--------
>>> round(float(z_score(10, 12, 0.25)), 2)
4.67
>>> wm = GreenList(["</s>", "a", "b", "c"], gamma=0.5, delta=2.0, key=7)
>>> wm.score("a b c").n_tokens
3
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kit._validate import check_choice, check_range, check_seed, check_type
from kit.text.ngram import BOS, _texts, detokenize, tokenize

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


_MASK = 2**64 - 1


def _mix_int(x: int) -> int:
    """``_mix`` on one Python int (the same numbers, without numpy's per-call cost)."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on a uint64 array (wraps around; no global state)."""
    x = (x + _GOLDEN).astype(np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _counts(x: Any, name: str) -> np.ndarray:
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name}: expected a count or an array of counts, got {type(x).__name__}")
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a count or an array of counts, got {type(x).__name__}") from None


def z_score(n_green: Any, n_tokens: Any, gamma: float) -> np.ndarray | float:
    """The one-proportion z-statistic of ``n_green`` green tokens among ``n_tokens``.

    ``z = (g - gamma T) / sqrt(T gamma (1 - gamma))`` (Kirchenbauer et al. 2023, eq. 2).
    Arrays broadcast; ``n_tokens`` must be >= 1 and ``0 <= n_green <= n_tokens``.

    >>> z_score(3, 12, 0.25)
    0.0
    """
    g, t = _counts(n_green, "n_green"), _counts(n_tokens, "n_tokens")
    try:
        g, t = np.broadcast_arrays(g, t)
    except ValueError:
        raise ValueError(f"n_tokens: expected a shape that broadcasts with n_green's {g.shape}, got {t.shape}") from None
    gamma = float(check_range(gamma, "gamma", low=1e-6, high=1 - 1e-6))
    if not np.all(np.isfinite(t)) or np.any(t < 1):
        raise ValueError("n_tokens: expected counts >= 1")
    if not np.all(np.isfinite(g)) or np.any(g < 0) or np.any(g > t):
        raise ValueError("n_green: expected counts between 0 and n_tokens")
    z = (g - gamma * t) / np.sqrt(t * gamma * (1 - gamma))
    return float(z) if z.ndim == 0 else z


@dataclass(frozen=True)
class WatermarkScore:
    """One text's detection result: green tokens, scored tokens, z-score.

    >>> WatermarkScore(9, 12, 4.0)
    WatermarkScore(n_green=9, n_tokens=12, z=4.0)
    """

    n_green: int
    n_tokens: int
    z: float


class GreenList:
    """The keyed green list: biases a generator (``bias``) and scores a text (``score``).

    Parameters
    ----------
    vocab : list of str, length V
        The generator's tokens (``NGramLM.vocab_``); tokens outside it still get a colour.
    gamma : float in (0, 1)
        Share of the vocabulary that is green at each step.
    delta : float >= 0
        Added to a green token's log-probability while generating (0: no watermark).
    key : int
        The secret: without it, green and red cannot be told apart.
    unit : {"word", "char"}
        How ``score`` splits a text into tokens.
    context : int
        How many previous tokens pick the green list (1: the previous token, as in the paper's
        main scheme). Characters need more: after one character, few lists exist, and a
        generator reuses the same few green pairs, which count once.

    Examples
    --------
    >>> GreenList(["</s>", "a"], gamma=0.25, delta=2.0, key=1)
    GreenList(V=2, gamma=0.25, delta=2.0, unit='word', context=1)
    """

    def __init__(self, vocab: Sequence[str], *, gamma: float = 0.25, delta: float = 2.0, key: int = 0,
                 unit: str = "word", context: int = 1) -> None:
        self.vocab = tuple(_texts(vocab, "vocab"))
        self.gamma = float(check_range(gamma, "gamma", low=1e-3, high=0.999))
        self.delta = float(check_range(delta, "delta", low=0, high=50))
        self._key = np.uint64(check_seed(key, "key"))
        self.unit = check_choice(unit, "unit", ["word", "char"])
        self.context = int(check_range(context, "context", low=1, high=16, integer=True))
        self._index = {tok: i for i, tok in enumerate(self.vocab)}
        self._ids = np.arange(len(self.vocab), dtype=np.uint64)

    def __repr__(self) -> str:
        return (f"GreenList(V={len(self.vocab)}, gamma={self.gamma}, delta={self.delta}, unit={self.unit!r}, "
                f"context={self.context})")

    def _id(self, token: str) -> int:
        # BOS and unknown tokens get ids past the vocabulary, the same for everyone holding the key
        return self._index.get(token, len(self.vocab) + (0 if token == BOS else 1 + hash_token(token)))

    def _seed_of(self, before: Sequence[int]) -> int:
        """The keyed hash of the last ``context`` token ids (padded with the start id)."""
        h = int(self._key)
        for i in [len(self.vocab)] * max(0, self.context - len(before)) + list(before[-self.context:]):
            h = _mix_int(h ^ i)
        return h

    def _green(self, seeds: np.ndarray, tok: np.ndarray) -> np.ndarray:
        h = _mix(np.asarray(seeds, dtype=np.uint64) ^ np.asarray(tok, dtype=np.uint64))
        return (h >> np.uint64(11)).astype(float) / 2.0**53 < self.gamma

    def _before(self, prev_tokens: str | Sequence[str], name: str) -> list[int]:
        if isinstance(prev_tokens, str):
            prev_tokens = [prev_tokens]
        if not isinstance(prev_tokens, Sequence) or not all(isinstance(t, str) for t in prev_tokens):
            raise TypeError(f"{name}: expected a token or a list of the tokens so far, got {type(prev_tokens).__name__}")
        return [self._id(t) for t in prev_tokens if t != BOS]

    def green_mask(self, prev_tokens: str | Sequence[str]) -> np.ndarray:
        """Which of the V tokens are green after ``prev_tokens`` (a token, or the tokens so far).

        Returns a bool array (V,); only the last ``context`` tokens matter.

        >>> GreenList(["a", "b", "c", "d"], gamma=0.5, key=3).green_mask("a").tolist()
        [False, False, True, False]
        """
        seed = self._seed_of(self._before(prev_tokens, "prev_tokens"))
        return self._green(np.full(len(self.vocab), seed, dtype=np.uint64), self._ids)

    def bias(self, logp: np.ndarray, prev_tokens: str | Sequence[str]) -> np.ndarray:
        """``logp`` (V,) with ``delta`` added to the green tokens after ``prev_tokens``.

        >>> GreenList(["a", "b", "c", "d"], gamma=0.5, delta=1.0, key=3).bias(np.zeros(4), "a").tolist()
        [0.0, 0.0, 1.0, 0.0]
        """
        logp = _counts(logp, "logp")
        if logp.shape != (len(self.vocab),):
            raise ValueError(f"logp: expected shape ({len(self.vocab)},), got {logp.shape}")
        if np.isnan(logp).any() or np.isposinf(logp).any():
            raise ValueError("logp: expected log-probabilities (finite, or -inf for an impossible token)")
        return logp + self.delta * self.green_mask(prev_tokens)

    def _pairs(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(context seed, token id) of every token: two uint64 arrays, ``_seed_of`` vectorised."""
        n = len(tokens)
        ids = np.array([len(self.vocab)] * self.context + [self._id(t) for t in tokens], dtype=np.uint64)
        seeds = np.full(n, self._key, dtype=np.uint64)
        for j in range(self.context):
            seeds = _mix(seeds ^ ids[j:j + n])
        return seeds, ids[self.context:]

    def is_green(self, tokens: Sequence[str]) -> np.ndarray:
        """For each token, is it green given the tokens before it (the first: given the start)?

        >>> GreenList(["a", "b"], gamma=0.999, key=0).is_green(["a", "b", "zz"]).tolist()
        [True, True, True]
        """
        if isinstance(tokens, str) or not isinstance(tokens, Sequence) or \
                not all(isinstance(t, str) for t in tokens):
            raise TypeError(f"tokens: expected a list of tokens (strings), got {type(tokens).__name__}")
        return self._green(*self._pairs(tokens))

    def score(self, text: str | Sequence[str]) -> WatermarkScore:
        """Count green tokens in ``text`` (or in a list of texts, pooled) and return the z-score.

        Each distinct (context, token) pair counts once: a repeated pair would repeat its
        colour, and the counts would no longer be independent draws (character pairs such as
        "th" repeat in every sentence). Without the key, every distinct pair is green with
        probability ``gamma``, independently, so ``n_green`` is Binomial(``n_tokens``,
        ``gamma``) exactly. Pooling several texts from one source adds up the evidence. No
        token gives ``n_tokens=0`` and ``z=0``.

        >>> wm = GreenList(["</s>", "a", "b", "c"], gamma=0.5, key=7)
        >>> s = wm.score("a b c"); s.z == z_score(s.n_green, 3, 0.5)
        True
        >>> wm.score(["a b", "a b"]).n_tokens
        2
        """
        texts = [text] if isinstance(text, str) else _texts(text, "text")
        pairs = set()
        for t in texts:
            seeds, ids = self._pairs(tokenize(t, self.unit))
            pairs.update(zip(seeds.tolist(), ids.tolist()))
        if not pairs:
            return WatermarkScore(0, 0, 0.0)
        seeds, tok = np.array(sorted(pairs), dtype=np.uint64).T
        green = int(self._green(seeds, tok).sum())
        return WatermarkScore(green, len(pairs), float(z_score(green, len(pairs), self.gamma)))

    def z_scores(self, texts: Sequence[str], *, pool: int = 1) -> np.ndarray:
        """z-score of every text (``pool=k``: of every run of ``k`` consecutive texts, pooled).

        A trailing run shorter than ``pool`` is dropped. Returns float array (len(texts) // pool,).

        >>> GreenList(["a"], key=1).z_scores(["a", "a a", "a"], pool=2).shape
        (1,)
        """
        texts = _texts(texts)
        pool = int(check_range(pool, "pool", low=1, high=max(1, len(texts)), integer=True))
        return np.array([self.score(texts[i:i + pool]).z for i in range(0, len(texts) - pool + 1, pool)])


def hash_token(token: str) -> int:
    """A stable (not salted per process, unlike ``hash``) 32-bit hash of a string.

    >>> hash_token("abc") == hash_token("abc")
    True
    """
    check_type(token, "token", str)
    h = 2166136261
    for b in token.encode("utf-8"):  # FNV-1a
        h = ((h ^ b) * 16777619) % 2**32
    return h


def replace_words(text: str, fraction: float, *, seed: int, vocabulary: Sequence[str]) -> str:
    """An edit attack: replace ``round(fraction * n)`` of the ``n`` words by words of ``vocabulary``.

    Which words and what replaces them are drawn from ``seed``. Each replaced word can
    turn its own token and the next one's colour (the next token's green list changes).

    >>> replace_words("a b c d", 0.5, seed=0, vocabulary=["x"])
    'a b x x'
    """
    check_type(text, "text", str)
    fraction = float(check_range(fraction, "fraction", low=0, high=1))
    rng = np.random.default_rng(check_seed(seed))
    vocabulary = _texts(vocabulary, "vocabulary")
    words = text.split()
    k = int(round(fraction * len(words)))
    for i in rng.choice(len(words), size=k, replace=False) if k else []:
        words[i] = vocabulary[rng.integers(len(vocabulary))]
    return detokenize(words)
