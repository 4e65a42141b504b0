"""Checkable exercises of the model-deployment lessons (12-16), and of the welcome (00), whose failure
is a training/serving skew (see ``kit.exercises``)."""

from __future__ import annotations

import math

from kit.exercises.judges import Exercise, number

EXERCISES: list[Exercise] = [
    Exercise("00", 4, "the value the model should receive for a pixel with training mean 4.0 and standard "
             "deviation 2.0 when a request's raw value is 10 (a number)",
             number(3.0, tol=0.001, close=0.01,
                    right="(10 - 4) / 2, with the training statistics: the raw 10 is what the skewed server sent.",
                    wrong="standardise with the training statistics: subtract the mean, divide by the deviation.",
                    low="too small: subtract the training mean, then divide by the training deviation.",
                    high="too large: the model saw standardised pixels in training; subtract the training mean "
                         "and divide by the training deviation.")),
    Exercise("12", 5, "the fewest random rows a parity test must replay to include, with probability at least "
             "95%, a row of a skew that touches 1% of rows (a whole number)",
             number(math.ceil(math.log(0.05) / math.log(0.99)), tol=0.5, close=3.0,
                    right="the smallest n with 1 - 0.99^n >= 0.95: a few hundred rows, where one row per "
                          "destination covers the skew by construction.",
                    wrong="find the smallest n with 1 - 0.99^n >= 0.95.",
                    low="too few: the chance that n random rows all miss the skew is 0.99^n; it must fall to "
                        "0.05.",
                    high="too many: you need the smallest n with 0.99^n <= 0.05.")),
    Exercise("13", 4, "the AUROC of a detector that scores in-distribution inputs 0.1, 0.3, 0.5, 0.7 and "
             "out-of-distribution inputs 0.4, 0.8 (a number in [0, 1])",
             number(0.75, tol=0.001, close=0.02,
                    right="6 of the 8 (OOD, in-distribution) pairs have the OOD input scoring higher.",
                    wrong="count the (OOD, in-distribution) pairs in which the OOD input scores higher, and divide "
                          "by the number of pairs.",
                    low="too small: 0.4 beats two in-distribution scores and 0.8 beats all four.",
                    high="too large: 0.4 does not beat 0.5 or 0.7; count the pairs it wins.")),
    Exercise("14", 6, "the predicted probability of default below which a loan pays off in expectation, for a "
             "gain of 1 on a repaid loan and a loss of 8 on a default (a number in [0, 1])",
             number(1 / 9, tol=0.002, close=0.005,
                    right="gain / (gain + loss): lend when (1 - p) x 1 > p x 8.",
                    wrong="lend when the expected gain (1 - p) x 1 exceeds the expected loss p x 8.",
                    low="too small: solve (1 - p) x 1 = p x 8 for p.",
                    high="too large: the break-even p solves (1 - p) x 1 = p x 8, not p = gain / loss.")),
    Exercise("15", 6, "the expected number of false alarms of CalibrationDrift(threshold=2) over 30 batches of a "
             "calibrated model (a number)",
             number(30 * math.erfc(2 / math.sqrt(2)), tol=0.02, close=0.15,
                    right="30 x P(|z| > 2): about one false alarm every 22 batches of a model that is fine.",
                    wrong="under calibration z is about standard normal; the alarm fires on either side.",
                    low="too few: the alarm fires when |z| > 2, on either side of zero.",
                    high="too many: under calibration z is about standard normal; how often is |z| > 2?")),
    Exercise("16", 4, "the negative-flip rate of an update compared on 1,000 people: both models right on 780, "
             "only the old one on 50, only the new one on 110, both wrong on 60 (a number in [0, 1])",
             number(50 / 1000, tol=0.0005, close=0.002,
                    right="right before and wrong after: 50 of the 1,000 people, although accuracy rises by 6 points.",
                    wrong="count the people the old model got right and the new one gets wrong, over everyone.",
                    low="too small: a negative flip is right before (old model) and wrong after (new model).",
                    high="too large: count only the people the old model got right and the new one gets wrong, "
                         "and divide by all 1,000.")),
]
