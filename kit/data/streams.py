"""Time-ordered streams from the registry's tables (plumbing a learner may skip).

A ``Stream`` is what ``kit.sim.replay.replay`` takes: rows ``X`` (n, d) and labels ``y`` (n,)
in time order, and the ``batch`` each row belongs to (a survey year, a 30-day block, a
month). Three featurisers build the streams of ``notebooks/15_updating-concept-drift.ipynb``:

- ``gss_unemployment``: the US General Social Survey 1974-2018, P(unemployed) from age, sex,
  children, education, marital status and occupational prestige;
- ``rainfall_stream``: fifty years of daily weather at Offutt AFB, "did it rain today?";
- ``sp500_volatility``: tomorrow's absolute S&P 500 return from today's, the last week's and
  the last month's (the HAR model of Corsi 2009).

``bootstrap_within`` resamples rows within each batch, so a seed gives another sample of the
same history (every batch keeps its size and its place in time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, check_range, check_seed, same_length

__all__ = ["Stream", "bootstrap_within", "gss_unemployment", "rainfall_stream", "sp500_volatility"]


@dataclass(frozen=True)
class Stream:
    """Rows in time order: ``X`` (n, d), ``y`` (n,), ``batch`` (n,) and the ``features`` names.

    Index it with a mask or with row numbers to get a smaller stream.

    >>> s = Stream(np.zeros((4, 1)), np.array([0, 1, 0, 1]), np.array([1, 1, 2, 2]), ("x",))
    >>> s[s.batch == 2]
    Stream(n=2, d=1, batches=1 (2-2))
    """

    X: np.ndarray
    y: np.ndarray
    batch: np.ndarray
    features: tuple[str, ...]

    def __post_init__(self) -> None:
        as_array(self.X, "X", ndim=2)
        same_length(X=self.X, y=self.y, batch=self.batch)
        if len(self.features) != self.X.shape[1]:
            raise ValueError(f"features: expected {self.X.shape[1]} names, got {len(self.features)}")

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, rows: Any) -> Stream:
        if not isinstance(rows, slice):
            _check_rows(rows, len(self))
        return Stream(self.X[rows], self.y[rows], self.batch[rows], self.features)

    def __repr__(self) -> str:
        b = np.unique(self.batch)
        return f"Stream(n={len(self)}, d={self.X.shape[1]}, batches={len(b)} ({b.min():g}-{b.max():g}))"


def _check_rows(rows: Any, n: int) -> None:
    """A boolean mask of length ``n`` or 1-D row numbers in range, else an error naming ``rows``."""
    idx = np.asarray(rows) if not isinstance(rows, str) else None
    if idx is None or idx.ndim != 1 or idx.dtype.kind not in "biu" or (idx.dtype.kind == "b" and len(idx) != n):
        got = f"{idx.dtype} shape {idx.shape}" if idx is not None else type(rows).__name__
        raise TypeError(f"rows: expected a boolean mask of length {n}, 1-D row numbers or a slice, got {got}")
    if idx.dtype.kind != "b" and len(idx) and not (-n <= idx.min() and idx.max() < n):
        raise ValueError(f"rows: expected row numbers in [-{n}, {n}), got {idx.min()}..{idx.max()}")


def _check_frame(df: Any, table: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected the {table} table as a pandas DataFrame, got {type(df).__name__}")


def bootstrap_within(groups: Any, *, seed: int | np.random.Generator) -> np.ndarray:
    """Row numbers of a bootstrap resample drawn within each group, in their original order.

    Each group (a survey year, a batch) is resampled with replacement to its own size, so
    the resample keeps the history's shape while a new seed gives another sample of it.

    Parameters
    ----------
    groups : array-like, shape (n,)
        The group of each row.
    seed : int or numpy Generator
        A Generator is used as is (e.g. ``session.rng(k)``).

    Returns
    -------
    np.ndarray of int, shape (n,), sorted.

    Examples
    --------
    >>> groups = np.array([2008, 2008, 2008, 2010, 2010])
    >>> idx = bootstrap_within(groups, seed=0)
    >>> idx.tolist(), groups[idx].tolist()
    ([1, 1, 2, 3, 3], [2008, 2008, 2008, 2010, 2010])
    """
    g = as_array(groups, "groups", ndim=1, dtype=None)
    if not isinstance(seed, np.random.Generator):
        seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(g == k), size=int((g == k).sum())) for k in np.unique(g)]
    return np.sort(np.concatenate(picks))


LABOUR_FORCE = ("Full-Time", "Part-Time", "Unemployed, Laid Off", "Temporarily Not Working")


def gss_unemployment(df: pd.DataFrame) -> Stream:
    """The labour force of ``kit.data.load("gss_wages")``: features and "unemployed" labels by year.

    Keeps respondents working full- or part-time, temporarily not working or unemployed, with
    age, children and education known. Features: age, (age - 40)^2 / 100, children, male,
    occupational prestige (0 when none) and a no-occupation flag, education and marital
    status one-hot (first category dropped). Batches are survey years.

    Examples
    --------
    >>> df = pd.DataFrame({"year": [1974, 1974, 1975], "age": [30.0, 50.0, 41.0], "childs": [0.0, 2.0, 1.0],
    ...     "wrkstat": ["Full-Time", "Unemployed, Laid Off", "Part-Time"], "gender": ["Male", "Female", "Male"],
    ...     "prestg10": [40.0, None, 30.0], "educcat": ["Bachelor", "High School", "Bachelor"],
    ...     "maritalcat": ["Married", "Divorced", "Married"]})
    >>> s = gss_unemployment(df)
    >>> s.y.tolist(), s.batch.tolist(), s.features[:3]
    ([0, 1, 0], [1974, 1974, 1975], ('age', 'age2', 'childs'))
    """
    _check_frame(df, "gss_wages")
    missing = {"year", "age", "childs", "wrkstat", "gender", "prestg10", "educcat", "maritalcat"} - set(df)
    if missing:
        raise ValueError(f"df: expected the gss_wages columns, missing {sorted(missing)}")
    labour = df[df.wrkstat.isin(LABOUR_FORCE)].dropna(subset=["age", "childs", "educcat"])
    features = pd.concat([
        pd.DataFrame({"age": labour.age, "age2": (labour.age - 40) ** 2 / 100, "childs": labour.childs,
                      "male": (labour.gender == "Male") * 1.0, "prestige": labour.prestg10.fillna(0),
                      "no_occupation": labour.prestg10.isna() * 1.0}),
        pd.get_dummies(labour.educcat, prefix="edu", drop_first=True) * 1.0,
        pd.get_dummies(labour.maritalcat, prefix="marital", drop_first=True) * 1.0], axis=1)
    return Stream(features.to_numpy(float), (labour.wrkstat == "Unemployed, Laid Off").to_numpy(int),
                  labour.year.to_numpy(), tuple(features.columns))


def rainfall_stream(df: pd.DataFrame, *, days: int = 30) -> Stream:
    """``kit.data.load("rainfall")`` as a stream of ``days``-day batches: did it rain today?

    Examples
    --------
    >>> df = pd.DataFrame({"temperature": [0.1, 0.2, 0.3], "rain": [0, 1, 1]})
    >>> rainfall_stream(df, days=2).batch.tolist()
    [0, 0, 1]
    """
    _check_frame(df, "rainfall")
    if "rain" not in df:
        raise ValueError("df: expected the rainfall table with a 'rain' column")
    check_range(days, "days", low=1, high=10**9, integer=True)
    X = df.drop(columns="rain")
    return Stream(X.to_numpy(float), df["rain"].to_numpy(), np.arange(len(df)) // days, tuple(X.columns))


def sp500_volatility(df: pd.DataFrame, *, years: tuple[int, int] = (1990, 2012)) -> Stream:
    """Tomorrow's |log return| (in %) from today's and its 5- and 22-day means, monthly batches.

    The inputs of the HAR model of realized volatility (Corsi 2009, Journal of Financial
    Econometrics): ``day``, ``week`` and ``month``. The batch of a row is its month as a
    number, ``year + (month - 1) / 12``. Rows from ``years[0]`` to ``years[1]`` inclusive.

    Examples
    --------
    >>> dates = pd.bdate_range("2000-01-03", periods=60)
    >>> df = pd.DataFrame({"Date": dates.astype(str), "Adj.Close": 100 * 1.01 ** np.arange(60)})
    >>> s = sp500_volatility(df, years=(2000, 2000))
    >>> s.features, round(float(s.y[0]), 3), bool(s.batch[0] == 2000 + 1 / 12)
    (('day', 'week', 'month'), 0.995, True)
    """
    _check_frame(df, "sp500")
    if not (isinstance(years, (tuple, list)) and len(years) == 2
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in years)):
        raise TypeError(f"years: expected (first, last) as two ints, got {years!r}")
    if not {"Date", "Adj.Close"} <= set(df):
        raise ValueError("df: expected the sp500 table with 'Date' and 'Adj.Close' columns")
    sp = df.assign(Date=pd.to_datetime(df.Date)).sort_values("Date").reset_index(drop=True)
    abs_ret = 100 * np.log(sp["Adj.Close"]).diff().abs()
    har = pd.DataFrame({"day": abs_ret, "week": abs_ret.rolling(5).mean(), "month": abs_ret.rolling(22).mean()})
    tomorrow = abs_ret.shift(-1)
    keep = (har.notna().all(axis=1) & tomorrow.notna() & sp.Date.dt.year.between(*years)).to_numpy()
    month = sp.Date.dt.year[keep].to_numpy() + (sp.Date.dt.month[keep].to_numpy() - 1) / 12
    return Stream(har[keep].to_numpy(), tomorrow[keep].to_numpy(), month, tuple(har.columns))
