"""Error rates by group, their gaps, and the reweighing weights that equalise base rates.

A classifier can be equally accurate on two groups and still make different kinds of errors
in each: ProPublica found that COMPAS flagged 44.9% of Black defendants who did not reoffend as
higher risk, against 23.5% of white defendants (Angwin et al. 2016). ``group_rates`` tabulates
the rates that such audits compare (false positive and false negative rates, positive
predictive value, ...), ``rate_gap`` the difference between two groups, ``permuted_gaps`` the
same gap with the group labels shuffled (what noise alone gives). ``chouldechova_fpr`` is the
identity that ties them together (Chouldechova 2017): when base rates differ, a score cannot
have equal PPV and equal error rates in both groups. ``reweighing_weights`` are the weights of
Kamiran & Calders (2012), ``rates_by_score`` a calibration table, ``threshold_grid`` the FPR gap
and accuracy of every pair of group thresholds.

Taught by ``notebooks/17_ethics-bias.ipynb``.

Examples
--------
>>> y_true = [0, 0, 1, 1, 0, 0, 1, 1]
>>> y_pred = [1, 0, 1, 1, 0, 0, 0, 1]
>>> groups = ["a", "a", "a", "a", "b", "b", "b", "b"]
>>> group_rates(y_true, y_pred, groups)["fpr"].tolist()
[0.5, 0.0, 0.25]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, check_choice, check_range, check_seed, same_length

__all__ = ["RATES", "group_rates", "rate_gap", "permuted_gaps", "chouldechova_fpr",
           "reweighing_weights", "rates_by_score", "threshold_grid"]

RATES = ("base_rate", "selection_rate", "fpr", "fnr", "ppv", "npv", "accuracy")


def _binary(value: Any, name: str) -> np.ndarray:
    arr = as_array(value, name, ndim=1)
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name}: expected 0/1 values, got {np.unique(arr)[:5].tolist()}")
    return arr.astype(int)


def _groups(value: Any, name: str = "groups") -> np.ndarray:
    arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    if isinstance(value, (str, bytes)) or arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of group labels, got {type(value).__name__}")
    if len(arr) == 0:
        raise ValueError(f"{name}: expected at least one row, got 0")
    try:
        pd.isna(arr).any()
        np.unique(arr.astype(str))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected hashable group labels ({exc})") from None
    if pd.isna(arr).any():
        raise ValueError(f"{name}: expected no missing group labels")
    return arr


def _member(key: Any, name: str, groups: np.ndarray) -> np.ndarray:
    """The rows of group ``key``; a clear error when ``key`` is not one of the group labels."""
    try:
        hash(key)
    except TypeError:
        raise TypeError(f"{name}: expected one group label (hashable), got {type(key).__name__}") from None
    if key == "all" or not any(key == g for g in pd.unique(groups)):
        raise ValueError(f"{name}: expected a group label in groups, got {key!r}")
    return groups == key


def group_rates(y_true: Any, y_pred: Any, groups: Any) -> pd.DataFrame:
    """The rates an audit compares, one row per group (and one for everyone).

    Parameters
    ----------
    y_true : array-like (n,) of 0/1 outcomes (1 = the event, e.g. reoffended within two years).
    y_pred : array-like (n,) of 0/1 decisions (1 = flagged, e.g. "medium or high risk").
    groups : array-like (n,) of group labels.

    Returns
    -------
    DataFrame (k + 1, 9) indexed by group (sorted, then ``"all"``), columns ``n``, ``base_rate``
    (share with y_true = 1), ``selection_rate`` (share flagged), ``fpr`` (flagged among
    y_true = 0), ``fnr`` (not flagged among y_true = 1), ``ppv`` (y_true = 1 among the flagged),
    ``npv`` (y_true = 0 among the not flagged), ``accuracy``, ``n_negative``. A rate over an
    empty set is NaN.

    References: Angwin, Larson, Mattu & Kirchner (2016), Machine Bias, ProPublica.
    Notebook: 17_ethics-bias.

    Examples
    --------
    >>> group_rates([0, 1, 0, 1], [1, 1, 0, 1], ["a", "a", "b", "b"]).loc["all", ["fpr", "ppv"]].tolist()
    [0.5, 0.6666666666666666]
    """
    y_true, y_pred, groups = _binary(y_true, "y_true"), _binary(y_pred, "y_pred"), _groups(groups)
    same_length(y_true=y_true, y_pred=y_pred, groups=groups)

    def rates(t: np.ndarray, p: np.ndarray) -> dict[str, float]:
        def mean(x: np.ndarray) -> float:
            return float(x.mean()) if len(x) else float("nan")

        return {"n": len(t), "base_rate": mean(t), "selection_rate": mean(p), "fpr": mean(p[t == 0]),
                "fnr": mean(1 - p[t == 1]), "ppv": mean(t[p == 1]), "npv": mean(1 - t[p == 0]),
                "accuracy": mean(t == p), "n_negative": int((t == 0).sum())}

    keys = sorted(pd.unique(groups), key=str)
    table = {k: rates(y_true[groups == k], y_pred[groups == k]) for k in keys}
    table["all"] = rates(y_true, y_pred)
    out = pd.DataFrame.from_dict(table, orient="index")
    out.index.name = "group"
    return out.astype({"n": int, "n_negative": int})


def rate_gap(y_true: Any, y_pred: Any, groups: Any, *, first: Any, second: Any,
             rate: str = "fpr") -> float:
    """One rate of group ``first`` minus the same rate of group ``second``.

    Parameters
    ----------
    y_true, y_pred : array-like (n,) of 0/1.
    groups : array-like (n,) of group labels; ``first`` and ``second`` must occur in it.
    rate : one of ``RATES`` (default ``"fpr"``).

    Returns
    -------
    float, e.g. FPR(Black) - FPR(White).

    Notebook: 17_ethics-bias.

    Examples
    --------
    >>> rate_gap([0, 0, 0, 0], [1, 1, 0, 1], ["a", "a", "b", "b"], first="a", second="b")
    0.5
    """
    check_choice(rate, "rate", RATES)
    table = group_rates(y_true, y_pred, groups)
    labels = _groups(groups)
    _member(first, "first", labels)
    _member(second, "second", labels)
    return float(table.loc[first, rate] - table.loc[second, rate])


def permuted_gaps(y_true: Any, y_pred: Any, groups: Any, *, first: Any, second: Any,
                  rate: str = "fpr", n: int = 200, seed: int = 0) -> np.ndarray:
    """The gap of ``rate_gap`` after shuffling the group labels, ``n`` times: the gap noise gives.

    Decisions and outcomes stay with each person; only who belongs to which group is shuffled,
    so any gap left is what chance makes of groups of these sizes (a permutation test).

    Returns
    -------
    ndarray (n,) of gaps.

    Notebook: 17_ethics-bias.

    Examples
    --------
    >>> gaps = permuted_gaps([0] * 8, [1, 1, 1, 1, 0, 0, 0, 0], list("aaaabbbb"), first="a", second="b",
    ...                      n=50, seed=0)
    >>> gaps.shape, bool(abs(gaps).max() <= 1.0)
    ((50,), True)
    """
    check_range(n, "n", low=1, high=100_000, integer=True)
    seed = check_seed(seed)
    rate_gap(y_true, y_pred, groups, first=first, second=second, rate=rate)  # validates everything
    y_true, y_pred, groups = _binary(y_true, "y_true"), _binary(y_pred, "y_pred"), _groups(groups)
    rng = np.random.default_rng(seed)
    a, b = _member(first, "first", groups), _member(second, "second", groups)
    keep = a | b
    t, p, lab = y_true[keep], y_pred[keep], a[keep]
    if rate in ("fpr", "fnr"):
        sel = t == (0 if rate == "fpr" else 1)
        val = p if rate == "fpr" else 1 - p
    elif rate in ("ppv", "npv"):
        sel = p == (1 if rate == "ppv" else 0)
        val = t if rate == "ppv" else 1 - t
    else:
        sel = np.ones(len(t), bool)
        val = {"base_rate": t, "selection_rate": p, "accuracy": (t == p).astype(int)}[rate]
    out = np.empty(n)
    for i in range(n):
        lab_i = rng.permutation(lab)
        in_a, in_b = sel & lab_i, sel & ~lab_i
        out[i] = (val[in_a].mean() if in_a.any() else np.nan) - (val[in_b].mean() if in_b.any() else np.nan)
    return out


def chouldechova_fpr(prevalence: Any, ppv: Any, fnr: Any) -> np.ndarray:
    """The false positive rate that prevalence, PPV and FNR force (Chouldechova 2017, eq. 2.6).

    ``FPR = p / (1 - p) * (1 - PPV) / PPV * (1 - FNR)``. With equal PPV and equal FNR in two
    groups, a different prevalence ``p`` forces a different FPR: calibration and equal error
    rates cannot both hold unless the base rates are equal (or prediction is perfect).

    Parameters
    ----------
    prevalence, ppv, fnr : array-like (k,) or floats, prevalence in (0, 1), ppv in (0, 1],
        fnr in [0, 1].

    Returns
    -------
    ndarray (k,) of false positive rates.

    References: Chouldechova (2017), Fair prediction with disparate impact, Big Data 5(2).
    Notebook: 17_ethics-bias.

    Examples
    --------
    >>> chouldechova_fpr([0.5, 0.4], [0.6, 0.6], [0.3, 0.3]).round(3).tolist()
    [0.467, 0.311]
    """
    p = np.atleast_1d(as_array(prevalence, "prevalence"))
    v = np.atleast_1d(as_array(ppv, "ppv"))
    f = np.atleast_1d(as_array(fnr, "fnr"))
    if p.min() <= 0 or p.max() >= 1:
        raise ValueError("prevalence: expected values in (0, 1)")
    if v.min() <= 0 or v.max() > 1:
        raise ValueError("ppv: expected values in (0, 1]")
    if f.min() < 0 or f.max() > 1:
        raise ValueError("fnr: expected values in [0, 1]")
    try:
        p, v, f = np.broadcast_arrays(p, v, f)
    except ValueError:
        raise ValueError("prevalence: expected prevalence, ppv and fnr of the same length") from None
    return p / (1 - p) * (1 - v) / v * (1 - f)


def reweighing_weights(y: Any, groups: Any) -> np.ndarray:
    """Kamiran & Calders' reweighing: ``w(g, y) = P(g) P(y) / P(g, y)`` for each row.

    Weighted, every group has the same base rate (group and label become independent) while
    each group keeps its size and each label its overall count. A model fitted with these
    sample weights learns from data in which the group does not predict the label.

    Parameters
    ----------
    y : array-like (n,) of 0/1 labels.
    groups : array-like (n,) of group labels.

    Returns
    -------
    ndarray (n,) of positive weights (mean 1).

    References: Kamiran & Calders (2012), Data preprocessing techniques for classification
    without discrimination, Knowledge and Information Systems 33(1).
    Notebook: 17_ethics-bias.

    Examples
    --------
    >>> reweighing_weights([1, 1, 1, 0, 1, 0, 0, 0], list("aaaabbbb")).round(3).tolist()
    [0.667, 0.667, 0.667, 2.0, 2.0, 0.667, 0.667, 0.667]
    """
    y, groups = _binary(y, "y"), _groups(groups)
    same_length(y=y, groups=groups)
    w = np.empty(len(y))
    for g in pd.unique(groups):
        in_g = groups == g
        for label in (0, 1):
            cell = in_g & (y == label)
            if cell.any():
                w[cell] = in_g.mean() * (y == label).mean() / cell.mean()
    return w


def rates_by_score(y_true: Any, score: Any, groups: Any) -> pd.DataFrame:
    """Observed outcome rate at each score value, per group: a calibration table.

    A score is calibrated within groups when people with the same score reoffend at the same
    rate whatever their group (Kleinberg, Mullainathan & Raghavan 2016).

    Parameters
    ----------
    y_true : array-like (n,) of 0/1 outcomes.
    score : array-like (n,) of discrete scores (e.g. COMPAS deciles 1-10), or binned scores.
    groups : array-like (n,) of group labels.

    Returns
    -------
    DataFrame (m * k, 4) with columns ``score``, ``group``, ``n``, ``rate``.

    Notebook: 17_ethics-bias.

    Examples
    --------
    >>> rates_by_score([0, 1, 1, 1], [1, 1, 2, 2], list("abab"))["rate"].tolist()
    [0.0, 1.0, 1.0, 1.0]
    """
    y_true, groups = _binary(y_true, "y_true"), _groups(groups)
    score = as_array(score, "score", ndim=1)
    same_length(y_true=y_true, score=score, groups=groups)
    frame = pd.DataFrame({"score": score, "group": groups, "y": y_true})
    out = frame.groupby(["score", "group"], sort=True)["y"].agg(n="size", rate="mean").reset_index()
    return out.astype({"n": int, "rate": float})


def threshold_grid(y_true: Any, y_score: Any, groups: Any, thresholds: Any, *, first: Any,
                   second: Any) -> pd.DataFrame:
    """FPR gap and accuracy for every pair of thresholds (one for ``first``, one for ``second``).

    Flags ``y_score >= t`` with the threshold of each person's group; rows of other groups are
    ignored. The grid behind a widget that moves the two thresholds (Hardt, Price & Srebro 2016
    pick the pair that equalises error rates at the least cost).

    Parameters
    ----------
    y_true : array-like (n,) of 0/1.  y_score : array-like (n,) of scores.
    groups : array-like (n,) of labels.  thresholds : array-like (m,) of thresholds.

    Returns
    -------
    DataFrame (m * m, 6) with columns ``t_first``, ``t_second``, ``fpr_first``, ``fpr_second``,
    ``fpr_gap`` (first - second) and ``accuracy`` (over both groups).

    Notebook: 17_ethics-bias.

    Examples
    --------
    >>> g = threshold_grid([0, 1, 0, 1], [0.2, 0.8, 0.6, 0.9], list("aabb"), [0.5, 0.7], first="a", second="b")
    >>> g[["t_first", "t_second", "fpr_gap", "accuracy"]].values.tolist()[:2]
    [[0.5, 0.5, -1.0, 0.75], [0.5, 0.7, 0.0, 1.0]]
    """
    y_true, groups = _binary(y_true, "y_true"), _groups(groups)
    y_score = as_array(y_score, "y_score", ndim=1)
    ts = as_array(thresholds, "thresholds", ndim=1)
    same_length(y_true=y_true, y_score=y_score, groups=groups)
    masks = {}
    for name, key in (("first", first), ("second", second)):
        m = _member(key, name, groups)
        if not (y_true[m] == 0).any():
            raise ValueError(f"{name}: expected a group label with at least one y_true = 0 row, got {key!r}")
        masks[name] = m
    a, b = masks["first"], masks["second"]
    n = a.sum() + b.sum()
    rows = []
    for ta in ts:
        pa = y_score[a] >= ta
        fa, ca = pa[y_true[a] == 0].mean(), (pa == y_true[a]).sum()
        for tb in ts:
            pb = y_score[b] >= tb
            fb = pb[y_true[b] == 0].mean()
            rows.append((float(ta), float(tb), float(fa), float(fb), float(fa - fb),
                         float((ca + (pb == y_true[b]).sum()) / n)))
    return pd.DataFrame(rows, columns=["t_first", "t_second", "fpr_first", "fpr_second", "fpr_gap", "accuracy"])
