"""The compute a training run burns: CPU time, energy, CO2, and where the work runs.

Energy is estimated the way Strubell et al. (2019) and Patterson et al. (2021) do it:
``energy = power x time x PUE`` and ``CO2 = energy x grid intensity``. On a shared machine
the honest clock is the CPU time of the process (its children included), not the wall time:
``measure`` records both and turns the CPU seconds into kWh and kg of CO2 with the constants
of an ``EnergyModel``, which every result carries so a reader can see what was assumed.
``fit_samples`` is a cost proxy that needs no clock at all: the number of training samples
summed over every fit a scikit-learn search made, the same on every machine.
``compute_backend`` runs scikit-learn's joblib work on a Dask cluster when a scheduler
address is given (the cluster ``kit sweep`` uses), and locally on one core otherwise.
Taught in ``notebooks/06_training-cost.ipynb``.

Examples
--------
>>> with measure() as cost:
...     _ = sum(range(10_000))
>>> cost.cpu_s >= 0 and cost.kwh >= 0
True
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psutil

from kit._validate import check_range, check_type

__all__ = ["EnergyModel", "STRUBELL_2019", "Cost", "measure", "fit_samples", "compute_backend"]


@dataclass(frozen=True)
class EnergyModel:
    """The constants that turn CPU seconds into energy and CO2.

    Parameters
    ----------
    watts_per_core : float
        Power drawn by one busy core, in W (e.g. a CPU's TDP divided by its cores).
    pue : float
        Power usage effectiveness of the data centre (>= 1): facility energy / IT energy.
    kg_co2_per_kwh : float
        Carbon intensity of the grid that feeds it, kg CO2(e) per kWh.
    source : str
        Where the three numbers come from.

    Examples
    --------
    >>> EnergyModel(watts_per_core=10.0, pue=1.1, kg_co2_per_kwh=0.4, source="made up").kwh(3600)
    0.011
    """

    watts_per_core: float
    pue: float
    kg_co2_per_kwh: float
    source: str = ""

    def __post_init__(self) -> None:
        check_range(self.watts_per_core, "watts_per_core", low=0.0)
        if self.watts_per_core == 0:
            raise ValueError("watts_per_core: expected a power > 0 W, got 0")
        check_range(self.pue, "pue", low=1.0)
        check_range(self.kg_co2_per_kwh, "kg_co2_per_kwh", low=0.0)
        check_type(self.source, "source", str)

    def kwh(self, cpu_s: float) -> float:
        """Facility energy in kWh of ``cpu_s`` busy core-seconds: ``W x s x PUE / 3.6e6``."""
        check_range(cpu_s, "cpu_s", low=0.0)
        kwh = self.watts_per_core * float(cpu_s) * self.pue / 3.6e6
        if not math.isfinite(kwh):
            raise ValueError(f"cpu_s: {cpu_s} core-seconds overflow the energy computation")
        return round(kwh, 15)

    def kg_co2(self, kwh: float) -> float:
        """Emissions in kg CO2(e) of ``kwh`` drawn from the grid."""
        check_range(kwh, "kwh", low=0.0)
        kg = float(kwh) * self.kg_co2_per_kwh
        if not math.isfinite(kg):
            raise ValueError(f"kwh: {kwh} kWh overflow the emissions computation")
        return kg


#: Strubell, Ganesh & McCallum (2019), the constants of their Table 1 estimate: PUE 1.58 (the
#: Uptime Institute's 2018 global average) and 0.954 lb CO2 per kWh (US average, EPA), i.e.
#: 0.433 kg; with 4.4 W per core, an AMD EPYC 7763's 280 W TDP over its 64 cores.
STRUBELL_2019 = EnergyModel(
    watts_per_core=280 / 64, pue=1.58, kg_co2_per_kwh=0.954 * 0.45359237,
    source="4.4 W/core: AMD EPYC 7763, 280 W TDP / 64 cores; PUE 1.58 and 0.954 lb CO2/kWh "
           "(US average, EPA): Strubell et al. 2019")


@dataclass
class Cost:
    """What one measured block of work cost; filled in when ``measure``'s block ends.

    ``codecarbon_kwh`` / ``codecarbon_kg`` hold codecarbon's own estimate when a tracker was
    given (None otherwise). On a virtual machine without RAPL power counters codecarbon too
    estimates from a CPU's TDP: both are estimates, not measurements.

    Examples
    --------
    >>> Cost(wall_s=2.0, cpu_s=1.5, model=STRUBELL_2019).kwh > 0
    True
    """

    wall_s: float = 0.0
    cpu_s: float = 0.0
    model: EnergyModel = field(default_factory=lambda: STRUBELL_2019)
    codecarbon_kwh: float | None = None
    codecarbon_kg: float | None = None

    @property
    def kwh(self) -> float:
        """Energy of the CPU time under ``model`` (kWh, the facility's, PUE included)."""
        return self.model.kwh(self.cpu_s)

    @property
    def kg_co2(self) -> float:
        """Emissions of that energy under ``model`` (kg CO2e)."""
        return self.model.kg_co2(self.kwh)

    def __repr__(self) -> str:
        s = (f"Cost(wall {self.wall_s:.2f} s, CPU {self.cpu_s:.2f} s, {self.kwh * 1000:.4f} Wh, "
             f"{self.kg_co2 * 1000:.4f} g CO2e; {self.model.watts_per_core:.1f} W/core, "
             f"PUE {self.model.pue}, {self.model.kg_co2_per_kwh:.3f} kg/kWh")
        if self.codecarbon_kwh is not None:
            s += f"; codecarbon {self.codecarbon_kwh * 1000:.4f} Wh, {self.codecarbon_kg * 1000:.4f} g"
        return s + ")"


def _cpu_seconds(process: psutil.Process) -> float:
    """CPU seconds of this process and its children, terminated or alive."""
    t = process.cpu_times()
    total = t.user + t.system + getattr(t, "children_user", 0.0) + getattr(t, "children_system", 0.0)
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            c = child.cpu_times()
            total += c.user + c.system
    return total


@contextlib.contextmanager
def measure(*, model: EnergyModel = STRUBELL_2019, tracker: Any = None) -> Iterator[Cost]:
    """Measure the wall time and CPU time of a block and price them in kWh and CO2.

    The CPU time is this process's and its children's (``psutil``): on a shared machine it
    counts the work done, not the waiting. Work sent to a Dask cluster is not in it (use
    ``wall_s`` or ``fit_samples`` then).

    Parameters
    ----------
    model : EnergyModel
        The power, PUE and grid-intensity constants (default ``STRUBELL_2019``).
    tracker : codecarbon tracker, optional
        A started ``codecarbon.OfflineEmissionsTracker``: the block becomes one of its tasks,
        and its energy and emissions estimate is stored beside the formula's.

    Yields
    ------
    Cost
        Empty inside the block, filled in when it ends.

    Examples
    --------
    >>> with measure() as cost:
    ...     _ = np.linalg.inv(np.eye(50) + 1)
    >>> cost.wall_s >= 0, cost.model.pue
    (True, 1.58)
    """
    check_type(model, "model", EnergyModel)
    if tracker is not None and not hasattr(tracker, "start_task"):
        raise TypeError("tracker: expected a started codecarbon tracker (with start_task / stop_task) or None, "
                        f"got {type(tracker).__name__}")
    process = psutil.Process()
    cost = Cost(model=model)
    if tracker is not None:
        tracker.start_task(f"kit.compute.measure-{id(cost)}")
    cpu0, wall0 = _cpu_seconds(process), time.perf_counter()
    try:
        yield cost
    finally:
        cost.wall_s = time.perf_counter() - wall0
        cost.cpu_s = max(_cpu_seconds(process) - cpu0, 0.0)
        if tracker is not None:
            data = tracker.stop_task()
            cost.codecarbon_kwh, cost.codecarbon_kg = float(data.energy_consumed), float(data.emissions)


def fit_samples(search: Any, X: Any, y: Any = None, *, groups: Any = None) -> int:
    """Training samples summed over every fit of a fitted scikit-learn search: a cost proxy.

    Grid and random search train each candidate on the training part of every fold; successive
    halving trains a round's candidates on a random fraction ``n_resources / n_samples`` of each
    fold's training part (``int(fraction * len(train))`` samples, as scikit-learn's halving
    splitter draws them); every search with ``refit`` then fits the winner on all samples. The
    folds are regenerated from ``search.cv`` on the same data, so the count is exact and the same
    on every machine. A fit's time is not linear in its samples (an SVM's grows faster), so it
    is a proxy for compute, not a clock.

    Parameters
    ----------
    search : fitted GridSearchCV, RandomizedSearchCV, HalvingGridSearchCV or HalvingRandomSearchCV
        Halving searches with ``resource="n_samples"``; a ``cv`` that splits the same way each
        time (an int, or a splitter with a fixed ``random_state``).
    X : array-like (n_samples, n_features)
        The data the search was fitted on.
    y, groups : array-like (n_samples,), optional
        As given to ``search.fit``.

    Returns
    -------
    int

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> X, y = np.random.default_rng(0).normal(size=(60, 2)), np.arange(60) % 2
    >>> s = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3).fit(X, y)
    >>> fit_samples(s, X, y)  # 2 candidates x 3 folds x 40 training rows, plus the refit on 60
    300
    """
    from sklearn.base import is_classifier
    from sklearn.model_selection import check_cv

    results = getattr(search, "cv_results_", None)
    if results is None or not hasattr(search, "n_splits_"):
        raise ValueError("search: expected a fitted scikit-learn search (with cv_results_ and n_splits_), "
                         f"got {type(search).__name__}")
    if getattr(search, "resource", "n_samples") != "n_samples":
        raise ValueError(f"search: fit_samples counts samples; this search's resource is {search.resource!r}")
    if not hasattr(X, "__len__") or isinstance(X, (str, bytes)) or len(X) == 0:
        raise ValueError(f"X: expected the search's training data (array-like with rows), got {type(X).__name__}")
    n = len(X)
    if y is not None and (not hasattr(y, "__len__") or len(y) != n):
        raise ValueError(f"y: expected one label per row of X ({n}), got {str(y):.60}")
    if groups is not None and (not hasattr(groups, "__len__") or isinstance(groups, (str, bytes)) or len(groups) != n):
        raise ValueError(f"groups: expected one group label per row of X ({n}) or None, got {str(groups):.60}")
    try:
        splits = list(check_cv(search.cv, y, classifier=is_classifier(search.estimator)).split(X, y, groups=groups))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X: cannot regenerate the search's folds on this data ({exc})") from None
    if len(splits) != search.n_splits_:
        raise ValueError(f"X: the search used {search.n_splits_} folds, this data gives {len(splits)}")
    train = np.array([len(tr) for tr, _ in splits], dtype=np.int64)
    if "n_resources" in results:
        fractions = np.asarray(results["n_resources"], dtype=float) / n
        per_candidate = np.array([int(f * t) for f in fractions for t in train], dtype=np.int64).sum()
    else:
        per_candidate = len(results["params"]) * int(train.sum())
    refit = n if getattr(search, "refit", False) else 0
    return int(per_candidate + refit)


@contextlib.contextmanager
def compute_backend(scheduler: str | None = None) -> Iterator[int]:
    """Where scikit-learn's joblib work runs: a Dask cluster at ``scheduler``, or here.

    Locally it yields ``n_jobs=1`` (one core, so CPU time and wall time measure the same work).
    With a scheduler address (``"tcp://host:8786"``, the cluster of ``kit sweep``) it connects a
    ``distributed.Client`` and yields ``n_jobs=-1`` inside ``joblib.parallel_backend("dask")``:
    pass the yielded value as the search's ``n_jobs``. The fits are the same either way, so
    the chosen configuration is too.

    Parameters
    ----------
    scheduler : str, optional
        A Dask scheduler address; None runs locally.

    Yields
    ------
    int
        The ``n_jobs`` to give the search.

    Examples
    --------
    >>> with compute_backend(None) as n_jobs:
    ...     n_jobs
    1
    """
    if scheduler is None:
        yield 1
        return
    if not isinstance(scheduler, str) or "://" not in scheduler and ":" not in scheduler:
        raise ValueError(f"scheduler: expected None or a Dask scheduler address like 'tcp://host:8786', got {scheduler!r}")
    import joblib
    from distributed import Client

    with Client(scheduler, timeout="30s") as client, joblib.parallel_backend("dask", client=client):
        yield -1

