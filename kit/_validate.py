"""Argument checks shared by the kit: every error names the argument and what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def as_array(
    value: Any,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    allow_nan: bool = False,
    dtype: type | None = float,
    min_rows: int = 1,
) -> np.ndarray:
    """Convert ``value`` to a numpy array, or raise a clear error.

    >>> as_array([[1, 2], [3, 4]], "X", ndim=2).shape
    (2, 2)
    >>> as_array([1.0, float("nan")], "y_score")
    Traceback (most recent call last):
    ...
    ValueError: y_score: expected no NaN values, found 1 NaN
    >>> as_array([1.0, float("inf")], "X")
    Traceback (most recent call last):
    ...
    ValueError: X: expected finite values, found 1 infinite
    """
    try:
        arr = np.asarray(value, dtype=dtype) if dtype is not None else np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected an array-like of numbers, got {type(value).__name__} ({exc})") from None
    if ndim is not None:
        wanted = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in wanted:
            shapes = " or ".join(f"{d}-D" for d in wanted)
            raise ValueError(f"{name}: expected a {shapes} array, got shape {arr.shape}")
    if arr.ndim >= 1 and arr.shape[0] < min_rows:
        raise ValueError(f"{name}: expected at least {min_rows} row(s), got {arr.shape[0]}")
    if not allow_nan and arr.dtype.kind == "f":
        n_nan = int(np.isnan(arr).sum())
        if n_nan:
            raise ValueError(f"{name}: expected no NaN values, found {n_nan} NaN")
        n_inf = int(np.isinf(arr).sum())
        if n_inf:
            raise ValueError(f"{name}: expected finite values, found {n_inf} infinite")
    return arr


def as_labels(y: Any, name: str = "y") -> np.ndarray:
    """Integer class labels ``(n,)`` as int64, or a clear error.

    >>> as_labels([0, 2, 1]).dtype
    dtype('int64')
    >>> as_labels([0.5, 1.0])
    Traceback (most recent call last):
    ...
    TypeError: y: expected integer class labels, got dtype float64
    """
    arr = as_array(y, name, ndim=1, dtype=None)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer class labels, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def as_binary(y: Any, name: str = "y") -> np.ndarray:
    """Binary labels ``(n,)`` as int64: bool, integer or float values that are all 0 or 1.

    >>> as_binary([True, False, 1.0]).tolist()
    [1, 0, 1]
    >>> as_binary([0, 2], "y_true")
    Traceback (most recent call last):
    ...
    ValueError: y_true: expected binary labels 0/1, got values [0, 2]
    """
    arr = as_array(y, name, ndim=1, dtype=None)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected binary labels 0/1, got dtype {arr.dtype}")
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name}: expected binary labels 0/1, got values {np.unique(arr)[:5].tolist()}")
    return arr.astype(np.int64)


def as_features(X: Any, name: str, *, min_rows: int = 1) -> np.ndarray:
    """Rows of features ``(n, d)`` or images ``(n, H, W)`` / ``(n, 1, H, W)``, flattened to ``(n, d)``.

    >>> as_features(np.zeros((3, 4, 4)), "X_ref").shape
    (3, 16)
    """
    arr = as_array(X, name, min_rows=min_rows)
    if arr.ndim not in (2, 3, 4):
        raise ValueError(f"{name}: expected rows of features (n, d) or images (n, H, W), got shape {arr.shape}")
    return arr.reshape(len(arr), -1)


def same_length(**arrays: Any) -> int:
    """Check that every named array has the same first dimension; return it.

    >>> same_length(X=np.zeros((3, 2)), y=[0, 1, 1])
    3
    """
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        raise ValueError(f"expected the same number of rows: {desc}")
    return next(iter(lengths.values()))


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Raise unless ``value`` is one of ``choices``.

    >>> check_choice("quick", "scale", ["quick", "full"])
    'quick'
    >>> check_choice(np.array(["quick"]), "scale", ["quick", "full"])
    Traceback (most recent call last):
    ...
    ValueError: scale: expected one of ['quick', 'full'], got an array
    """
    choices = list(choices)
    if isinstance(value, np.ndarray):  # `in` would compare element-wise and fail without a name
        raise ValueError(f"{name}: expected one of {choices}, got an array")
    try:
        known = value in choices
    except (TypeError, ValueError):  # an object whose == cannot give one truth value
        known = False
    if not known:
        raise ValueError(f"{name}: expected one of {choices}, got {value!r}")
    return value


def check_range(value: Any, name: str, *, low: float | None = None, high: float | None = None,
                integer: bool = False) -> Any:
    """Raise unless ``low <= value <= high`` (and an int when ``integer``).

    >>> check_range(0.3, "eps", low=0, high=1)
    0.3
    >>> check_range(float("inf"), "lr", low=0)
    Traceback (most recent call last):
    ...
    ValueError: lr: expected a finite number, got inf
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    if integer and not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {value!r}")
    if not isinstance(value, (int, np.integer)) and not np.isfinite(value):  # Python ints are finite
        raise ValueError(f"{name}: expected a finite number, got {value}")
    if low is not None and value < low:
        raise ValueError(f"{name}: expected a value >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name}: expected a value <= {high}, got {value}")
    return value


def check_seed(seed: Any, name: str = "seed") -> int:
    """A seed for numpy and torch: a non-negative int (numpy integers too), returned as an int.

    ``None`` is refused: the kit promises the same result for the same call.

    >>> check_seed(np.int64(3))
    3
    >>> check_seed(None)
    Traceback (most recent call last):
    ...
    TypeError: seed: expected an int (results are reproducible only with a fixed seed), got NoneType
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name}: expected an int (results are reproducible only with a fixed seed), "
                        f"got {type(seed).__name__}")
    if not 0 <= seed < 2**62:
        raise ValueError(f"{name}: expected an int in [0, 2**62), got {seed}")
    return int(seed)


def check_device(device: Any, name: str = "device") -> str:
    """A torch device name: "cpu", "cuda", "cuda:N" or "mps" (a string torch can parse).

    >>> check_device("cpu")
    'cpu'
    >>> check_device("gpu")
    Traceback (most recent call last):
    ...
    ValueError: device: expected "cpu", "cuda", "cuda:N" or "mps", got 'gpu'
    """
    import torch

    expected = '"cpu", "cuda", "cuda:N" or "mps"'
    if not isinstance(device, str):
        raise TypeError(f"{name}: expected {expected}, got {type(device).__name__}")
    try:
        torch.device(device)
    except RuntimeError:
        raise ValueError(f"{name}: expected {expected}, got {device!r}") from None
    return device


def check_flag(value: Any, name: str) -> bool:
    """A yes/no option: ``True`` or ``False`` (numpy booleans too), returned as a bool.

    >>> check_flag(np.bool_(True), "correct")
    True
    >>> check_flag("no", "correct")
    Traceback (most recent call last):
    ...
    TypeError: correct: expected True or False, got str
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__}")
    return bool(value)


def check_type(value: Any, name: str, expected: type | tuple[type, ...], *, what: str | None = None) -> Any:
    """Raise a TypeError naming the argument unless ``value`` is an instance of ``expected``.

    >>> check_type(None, "group", dict, what="a ScoreGroup")
    Traceback (most recent call last):
    ...
    TypeError: group: expected a ScoreGroup, got NoneType
    """
    if not isinstance(value, expected):
        if what is None:
            types = expected if isinstance(expected, tuple) else (expected,)
            what = " or ".join(t.__name__ for t in types)
        raise TypeError(f"{name}: expected {what}, got {type(value).__name__}")
    return value


def check_frame(df: Any, name: str) -> Any:
    """Raise unless ``df`` is a pandas DataFrame with at least one row and one column.

    >>> import pandas as pd
    >>> check_frame(pd.DataFrame({"a": []}), "batch")
    Traceback (most recent call last):
    ...
    ValueError: batch: expected a DataFrame with rows and columns, got shape (0, 1)
    """
    import pandas as pd  # here, so the numeric checks do not pay pandas' import

    check_type(df, name, pd.DataFrame, what="a pandas DataFrame")
    if df.empty:
        raise ValueError(f"{name}: expected a DataFrame with rows and columns, got shape {df.shape}")
    return df


def check_callable(value: Any, name: str, *, what: str = "a callable") -> Any:
    """Raise a TypeError naming the argument unless ``value`` can be called.

    >>> check_callable(3, "judge")
    Traceback (most recent call last):
    ...
    TypeError: judge: expected a callable, got int
    """
    if not callable(value):
        raise TypeError(f"{name}: expected {what}, got {type(value).__name__}")
    return value


def check_has(value: Any, name: str, *methods: str, what: str) -> Any:
    """Raise a TypeError naming the argument unless ``value`` has every method in ``methods``.

    >>> check_has(None, "api", "query", what="a prediction API with .query(X)")
    Traceback (most recent call last):
    ...
    TypeError: api: expected a prediction API with .query(X), got NoneType
    """
    if not all(callable(getattr(value, m, None)) for m in methods):
        raise TypeError(f"{name}: expected {what}, got {type(value).__name__}")
    return value



def check_columns(value: Any, name: str, frames: Iterable[tuple[str, Any]], *, single: bool = False,
                  noun: str = "") -> list:
    """The column names ``value`` names, checked to be present in every ``(name, frame)`` of ``frames``.

    ``value`` is a non-empty sequence of column labels or, with ``single=True``, one column
    name or a non-empty sequence of names (strings). A TypeError names the argument when it is
    not; a KeyError names the missing columns (``noun`` words them, e.g. "key columns") and
    the frame that lacks them.

    >>> import pandas as pd
    >>> check_columns("k", "on", [("left", pd.DataFrame({"k": [1]}))], single=True)
    ['k']
    >>> check_columns(["k", "z"], "on", [("left", pd.DataFrame({"k": [1]}))])
    Traceback (most recent call last):
    ...
    KeyError: "on: ['z'] not in left (its columns: ['k'])"
    """
    if single:
        names = [value] if isinstance(value, str) else list(value) if isinstance(value, Sequence) else None
        if not names or not all(isinstance(c, str) for c in names):
            raise TypeError(f"{name}: expected a column name or a non-empty list of column names, got {value!r}")
        value = names
    elif isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not len(value):
        raise TypeError(f"{name}: expected a non-empty list of column names, got {value!r}")
    for frame_name, frame in frames:
        missing = [c for c in value if c not in frame.columns]
        if missing:
            raise KeyError(f"{name}: {noun + ' ' if noun else ''}{missing} not in {frame_name} "
                           f"(its columns: {list(frame.columns)})")
    return list(value)
