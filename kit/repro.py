"""Reproducibility: one call at the top of a notebook fixes seeds, threads and the device.

The kit's own functions never touch global random state: they take a ``seed`` (or a
``numpy.random.Generator``) argument. ``setup`` is the one place where a *notebook* opts in
to seeding the global generators, so that code it runs from other libraries is repeatable too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from kit._validate import check_choice, check_flag, check_range, check_seed, check_type

SCALES = ("quick", "full")


@dataclass(frozen=True)
class Session:
    """What ``setup`` fixed: print it at the top of a notebook.

    >>> s = Session(seed=3, scale="quick", device="cpu", threads=1)
    >>> s.quick, s.rng(1).integers(10) == Session(3, "full", "cpu", 1).rng(1).integers(10)
    (True, np.True_)
    """

    seed: int
    scale: str
    device: str
    threads: int

    @property
    def quick(self) -> bool:
        """True at the small default scale."""
        return self.scale == "quick"

    def rng(self, offset: int = 0) -> np.random.Generator:
        """A fresh numpy generator derived from the session seed (``offset`` gives independent streams)."""
        check_range(offset, "offset", low=0, integer=True)
        return np.random.default_rng([self.seed, offset])

    def __repr__(self) -> str:
        return f"Session(seed={self.seed}, scale={self.scale!r}, device={self.device!r}, threads={self.threads})"


def setup(seed: int = 0, *, scale: str = "quick", device: str = "cpu", threads: int = 1,
          torch: bool = True) -> Session:
    """Fix every seed, pin torch's thread count and pick the device.

    Parameters
    ----------
    seed : int
        Seeds Python's ``random``, numpy's legacy global generator and torch.
    scale : {"quick", "full"}
        ``quick`` is the default small scale (under a minute on one laptop core).
    device : {"cpu", "cuda", "auto"}
        ``cpu`` by default so stored outputs reproduce; ``auto`` takes a GPU when present;
        ``cuda`` insists on one.
    threads : int
        Torch intra-op threads and BLAS threads (1 keeps runs repeatable and fair on shared
        CI cores).
    torch : bool
        Set False in notebooks that do not use torch (saves the ~2.6 s import).

    Returns
    -------
    Session

    Examples
    --------
    >>> s = setup(7, torch=False)
    >>> s
    Session(seed=7, scale='quick', device='cpu', threads=1)
    >>> bool(s.rng().integers(100) == setup(7, torch=False).rng().integers(100))
    True
    """
    seed = check_seed(seed)
    for name, value, choices in (("scale", scale, SCALES), ("device", device, ("cpu", "cuda", "auto"))):
        check_type(value, name, str, what=f"one of {list(choices)}")
        check_choice(value, name, choices)
    threads = int(check_range(threads, "threads", low=1, high=1024, integer=True))
    torch = check_flag(torch, "torch")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    # numpy/scipy/sklearn BLAS pools too: multi-threaded BLAS on a shared 2-core machine is
    # many times slower, and thread count can change floating-point summation order
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    chosen = "cpu"
    if torch:
        import torch as _torch

        _torch.manual_seed(seed)
        _torch.set_num_threads(threads)
        has_cuda = _torch.cuda.is_available()
        if device == "cuda" and not has_cuda:
            raise RuntimeError("device: 'cuda' was asked for but torch sees no GPU; use 'cpu' or 'auto'")
        if device in ("cuda", "auto") and has_cuda:
            chosen = "cuda"
            _torch.cuda.manual_seed_all(seed)
        if chosen == "cpu":
            _torch.use_deterministic_algorithms(True, warn_only=True)
    elif device == "cuda":
        raise ValueError("device: 'cuda' needs torch=True")
    return Session(seed=seed, scale=scale, device=chosen, threads=threads)
