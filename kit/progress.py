"""Progress bars that show in a live notebook and stay out of stored outputs.

Headless runs (``python -m kit run``, the notebook tests) set ``KIT_NO_PROGRESS=1`` so the
stored outputs stay byte-for-byte reproducible; a learner running the notebook sees bars.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")
ENV = "KIT_NO_PROGRESS"


def progress(iterable: Iterable[T], *, desc: str = "", total: int | None = None,
             disable: bool = False) -> Iterable[T]:
    """Wrap ``iterable`` in a tqdm bar unless disabled or running headless.

    >>> list(progress(range(3), disable=True))
    [0, 1, 2]
    """
    if disable or os.environ.get(ENV) == "1":
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False)
