"""Exercises a learner can check: right, close, or wrong with a hint, never the solution.

Where an exercise has a definite answer (a number, a threshold, a word, a function), its
notebook has a cell such as ``kit.exercises.check("08", 1, answer)``. The checker compares the
answer with a reference that it holds or computes (from the formula, or from the real data
with the kit), and says **right**, **close** (within a looser tolerance: usually rounding or a
small slip) or **wrong**, with a hint that points at the idea, not at the value. The student
copies (``kit handout``) keep these cells and drop the solutions.

The exercises live in one module per stage of the survey (``data``, ``learning``,
``verification``, ``deployment``, ``crosscutting``); ``judges`` builds the checkers.
``tests/test_exercises.py`` shows that every checker accepts the reference solution and
rejects a wrong answer.

Examples
--------
>>> check("08", 1, 45 / 9)
RIGHT: 45 / 9: a default costs five years of a good account's margin.
>>> check("08", 1, 0.2)
WRONG: too small: the ratio is what a default loses divided by what a good account earns.
"""

from __future__ import annotations

import numbers
from typing import Any

from kit.exercises.judges import Exercise, Feedback

__all__ = ["check", "exercises", "Exercise", "Feedback"]


def _registry() -> dict[tuple[str, int], Exercise]:
    from kit.exercises import crosscutting, data, deployment, learning, verification

    found: dict[tuple[str, int], Exercise] = {}
    for module in (data, learning, verification, deployment, crosscutting):
        for ex in module.EXERCISES:
            key = (ex.lesson, ex.number)
            if key in found:
                raise RuntimeError(f"exercise {key} is registered twice")  # a kit bug, caught by the tests
            found[key] = ex
    return found


def _lesson(lesson: Any) -> str:
    if isinstance(lesson, bool) or not isinstance(lesson, (str, int)):
        raise TypeError(f"lesson: expected a lesson number such as '08' or 8, got {type(lesson).__name__}")
    text = str(lesson).strip().lower()
    head = text.split("_")[0]
    if head.startswith("cs") and head[2:].isdigit():
        return f"cs{int(head[2:]):02d}"
    if head.isdigit():
        return f"{int(head):02d}"
    raise ValueError(f"lesson: expected a lesson number such as '08', 8 or 'cs01', got {lesson!r}")


def exercises(lesson: Any = None) -> list[Exercise]:
    """The checkable exercises, of one lesson or all, in order.

    >>> [(e.lesson, e.number) for e in exercises("08")]
    [('08', 1)]
    """
    wanted = None if lesson is None else _lesson(lesson)
    return sorted((e for e in _registry().values() if wanted in (None, e.lesson)),
                  key=lambda e: (e.lesson, e.number))


def check(lesson: Any, exercise: int, answer: Any) -> Feedback:
    """Say whether ``answer`` to exercise ``exercise`` of ``lesson`` is right, close or wrong.

    Parameters
    ----------
    lesson : str or int
        The lesson's number as in its file name: ``"08"``, ``8`` or ``"cs01"``.
    exercise : int
        The exercise's number in the notebook's Exercises section.
    answer : any
        What the exercise asks for (a number, a string, a function...). ``None`` (not answered
        yet) gets a reminder of the question.

    Returns
    -------
    Feedback
        ``status`` is "right", "close", "wrong" or "no answer"; ``bool(verdict)`` is True only
        when right. It prints as one line, and never contains the reference answer.

    Examples
    --------
    >>> check(8, 1, None)
    NO ANSWER: replace None with your answer to: the cost ratio (loss on a default : margin on a good account) for a 45% loss given default and a 9% margin (a number)
    """
    key = _lesson(lesson)
    if isinstance(exercise, bool) or not isinstance(exercise, numbers.Integral):
        raise TypeError(f"exercise: expected the exercise's number (an int), got {type(exercise).__name__}")
    registry = _registry()
    known = sorted(n for (les, n) in registry if les == key)
    if (key, int(exercise)) not in registry:
        where = (f"lesson {key} has checkable exercises {known}" if known
                 else f"lesson {key} has no checkable exercise")
        raise ValueError(f"exercise: {exercise} is not checkable; {where}")
    ex = registry[(key, int(exercise))]
    if answer is None:
        return Feedback("no answer", f"replace None with your answer to: {ex.asks}")
    return ex.judge(answer)
