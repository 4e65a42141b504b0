"""Checkable exercises of the cross-cutting lessons (17-24) and the case studies (see ``kit.exercises``)."""

from __future__ import annotations

from kit.exercises.judges import Exercise, number


def _ece_example() -> float:
    import numpy as np

    from kit.calibration import expected_calibration_error

    y = np.r_[np.ones(72), np.zeros(28), np.ones(50), np.zeros(50)]
    return expected_calibration_error(y, np.r_[np.full(100, 0.9), np.full(100, 0.5)])


def _cs03_sample_size() -> int:
    from kit.experiments import sample_size

    return sample_size(0.10, 0.01)


EXERCISES: list[Exercise] = [
    Exercise("17", 4, "the FPR gap (Black minus white) of the confusion counts in exercise 4 (a number in [-1, 1])",
             number(450 / 1000 - 280 / 1200, tol=0.005, close=0.015,
                    right="450/1,000 - 280/1,200: a false-positive rate counts only the people who did not "
                          "reoffend.",
                    wrong="the false-positive rate is the share labelled high risk among those who did not "
                          "reoffend, per group.",
                    low="too small: the false-positive rate divides by the non-reoffenders of each group only.",
                    high="too large: the false-positive rate divides by the non-reoffenders of each group, "
                         "not by everyone labelled high risk or every defendant.")),
    Exercise("18", 3, "the watermark z-score of a headline with 9 green tokens among 12 scored, gamma = 0.25 "
             "(a number)",
             number((9 - 0.25 * 12) / (12 * 0.25 * 0.75) ** 0.5, tol=0.01, close=0.1,
                    right="(g - gamma T) / sqrt(T gamma (1 - gamma)) = (9 - 3) / 1.5: exactly at the threshold of 4.",
                    wrong="subtract the expected green count gamma x T and divide by the binomial standard "
                          "deviation sqrt(T gamma (1 - gamma)).",
                    low="too small: divide by the standard deviation of the green count, sqrt(T gamma (1 - gamma)), "
                        "not by T or by the variance.",
                    high="too large: subtract the expected green count gamma x T before dividing.")),
    Exercise("19", 4, "the expected number of shards retrained when 20 erasure requests, each in a uniformly "
             "random one of 16 shards, are honoured together (a number)",
             number(16 * (1 - (15 / 16) ** 20), tol=0.05, close=0.5,
                    right="16 x (1 - (15/16)^20): each shard escapes all 20 requests with probability (15/16)^20.",
                    wrong="count the shards that at least one request falls in: one minus the chance that a "
                          "shard escapes every request, times the number of shards.",
                    low="too small: two requests can share a shard, but 20 requests among 16 shards still touch "
                        "most of them.",
                    high="too large: requests that fall in the same shard retrain it once.")),
    Exercise("20", 4, "the expected calibration error of 100 cases scored 0.9 (72 positive) and 100 cases scored "
             "0.5 (50 positive) (a number in [0, 1])",
             number(lambda: _ece_example(), tol=0.002, close=0.01,
                    right="each bin's |accuracy - confidence|, weighted by its share of the cases.",
                    wrong="per bin, compare the share of positives with the score, then weight by the bin's size.",
                    low="too small: a bin whose cases are scored 0.9 but right less often than that is off by "
                        "the difference.",
                    high="too large: weight each bin's gap by its share of all the cases.")),
    Exercise("21", 5, "the most an L-infinity perturbation of budget eps = 0.15 can move a linear score w . x "
             "whose weights' absolute values sum to 40 (a number)",
             number(0.15 * 40, tol=0.001, close=0.05, relative=True,
                    right="eps x ||w||_1: every pixel moves by eps in the direction of its weight's sign, and "
                          "the small moves add up over many pixels.",
                    wrong="move every input by eps in the direction of its weight's sign and add up the effects.",
                    low="too small: every input moves by eps at once, each in the direction of its weight's sign.",
                    high="too large: no input may move by more than eps.")),
    Exercise("22", 5, "the share of the rows labelled 0 that are poison when 100 backdoored digits labelled 0 "
             "join 200 clean digits of class 0 in a set of 2,000 (a number in [0, 1])",
             number(100 / 300, tol=0.005, close=0.02,
                    right="100 of the 300 rows labelled 0: a small share of the data is a large share of its "
                          "target class.",
                    wrong="count the poison among the rows labelled 0, not among all rows.",
                    low="too small: divide by the rows labelled 0 (clean and poison), not by the whole set.",
                    high="too large: the rows labelled 0 include the poison itself.")),
    Exercise("23", 1, "the number of queries equation solving needs to extract a softmax regression on 28x28 "
             "MNIST pixels (a whole number)",
             number(28 * 28 + 1, tol=0.5, close=0.5,
                    right="d + 1: one unknown per pixel, plus the intercept.",
                    wrong="count the unknowns of one class's log-odds: a weight per pixel and an intercept.",
                    low="too few: one query per pixel weight, and one more for the intercept.",
                    high="too many: each query gives one equation per class's log-odds, and each log-odds has "
                         "one weight per pixel plus an intercept.")),
    Exercise("24", 5, "the leak, from the three attack accuracies of exercise 5 (a number in [-1, 1])",
             number(0.80 - 0.62, tol=0.005, close=0.015,
                    right="the target's accuracy on its members minus the control's on the same members: what "
                          "the model adds to what the population's correlations already tell.",
                    wrong="compare the same people (the members) under two models: the target and the control.",
                    low="too small: compare the members under the target with the same members under the "
                        "control, not with the non-members.",
                    high="too large: part of the attack's success is imputation, which the control achieves "
                         "without having seen anyone.")),
    Exercise("cs01", 1, "the predicted probability of default above which the lender refuses, when a repaid loan "
             "earns 1 unit and a default loses 15 (a number in [0, 1])",
             number(1 / 16, tol=0.0005, close=0.003,
                    right="approving pays (1 - p) - 15 p, refusing pays 0: refuse when p >= 1/16.",
                    wrong="set the expected gain of approving, (1 - p) x 1 + p x (-15), equal to refusing's, 0.",
                    low="too small: the margin on a repaid loan counts too; 1 / (1 + 15), not a smaller share.",
                    high="too large: divide by the margin plus the loss, 1 + 15, not by the loss alone.")),
    Exercise("cs02", 1, "the most attack copies the model can learn under a rate limit of 2 submissions per user per "
             "hour, with 10 attacking accounts active for 20 hours (a whole number)",
             number(10 * 2 * 20, tol=0.5, close=40,
                    right="10 accounts x 2 per hour x 20 hours: the limit caps each account, not the group.",
                    wrong="multiply the accounts by the cap per hour and by the hours of the attack.",
                    low="too few: the cap applies to each of the 10 accounts, every hour of the attack.",
                    high="too many: each account has at most 2 submissions learned per hour, whatever it sends.")),
    Exercise("cs03", 1, "the visits per arm a two-sided 5% z-test needs for 80% power to detect a booking rate "
             "rising from 10% to 11% (a whole number)",
             number(lambda: float(_cs03_sample_size()), tol=0.01, close=0.05, relative=True,
                    right="(z_0.975 sqrt(2 p q) + z_0.8 sqrt(p_a q_a + p_b q_b))^2 / MDE^2: the visits grow with "
                          "1 / MDE^2.",
                    wrong="use the two-proportion sample-size formula with the MDE as the difference of the rates.",
                    low="too few: use z for a two-sided test at 5% plus z for 80% power, square, and divide by "
                        "the squared lift (per arm).",
                    high="too many: the count is per arm, and the lift is one point (0.01), not a relative 10%.")),
]
