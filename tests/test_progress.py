"""kit.progress: the wrapper hands the items back; bad arguments are named (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from kit.progress import progress


def test_disabled_progress_hands_back_the_iterable():
    items = [1, 2, 3]
    assert progress(items, disable=True) is items


@pytest.mark.parametrize("kwargs, error, name", [
    ({"iterable": 3}, TypeError, "iterable"),
    ({"desc": 3}, TypeError, "desc"),
    ({"total": "many"}, TypeError, "total"),
    ({"disable": np.zeros(2)}, TypeError, "disable"),
    ({"disable": "yes"}, TypeError, "disable"),
])
def test_bad_progress_arguments_are_named(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        progress(**{"iterable": range(3), "disable": True, **kwargs})
