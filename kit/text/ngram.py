"""Small n-gram language models over words or characters, smoothed, with seeded sampling.

An n-gram model predicts the next token from the ``order - 1`` tokens before it, from counts
in a training corpus. Unseen continuations get probability through interpolation with the
shorter contexts (Witten-Bell smoothing: a context seen ``c`` times with ``t`` distinct
continuations keeps weight ``c / (c + t)`` on its own counts, Chen & Goodman 1999). Sampling
draws one token at a time; a ``watermark`` (``kit.text.watermark.GreenList``) may bias each
step. These are the CPU-sized generators of notebook 18 (ethics-authorship): a bigram, a
trigram and a character model trained on a few thousand headlines.

Examples
--------
>>> lm = NGramLM(order=2).fit(["the cat sat", "the dog sat", "a cat ran"])
>>> round(float(lm.next_probs(["the"])[lm.index_["cat"]]), 3)
0.329
>>> lm.sample(2, seed=0)
['the cat', 'a ran sat']
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from kit._validate import check_choice, check_flag, check_range, check_seed, check_type

BOS, EOS = "<s>", "</s>"


def _texts(texts: Any, name: str = "texts") -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, Sequence) or not len(texts):
        raise TypeError(f"{name}: expected a non-empty list of strings, got {type(texts).__name__}")
    if not all(isinstance(t, str) for t in texts):
        raise TypeError(f"{name}: expected a list of strings; found a non-string item")
    return list(texts)


def tokenize(text: str, unit: str = "word") -> list[str]:
    """Split ``text`` into tokens: whitespace-separated words, or characters (``unit="char"``).

    >>> tokenize("Tesla shares rise"), tokenize("ab", unit="char")
    (['Tesla', 'shares', 'rise'], ['a', 'b'])
    """
    check_type(text, "text", str)
    check_choice(unit, "unit", ["word", "char"])
    return text.split() if unit == "word" else list(text)


def detokenize(tokens: Sequence[str], unit: str = "word") -> str:
    """Join tokens back into text (the inverse of ``tokenize`` on normalised text).

    >>> detokenize(["Tesla", "shares"]), detokenize(["a", "b"], unit="char")
    ('Tesla shares', 'ab')
    """
    check_choice(unit, "unit", ["word", "char"])
    if isinstance(tokens, str) or not isinstance(tokens, Sequence) or not all(isinstance(t, str) for t in tokens):
        raise TypeError(f"tokens: expected a list of strings, got {type(tokens).__name__}")
    return (" " if unit == "word" else "").join(tokens)


class NGramLM:
    """An interpolated (Witten-Bell) n-gram language model over words or characters.

    Parameters
    ----------
    order : int
        ``n``: the model conditions on the ``n - 1`` previous tokens (1 to 8).
    unit : {"word", "char"}
        What a token is.

    Attributes (after ``fit``)
    --------------------------
    vocab_ : list of str, length V
        The tokens the model can emit, sorted, ``"</s>"`` (end of text) included.
    index_ : dict
        token -> position in ``vocab_``.

    Examples
    --------
    >>> NGramLM(order=3, unit="char").fit(["abc", "abd"]).vocab_
    ['</s>', 'a', 'b', 'c', 'd']
    """

    def __init__(self, order: int = 2, *, unit: str = "word") -> None:
        self.order = int(check_range(order, "order", low=1, high=8, integer=True))
        self.unit = check_choice(unit, "unit", ["word", "char"])

    def __repr__(self) -> str:
        fitted = f", V={len(self.vocab_)}" if hasattr(self, "vocab_") else ""
        return f"NGramLM(order={self.order}, unit={self.unit!r}{fitted})"

    def fit(self, texts: Sequence[str]) -> NGramLM:
        """Count the n-grams of ``texts`` (a list of strings); returns the model.

        >>> NGramLM(order=2).fit(["a b", "a c"]).index_["b"]
        2
        """
        seqs = [tokenize(t, self.unit) for t in _texts(texts)]
        self.vocab_ = sorted({tok for s in seqs for tok in s} | {EOS})
        self.index_ = {tok: i for i, tok in enumerate(self.vocab_)}
        counts: list[dict[tuple, Counter]] = [defaultdict(Counter) for _ in range(self.order)]
        for s in seqs:
            padded = [BOS] * (self.order - 1) + s + [EOS]
            for i in range(self.order - 1, len(padded)):
                target = self.index_[padded[i]]
                for k in range(self.order):  # k tokens of context
                    counts[k][tuple(padded[i - k:i])][target] += 1
        V = len(self.vocab_)
        uni = np.zeros(V)
        for tok, c in counts[0][()].items():
            uni[tok] = c
        self._n_tokens = float(uni.sum())
        self._unigram = (uni + 1.0) / (uni.sum() + V)  # add-one at the bottom: every token possible
        # context -> (token ids, their counts, Witten-Bell weight, {id: count}, total count)
        self._tables = [{ctx: (np.fromiter(c.keys(), int), np.fromiter(c.values(), float),
                               c.total() / (c.total() + len(c)), dict(c), float(c.total()))
                         for ctx, c in counts[k].items()} for k in range(1, self.order)]
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "vocab_"):
            raise RuntimeError("NGramLM: call fit(texts) first")

    def next_probs(self, context: Sequence[str]) -> np.ndarray:
        """P(next token | the last ``order - 1`` tokens of ``context``), shape (V,), sums to 1.

        >>> lm = NGramLM(order=2).fit(["a b"])
        >>> lm.next_probs(["a"]).round(2).tolist()
        [0.17, 0.17, 0.67]
        """
        self._check_fitted()
        if isinstance(context, str) or not isinstance(context, Sequence):
            raise TypeError(f"context: expected a list of tokens, got {type(context).__name__}")
        ctx = [BOS] * (self.order - 1) + list(context)
        p = self._unigram.copy()
        for k in range(1, self.order):
            hit = self._tables[k - 1].get(tuple(ctx[len(ctx) - k:]))
            if hit is None:
                break  # a longer context cannot have been seen either
            ids, c, lam, _, total = hit
            p *= 1.0 - lam
            p[ids] += lam * c / total
        return p

    def sample(self, n: int, *, seed: int, temperature: float = 1.0, max_tokens: int = 40,
               min_tokens: int = 1, watermark: Any = None) -> list[str]:
        """Draw ``n`` texts, one token at a time, until ``"</s>"`` or ``max_tokens``.

        ``temperature`` < 1 sharpens the distribution (more common continuations). A
        ``watermark`` (``GreenList`` over this model's ``vocab_``) adds its ``delta`` to the
        log-probability of the green tokens of each step (Kirchenbauer et al. 2023).
        ``"</s>"`` is not allowed before ``min_tokens`` tokens.

        >>> lm = NGramLM(order=2).fit(["a b", "a c"])
        >>> lm.sample(1, seed=1, min_tokens=2)
        ['a c']
        """
        self._check_fitted()
        n = int(check_range(n, "n", low=1, high=10**6, integer=True))
        rng = np.random.default_rng(check_seed(seed))
        temperature = float(check_range(temperature, "temperature", low=1e-3, high=100))
        max_tokens = int(check_range(max_tokens, "max_tokens", low=1, high=10_000, integer=True))
        min_tokens = int(check_range(min_tokens, "min_tokens", low=0, high=max_tokens, integer=True))
        if watermark is not None and list(getattr(watermark, "vocab", [])) != self.vocab_:
            raise ValueError("watermark: expected a GreenList built over this model's vocab_")
        eos = self.index_[EOS]
        out = []
        for _ in range(n):
            toks: list[str] = []
            while len(toks) < max_tokens:
                p = self.next_probs(toks)
                if watermark is not None or temperature != 1.0:
                    logp = np.log(p) / temperature
                    if watermark is not None:
                        logp = watermark.bias(logp, toks)
                    p = np.exp(logp - logp.max())
                if len(toks) < min_tokens:
                    p[eos] = 0.0
                nxt = int(np.searchsorted(np.cumsum(p), rng.random() * p.sum(), side="right"))
                nxt = min(nxt, len(p) - 1)
                if nxt == eos:
                    break
                toks.append(self.vocab_[nxt])
            out.append(detokenize(toks, self.unit))
        return out

    def _prob(self, j: int | None, ctx: list[str]) -> float:
        """P(token id ``j`` | ``ctx``) without the full vector (``j=None``: an unknown token)."""
        if j is None:
            return 1.0 / (self._n_tokens + len(self.vocab_))  # as rare as an add-one unseen token
        p = float(self._unigram[j])
        for k in range(1, self.order):
            hit = self._tables[k - 1].get(tuple(ctx[len(ctx) - k:]))
            if hit is None:
                break
            _, _, lam, count, total = hit
            p = (1.0 - lam) * p + lam * count.get(j, 0) / total
        return p

    def log_prob(self, text: str, *, per_token: bool = False) -> float:
        """Natural-log probability of ``text`` (its tokens and the end token).

        ``per_token=True`` divides by the number of tokens scored (the end token included), so
        texts of different lengths compare. A token the model never saw gets the probability
        of an unseen token under add-one smoothing.

        >>> lm = NGramLM(order=2).fit(["a b"])
        >>> round(lm.log_prob("a b"), 3) == round(float(np.log(lm.next_probs([])[1] *
        ...     lm.next_probs(["a"])[2] * lm.next_probs(["a", "b"])[0])), 3)
        True
        """
        self._check_fitted()
        per_token = check_flag(per_token, "per_token")
        toks = tokenize(text, self.unit)
        ctx = [BOS] * (self.order - 1) + toks + [EOS]
        start = self.order - 1
        total = sum(np.log(self._prob(self.index_.get(tok), ctx[:start + i]))
                    for i, tok in enumerate(toks + [EOS]))
        return float(total / (len(toks) + 1) if per_token else total)
