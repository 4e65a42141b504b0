"""The lending loop: a credit model learns only from the loans it made (selective labels).

Lakkaraju, Kleinberg, Leskovec, Ludwig & Mullainathan (2017), "The selective labels
problem", KDD: a credit model approves applicants and only approved loans reveal whether they
are repaid; retrained on those outcomes alone, its picture of the applicants it rejects goes
wrong and stays wrong. The fixes: approve a random share ``explore`` of the rejected, and
weight every revealed outcome by the inverse of its probability of being revealed (Horvitz &
Thompson 1952). Taught in ``notebooks/14_monitoring-feedback-loops.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit._validate import as_array, check_range, same_length

__all__ = ["LendingResult", "lending_loop"]


@dataclass
class LendingResult:
    """One run of the lending loop.

    Attributes
    ----------
    frame : DataFrame, one row per round
        ``round``; ``lent`` and ``explored`` (loans made, of which random); ``profit`` per
        applicant of the round; measured on the held-out population after the round's retrain:
        ``auc``, ``pop_profit`` (profit per applicant if the model decided for everyone),
        ``rejected_pred`` and ``rejected_true`` (mean predicted and actual default rate of the
        applicants it rejects), ``rejected_gap`` (their difference), ``good_rejected`` (share
        of good payers turned away); ``monitored_bad_rate`` (default rate estimated from the
        labels seen so far, weighted when ``correct``) and ``true_bad_rate``.
    """

    feedback: str
    explore: float
    correct: bool
    frame: pd.DataFrame = field(repr=False)

    def last(self, column: str) -> float:
        """The value of ``column`` after the last round."""
        return float(self.frame[column].iloc[-1])

    def __repr__(self) -> str:
        return (f"LendingResult(feedback={self.feedback!r}, explore={self.explore:g}, "
                f"correct={self.correct}, rounds={len(self.frame)}, "
                f"rejected_gap={self.last('rejected_gap'):.3f}, pop_profit={self.last('pop_profit'):.3f})")


def lending_loop(X: np.ndarray, y: np.ndarray, *, feedback: str = "approved", explore: float = 0.0,
                 correct: bool = False, n_history: int = 100, rounds: int = 8, per_round: int = 350,
                 n_test: int = 1000, gain: float = 1.0, loss: float = 4.0, C: float = 1.0,
                 seed: int = 0) -> LendingResult:
    """Deploy a credit model, lend, learn only from the loans made, retrain, repeat.

    Applicants are shuffled by ``seed`` into a held-out population (``n_test``), a history
    whose outcomes are all known (``n_history``, the launch model's training set) and
    ``rounds`` batches of ``per_round`` applicants. Each round the serving logistic regression
    approves an applicant when its predicted default probability is below
    ``gain / (gain + loss)`` (the break-even point: a repaid loan earns ``gain``, a default
    loses ``loss``); a share ``explore`` of the rejected is approved at random. Then the
    outcomes of the loans made are revealed (``feedback="approved"``) or every outcome is
    (``"all"``, the reference that sees everything), and the model is refitted on all labels
    revealed so far, each weighted by ``1 / P(revealed)`` when ``correct``.

    Parameters
    ----------
    X : array (n, d), y : array (n,) with 1 = default
        E.g. from ``credit_features``.
    feedback : {"approved", "all"}
    explore : float in [0, 1]
        Probability that a rejected applicant is approved anyway.
    correct : bool
        Inverse-propensity weights (approved 1, explored ``1 / explore``); needs ``explore > 0``.
    seed : int
        Shuffle, exploration draws.

    Returns
    -------
    LendingResult

    Papers: Lakkaraju, Kleinberg, Leskovec, Ludwig & Mullainathan (2017), "The selective labels
    problem", KDD; Horvitz & Thompson (1952), JASA (inverse-probability weighting).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(900, 2)); y = (X[:, 0] + rng.normal(size=900) > 0.8).astype(int)
    >>> r = lending_loop(X, y, rounds=2, per_round=200, n_test=300)
    >>> r.frame["lent"].tolist() == [int(n) for n in r.frame["lent"]]
    True
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits

    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", ndim=1, dtype=None).astype(int)
    n = same_length(X=X, y=y)
    if feedback not in ("approved", "all"):
        raise ValueError(f"feedback: expected 'approved' or 'all', got {feedback!r}")
    check_range(explore, "explore", low=0.0, high=1.0)
    if correct and explore == 0 and feedback == "approved":
        raise ValueError("explore: the inverse-propensity correction needs explore > 0 "
                         "(a rejected applicant is never revealed, its weight would be infinite)")
    for name, v in (("n_history", n_history), ("rounds", rounds), ("per_round", per_round),
                    ("n_test", n_test)):
        check_range(v, name, low=1, integer=True)
    check_range(gain, "gain", low=1e-12)
    check_range(loss, "loss", low=1e-12)
    need = n_test + n_history + rounds * per_round
    if need > n:
        raise ValueError(f"X: expected at least n_test + n_history + rounds * per_round = {need} rows, got {n}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    test, hist = order[:n_test], order[n_test:n_test + n_history]
    pool = order[n_test + n_history:need]
    threshold = gain / (gain + loss)
    payoff = np.where(y == 0, gain, -loss)

    def fit(idx: np.ndarray, w: np.ndarray) -> LogisticRegression:
        # one BLAS thread: on a few thousand rows threads only fight (15x slower on 2 busy cores)
        with threadpool_limits(limits=1):
            return LogisticRegression(C=C, max_iter=2000).fit(X[idx], y[idx], sample_weight=w)

    seen, weights = [hist], [np.ones(n_history)]
    model = fit(hist, weights[0])
    rows = []
    for r in range(rounds):
        batch = pool[r * per_round:(r + 1) * per_round]
        approve = model.predict_proba(X[batch])[:, 1] < threshold
        explored = ~approve & (rng.random(len(batch)) < explore)
        lent = approve | explored
        if feedback == "all":
            shown, w = np.ones(len(batch), bool), np.ones(len(batch))
        else:
            shown = lent
            w = np.where(approve, 1.0, 1.0 / explore if correct else 1.0)
        seen.append(batch[shown])
        weights.append(w[shown])
        idx, wt = np.concatenate(seen), np.concatenate(weights)
        model = fit(idx, wt)
        p = model.predict_proba(X[test])[:, 1]
        rej = p >= threshold
        good = y[test] == 0
        rows.append({
            "round": r + 1, "lent": int(lent.sum()), "explored": int(explored.sum()),
            "profit": float(payoff[batch][lent].sum() / len(batch)),
            "auc": float(roc_auc_score(y[test], p)),
            "pop_profit": float(payoff[test][~rej].sum() / n_test),
            "rejected_pred": float(p[rej].mean()) if rej.any() else np.nan,
            "rejected_true": float(y[test][rej].mean()) if rej.any() else np.nan,
            "good_rejected": float((rej & good).sum() / good.sum()),
            "monitored_bad_rate": float(np.average(y[idx[n_history:]], weights=wt[n_history:])),
            "true_bad_rate": float(y[pool[:(r + 1) * per_round]].mean()),
        })
    frame = pd.DataFrame(rows)
    frame["rejected_gap"] = frame["rejected_pred"] - frame["rejected_true"]
    return LendingResult(feedback, float(explore), bool(correct), frame)
