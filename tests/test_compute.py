"""Tests for kit.compute: the energy formula, the CPU-time meter, the sample-fit proxy, the Dask backend."""

from __future__ import annotations

import time
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
)

from kit.compute import STRUBELL_2019, Cost, EnergyModel, compute_backend, fit_samples, measure

FIT_SIZES: list[int] = []


class CountingLogit(LogisticRegression):
    """A logistic regression that writes down how many rows every fit saw."""

    def fit(self, X, y, sample_weight=None):
        FIT_SIZES.append(len(X))
        return super().fit(X, y, sample_weight=sample_weight)


def _data(n=240, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


SPACE = {"C": [0.01, 0.1, 1.0, 10.0, 100.0], "fit_intercept": [True, False]}


# ---- the energy model -----------------------------------------------------------------------

def test_energy_formula_by_hand():
    model = EnergyModel(watts_per_core=10.0, pue=1.5, kg_co2_per_kwh=0.5, source="test")
    assert model.kwh(3600) == pytest.approx(10 * 1.5 / 1000)  # 10 W for an hour, x PUE
    assert model.kg_co2(2.0) == pytest.approx(1.0)
    cost = Cost(wall_s=10.0, cpu_s=7200.0, model=model)
    assert cost.kwh == pytest.approx(0.03) and cost.kg_co2 == pytest.approx(0.015)
    assert "CPU 7200.00 s" in repr(cost) and "PUE 1.5" in repr(cost)


def test_strubell_constants():
    assert STRUBELL_2019.pue == 1.58
    assert STRUBELL_2019.kg_co2_per_kwh == pytest.approx(0.4327, abs=1e-4)  # 0.954 lb
    assert STRUBELL_2019.watts_per_core == pytest.approx(4.375)


@pytest.mark.parametrize("kwargs, name", [
    (dict(watts_per_core=0.0, pue=1.1, kg_co2_per_kwh=0.4), "watts_per_core"),
    (dict(watts_per_core=5.0, pue=0.9, kg_co2_per_kwh=0.4), "pue"),
    (dict(watts_per_core=5.0, pue=1.1, kg_co2_per_kwh=-1.0), "kg_co2_per_kwh"),
    (dict(watts_per_core=5.0, pue=1.1, kg_co2_per_kwh=0.4, source=3), "source"),
])
def test_energy_model_rejects_bad_constants(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        EnergyModel(**kwargs)


def test_negative_time_is_refused():
    with pytest.raises(ValueError, match="cpu_s"):
        STRUBELL_2019.kwh(-1.0)


# ---- the meter -------------------------------------------------------------------------------

def test_meter_counts_work_not_waiting():
    with measure() as busy:
        end = time.process_time() + 0.2
        while time.process_time() < end:
            pass
    with measure() as idle:
        time.sleep(0.3)
    assert busy.cpu_s >= 0.15 and busy.wall_s >= busy.cpu_s * 0.5
    assert idle.wall_s >= 0.29 and idle.cpu_s < 0.1  # sleeping costs wall time, not CPU time
    assert busy.kwh > idle.kwh


def test_meter_stores_a_trackers_estimate():
    calls = []

    class FakeTracker:
        def start_task(self, name):
            calls.append(("start", name))

        def stop_task(self):
            calls.append(("stop",))
            return SimpleNamespace(energy_consumed=0.002, emissions=0.001)

    with measure(tracker=FakeTracker()) as cost:
        pass
    assert [c[0] for c in calls] == ["start", "stop"]
    assert cost.codecarbon_kwh == 0.002 and cost.codecarbon_kg == 0.001
    assert "codecarbon" in repr(cost)


def test_meter_rejects_bad_arguments():
    with pytest.raises(TypeError, match="model"), measure(model="strubell"):
        pass
    with pytest.raises(TypeError, match="tracker"), measure(tracker=object()):
        pass


def test_meter_with_codecarbon_offline():
    codecarbon = pytest.importorskip("codecarbon")
    tracker = codecarbon.OfflineEmissionsTracker(country_iso_code="USA", output_methods=[], log_level="error",
                                                 tracking_mode="process")
    tracker.start()
    try:
        with measure(tracker=tracker) as cost:
            sum(i * i for i in range(300_000))
    finally:
        tracker.stop()
    assert cost.codecarbon_kwh is not None and cost.codecarbon_kwh > 0 and cost.codecarbon_kg > 0


# ---- the sample-fit proxy ---------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda cv: GridSearchCV(CountingLogit(), SPACE, cv=cv),
    lambda cv: GridSearchCV(CountingLogit(), SPACE, cv=cv, refit=False),
    lambda cv: RandomizedSearchCV(CountingLogit(), SPACE, n_iter=4, cv=cv, random_state=0),
    lambda cv: HalvingGridSearchCV(CountingLogit(), SPACE, cv=cv, factor=2, min_resources=40, random_state=0),
    lambda cv: HalvingRandomSearchCV(CountingLogit(), SPACE, cv=cv, factor=3, n_candidates=9, min_resources=30,
                                     random_state=0),
], ids=["grid", "grid-norefit", "random", "halving-grid", "halving-random"])
@pytest.mark.parametrize("folds", [3, 5])
def test_fit_samples_equals_the_rows_every_fit_saw(make, folds):
    X, y = _data(241)  # an odd size: folds of unequal length
    search = make(StratifiedKFold(folds, shuffle=True, random_state=1))
    FIT_SIZES.clear()
    search.fit(X, y)
    assert fit_samples(search, X, y) == sum(FIT_SIZES)


def test_halving_costs_less_than_the_grid_it_searches():
    X, y = _data(600)
    grid = GridSearchCV(LogisticRegression(), SPACE, cv=3).fit(X, y)
    halving = HalvingGridSearchCV(LogisticRegression(), SPACE, cv=3, factor=3, random_state=0).fit(X, y)
    assert fit_samples(halving, X, y) < fit_samples(grid, X, y) / 2


def test_fit_samples_rejects_bad_input():
    X, y = _data()
    with pytest.raises(ValueError, match="search"):
        fit_samples(GridSearchCV(LogisticRegression(), SPACE, cv=3), X, y)  # not fitted
    fitted = GridSearchCV(LogisticRegression(), SPACE, cv=3).fit(X, y)
    with pytest.raises(ValueError, match="y"):
        fit_samples(fitted, X, y[:-1])
    with pytest.raises(ValueError, match="X"):
        fit_samples(fitted, X[:2], y[:2])  # too few rows for its 3 folds
    halving = HalvingGridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, resource="max_iter", max_resources=50,
                                  cv=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        halving.fit(X, y)
    with pytest.raises(ValueError, match="resource"):
        fit_samples(halving, X, y)


# ---- where the work runs ------------------------------------------------------------------------

def _search(n_jobs):
    X, y = _data(300)
    return HalvingGridSearchCV(LogisticRegression(), SPACE, cv=3, factor=2, random_state=0, n_jobs=n_jobs).fit(X, y)


def test_local_backend_is_one_core():
    with compute_backend(None) as n_jobs:
        assert n_jobs == 1


def test_dask_backend_gives_the_local_result():
    distributed = pytest.importorskip("distributed")
    import joblib

    local = _search(1)
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        with compute_backend(cluster.scheduler_address) as n_jobs:
            assert n_jobs == -1
            assert type(joblib.parallel.get_active_backend()[0]).__name__ == "DaskDistributedBackend"
            remote = _search(n_jobs)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"])
    assert fit_samples(remote, *_data(300)) == fit_samples(local, *_data(300))


@pytest.mark.parametrize("bad", [3, "localhost", ""])
def test_backend_rejects_a_bad_address(bad):
    with pytest.raises(ValueError, match="scheduler"), compute_backend(bad):
        pass
