"""Acceptance and slice tests: what a test suite certifies, overall and slice by slice.

A release gate that reads one aggregate accuracy can pass a model that fails a whole kind of
input. A slice test asks the same requirement of every slice (each digit class; the thinnest
quarter of strokes; the most slanted quarter), and a confidence bound keeps a small slice
from passing or failing by luck: a test **passes** when the lower confidence bound on its
accuracy clears the requirement, **fails** when the upper bound is below it, and is
**unsure** otherwise (Wilson 1927; Clopper & Pearson 1934; the bounds come from
``scipy.stats.binomtest``). Slices come from measurable image properties (image moments:
ink, stroke width, slant, size), so they can be cut from any set of digits, rendered or real.

Which data the suite runs on decides what it certifies: the same suite passes on a
simulator's digits and fails on real ones (Paleyes et al. 2022, model verification,
test-based verification; Tobin et al. 2017 on the sim-to-real gap). Taught in
``notebooks/10_simulation-gap.ipynb``.

Examples
--------
>>> y_true = np.arange(1000) % 10
>>> y_pred = np.where(y_true == 3, 5, y_true)            # every 3 read as a 5: 90% overall
>>> report = acceptance_test(y_true, y_pred, slices=class_slices(y_true),
...                          requirement=Requirement(min_accuracy=0.85))
>>> report
AcceptanceReport(FAIL: 10 of 11 tests pass, 1 fail; requirement accuracy >= 0.85 at 95% confidence)
>>> report.table.loc[["all", "digit 3"], ["n", "accuracy", "verdict"]]
            n  accuracy verdict
all      1000       0.9    pass
digit 3   100       0.0    fail
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit._validate import as_array, as_labels, check_choice, check_range, check_type, same_length

__all__ = ["Requirement", "accuracy_bounds", "image_properties", "property_slices", "class_slices",
           "AcceptanceReport", "acceptance_test", "slice_grid"]

# names of the low and high tails of the properties that ``image_properties`` measures
TAILS = {"ink": ("little ink", "much ink"), "stroke": ("thin strokes", "thick strokes"),
         "slant": ("leaning left", "leaning right"), "width": ("narrow", "wide"),
         "height": ("short", "tall")}


def accuracy_bounds(k: Any, n: Any, *, confidence: float = 0.95,
                    method: str = "wilson") -> tuple[np.ndarray, np.ndarray]:
    """Two-sided confidence interval on an accuracy of ``k`` correct out of ``n``, row by row.

    Parameters
    ----------
    k, n : array-like of int, shape (m,)
        Correct predictions and slice sizes (``0 <= k <= n``; ``n = 0`` gives ``(0, 1)``).
    confidence : float in (0, 1)
    method : "wilson" (score interval) or "exact" (Clopper-Pearson, conservative)

    Returns
    -------
    low, high : np.ndarray, shape (m,)

    Examples
    --------
    >>> low, high = accuracy_bounds([0, 90], [10, 100], method="exact")
    >>> [round(float(v), 3) for v in low], [round(float(v), 3) for v in high]
    ([0.0, 0.824], [0.308, 0.951])
    """
    from scipy.stats import binomtest

    k_arr, n_arr = as_array(k, "k", ndim=1, dtype=None), as_array(n, "n", ndim=1, dtype=None)
    same_length(k=k_arr, n=n_arr)
    for name, arr in (("k", k_arr), ("n", n_arr)):
        if arr.dtype.kind not in "iu" or (arr < 0).any():
            raise ValueError(f"{name}: expected non-negative integer counts, got {arr[:5]}")
    if (k_arr > n_arr).any():
        raise ValueError("k: expected k <= n in every row")
    check_range(confidence, "confidence", low=0.5, high=0.9999)
    check_choice(method, "method", ["wilson", "exact"])
    low, high = np.zeros(len(k_arr)), np.ones(len(k_arr))
    for i, (ki, ni) in enumerate(zip(k_arr.tolist(), n_arr.tolist(), strict=True)):
        if ni > 0:
            ci = binomtest(ki, ni).proportion_ci(confidence_level=confidence, method=method)
            low[i], high[i] = ci.low, ci.high
    return low, high


@dataclass(frozen=True)
class Requirement:
    """What a slice must show: accuracy at least ``min_accuracy``, with ``confidence``.

    A slice smaller than ``min_size`` is not tested (reported as ``too few``): its bound would
    be too wide to mean anything.

    Examples
    --------
    >>> Requirement(min_accuracy=0.9)
    Requirement(min_accuracy=0.9, confidence=0.95, min_size=30, method='wilson')
    """

    min_accuracy: float = 0.9
    confidence: float = 0.95
    min_size: int = 30
    method: str = "wilson"

    def __post_init__(self) -> None:
        check_range(self.min_accuracy, "min_accuracy", low=0.0, high=1.0)
        check_range(self.confidence, "confidence", low=0.5, high=0.9999)
        check_range(self.min_size, "min_size", low=1, integer=True)
        check_choice(self.method, "method", ["wilson", "exact"])


def image_properties(X: Any, *, threshold: float = 0.5) -> pd.DataFrame:
    """Measurable properties of digit images, one row per image, from pixel moments.

    - ``ink``: total intensity (pixel sum);
    - ``stroke``: mean stroke width in pixels, ``2 * area / boundary`` of the inked pixels
      (a strip of width w and length L has area wL and about 2L boundary pixels);
    - ``slant``: horizontal shift per row from the second central moments,
      ``-mu11 / mu02`` (positive leans right, the way MNIST's deslanting measures it);
    - ``width``, ``height``: the inked bounding box, pixels.

    Parameters
    ----------
    X : array (n, H, W), white ink on black, pixels in [0, 1]
    threshold : float
        A pixel is inked when above it (area, boundary, box).

    Returns
    -------
    DataFrame (n, 5)

    Examples
    --------
    >>> bar = np.zeros((1, 28, 28)); bar[0, 4:24, 12:15] = 1.0       # an upright bar 3 px wide: stroke about 3
    >>> image_properties(bar).round(2).to_dict("records")
    [{'ink': 60.0, 'stroke': 2.86, 'slant': -0.0, 'width': 3.0, 'height': 20.0}]
    """
    from scipy import ndimage

    imgs = as_array(X, "X", ndim=3)
    check_range(threshold, "threshold", low=0.0, high=1.0)
    n, h, w = imgs.shape
    mass = imgs.sum(axis=(1, 2))
    if (mass <= 0).any():
        raise ValueError(f"X: expected some ink in every image; image {int(np.argmin(mass))} is blank")
    rows, cols = np.mgrid[0:h, 0:w].astype(float)
    cy = (imgs * rows).sum(axis=(1, 2)) / mass
    cx = (imgs * cols).sum(axis=(1, 2)) / mass
    dy, dx = rows[None] - cy[:, None, None], cols[None] - cx[:, None, None]
    mu11 = (imgs * dx * dy).sum(axis=(1, 2)) / mass
    mu02 = (imgs * dy * dy).sum(axis=(1, 2)) / mass
    inked = imgs > threshold
    cross = np.zeros((3, 3, 3), dtype=bool)
    cross[1] = ndimage.generate_binary_structure(2, 1)       # erode within each image only
    inner = ndimage.binary_erosion(inked, structure=cross)
    area = inked.sum(axis=(1, 2)).astype(float)
    boundary = (inked & ~inner).sum(axis=(1, 2)).astype(float)
    any_rows, any_cols = inked.any(axis=2), inked.any(axis=1)

    def extent(mask: np.ndarray) -> np.ndarray:
        first, last = mask.argmax(axis=1), mask.shape[1] - mask[:, ::-1].argmax(axis=1)
        return np.where(mask.any(axis=1), last - first, 0).astype(float)

    return pd.DataFrame({"ink": mass, "stroke": 2 * area / np.maximum(boundary, 1),
                         "slant": -mu11 / np.maximum(mu02, 1e-9), "width": extent(any_cols),
                         "height": extent(any_rows)})


def property_slices(properties: pd.DataFrame, *, columns: Any = None, q: float = 0.25,
                    reference: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
    """Boolean masks for the low and high tails of each property (the thinnest quarter, ...).

    Parameters
    ----------
    properties : DataFrame (n, d), e.g. from ``image_properties``
    columns : list of str, optional
        Properties to slice on; default all.
    q : float in (0, 0.5]
        Tail share: a row is in the low tail when at or below the ``q`` quantile.
    reference : DataFrame, optional
        Where the quantiles come from (default ``properties`` itself, so each tail holds
        about a share ``q`` of the rows tested).

    Returns
    -------
    dict name -> bool array (n,), names from ``TAILS`` (``"thin strokes"``) or ``"col low"``.

    Examples
    --------
    >>> props = pd.DataFrame({"stroke": [1.0, 2.0, 3.0, 4.0]})
    >>> {k: v.tolist() for k, v in property_slices(props, q=0.25).items()}
    {'thin strokes': [True, False, False, False], 'thick strokes': [False, False, False, True]}
    """
    check_type(properties, "properties", pd.DataFrame, what="a DataFrame of image properties")
    ref = properties if reference is None else check_type(reference, "reference", pd.DataFrame,
                                                          what="a DataFrame of image properties")
    cols = list(properties.columns) if columns is None else list(check_type(columns, "columns", (list, tuple)))
    missing = [c for c in cols if c not in properties.columns or c not in ref.columns]
    if missing:
        raise KeyError(f"columns: {missing} not in properties and reference")
    check_range(q, "q", low=0.01, high=0.5)
    out = {}
    for c in cols:
        lo_name, hi_name = TAILS.get(c, (f"{c} low", f"{c} high"))
        lo, hi = np.quantile(ref[c].to_numpy(float), [q, 1 - q])
        out[lo_name] = properties[c].to_numpy(float) <= lo
        out[hi_name] = properties[c].to_numpy(float) >= hi
    return out


def class_slices(y: Any) -> dict[str, np.ndarray]:
    """One mask per class present in ``y``: ``{"digit 0": y == 0, ...}``.

    Examples
    --------
    >>> {k: v.tolist() for k, v in class_slices([1, 0, 1]).items()}
    {'digit 0': [False, True, False], 'digit 1': [True, False, True]}
    """
    labels = as_labels(y, "y")
    return {f"digit {c}": labels == c for c in np.unique(labels).tolist()}


@dataclass(frozen=True)
class AcceptanceReport:
    """The verdict of a suite: one row per test (``"all"`` first, then each slice).

    ``table`` columns: n, accuracy, low, high (confidence bounds), verdict (pass / fail /
    unsure / too few). The suite ``passed`` when every tested row passes; its ``verdict`` is
    ``"fail"`` when some test fails and ``"unsure"`` when none fails but some cannot pass yet
    (more acceptance data would decide them).

    Examples
    --------
    >>> r = acceptance_test([0, 1] * 50, [0, 1] * 50, requirement=Requirement(min_accuracy=0.9))
    >>> r
    AcceptanceReport(PASS: 1 of 1 tests pass; requirement accuracy >= 0.9 at 95% confidence)
    """

    table: pd.DataFrame
    requirement: Requirement

    @property
    def passed(self) -> bool:
        """Every tested row passes: the data show the requirement met everywhere."""
        tested = self.table[self.table["verdict"] != "too few"]
        return bool(len(tested)) and bool((tested["verdict"] == "pass").all())

    @property
    def verdict(self) -> str:
        """``"pass"``; ``"fail"`` when any test fails; ``"unsure"`` when none fails but some cannot pass."""
        return "pass" if self.passed else "fail" if self.failures else "unsure"

    @property
    def failures(self) -> list[str]:
        """Tests whose upper bound is below the requirement: failures the data proves."""
        return self.table.index[self.table["verdict"] == "fail"].tolist()

    def count(self, verdict: str) -> int:
        """How many tests got ``verdict`` (pass, fail, unsure or too few)."""
        check_choice(verdict, "verdict", ["pass", "fail", "unsure", "too few"])
        return int((self.table["verdict"] == verdict).sum())

    def __repr__(self) -> str:
        tested = int((self.table["verdict"] != "too few").sum())
        parts = [f"{self.count('pass')} of {tested} tests pass"]
        parts += [f"{self.count(v)} {v}" for v in ("fail", "unsure") if self.count(v)]
        req = self.requirement
        return (f"AcceptanceReport({self.verdict.upper()}: {', '.join(parts)}; requirement "
                f"accuracy >= {req.min_accuracy:g} at {100 * req.confidence:g}% confidence)")


def acceptance_test(y_true: Any, y_pred: Any, *, slices: dict[str, Any] | None = None,
                    requirement: Requirement | None = None) -> AcceptanceReport:
    """Test the requirement on all rows and on every slice, with confidence bounds.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n,)
    slices : dict name -> bool mask (n,), optional
        E.g. ``class_slices(y_true) | property_slices(image_properties(X))``.
    requirement : Requirement, optional (default ``Requirement()``)

    Returns
    -------
    AcceptanceReport

    Examples
    --------
    >>> y = np.arange(400) % 10
    >>> report = acceptance_test(y, np.where(y == 3, 5, y), slices=class_slices(y))
    >>> report.passed, report.failures
    (False, ['digit 3'])
    """
    yt, yp = as_labels(y_true, "y_true"), as_labels(y_pred, "y_pred")
    same_length(y_true=yt, y_pred=yp)
    requirement = Requirement() if requirement is None else check_type(requirement, "requirement", Requirement)
    masks = {"all": np.ones(len(yt), dtype=bool)}
    for name, mask in check_type({} if slices is None else slices, "slices", dict).items():
        m = as_array(mask, "slices", ndim=1, dtype=None, min_rows=0)
        if m.dtype != bool or len(m) != len(yt):
            raise ValueError(f"slices: {name!r} must be a boolean mask of length {len(yt)}")
        masks[str(name)] = m
    correct = yt == yp
    n = np.array([int(m.sum()) for m in masks.values()])
    k = np.array([int(correct[m].sum()) for m in masks.values()])
    low, high = accuracy_bounds(k, n, confidence=requirement.confidence, method=requirement.method)
    verdict = np.where(low >= requirement.min_accuracy, "pass",
                       np.where(high < requirement.min_accuracy, "fail", "unsure"))
    verdict = np.where(n < requirement.min_size, "too few", verdict)
    table = pd.DataFrame({"n": n, "accuracy": k / np.maximum(n, 1), "low": low, "high": high,
                          "verdict": verdict}, index=list(masks))
    return AcceptanceReport(table=table, requirement=requirement)


def slice_grid(y_true: Any, y_pred: Any, *, slices: dict[str, Any]) -> pd.DataFrame:
    """Accuracy for each class (rows) within each slice (columns); NaN where a cell is empty.

    Examples
    --------
    >>> slice_grid([0, 0, 1, 1], [0, 1, 1, 1], slices={"left": np.array([True, True, True, False])})
       left
    0   0.5
    1   1.0
    """
    yt, yp = as_labels(y_true, "y_true"), as_labels(y_pred, "y_pred")
    same_length(y_true=yt, y_pred=yp)
    check_type(slices, "slices", dict)
    grid = {}
    for name, mask in slices.items():
        m = as_array(mask, "slices", ndim=1, dtype=None, min_rows=0)
        if m.dtype != bool or len(m) != len(yt):
            raise ValueError(f"slices: {name!r} must be a boolean mask of length {len(yt)}")
        grid[name] = {c: float((yt[m & (yt == c)] == yp[m & (yt == c)]).mean()) if (m & (yt == c)).any()
                      else np.nan for c in np.unique(yt).tolist()}
    return pd.DataFrame(grid)
