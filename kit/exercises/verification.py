"""Checkable exercises of the model-verification lessons (08-11; see ``kit.exercises``)."""

from __future__ import annotations

from kit.exercises.judges import Exercise, function, number

#: (correct, slice size) pairs on which a learner's Wilson lower bound is judged (exercise 10.5)
_WILSON_CASES = [(27, 30), (90, 100), (0, 10), (10, 10), (150, 200), (1, 3)]


def _wilson_cases() -> list[tuple[tuple, float]]:
    from kit.acceptance import accuracy_bounds

    low, _ = accuracy_bounds([k for k, _ in _WILSON_CASES], [n for _, n in _WILSON_CASES])
    return [((k, n), float(v)) for (k, n), v in zip(_WILSON_CASES, low, strict=True)]


EXERCISES: list[Exercise] = [
    Exercise("08", 1, "the cost ratio (loss on a default : margin on a good account) for a 45% loss "
             "given default and a 9% margin (a number)",
             number(5.0, tol=0.01, close=0.5,
                    right="45 / 9: a default costs five years of a good account's margin.",
                    wrong="compare what one default loses with what one good account earns.",
                    low="too small: the ratio is what a default loses divided by what a good account earns.",
                    high="too large: the ratio is what a default loses divided by what a good account earns.")),
    Exercise("09", 5, "the upper bound that interval bound propagation gives for relu(2 x1 - x2 + 0.5) with x1 "
             "and x2 each in [0, 1] (a number)",
             number(2.5, tol=0.001, close=0.01,
                    right="each input sits at the end its weight favours: x1 = 1, x2 = 0.",
                    wrong="push each input to the end of its interval that raises the pre-activation.",
                    low="too small: a negative weight raises the output when its input is at its lower end.",
                    high="too large: a negative weight cannot raise the output by more than its input's "
                         "lower end allows.")),
    Exercise("10", 5, "a function wilson_lower(k, n): the lower end of the two-sided 95% Wilson interval on an "
             "accuracy of k correct out of n (a function)",
             function(_wilson_cases, tol=1e-3,
                      right="the Wilson bound stays inside [0, 1] and is honest on small slices and accuracies "
                            "near 1.",
                      wrong="use the Wilson score interval (centre (k + z^2/2) / (n + z^2), z = 1.96), not "
                            "p - 1.96 sqrt(p(1-p)/n), which collapses to p when k = 0 or k = n.")),
    Exercise("11", 5, "the share of clean batches a gate of 14 independent column checks would hold if each "
             "check alone held 1% of clean batches (a number in [0, 1])",
             number(1 - 0.99 ** 14, tol=0.002, close=0.01,
                    right="1 - 0.99^14: each check's false alarms add up, which is why the kit sets each "
                          "check at 1% / 14.",
                    wrong="a clean batch passes only if all 14 checks pass.",
                    low="too small: a clean batch is held when any of the 14 checks fires.",
                    high="too large: a clean batch passes only if all 14 checks pass, each with probability "
                         "0.99.")),
]
