"""Profile a table before modelling it: types, missingness, ranges, sentinels, duplicates,
drift between two frames, and metrics per subgroup.

pandas' ``describe`` summarises each column as if every value meant what it says. A profile
asks the questions that break pipelines: which text tokens stand for "missing" (Adult writes
``?``), which numbers are codes rather than measurements (a spike of ``99999`` at the top of a
range), which rows repeat, how a second frame (the test file, today's batch) differs column by
column from the first, and how errors split across subgroups that an average hides. The
profile turns into a pandera schema that fails loudly on the next frame.

Idea: Breck et al. (2019), *Data Validation for Machine Learning*, MLSys; Polyzotis et al.
(2018), *Data Lifecycle Challenges in Production Machine Learning*, SIGMOD Record. Taught in
notebook 04.

>>> df = pd.DataFrame({"age": [25, 40, 40, 61], "job": ["a", "?", "?", "b"]})
>>> profile(df)
Profile(4 rows x 2 columns; 1 duplicate rows; missing in ['job']; 0 sentinel candidates)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_binary, check_frame, check_range
from kit.acceptance import accuracy_bounds
from kit.shift.twosample import psi

MISSING_TOKENS = ("?", "", "NA", "N/A", "NaN", "null", "None")


def _tokens(missing_tokens: Any) -> tuple[str, ...]:
    if not isinstance(missing_tokens, (list, tuple)) or not all(isinstance(t, str) for t in missing_tokens):
        raise TypeError("missing_tokens: expected a sequence of strings, e.g. ('?', 'NA')")
    return tuple(missing_tokens)


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _missing(s: pd.Series, tokens: tuple[str, ...]) -> pd.Series:
    """True where a value is NaN/None or, in a text column, one of ``tokens`` (stripped)."""
    miss = s.isna()
    if not _is_numeric(s):
        miss |= s.astype("string").str.strip().isin(tokens).fillna(False).astype(bool)
    return miss


def _all_nines(v: float) -> bool:
    return v >= 9 and float(v).is_integer() and set(str(int(v))) == {"9"}


def find_sentinels(s: pd.Series, *, y: Any = None, min_count: int = 5) -> pd.DataFrame:
    """Values of a numeric column that look like codes, not measurements.

    A candidate sits at the column's maximum and repeats at least ``min_count`` times, and
    either is written only in nines (``99``, ``99999``: the classic "missing" or "top-coded"
    codes) or stands apart from the rest (the gap below it is wider than the range of all the
    other values). ``-1`` at the minimum of an otherwise non-negative column is a candidate
    too. A candidate is a question for whoever owns the data: a missing code must not be
    learnt from, a top code (``>= 99999``) may carry the label. Pass ``y`` (0/1, one per row)
    to see the positive rate at the value and elsewhere.

    Parameters
    ----------
    s : pandas Series, numeric (other dtypes give an empty table)
    y : array (n,) of 0/1, optional
    min_count : int
        How often a value must repeat to count.

    Returns
    -------
    DataFrame with columns column, value, count, share, reason (and rate_at_value,
    rate_elsewhere when ``y`` is given); one row per candidate.

    >>> s = pd.Series([0, 0, 5, 120, 4000] + [99999] * 6, name="gain")
    >>> find_sentinels(s, y=[0, 0, 0, 1, 1] + [1] * 6)[["value", "count", "reason", "rate_at_value"]]
       value  count                reason  rate_at_value
    0  99999      6  all nines at the max            1.0
    """
    if not isinstance(s, pd.Series):
        raise TypeError(f"s: expected a pandas Series, got {type(s).__name__}")
    check_range(min_count, "min_count", low=1, integer=True)
    cols = ["column", "value", "count", "share", "reason"] + ([] if y is None else ["rate_at_value", "rate_elsewhere"])
    if y is not None:
        if np.shape(y) != (len(s),):
            raise ValueError(f"y: expected one 0/1 label per row of s ({len(s)}), got shape {np.shape(y)}")
        y = as_binary(y, "y").astype(float)
    values = s.dropna()
    rows = []
    if _is_numeric(s) and values.nunique() >= 3:
        counts = values.value_counts()
        top, low = values.max(), values.min()
        rest = values[values < top]
        gap_apart = (top - rest.max()) > (rest.max() - rest.min())
        if counts[top] >= min_count and (_all_nines(top) or gap_apart):
            rows.append((top, "all nines at the max" if _all_nines(top) else "isolated spike at the max"))
        if low == -1 and counts[low] >= min_count and (values[values != -1] >= 0).all():
            rows.append((low, "-1 below a non-negative range"))
    out = []
    for value, reason in rows:
        at = (s == value).to_numpy()
        row = [s.name, value, int(at.sum()), float(at.mean()), reason]
        if y is not None:
            row += [float(y[at].mean()), float(y[~at].mean()) if (~at).any() else np.nan]
        out.append(row)
    return pd.DataFrame(out, columns=cols)


@dataclass(frozen=True)
class Profile:
    """What ``profile`` found: one row per column in ``table``, the duplicate count and the
    sentinel candidates. ``schema()`` turns it into a pandera schema for the next frame.

    >>> p = profile(pd.DataFrame({"hours": [40, 38, 99, 99, 99, 99, 99], "job": ["a", "?", "b", "a", "a", "b", "b"]}))
    >>> p.n_rows, p.n_duplicates, p.table.loc["job", "missing"], p.sentinels.value.tolist()
    (7, 3, np.int64(1), [99])
    """

    table: pd.DataFrame
    n_rows: int
    n_duplicates: int
    sentinels: pd.DataFrame
    missing_tokens: tuple[str, ...]

    def __repr__(self) -> str:
        missing = self.table.index[self.table["missing"] > 0].tolist()
        return (f"Profile({self.n_rows} rows x {len(self.table)} columns; {self.n_duplicates} duplicate rows; "
                f"missing in {missing}; {len(self.sentinels)} sentinel candidates)")

    def schema(self, *, max_levels: int = 50) -> Any:
        """A ``pandera.pandas.DataFrameSchema``: each column's dtype, numeric columns within
        the profiled range, text columns with at most ``max_levels`` levels limited to the
        levels seen (missing tokens included: they were seen), NaN allowed where it was seen.

        >>> import pandera.pandas as pa
        >>> ref = pd.DataFrame({"x": [1, 2, 3], "label": ["<=50K", ">50K", "<=50K"]})
        >>> schema = profile(ref).schema()
        >>> try:
        ...     schema.validate(pd.DataFrame({"x": [2, 3], "label": ["<=50K.", ">50K"]}), lazy=True)
        ... except pa.errors.SchemaErrors as err:
        ...     print(err.failure_cases[["column", "failure_case"]].to_string(index=False))
        column failure_case
         label       <=50K.
        """
        import pandera.pandas as pa

        check_range(max_levels, "max_levels", low=1, integer=True)
        columns = {}
        for name, row in self.table.iterrows():
            checks = []
            if row["kind"] == "numeric":
                checks.append(pa.Check.in_range(row["min"], row["max"]))
            elif row["unique"] <= max_levels:
                checks.append(pa.Check.isin(list(row["levels"])))
            columns[name] = pa.Column(row["dtype"], checks=checks, nullable=bool(row["nulls"]), coerce=False)
        return pa.DataFrameSchema(columns, strict=True, name="profiled")


def profile(df: pd.DataFrame, *, missing_tokens: tuple[str, ...] | list[str] = MISSING_TOKENS,
            y: Any = None, min_count: int = 5) -> Profile:
    """Profile ``df``: per column its dtype, missing values (NaN or a text token such as
    ``?``), distinct values, range, most common value; the duplicated rows; sentinel
    candidates (``find_sentinels``, with the positive rate at each when ``y`` is given).

    Parameters
    ----------
    df : DataFrame
    missing_tokens : sequence of str
        Text values that stand for "missing" (compared after stripping blanks).
    y : array (n,) of 0/1, optional
        The label, to see what a sentinel value predicts.
    min_count : int
        Passed to ``find_sentinels``.

    >>> df = pd.DataFrame({"gain": [0, 3, 7, 99999, 99999, 99999, 99999, 99999],
    ...                    "job": ["a", "?", "b", "a", "a", "b", "b", "a"]})
    >>> p = profile(df)
    >>> p.table[["kind", "missing", "min", "max"]]
             kind  missing  min      max
    gain  numeric        0  0.0  99999.0
    job      text        1  NaN      NaN
    >>> p.sentinels[["column", "value", "count"]].to_dict("records")
    [{'column': 'gain', 'value': 99999, 'count': 5}]
    """
    df = check_frame(df, "df")
    tokens = _tokens(missing_tokens)
    rows, sentinels = {}, []
    for name in df.columns:
        s = df[name]
        miss = _missing(s, tokens)
        numeric = _is_numeric(s)
        present = s[~miss]
        top = present.value_counts()
        rows[name] = {
            "dtype": s.dtype, "kind": "numeric" if numeric else "text",
            "missing": int(miss.sum()), "missing_share": float(miss.mean()), "unique": int(present.nunique()),
            "min": float(present.min()) if numeric and len(present) else np.nan,
            "max": float(present.max()) if numeric and len(present) else np.nan,
            "top": top.index[0] if len(top) else None, "top_share": float(top.iloc[0] / len(s)) if len(top) else 0.0,
            "nulls": int(s.isna().sum()),
            "levels": tuple(sorted(map(str, s.dropna().unique()))) if not numeric and s.nunique() <= 1000 else (),
        }
        if numeric:
            sentinels.append(find_sentinels(s, y=y, min_count=min_count))
    table = pd.DataFrame.from_dict(rows, orient="index")
    found = [f for f in sentinels if len(f)]
    sent = pd.concat(found, ignore_index=True) if found else find_sentinels(pd.Series([], dtype=float), y=None)
    return Profile(table, len(df), int(df.duplicated().sum()), sent, tokens)


def _shares(s: pd.Series) -> pd.Series:
    return s.astype("string").value_counts(normalize=True, dropna=False)


def drift_table(X_ref: pd.DataFrame, X_cur: pd.DataFrame, *, bins: int = 10,
                missing_tokens: tuple[str, ...] | list[str] = MISSING_TOKENS) -> pd.DataFrame:
    """Column by column, how ``X_cur`` differs from ``X_ref``.

    For each column of either frame: both dtypes (``same_type`` False when one is numeric and
    the other is not, e.g. a junk line read into a number column), the missing shares, the
    population stability index (numeric: ``kit.shift.twosample.psi`` on reference deciles;
    text: over the levels' shares), and ``unseen``, the share of current rows whose value the
    reference never had (text) or that lies outside the reference's range (numeric).

    Parameters
    ----------
    X_ref, X_cur : DataFrame
    bins : int
        Quantile bins for numeric PSI.
    missing_tokens : sequence of str

    Returns
    -------
    DataFrame indexed by column: dtype_ref, dtype_cur, same_type, missing_ref, missing_cur,
    psi, unseen (NaN where a column is missing from a frame or the types differ).

    >>> ref = pd.DataFrame({"x": np.arange(100), "y": ["<=50K", ">50K"] * 50})
    >>> cur = pd.DataFrame({"x": np.arange(100), "y": ["<=50K.", ">50K."] * 50})
    >>> drift_table(ref, cur)[["same_type", "psi", "unseen"]].round(2)
       same_type    psi  unseen
    x       True   0.00     0.0
    y       True  17.03     1.0
    """
    X_ref, X_cur = check_frame(X_ref, "X_ref"), check_frame(X_cur, "X_cur")
    check_range(bins, "bins", low=2, integer=True)
    tokens = _tokens(missing_tokens)
    out = {}
    for name in list(X_ref.columns) + [c for c in X_cur.columns if c not in X_ref.columns]:
        row = {"dtype_ref": None, "dtype_cur": None, "same_type": False, "missing_ref": np.nan,
               "missing_cur": np.nan, "psi": np.nan, "unseen": np.nan}
        if name in X_ref.columns:
            row["dtype_ref"], row["missing_ref"] = str(X_ref[name].dtype), float(_missing(X_ref[name], tokens).mean())
        if name in X_cur.columns:
            row["dtype_cur"], row["missing_cur"] = str(X_cur[name].dtype), float(_missing(X_cur[name], tokens).mean())
        if name in X_ref.columns and name in X_cur.columns:
            r, c = X_ref[name], X_cur[name]
            row["same_type"] = _is_numeric(r) == _is_numeric(c)
            if row["same_type"] and _is_numeric(r):
                r, c = r.dropna().to_numpy(float), c.dropna().to_numpy(float)
                row["psi"] = float(psi(r, c, bins=bins).statistic)
                row["unseen"] = float(((c < r.min()) | (c > r.max())).mean())
            elif row["same_type"]:
                pr, pc = _shares(r), _shares(c)
                levels = pr.index.union(pc.index)
                a = pr.reindex(levels, fill_value=0).clip(lower=1e-4).to_numpy()
                b = pc.reindex(levels, fill_value=0).clip(lower=1e-4).to_numpy()
                row["psi"] = float(np.sum((b - a) * np.log(b / a)))
                row["unseen"] = float(pc[~pc.index.isin(pr.index)].sum())
        out[name] = row
    return pd.DataFrame.from_dict(out, orient="index")


def subgroup_metrics(y_true: Any, y_pred: Any, groups: Any) -> pd.DataFrame:
    """Error, false-negative and false-positive rates per subgroup, with counts, so that a
    group the average hides becomes visible (and a tiny group's rate is read with its
    interval).

    Parameters
    ----------
    y_true, y_pred : array (n,) of 0/1
    groups : array (n,) of group labels, or a DataFrame of several columns (their
        combinations become the groups, written ``"a | b"``)

    Returns
    -------
    DataFrame, first row ``"all"``, then one row per group (largest first): n, share,
    positives, error, error_low, error_high (Wilson 95% interval), fnr, fpr.

    >>> t = subgroup_metrics([1, 1, 0, 0, 1, 0], [1, 0, 0, 0, 0, 1], ["m", "f", "m", "m", "f", "f"])
    >>> t[["n", "positives", "error", "fnr", "fpr"]].round(2)
         n  positives  error   fnr   fpr
    all  6          3    0.5  0.67  0.33
    m    3          1    0.0  0.00  0.00
    f    3          2    1.0  1.00  1.00
    """
    yt, yp = as_binary(y_true, "y_true"), as_binary(y_pred, "y_pred")
    if isinstance(groups, pd.DataFrame):
        groups = groups.astype(str).agg(" | ".join, axis=1).to_numpy()
    g = np.asarray(groups, dtype=object)
    if g.ndim != 1 or not (len(yt) == len(yp) == len(g)):
        raise ValueError(f"groups: expected one label per row ({len(yt)} y_true, {len(yp)} y_pred, groups of shape {g.shape})")
    frame = pd.DataFrame({"g": g, "err": yt != yp, "pos": yt == 1, "fn": (yt == 1) & (yp == 0),
                          "fp": (yt == 0) & (yp == 1)})
    parts = [frame.assign(g="all"), frame]
    agg = pd.concat(parts).groupby("g", sort=False).agg(
        n=("err", "size"), positives=("pos", "sum"), errors=("err", "sum"), fn=("fn", "sum"), fp=("fp", "sum"))
    agg = pd.concat([agg.loc[["all"]], agg.drop(index="all").sort_values("n", ascending=False)])
    n, pos = agg["n"].to_numpy(float), agg["positives"].to_numpy(float)
    out = pd.DataFrame({"n": agg["n"], "share": n / len(yt), "positives": agg["positives"],
                        "error": agg["errors"] / n}, index=agg.index)
    out["error_low"], out["error_high"] = accuracy_bounds(agg["errors"].to_numpy(int), agg["n"].to_numpy(int))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["fnr"] = agg["fn"].to_numpy(float) / pos
        out["fpr"] = agg["fp"].to_numpy(float) / (n - pos)
    out.index.name = None
    return out
