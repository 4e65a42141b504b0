"""Checkers for exercises: a number within a tolerance, one of a few words, a function that
gives the right values. Each returns a judge, ``answer -> Feedback``, that never shows the
reference; the hints point at the idea.

Plumbing a learner may skip: the exercises themselves are in the stage modules of
``kit.exercises``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from kit._validate import check_range, check_type

STATUSES = ("right", "close", "wrong", "no answer")


@dataclass(frozen=True)
class Feedback:
    """What a checker says: ``status`` (right, close, wrong, no answer) and a one-line message.

    >>> v = Feedback("close", "check your rounding")
    >>> v, bool(v)
    (CLOSE: check your rounding, False)
    """

    status: str
    message: str

    def __post_init__(self) -> None:
        if not isinstance(self.status, str) or self.status not in STATUSES:
            raise ValueError(f"status: expected one of {STATUSES}, got {self.status!r}")

    def __bool__(self) -> bool:
        return self.status == "right"

    def __repr__(self) -> str:
        return f"{self.status.upper()}: {self.message}"


@dataclass(frozen=True)
class Exercise:
    """One checkable exercise: its lesson, number, what it asks (one line) and its judge.

    >>> ex = Exercise("08", 1, "a number", number(0.5, tol=0.01, right="yes", wrong="no"))
    >>> ex, ex.judge(0.5)
    (Exercise 08.1: a number, RIGHT: yes)
    """

    lesson: str
    number: int
    asks: str
    judge: Callable[[Any], Feedback]

    def __repr__(self) -> str:
        return f"Exercise {self.lesson}.{self.number}: {self.asks}"


def _value(reference: float | Callable[[], float]) -> float:
    return float(reference() if callable(reference) else reference)


def _as_number(answer: Any) -> float | None:
    if isinstance(answer, bool):
        return None
    if isinstance(answer, Real) or (isinstance(answer, np.ndarray) and answer.size == 1):
        value = float(np.asarray(answer).item())
        return value if math.isfinite(value) else None
    return None


def number(reference: float | Callable[[], float], *, tol: float, close: float | None = None,
           right: str, wrong: str, low: str | None = None, high: str | None = None,
           relative: bool = False) -> Callable[[Any], Feedback]:
    """A judge for a numeric answer.

    Right when ``|answer - reference| <= tol``, close when within ``close`` (default ``3 * tol``),
    else wrong with the hint ``low`` or ``high`` (when given) for answers below or above, or
    ``wrong``. ``relative=True`` measures the tolerances as a share of the reference.
    ``reference`` may be a function, called when an answer is checked (a value computed from the
    real data). Non-numbers are wrong, with a message saying a number is expected.

    >>> judge = number(0.25, tol=0.01, right="yes", wrong="no", high="too big")
    >>> judge(0.251), judge(0.27), judge(0.5), judge("a quarter")
    (RIGHT: yes, CLOSE: within 0.03 of the answer; check your rounding or one step of the calculation., WRONG: too big, WRONG: expected a number, got str)
    """
    if not callable(reference):
        check_range(reference, "reference")
    check_range(tol, "tol", low=0.0)
    close = check_range(3 * tol if close is None else close, "close")
    if close < tol:
        raise ValueError(f"close: expected a value >= tol ({tol}), got {close}")
    for name, text in (("right", right), ("wrong", wrong), ("low", low), ("high", high)):
        if text is not None:
            check_type(text, name, str)

    def judge(answer: Any) -> Feedback:
        value = _as_number(answer)
        if value is None:
            return Feedback("wrong", f"expected a number, got {type(answer).__name__}")
        ref = _value(reference)
        scale = abs(ref) if relative else 1.0
        gap = abs(value - ref)
        if gap <= tol * scale:
            return Feedback("right", right)
        if gap <= close * scale:
            within = f"{close:.0%} of the answer" if relative else f"{close:g} of the answer"
            return Feedback("close", f"within {within}; check your rounding or one step of the calculation.")
        side = low if value < ref else high
        return Feedback("wrong", side or wrong)

    return judge


def one_of(accepted: Iterable[str], *, right: str, wrong: str,
           hints: Mapping[str, str] | None = None) -> Callable[[Any], Feedback]:
    """A judge for a word or short phrase: right if it is one of ``accepted`` (case and spaces
    ignored); a listed wrong answer gets its own hint from ``hints``.

    >>> judge = one_of(["fpr", "false positive rate"], right="yes", wrong="no", hints={"fnr": "the other one"})
    >>> judge(" FPR "), judge("FNR"), judge("accuracy")
    (RIGHT: yes, WRONG: the other one, WRONG: no)
    """
    if isinstance(accepted, str) or not isinstance(accepted, Iterable):
        raise TypeError(f"accepted: expected a list of accepted answers (str), got {type(accepted).__name__}")
    accepted = list(accepted)
    if not accepted or not all(isinstance(a, str) for a in accepted):
        raise ValueError("accepted: expected a non-empty list of strings")
    check_type(right, "right", str)
    check_type(wrong, "wrong", str)
    if hints is not None and not isinstance(hints, Mapping):
        raise TypeError(f"hints: expected a dict answer -> hint or None, got {type(hints).__name__}")
    ok = {" ".join(a.lower().split()) for a in accepted}
    notes = {" ".join(k.lower().split()): v for k, v in (hints or {}).items()}

    def judge(answer: Any) -> Feedback:
        if not isinstance(answer, str):
            return Feedback("wrong", f"expected a word or short phrase (a str), got {type(answer).__name__}")
        said = " ".join(answer.lower().split())
        if said in ok:
            return Feedback("right", right)
        return Feedback("wrong", notes.get(said, wrong))

    return judge


def function(cases: Sequence[tuple[tuple, Any]] | Callable[[], Sequence[tuple[tuple, Any]]], *,
             right: str, wrong: str, tol: float = 1e-6) -> Callable[[Any], Feedback]:
    """A judge for a function: called on each case's arguments, it must return the expected
    value (numbers and arrays within ``tol``). Says how many cases failed and, for the first, the
    arguments' shapes, never the expected value. ``cases`` may be a function that builds them.

    >>> judge = function([((2, 3), 5), ((0, 0), 0)], right="adds", wrong="add the two numbers")
    >>> judge(lambda a, b: a + b), judge(lambda a, b: a * b), judge(3)
    (RIGHT: adds, WRONG: 1 of 2 test cases differ (first: case 1). add the two numbers, WRONG: expected a function, got int)
    """
    if not callable(cases) and (isinstance(cases, (str, bytes)) or not isinstance(cases, Sequence) or not cases):
        raise TypeError(f"cases: expected a non-empty list of (args, expected) pairs or a function "
                        f"building them, got {type(cases).__name__}")
    check_type(right, "right", str)
    check_type(wrong, "wrong", str)
    check_range(tol, "tol", low=0.0)

    def judge(answer: Any) -> Feedback:
        if not callable(answer):
            return Feedback("wrong", f"expected a function, got {type(answer).__name__}")
        todo = cases() if callable(cases) else cases
        bad = []
        for i, (args, expected) in enumerate(todo, start=1):
            try:
                got = answer(*args)
            except Exception as exc:  # the learner's code: report, do not crash the notebook
                return Feedback("wrong", f"your function raised {type(exc).__name__}: {exc} (on case {i}). {wrong}")
            if not _same(got, expected, tol):
                bad.append(i)
        if not bad:
            return Feedback("right", right)
        return Feedback("wrong", f"{len(bad)} of {len(todo)} test cases differ (first: case {bad[0]}). {wrong}")

    return judge


def _same(got: Any, expected: Any, tol: float) -> bool:
    try:
        g, e = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return got == expected
    return g.shape == e.shape and bool(np.all(np.abs(g - e) <= tol))
