"""The Check cell: a notebook's claims, asserted, and its figures recorded for the scoreboard.

Every lesson ends its experiment with one visible cell::

    check = Check("03_data-augmentation", metric="accuracy on real test digits")
    check.record(baseline=0.95, failure=0.81, mitigated=0.94)
    check.claim("rot180 raises 6<->9 confusions by >= 5 points", gap >= 0.05, value=gap)
    check.finish()
    assert check.passed, check.failed

``finish`` prints the claims and, when the environment variable ``KIT_RESULTS_DIR`` is set
(``python -m kit run`` sets it), writes a JSON record that the scoreboard reads, failed claims
included. The cell's own ``assert`` is what stops the notebook when a claim no longer holds,
visibly, where the learner reads it. Idea from cleanlab's tutorials, which end in a cell that
fails when the claim stops holding.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

RESULTS_ENV = "KIT_RESULTS_DIR"


@dataclass
class Claim:
    """One asserted statement of a lesson: its text, whether it held, the value measured and,
    for a claim that compares the value with a threshold, that threshold.

    ``margin`` is how far the value is from the threshold, positive on the side where the claim
    holds and negative where it fails (``python -m kit sweep`` reports its smallest value).

    >>> Claim("robust accuracy >= 0.70", True, 0.796, 0.70).margin
    0.096
    >>> Claim("error <= 0.05", False, 0.07, 0.05).margin
    -0.02

    A ``timed`` claim rests on a wall-clock measurement: its value is recorded for the sweep but
    never printed, so the stored output does not depend on the machine's speed.
    """

    text: str
    holds: bool
    value: float | str | None = None
    threshold: float | None = None
    timed: bool = False

    @property
    def margin(self) -> float | None:
        """``|value - threshold|``, signed by whether the claim holds (None without both)."""
        if self.threshold is None or not isinstance(self.value, float):
            return None
        gap = round(abs(self.value - self.threshold), 12)
        return gap if self.holds else -gap


def _fmt(value: float | str | None, digits: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:.{digits}f}"


@dataclass
class Check:
    """Collect a lesson's figures and claims; ``finish`` asserts them.

    Parameters
    ----------
    notebook : str
        The notebook's file stem, e.g. ``"03_data-augmentation"``.
    metric : str
        What ``baseline`` / ``failure`` / ``mitigated`` measure.
    digits : int
        Decimals shown (stored outputs must not depend on noise below this).

    Examples
    --------
    >>> check = Check("00_welcome", metric="accuracy")
    >>> check.record(baseline=0.97, failure=0.41, mitigated=0.97)
    >>> check.claim("the failure costs >= 20 points", 0.97 - 0.41 >= 0.20, value=0.56)
    >>> check.finish()
    Check 00_welcome -- accuracy: baseline 0.970 | failure 0.410 | mitigated 0.970
      PASS  the failure costs >= 20 points  (0.560)
    All 1 claims hold.
    >>> assert check.passed, check.failed
    """

    notebook: str
    metric: str
    digits: int = 3
    figures: dict[str, float | None] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)

    def __post_init__(self) -> None:
        if (not isinstance(self.notebook, str)
                or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", self.notebook) or ".." in self.notebook):
            raise ValueError("notebook: expected the notebook's file stem (letters, digits, '_', '-', '.'; "
                             f"no path), e.g. '03_data-augmentation', got {self.notebook!r}")
        if not isinstance(self.metric, str) or not self.metric:
            raise ValueError("metric: expected a short description of what is measured")

    def record(self, *, baseline: float, failure: float, mitigated: float) -> None:
        """Record the three measured states of the lesson (floats, shown on the scoreboard)."""
        for name, value in (("baseline", baseline), ("failure", failure), ("mitigated", mitigated)):
            if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating))
                    or not math.isfinite(float(value))):
                raise ValueError(f"{name}: expected a finite number, got {value!r}")
            self.figures[name] = float(value)

    def claim(self, text: str, holds: bool, *, value: float | str | None = None,
              threshold: float | None = None, timed: bool = False) -> None:
        """Add a claim; ``holds`` is its truth, ``value`` the figure that decides it and
        ``threshold`` the bound it is compared with (so a seed sweep can report the margin).

        ``timed=True`` marks a value measured by a clock (latency, CPU time): it is recorded for
        ``kit sweep`` but printed as ``(timed)``, so a fresh run prints what the stored notebook
        shows on any machine. The claim itself still decides, and can still fail.

        >>> c = Check("99_demo", metric="m")
        >>> c.claim("p99 latency <= 2 ms", True, value=0.0013, threshold=0.002, timed=True)
        >>> print(c.summary())
        Check 99_demo
          PASS  p99 latency <= 2 ms  (timed)
        """
        if not isinstance(timed, (bool, np.bool_)):
            raise ValueError(f"timed: expected True or False, got {timed!r}")
        if not isinstance(text, str) or not text:
            raise ValueError("text: expected the claim as a sentence")
        try:
            truth = bool(holds)
        except Exception as exc:  # numpy arrays of several values land here
            raise ValueError(f"holds: expected a single truth value, got {holds!r}") from exc
        if value is not None and not isinstance(value, str):
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise TypeError(f"value: expected a number, a string or None, got {type(value).__name__}") from None
        if threshold is not None:
            if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or math.isnan(threshold):
                raise ValueError(f"threshold: expected a finite number, got {threshold!r}")
            if not isinstance(value, float):
                raise ValueError("threshold: a threshold needs a numeric value= to compare with")
            threshold = float(threshold)
        self.claims.append(Claim(text, truth, value, threshold, bool(timed)))

    @property
    def passed(self) -> bool:
        """True when at least one claim was made and every claim holds."""
        return bool(self.claims) and all(c.holds for c in self.claims)

    @property
    def failed(self) -> str:
        """The failed claims as one message ('' when none failed): the Check cell's assert text."""
        texts = [c.text for c in self.claims if not c.holds]
        return f"{len(texts)} claim(s) failed: " + "; ".join(texts) if texts else ""

    def summary(self) -> str:
        figs = " | ".join(f"{k} {_fmt(v, self.digits)}" for k, v in self.figures.items())
        lines = [f"Check {self.notebook} -- {self.metric}: {figs}" if figs else f"Check {self.notebook}"]
        for c in self.claims:
            shown = ("  (timed)" if c.timed else
                     f"  ({_fmt(c.value, self.digits)})" if c.value is not None else "")
            lines.append(f"  {'PASS' if c.holds else 'FAIL'}  {c.text}{shown}")
        return "\n".join(lines)

    def finish(self) -> None:
        """Print the claims and write the scoreboard record; the cell then asserts ``passed``."""
        if not self.claims:
            raise AssertionError("Check.finish: no claims were made; a Check cell must assert something")
        if set(self.figures) != {"baseline", "failure", "mitigated"}:
            raise AssertionError("Check.finish: call record(baseline=..., failure=..., mitigated=...) first")
        print(self.summary())
        out = os.environ.get(RESULTS_ENV)
        if out:
            path = Path(out)
            path.mkdir(parents=True, exist_ok=True)
            record = {
                "notebook": self.notebook,
                "metric": self.metric,
                "figures": self.figures,
                "claims": [{**asdict(c), "margin": c.margin} for c in self.claims],
                "passed": self.passed,
            }
            (path / f"{self.notebook}.json").write_text(json.dumps(record, indent=2))
        print(f"All {len(self.claims)} claims hold." if self.passed else self.failed)
