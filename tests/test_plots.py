"""kit.viz.plots: bad arguments are named (issue 13); the drawings themselves are doctested."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from kit.fairness.thresholds import ScoreGroup
from kit.sim.impact import impact_table
from kit.sim.policies import Never
from kit.sim.policing import policing_loop
from kit.sim.replay import replay
from kit.viz import plots

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.fixture(scope="module")
def runs():
    return [policing_loop([2.0, 1.0], days=10, seed=s) for s in range(2)]


@pytest.fixture(scope="module")
def timeline():
    from sklearn.linear_model import LogisticRegression

    X = np.random.default_rng(0).normal(size=(120, 1))
    return {"never": replay(LogisticRegression, X, (X[:, 0] > 0).astype(int), np.repeat([0, 1, 2], 40),
                            policy=Never())}


GROUP = ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
ROUNDS = {"two": pd.DataFrame({"round": [1, 2], "gap": [0.2, 0.1]})}


@pytest.mark.parametrize("kwargs, error, name", [
    ({"axes": 3}, TypeError, "axes"),
    ({"axes": []}, TypeError, "axes"),
    ({"final": True, "axes": "ax"}, TypeError, "axes"),
    ({"names": 3}, TypeError, "names"),
    ({"title": np.zeros(2)}, TypeError, "title"),
    ({"final": np.zeros(2)}, TypeError, "final"),
])
def test_plot_allocation_names_bad_arguments(runs, kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        plots.plot_allocation(runs, **kwargs)


@pytest.mark.parametrize("results", [3, "runs", [object()]])
def test_plot_allocation_names_bad_results(results):
    with pytest.raises(TypeError, match="^results: expected a list of PolicingResult"):
        plots.plot_allocation(results)


def test_plot_allocation_refuses_more_axes_than_regions(runs):
    import matplotlib.pyplot as plt

    axes = plt.subplots(1, 3)[1]
    with pytest.raises(ValueError, match="^axes: expected at most 2 Axes"):
        plots.plot_allocation(runs, axes=axes)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"columns": None}, TypeError, "columns"),
    ({"columns": [np.zeros(2)]}, TypeError, "columns"),
    ({"frames": {"two": np.zeros((2, 2))}}, TypeError, "frames"),
    ({"axes": 0}, TypeError, "axes"),
])
def test_plot_rounds_names_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        plots.plot_rounds(**{"frames": ROUNDS, "columns": ["gap"], **kwargs})


@pytest.mark.parametrize("kwargs, error, name", [
    ({"results": None}, TypeError, "results"),
    ({"results": {"never": 3}}, TypeError, "results"),
    ({"column": ["error"]}, TypeError, "column"),
    ({"smooth": 2**70}, ValueError, "smooth"),
    ({"absolute": np.zeros(2)}, TypeError, "absolute"),
    ({"ax": 1}, TypeError, "ax"),
])
def test_plot_timeline_names_bad_arguments(timeline, kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        plots.plot_timeline(**{"results": timeline, **kwargs})


@pytest.mark.parametrize("kwargs, error, name", [
    ({"groups": None}, TypeError, "groups"),
    ({"groups": []}, TypeError, "groups"),
    ({"groups": ["toy"]}, TypeError, "groups"),
    ({"axes": object()}, TypeError, "axes"),
])
def test_plot_outcome_curves_names_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        plots.plot_outcome_curves(**{"groups": [GROUP], "table": impact_table([GROUP]), **kwargs})


@pytest.mark.parametrize("kwargs, error, name", [
    ({"ax": "ax"}, TypeError, "ax"),
    ({"title": 3}, TypeError, "title"),
])
def test_plot_fidelity_names_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: expected"):
        plots.plot_fidelity({"c": ([65, 130], [0.9, 1.0])}, **kwargs)


def test_an_axes_given_is_drawn_on():
    import matplotlib.pyplot as plt

    ax = plt.subplots()[1]
    assert plots.plot_fidelity({"c": ([65, 130], [0.9, 1.0])}, ax=ax) is ax


def test_plot_slice_grids_marks_cells_below_the_threshold():
    grid = pd.DataFrame({"thin": [1.0, 0.5], "thick": [0.9, np.nan]}, index=[0, 1])
    axes = plots.plot_slice_grids({"sim": grid, "real": grid / 2}, threshold=0.8)
    dots = [ax.lines[0].get_xydata().tolist() for ax in axes]
    assert dots[0] == [[0.0, 1.0]]                     # only class 1 on "thin" is below 0.8 in sim
    assert sorted(dots[1]) == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]]   # NaN is never marked


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(grids={}), TypeError, "grids"),
    (dict(grids={"a": [[1.0]]}), TypeError, "grids"),
    (dict(grids={"a": pd.DataFrame([[1.0]])}, threshold=2.0), ValueError, "threshold"),
])
def test_plot_slice_grids_names_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: expected"):
        plots.plot_slice_grids(**kwargs)
