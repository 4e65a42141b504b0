"""Feedback loops: a deployed model's decisions choose the data it is retrained on.

Two loops, both seeded from real data:

* ``policing_loop`` -- the urn of Ensign et al. (2018). Patrols go where incidents were
  discovered, and incidents are discovered only where patrols go; the allocation runs away.
  The fix weights each discovered incident by the inverse of the probability of having
  looked there (plus a small exploration floor so that probability never reaches zero).
* ``lending_loop`` -- selective labels (Lakkaraju et al. 2017). A credit model approves
  applicants and only approved loans reveal whether they are repaid; retrained on those
  outcomes alone, its picture of the applicants it rejects goes wrong and stays wrong. The
  fixes: approve a random share ``explore`` of the rejected, and weight every revealed
  outcome by the inverse of its probability of being revealed.

Survey: Paleyes, Urma & Lawrence (2022), "Challenges in deploying machine learning: a survey
of case studies", ACM Computing Surveys 55(6), section on monitoring (feedback loops), after
Sculley et al. (2015), "Hidden technical debt in machine learning systems", NeurIPS.
Taught in ``notebooks/14_monitoring-feedback-loops.ipynb``.

Examples
--------
>>> res = policing_loop([2.0, 1.0], days=200, patrols=5, seed=0)
>>> res
PolicingResult(days=200, explore=0, correct=False, final=[0.75, 0.25], truth=[0.67, 0.33])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit._validate import as_array, check_range, same_length

__all__ = ["PolicingResult", "precinct_rates", "policing_loop", "runaway_spread",
           "credit_features", "LendingResult", "lending_loop", "plot_allocation", "plot_rounds"]


# --- the policing urn ------------------------------------------------------------------------

def precinct_rates(df: pd.DataFrame, *, column: str = "precinct") -> pd.Series:
    """Daily incident rate per precinct from an incident table (one row per incident).

    Parameters
    ----------
    df : DataFrame (n_incidents, ...)
        E.g. ``kit.data.load("mn_police_use_of_force")``; needs ``column`` and
        ``response_datetime``. Precinct 0 (unknown, 4 rows in Minneapolis) is dropped.

    Returns
    -------
    Series (n_precincts,) incidents per day, indexed by precinct.

    Examples
    --------
    >>> df = pd.DataFrame({"precinct": [1, 1, 2, 0], "response_datetime": ["2016/01/01 10:00",
    ...                    "2016/01/02 10:00", "2016/01/02 11:00", "2016/01/02 12:00"]})
    >>> precinct_rates(df).round(2).tolist()
    [1.0, 0.5]
    """
    for col in (column, "response_datetime"):
        if col not in df.columns:
            raise ValueError(f"df: expected a column {col!r}, got {list(df.columns)}")
    keep = df[df[column] != 0]
    when = pd.to_datetime(keep["response_datetime"])
    n_days = (when.max().normalize() - when.min().normalize()).days + 1
    return keep[column].value_counts().sort_index() / n_days


@dataclass
class PolicingResult:
    """One run of the urn.

    Attributes
    ----------
    allocation : ndarray (days + 1, k)
        Share of patrols sent to each region on each day (row 0: the starting belief).
    truth : ndarray (k,)
        Each region's share of the true incident rate, what a fair allocation would be.
    """

    allocation: np.ndarray
    truth: np.ndarray
    explore: float
    correct: bool

    @property
    def final(self) -> np.ndarray:
        """(k,) the allocation on the last day."""
        return self.allocation[-1]

    @property
    def error(self) -> float:
        """Largest gap between the final allocation and the truth, over regions."""
        return float(np.abs(self.final - self.truth).max())

    def __repr__(self) -> str:
        f = [round(float(v), 2) for v in self.final]
        t = [round(float(v), 2) for v in self.truth]
        return (f"PolicingResult(days={len(self.allocation) - 1}, explore={self.explore:g}, "
                f"correct={self.correct}, final={f}, truth={t})")


def policing_loop(rates: np.ndarray | list[float], *, days: int = 730, patrols: int = 5,
                  explore: float = 0.0, correct: bool = False, prior: float = 1.0,
                  seed: int = 0) -> PolicingResult:
    """Simulate the predictive-policing urn of Ensign et al. (2018).

    Each day ``patrols`` patrols are sent to regions with probability
    ``p = (1 - explore) * counts / counts.sum() + explore / k``; a patrol in region ``d``
    discovers ``Poisson(rates[d])`` incidents, and nothing is discovered where nobody looked.
    Uncorrected, the counts grow by the discovered incidents (a Polya urn: whoever leads gets
    more patrols and so more discoveries). Corrected, each discovered incident counts
    ``1 / (patrols * p[d])``, the inverse of the expected number of looks, so the counts grow by
    ``rates[d]`` on average whatever the allocation, and the allocation tracks the truth.

    Parameters
    ----------
    rates : array (k,)
        True incidents per day in each region (``precinct_rates``), all > 0.
    days, patrols : int
        Length of the run and patrols per day.
    explore : float in [0, 1]
        Share of patrols spread uniformly whatever the counts say (keeps ``p > 0``).
    correct : bool
        Weight each discovered incident by the inverse of its probability of being looked for.
    prior : float
        Starting count in every region (a uniform first belief).
    seed : int

    Returns
    -------
    PolicingResult

    Paper: Ensign, Friedler, Neville, Scheidegger & Venkatasubramanian (2018), "Runaway
    feedback loops in predictive policing", FAT* (PMLR 81).

    Examples
    --------
    >>> policing_loop([2.0, 1.0], days=400, explore=0.1, correct=True, seed=1).error < 0.05
    True
    """
    lam = as_array(rates, "rates", ndim=1)
    if (lam <= 0).any():
        raise ValueError("rates: expected every rate > 0 (incidents per day)")
    check_range(days, "days", low=1, integer=True)
    check_range(patrols, "patrols", low=1, integer=True)
    check_range(explore, "explore", low=0.0, high=1.0)
    check_range(prior, "prior", low=1e-9)
    if correct and explore == 0:
        raise ValueError("explore: the inverse-probability correction needs explore > 0 "
                         "(a region never looked at has infinite weight)")
    rng = np.random.default_rng(seed)
    k = len(lam)
    counts = np.full(k, float(prior))
    alloc = np.empty((days + 1, k))
    for t in range(days + 1):
        p = (1 - explore) * counts / counts.sum() + explore / k
        alloc[t] = p
        if t == days:
            break
        looks = rng.multinomial(patrols, p)
        found = rng.poisson(lam * looks)
        counts += found / (patrols * p) if correct else found
    return PolicingResult(alloc, lam / lam.sum(), float(explore), bool(correct))


def runaway_spread(finals: np.ndarray) -> float:
    """How much the final allocation depends on luck: max over regions of (max - min) over runs.

    Parameters
    ----------
    finals : array (n_runs, k)
        Final allocations of runs that differ only in their seed.

    Examples
    --------
    >>> runaway_spread([[0.9, 0.1], [0.2, 0.8]])
    0.7
    """
    f = as_array(finals, "finals", ndim=2, min_rows=2)
    return round(float((f.max(axis=0) - f.min(axis=0)).max()), 12)


# --- the lending loop ------------------------------------------------------------------------

CATEGORICAL = ("Home", "Marital", "Records", "Job")
SKEWED = ("Income", "Assets", "Debt", "Amount", "Price")


def credit_features(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Turn ``kit.data.load("credit_data")`` into a standardised matrix and a default label.

    Missing numbers get the median plus a missing indicator; money columns are log-scaled;
    categories are one-hot coded (missing is a category). Standardised with the whole table's
    statistics (a simulation of a whole population, not a train/test evaluation).

    Returns
    -------
    X : ndarray (n, d) float, y : ndarray (n,) int, 1 = "bad" (did not repay)

    Examples
    --------
    >>> df = pd.DataFrame({"Status": ["good", "bad", "good"], "Income": [100.0, None, 50.0],
    ...                    "Home": ["rent", "owner", None]})
    >>> X, y = credit_features(df)
    >>> X.shape, y.tolist()
    ((3, 5), [0, 1, 0])
    """
    if "Status" not in df.columns:
        raise ValueError("df: expected the credit_data table with a 'Status' column (good/bad)")
    y = (df["Status"] == "bad").astype(int).to_numpy()
    feats = df.drop(columns="Status")
    cat = [c for c in feats.columns if c in CATEGORICAL or feats[c].dtype == object]
    num = feats[[c for c in feats.columns if c not in cat]].astype(float)
    parts = []
    for c in num.columns:
        col = num[c]
        if c in SKEWED:
            col = np.log1p(col.clip(lower=0))
        if col.isna().any():
            parts.append(col.isna().astype(float).rename(f"{c}_missing"))
        parts.append(col.fillna(col.median()))
    if cat:
        parts.append(pd.get_dummies(feats[cat].fillna("missing")).astype(float))
    X = pd.concat(parts, axis=1).to_numpy(dtype=float)
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    return X, y


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


# --- plots (plumbing a learner may skip) ----------------------------------------------------

def plot_allocation(results: list[PolicingResult], *, names: list[str] | None = None,
                    title: str = "", axes: object = None) -> object:
    """One panel per region: every run's share of patrols over time, the truth dashed.

    Parameters
    ----------
    results : list of PolicingResult (runs that differ in their seed)
    names : region names for the panel titles

    Returns the matplotlib axes (array of k).
    """
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("results: expected at least one PolicingResult")
    k = len(results[0].truth)
    if axes is None:
        _, axes = plt.subplots(1, k, figsize=(2.6 * k, 2.4), sharey=True)
    axes = np.atleast_1d(axes)
    for j, ax in enumerate(axes):
        for r in results:
            ax.plot(r.allocation[:, j], color="C0", alpha=0.35, lw=0.8)
        ax.axhline(results[0].truth[j], color="k", ls="--", lw=1)
        ax.set_title(names[j] if names else f"region {j}", fontsize=9)
        ax.set_xlabel("day")
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("share of patrols")
    if title:
        axes[0].figure.suptitle(title, fontsize=10)
    axes[0].figure.tight_layout()
    return axes


def plot_rounds(frames: dict[str, pd.DataFrame], columns: list[str], *, axes: object = None) -> object:
    """Mean trajectory over rounds of each arm (``frames``: name -> concatenated ``frame`` rows)."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, len(columns), figsize=(4.2 * len(columns), 3))
    axes = np.atleast_1d(axes)
    for ax, col in zip(axes, columns):
        for name, f in frames.items():
            m = f.groupby("round")[col].mean()
            ax.plot(m.index, m.values, marker="o", ms=3, label=name)
        ax.set_xlabel("round")
        ax.set_title(col, fontsize=9)
    axes[0].legend(fontsize=8)
    axes[0].figure.tight_layout()
    return axes
