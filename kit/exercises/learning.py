"""Checkable exercises of the model-learning lessons (05-07) (see ``kit.exercises``)."""

from __future__ import annotations

from kit.exercises.judges import Exercise, number, one_of


def _grams_co2() -> float:
    from kit.compute import EnergyModel

    model = EnergyModel(watts_per_core=10.0, pue=1.5, kg_co2_per_kwh=0.4, source="exercise 06.5")
    return 1000 * model.kg_co2(model.kwh(7200))


def _dp_advantage_bound() -> float:
    from kit.security.membership import advantage_bound

    return advantage_bound(1.0, delta=0.0)


EXERCISES: list[Exercise] = [
    Exercise("05", 5, "the letter (A, B, C or D) of the candidate to deploy under the budget of exercise 5 "
             "(a str)",
             one_of(["c", "c.", "(c)", "boosting (20 trees)"],
                    right="the most accurate candidate that meets both budgets; the leaderboard's winner "
                          "does not fit.",
                    wrong="keep the candidates that meet both limits, then take the best validation AUC among them.",
                    hints={"a": "A has the best AUC, but check its file size against the budget.",
                           "b": "B misses both limits.",
                           "d": "D meets the budget, but is it the most accurate candidate that does?"})),
    Exercise("06", 5, "the grams of CO2 of 7,200 busy core-seconds at 10 W per core, a PUE of 1.5 and 0.4 kg CO2 "
             "per kWh (a number, in grams)",
             number(_grams_co2, tol=0.05, close=0.1, relative=True,
                    right="W x s gives joules, the PUE adds the data centre's overhead, 3.6 MJ make a kWh, and "
                          "the grid's intensity turns kWh into CO2.",
                    wrong="core-seconds x watts gives joules; then the PUE, the kWh and the grid's intensity.",
                    low="too small: did you multiply by the PUE, and give the answer in grams, not kg?",
                    high="too large: a kWh is 3.6 million joules (watt-seconds).")),
    Exercise("07", 6, "the largest membership advantage any attack can reach against a model trained with "
             "(epsilon = 1, delta = 0) differential privacy (a number in [0, 1])",
             number(_dp_advantage_bound, tol=0.005, close=0.02,
                    right="(e - 1) / (e + 1): the best test that DP's two error inequalities allow.",
                    wrong="use the hypothesis-testing bound: FPR + e^epsilon FNR >= 1, and the same with the "
                          "errors swapped.",
                    low="too small: the bound comes from FPR + e^epsilon FNR >= 1 and the same with the two "
                        "errors swapped; find the best test they allow.",
                    high="too large: an advantage is TPR - FPR, at most 1; Yeom's e^epsilon - 1 says nothing "
                         "here. Use the hypothesis-testing bound.")),
]
