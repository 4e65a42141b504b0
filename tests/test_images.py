"""kit.viz.images: bad arguments are named (issue 13); the grids themselves are doctested."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from kit.security.inversion import Inversion
from kit.viz import images

matplotlib.use("Agg")


@pytest.mark.parametrize("kwargs, error, name", [
    ({"title": np.zeros(2)}, TypeError, "title"),
    ({"ax_size": 1e308}, ValueError, "ax_size"),
    ({"ax_size": 2**70}, ValueError, "ax_size"),
])
def test_show_digits_names_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        images.show_digits(np.zeros((3, 8, 8)), [1, 2, 3], **kwargs)


@pytest.mark.parametrize("judge", ["judge", 3, np.zeros(2)])
def test_plot_reconstructions_names_a_judge_that_cannot_be_called(judge):
    inv = Inversion(np.zeros((2, 8, 8)), np.array([0, 1]), 0, "demo")
    with pytest.raises(TypeError, match="^judge: expected a callable"):
        images.plot_reconstructions({"demo": inv}, judge=judge)
