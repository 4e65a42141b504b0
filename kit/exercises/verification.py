"""Checkable exercises of the model-verification lessons (08-11; see ``kit.exercises``)."""

from __future__ import annotations

from kit.exercises.judges import Exercise, number

EXERCISES: list[Exercise] = [
    Exercise("08", 1, "the cost ratio (loss on a default : margin on a good account) for a 45% loss "
             "given default and a 9% margin (a number)",
             number(5.0, tol=0.01, close=0.5,
                    right="45 / 9: a default costs five years of a good account's margin.",
                    wrong="compare what one default loses with what one good account earns.",
                    low="too small: the ratio is what a default loses divided by what a good account earns.",
                    high="too large: the ratio is what a default loses divided by what a good account earns.")),
]
