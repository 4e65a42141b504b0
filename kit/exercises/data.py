"""Checkable exercises of the data-management lessons (01-04) (see ``kit.exercises``)."""

from __future__ import annotations

from functools import lru_cache

from kit.exercises.judges import Exercise, number


@lru_cache(maxsize=1)
def _flights_without_airport() -> int:
    """Departed flights whose destination has no row in ``airports`` (notebook 01, exercise 3)."""
    import kit.data

    flights, airports = kit.data.load("flights"), kit.data.load("airports")
    flown = flights[flights.dep_delay.notna()]
    return int((~flown.dest.isin(airports.faa)).sum())


EXERCISES: list[Exercise] = [
    Exercise("01", 3, "how many departed flights (`flown`) an inner join with `airports` on `dest` would drop "
             "(a whole number)",
             number(_flights_without_airport, tol=0.5, close=0.5,
                    right="an inner join would drop them without a word; the contract names the missing keys.",
                    wrong="count the departed flights whose `dest` has no row in `airports`.",
                    low="too few: count every departed flight whose `dest` is missing from `airports.faa`.",
                    high="too many: count only the flights that departed (`flown`, a known `dep_delay`).")),
    Exercise("02", 4, "the share of requests that fail when 1% of requests carry an unseen category, "
             "independently, and one unseen value fails its whole batch of 100 (a number in [0, 1])",
             number(1 - 0.99 ** 100, tol=0.005, close=0.02,
                    right="a batch of 100 survives only if all 100 requests are clean: 1 - 0.99^100.",
                    wrong="a request fails when any request of its batch has an unseen value.",
                    low="too small: a request fails when any of the 100 requests in its batch has an unseen "
                        "value, not only its own.",
                    high="too large: the chance that a batch of 100 holds no unseen value is 0.99 to the "
                         "power 100.")),
    Exercise("03", 7, "the sample weight of each real digit that gives 100 real digits half of the total weight "
             "in a pool with 700 rendered digits of weight 1 (a number)",
             number(7.0, tol=0.01, close=0.2,
                    right="100 real digits of weight 7 weigh as much as the 700 rendered ones.",
                    wrong="make the real digits' total weight equal the rendered digits' total weight.",
                    low="too small: the 100 real digits together must weigh as much as the 700 rendered ones.",
                    high="too large: then the real digits carry more than half of the total weight.")),
    Exercise("04", 4, "the accuracy the pipeline reports when every test label reads as positive and the model "
             "predicts positive for 230 of 1,000 people (a number in [0, 1])",
             number(0.23, tol=0.001, close=0.01,
                    right="with every label positive, a prediction is 'right' exactly when it is positive: the "
                          "number measures the model's positive rate, not its quality.",
                    wrong="with every label positive, which predictions count as right?",
                    low="too small: with every label positive, every positive prediction counts as right.",
                    high="too large: with every label positive, every negative prediction counts as wrong.")),
]
