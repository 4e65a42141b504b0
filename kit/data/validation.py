"""Validate each serving batch against statistics learned from the training data.

A schema of types, ranges and levels (``kit.data.profiling.Profile.schema``) stops a batch
whose values could never have occurred. Many upstream changes produce values that could:
hours per week sent as hours per day stay inside 1-99, two swapped integer columns keep their
types, a dropped field arrives as "missing", which training had seen too. Breck et al. (2019)
add *statistics* to the schema: compare each column's distribution in the batch with the
training data (the L-infinity distance between category shares, as TensorFlow Data
Validation does; the Kolmogorov-Smirnov distance for numbers), and alert above a threshold.

``infer_validator`` learns the reference from training rows and calibrates every threshold
by drawing clean batches of the size the gate will see from those rows: the thresholds are set
together, so that a clean batch trips *any* check with at most about the stated probability
(``false_alarm``). Whether that rate holds on real clean batches from elsewhere is a question
for the data, measured in notebook 11.

Breck, Polyzotis, Roy, Whang & Zinkevich (2019), *Data Validation for Machine Learning*,
MLSys. Taught in ``notebooks/11_data-validation.ipynb``.

>>> rng = np.random.default_rng(0)
>>> train = pd.DataFrame({"hours": rng.integers(20, 60, 2000), "job": rng.choice(["a", "b"], 2000)})
>>> gate = infer_validator(train, batch_size=50, seed=0)
>>> gate.validate(train.sample(50, random_state=1)).passed
True
>>> per_day = train.sample(50, random_state=1).assign(hours=lambda d: d.hours // 5)
>>> gate.validate(per_day)
Verdict(FAIL: 1 of 2 checks: hours (KS distance 1.00 > 0.23))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, check_frame, check_range, check_seed

__all__ = ["ColumnCheck", "Validator", "Verdict", "infer_validator", "ks_distance", "linf_distance"]

MISSING = "<missing>"


def ks_distance(reference: Any, batch: Any) -> float:
    """The two-sample Kolmogorov-Smirnov distance: the largest gap between the empirical CDFs
    of ``reference`` and ``batch`` (NaN ignored; 1.0 when either side has no number).

    Exact with ties: the supremum is taken at the batch's values, from the left and the right.
    Agrees with ``scipy.stats.ks_2samp(...).statistic`` (``tests/test_validation.py``).

    >>> ks_distance([1, 2, 3, 4], [3, 4, 5, 6])
    0.5
    """
    r = np.sort(as_array(reference, "reference", ndim=1, allow_nan=True, min_rows=0))
    b = np.sort(as_array(batch, "batch", ndim=1, allow_nan=True, min_rows=0))
    r, b = r[~np.isnan(r)], b[~np.isnan(b)]
    if len(r) == 0 or len(b) == 0:
        return 1.0
    right = np.abs(np.searchsorted(b, b, "right") / len(b) - np.searchsorted(r, b, "right") / len(r))
    left = np.abs(np.searchsorted(b, b, "left") / len(b) - np.searchsorted(r, b, "left") / len(r))
    return float(max(right.max(), left.max()))


def _ks_many(reference_sorted: np.ndarray, batches: np.ndarray) -> np.ndarray:
    """``ks_distance`` of every row of ``batches`` (b, n), without NaN, at once."""
    xs = np.sort(batches, axis=1)
    n, m = xs.shape[1], len(reference_sorted)
    le = (xs[:, None, :] <= xs[:, :, None]).sum(axis=2) / n
    lt = (xs[:, None, :] < xs[:, :, None]).sum(axis=2) / n
    right = np.abs(le - np.searchsorted(reference_sorted, xs, "right") / m)
    left = np.abs(lt - np.searchsorted(reference_sorted, xs, "left") / m)
    return np.maximum(right.max(axis=1), left.max(axis=1))


def _codes(values: pd.Series, levels: pd.Index) -> np.ndarray:
    """Level codes 0..k-1; ``k`` for a value training never had (missing is a level)."""
    missing = values.isna().to_numpy()
    codes = levels.get_indexer(values.astype(str).to_numpy()).astype(np.int64)
    if MISSING in levels:
        codes[missing] = levels.get_loc(MISSING)
    else:
        codes[missing] = -1
    return np.where(codes < 0, len(levels), codes)


def linf_distance(reference_shares: Any, batch: Any) -> float:
    """The L-infinity distance between category shares: the largest absolute difference
    between a level's share in ``batch`` and in the reference (a value the reference never
    had counts as a level of share 0; missing values are a level of their own).

    ``reference_shares`` is a Series of shares indexed by level (as from
    ``value_counts(normalize=True)``).

    >>> ref = pd.Series({"Male": 0.67, "Female": 0.33})
    >>> linf_distance(ref, pd.Series(["M", "F", "Male", "Female"]))
    0.5
    """
    if not isinstance(reference_shares, (pd.Series, dict)):
        raise TypeError("reference_shares: expected a Series or dict of shares indexed by level, "
                        f"got {type(reference_shares).__name__}")
    ref = pd.Series(reference_shares)
    shares = as_array(ref.to_numpy(), "reference_shares", ndim=1)
    if (shares < 0).any() or shares.sum() > 1 + 1e-9:
        raise ValueError("reference_shares: expected non-negative shares summing to at most 1")
    ref = pd.Series(shares, index=ref.index)
    values = np.asarray(batch, dtype=object)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"batch: expected a non-empty 1-D sequence of values, got shape {values.shape}")
    levels = pd.Index(ref.index.astype(str))
    codes = _codes(pd.Series(values), levels)
    counts = np.bincount(codes, minlength=len(levels) + 1) / len(codes)
    return round(float(np.max(np.abs(counts - np.append(ref.to_numpy(), 0.0)))), 12)


@dataclass(frozen=True)
class ColumnCheck:
    """One column's statistic and the threshold above which a batch fails it.

    >>> ColumnCheck("age", "KS distance", 0.21)
    ColumnCheck(age: KS distance <= 0.21)
    """

    column: str
    statistic: str
    threshold: float

    def __repr__(self) -> str:
        return f"ColumnCheck({self.column}: {self.statistic} <= {self.threshold:.2f})"


@dataclass(frozen=True)
class Verdict:
    """What ``Validator.validate`` decided: the failed checks with their values, and the
    columns that are missing or unexpected.

    >>> Verdict(True, pd.DataFrame(columns=["column", "statistic", "value", "threshold"]), 2)
    Verdict(pass: 2 checks)
    """

    passed: bool
    failures: pd.DataFrame
    n_checks: int
    missing_columns: tuple[str, ...] = ()
    extra_columns: tuple[str, ...] = ()

    def __repr__(self) -> str:
        if self.passed:
            return f"Verdict(pass: {self.n_checks} checks)"
        parts = [f"{r.column} ({r.statistic} {r.value:.2f} > {r.threshold:.2f})" for r in self.failures.itertuples()]
        parts += [f"missing column {c}" for c in self.missing_columns]
        parts += [f"unexpected column {c}" for c in self.extra_columns]
        return f"Verdict(FAIL: {len(self.failures)} of {self.n_checks} checks: " + "; ".join(parts) + ")"


@dataclass
class Validator:
    """The reference statistics of every column and their calibrated thresholds.

    Built by ``infer_validator``. ``validate(rows)`` compares every row it is given: pass the
    rows the gate sees (the thresholds were calibrated for ``batch_size`` of them).

    >>> train = pd.DataFrame({"x": np.arange(1000) % 37, "c": ["a", "b"] * 500})
    >>> infer_validator(train, batch_size=40, seed=0)
    Validator(2 columns, batches of 40, false alarm 0.01: x <= 0.26, c <= 0.22)
    """

    numeric: dict[str, np.ndarray]
    shares: dict[str, pd.Series]
    checks: dict[str, ColumnCheck]
    batch_size: int
    false_alarm: float

    def __repr__(self) -> str:
        th = ", ".join(f"{c.column} <= {c.threshold:.2f}" for c in self.checks.values())
        return (f"Validator({len(self.checks)} columns, batches of {self.batch_size}, "
                f"false alarm {self.false_alarm:g}: {th})")

    def statistics(self, batch: pd.DataFrame) -> pd.Series:
        """Each column's distance to the reference (the columns the batch has)."""
        batch = check_frame(batch, "batch")
        out = {}
        for col in self.checks:
            if col not in batch.columns:
                continue
            if col in self.numeric:
                column = batch[col]
                if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
                    out[col] = ks_distance(self.numeric[col], column.to_numpy(dtype=float))
                    continue
                values = pd.to_numeric(column, errors="coerce")
                bad = values.isna() & column.notna()   # text where a number belongs
                out[col] = 1.0 if bad.any() else ks_distance(self.numeric[col], values)
            else:
                out[col] = linf_distance(self.shares[col], batch[col])
        return pd.Series(out, dtype=float)

    def validate(self, batch: pd.DataFrame) -> Verdict:
        """Check ``batch`` (the rows the gate sees, e.g. a batch's first 50): every column's
        statistic against its threshold, and the column set against the reference's."""
        stats = self.statistics(batch)
        rows = [(c, self.checks[c].statistic, v, self.checks[c].threshold)
                for c, v in stats.items() if v > self.checks[c].threshold]
        failures = pd.DataFrame(rows, columns=["column", "statistic", "value", "threshold"])
        missing = tuple(c for c in self.checks if c not in batch.columns)
        extra = tuple(str(c) for c in batch.columns if c not in self.checks)
        return Verdict(not rows and not missing and not extra, failures, len(self.checks), missing, extra)


def infer_validator(reference: pd.DataFrame, *, batch_size: int = 50, false_alarm: float = 0.01,
                    n_batches: int = 5000, seed: int = 0) -> Validator:
    """Learn each column's reference distribution from ``reference`` (the training rows) and
    calibrate the thresholds on ``n_batches`` clean batches of ``batch_size`` rows drawn from it.

    Numeric columns get the Kolmogorov-Smirnov distance, text columns the L-infinity distance
    between category shares (missing counts as a category). The thresholds are one quantile
    level of every check's clean distribution, chosen so that a share ``false_alarm`` of the
    clean batches trips at least one check (max-statistic calibration over the ranks).

    Parameters
    ----------
    reference : DataFrame
        The training rows, at least ``2 * batch_size``.
    batch_size : int
        The rows the gate will see per batch (its decisions are calibrated for that size).
    false_alarm : float in (0, 0.5)
        The share of clean batches of the *reference* distribution that should fail.
    n_batches : int
        Clean batches drawn for the calibration (at least 100). Each check's threshold sits
        near its ``1 - false_alarm / n_checks`` quantile, so a small ``false_alarm`` with many
        columns needs many batches (the default resolves 1% over 14 columns).
    seed : int
        Seeds the draw of the calibration batches.

    Returns
    -------
    Validator

    >>> train = pd.DataFrame({"x": np.arange(2000) % 50})
    >>> gate = infer_validator(train, batch_size=50, seed=0)
    >>> gate.validate(train.head(50).assign(x=lambda d: d.x * 12)).passed
    False
    """
    reference = check_frame(reference, "reference")
    batch_size = int(check_range(batch_size, "batch_size", low=2, integer=True))
    false_alarm = float(check_range(false_alarm, "false_alarm", low=1e-6, high=0.5))
    n_batches = int(check_range(n_batches, "n_batches", low=100, high=200_000, integer=True))
    rng = np.random.default_rng(check_seed(seed))
    if len(reference) < 2 * batch_size:
        raise ValueError(f"reference: expected at least 2 * batch_size = {2 * batch_size} rows, "
                         f"got {len(reference)}")
    numeric, shares, clean = {}, {}, {}
    per_pass = len(reference) // batch_size   # disjoint batches from one shuffle of the rows
    passes = -(-n_batches // per_pass)
    draws = np.concatenate([rng.permutation(len(reference))[:per_pass * batch_size].reshape(per_pass, batch_size)
                            for _ in range(passes)])[:n_batches]
    for col in reference.columns:
        s = reference[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            values = s.to_numpy(dtype=float)
            numeric[col] = np.sort(values[~np.isnan(values)])
            clean[col] = (_ks_many(numeric[col], values[draws]) if not np.isnan(values).any()
                          else np.array([ks_distance(numeric[col], values[d]) for d in draws]))
        else:
            text = s.astype(object).where(s.notna(), MISSING).astype(str)
            ref = text.value_counts(normalize=True)
            shares[col] = ref
            codes = _codes(text, pd.Index(ref.index))
            counts = np.stack([np.bincount(codes[d], minlength=len(ref) + 1) for d in draws]) / batch_size
            clean[col] = np.max(np.abs(counts - np.append(ref.to_numpy(), 0.0)), axis=1)
    stats = np.column_stack([clean[c] for c in reference.columns])
    ranks = np.column_stack([np.searchsorted(np.sort(col), col, "right") for col in stats.T]) / n_batches
    level = float(np.quantile(ranks.max(axis=1), 1 - false_alarm))
    checks = {}
    for j, col in enumerate(reference.columns):
        name = "KS distance" if col in numeric else "L-inf distance"
        checks[str(col)] = ColumnCheck(str(col), name, float(np.quantile(stats[:, j], level)))
    return Validator(numeric, shares, checks, batch_size, false_alarm)
