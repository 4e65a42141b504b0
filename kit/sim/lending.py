"""The lending loop: a credit model learns only from the loans it made (selective labels).

Lakkaraju, Kleinberg, Leskovec, Ludwig & Mullainathan (2017), "The selective labels
problem", KDD: a credit model approves applicants and only approved loans reveal whether they
are repaid; retrained on those outcomes alone, its picture of the applicants it rejects goes
wrong and stays wrong. The fixes: approve a random share ``explore`` of the rejected, and
weight every revealed outcome by the inverse of its probability of being revealed (Horvitz &
Thompson 1952).

The loop itself is ``kit.sim.replay`` (deploy, score a round, see some labels, refit); this
module holds only what is lending: the reveal rule (``ApproveExplore``), what a lender
measures on the whole population (``population_metrics``), and ``lending_loop``, which shuffles
applicants into a history, rounds and a held-out population and runs the replay. Taught in
``notebooks/14_monitoring-feedback-loops.ipynb``.

Examples
--------
>>> rule = ApproveExplore(0.2, explore=0.5, correct=True)
>>> lent, p = rule(np.array([0.1, 0.9, 0.9, 0.9]), None, np.random.default_rng(3))
>>> lent.tolist(), p.tolist()        # the first approved; one of the rejected explored
([True, True, False, False], [1.0, 0.5, 0.5, 0.5])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from kit._validate import (
    as_array,
    as_binary,
    check_flag,
    check_range,
    check_seed,
    check_type,
    same_length,
)
from kit.sim.policies import Periodic
from kit.sim.replay import ReplayResult, replay

__all__ = ["ApproveExplore", "population_metrics", "LendingResult", "lending_loop"]


class ApproveExplore:
    """The lender's reveal rule: lend below a default-probability threshold, plus random loans.

    An applicant is approved when the model's P(default) is below ``threshold``; a rejected
    applicant gets a loan anyway with probability ``explore``. Only the loans made reveal an
    outcome. With ``correct`` the rule also reports each loan's probability of having been
    made (1 approved, ``explore`` explored), so ``replay`` weights its outcome by ``1 / p``;
    without it, a bare mask: every outcome counts once.

    Parameters
    ----------
    threshold : float in (0, 1)
        E.g. ``gain / (gain + loss)``, the break-even default probability.
    explore : float in [0, 1]
    correct : bool
        Report propensities (inverse-propensity weights); needs ``explore > 0``.

    Examples
    --------
    >>> ApproveExplore(0.2)(np.array([0.1, 0.3]), None, np.random.default_rng(0)).tolist()
    [True, False]
    """

    def __init__(self, threshold: float, *, explore: float = 0.0, correct: bool = False) -> None:
        self.threshold = check_range(threshold, "threshold", low=1e-12, high=1 - 1e-12)
        self.explore = check_range(explore, "explore", low=0.0, high=1.0)
        correct = check_flag(correct, "correct")
        if correct and explore == 0:
            raise ValueError("explore: the inverse-propensity correction needs explore > 0 "
                             "(a rejected applicant is never revealed, its weight would be infinite)")
        self.correct = bool(correct)

    def __call__(self, y_score: np.ndarray, y_true: object,
                 rng: np.random.Generator) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        approve = as_array(y_score, "y_score", ndim=1, min_rows=0) < self.threshold
        check_type(rng, "rng", np.random.Generator, what="a numpy Generator")
        explored = ~approve & (rng.random(len(approve)) < self.explore)
        if not self.correct:
            return approve | explored
        return approve | explored, np.where(approve, 1.0, self.explore)

    def __repr__(self) -> str:
        return f"ApproveExplore(threshold={self.threshold:g}, explore={self.explore:g}, correct={self.correct})"


def population_metrics(*, gain: float = 1.0, loss: float = 4.0) -> dict[str, Callable[..., float]]:
    """What the lender's model does to a whole population: ``replay``'s ``holdout_metrics``.

    Each is ``f(y_true, y_score)`` with ``y_true`` 1 = default and ``y_score`` P(default); an
    applicant is rejected when ``y_score >= gain / (gain + loss)``.

    Returns
    -------
    dict name -> callable
        ``auc``; ``pop_profit`` (profit per applicant if the model decided for everyone: a
        repaid loan earns ``gain``, a default loses ``loss``); ``rejected_pred`` and
        ``rejected_true`` (mean predicted and actual default rate of the rejected; NaN when
        none is); ``good_rejected`` (share of good payers turned away).

    Examples
    --------
    >>> m = population_metrics(gain=1, loss=4)
    >>> y_true, y_score = np.array([0, 0, 1, 1]), np.array([0.1, 0.5, 0.1, 0.7])
    >>> {k: round(f(y_true, y_score), 2) for k, f in m.items()}
    {'auc': 0.62, 'pop_profit': -0.75, 'rejected_pred': 0.6, 'rejected_true': 0.5, 'good_rejected': 0.5}
    """
    from sklearn.metrics import roc_auc_score

    check_range(gain, "gain", low=1e-12, high=1e12)
    check_range(loss, "loss", low=1e-12, high=1e12)
    threshold = gain / (gain + loss)

    def pop_profit(y_true: np.ndarray, y_score: np.ndarray) -> float:
        lent = y_score < threshold
        return float(np.where(y_true[lent] == 0, gain, -loss).sum() / len(y_true))

    def rejected_pred(y_true: np.ndarray, y_score: np.ndarray) -> float:
        rej = y_score >= threshold
        return float(y_score[rej].mean()) if rej.any() else np.nan

    def rejected_true(y_true: np.ndarray, y_score: np.ndarray) -> float:
        rej = y_score >= threshold
        return float(y_true[rej].mean()) if rej.any() else np.nan

    def good_rejected(y_true: np.ndarray, y_score: np.ndarray) -> float:
        good = y_true == 0
        return float((good & (y_score >= threshold)).sum() / good.sum())

    return {"auc": roc_auc_score, "pop_profit": pop_profit, "rejected_pred": rejected_pred,
            "rejected_true": rejected_true, "good_rejected": good_rejected}


@dataclass
class LendingResult:
    """One run of the lending loop.

    Attributes
    ----------
    frame : DataFrame, one row per round
        ``round``; ``lent`` and ``explored`` (loans made, of which random); ``profit`` per
        applicant of the round; the ``population_metrics`` on the held-out population after
        the round's retrain; ``monitored_bad_rate`` (default rate estimated from the labels
        seen so far, each weighted ``1 / propensity``) and ``true_bad_rate`` (of every
        applicant so far); ``rejected_gap`` = ``rejected_pred - rejected_true`` (NaN, like
        them, after a round whose model rejects no one on the held-out population).
    run : ReplayResult
        The replay itself; ``run.log`` holds every applicant's score, outcome, whether it
        was seen and its propensity.

    Examples
    --------
    >>> f = pd.DataFrame({"round": [1, 2], "rejected_gap": [0.1, 0.05], "pop_profit": [0.2, 0.3]})
    >>> LendingResult("approved", 0.0, False, f).last("rejected_gap")
    0.05
    """

    feedback: str
    explore: float
    correct: bool
    frame: pd.DataFrame = field(repr=False)
    run: ReplayResult | None = field(default=None, repr=False)

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
    ``rounds`` batches of ``per_round`` applicants. Then ``kit.sim.replay`` runs the loop: the
    serving logistic regression decides a round by ``ApproveExplore`` (threshold
    ``gain / (gain + loss)``, the break-even point); the outcomes of the loans made are
    revealed (``feedback="approved"``), or every outcome is (``"all"``, the reference that
    sees everything); the model is refitted on every label revealed so far (``Periodic(1)``)
    and scored on the held-out population (``population_metrics``).

    Parameters
    ----------
    X : array (n, d), y : array (n,) with 1 = default
        E.g. from ``credit_features``.
    feedback : {"approved", "all"}
    explore : float in [0, 1]
        Probability that a rejected applicant is approved anyway (``feedback="approved"``).
    correct : bool
        Inverse-propensity weights (approved 1, explored ``1 / explore``); needs ``explore > 0``.
    C : float
        Inverse regularisation strength of the logistic regression.
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
    >>> r = lending_loop(X, y, explore=0.3, correct=True, rounds=2, per_round=200, n_test=300)
    >>> r.frame[["round", "lent", "explored"]].values.tolist()
    [[1, 143, 19], [2, 129, 32]]
    """
    from sklearn.linear_model import LogisticRegression

    X = as_array(X, "X", ndim=2)
    y = as_binary(y, "y")  # 1 = default
    n = same_length(X=X, y=y)
    if not isinstance(feedback, str) or feedback not in ("approved", "all"):
        raise ValueError(f"feedback: expected 'approved' or 'all', got {feedback!r}")
    correct = check_flag(correct, "correct")
    check_range(explore, "explore", low=0.0, high=1.0)
    if feedback == "all" and explore > 0:
        raise ValueError("explore: feedback='all' reveals every outcome; explore applies to 'approved'")
    for name, v in (("n_history", n_history), ("rounds", rounds), ("per_round", per_round),
                    ("n_test", n_test)):
        check_range(v, name, low=1, integer=True)
    check_range(C, "C", low=1e-12)
    seed = check_seed(seed)
    metrics = population_metrics(gain=gain, loss=loss)
    rule = ApproveExplore(gain / (gain + loss), explore=explore, correct=correct)
    need = n_test + n_history + rounds * per_round
    if need > n:
        raise ValueError(f"X: expected at least n_test + n_history + rounds * per_round = {need} rows, got {n}")
    rng = np.random.default_rng(seed)           # one generator: the shuffle, then the exploration
    order = rng.permutation(n)
    test, stream = order[:n_test], order[n_test:need]
    for name, rows in (("n_test", test), ("n_history", stream[:n_history])):
        if len(np.unique(y[rows])) < 2:
            raise ValueError(f"{name}: its {len(rows)} shuffled rows hold one outcome only; "
                             "expected both repaid and default (use more rows)")
    batch = np.r_[np.zeros(n_history, int), np.repeat(np.arange(1, rounds + 1), per_round)]
    run = replay(partial(LogisticRegression, C=C, max_iter=2000), X[stream], y[stream], batch,
                 policy=Periodic(1), reveal=rule if feedback == "approved" else None, seed=rng,
                 holdout=(X[test], y[test]), holdout_metrics=metrics)

    log = run.log
    approved = log["y_score"] < rule.threshold
    lent = log["revealed"] if feedback == "approved" else approved
    w = np.where(log["revealed"], 1.0 / log["propensity"], 0.0)     # the inverse-propensity weight
    per = pd.DataFrame({"batch": log["batch"], "lent": lent, "explored": lent & ~approved,
                        "gain": np.where(lent, np.where(log["y_true"] == 0, gain, -loss), 0.0),
                        "w": w, "wy": w * log["y_true"], "y": log["y_true"], "n": 1}
                       ).groupby("batch").sum()
    frame = pd.DataFrame({"round": per.index, "lent": per["lent"].to_numpy(int),
                          "explored": per["explored"].to_numpy(int),
                          "profit": (per["gain"] / per["n"]).to_numpy()})
    for name in metrics:
        frame[name] = run.frame[name].to_numpy()
    frame["monitored_bad_rate"] = (per["wy"].cumsum() / per["w"].cumsum()).to_numpy()
    frame["true_bad_rate"] = (per["y"].cumsum() / per["n"].cumsum()).to_numpy()
    frame["rejected_gap"] = frame["rejected_pred"] - frame["rejected_true"]
    return LendingResult(feedback, float(explore), bool(correct), frame, run)
