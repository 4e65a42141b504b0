"""Progress bars that show in a live notebook and stay out of stored outputs.

Headless runs (``python -m kit run``, the notebook tests) set ``KIT_NO_PROGRESS=1`` so the
stored outputs stay byte-for-byte reproducible; a learner running the notebook sees bars.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterable
from typing import TypeVar

from kit._validate import check_flag, check_type

T = TypeVar("T")
ENV = "KIT_NO_PROGRESS"


def progress(iterable: Iterable[T], *, desc: str = "", total: int | None = None,
             disable: bool = False) -> Iterable[T]:
    """Wrap ``iterable`` in a tqdm bar unless disabled or running headless.

    >>> list(progress(range(3), disable=True))
    [0, 1, 2]
    >>> progress(3)
    Traceback (most recent call last):
    ...
    TypeError: iterable: expected an iterable, got int
    """
    check_type(iterable, "iterable", Iterable, what="an iterable")
    check_type(desc, "desc", str)
    if total is not None:
        check_type(total, "total", numbers.Real, what="a number of items or None")
    if check_flag(disable, "disable") or os.environ.get(ENV) == "1":
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False)
