"""Tests for kit.sim.conversion: top-k recommendations, exact rates, simulated visits."""

import numpy as np
import pytest

from kit.sim.conversion import Population, recommend


def test_recommend_is_the_top_k_by_score_skipping_the_excluded():
    rng = np.random.default_rng(0)
    S = rng.normal(size=(20, 50))
    E = rng.random((20, 50)) < 0.3
    top = recommend(S, k=4, exclude=E)
    ref = np.argsort(-np.where(E, -np.inf, S), axis=1)[:, :4]
    np.testing.assert_array_equal(top, ref)
    assert not np.take_along_axis(E, top, axis=1).any()


def test_rates_follow_the_stated_curves():
    U = np.array([[4.0, 3.0, 5.0], [2.0, 2.0, 2.0]])
    pop = Population(U, book_max=0.5, book_mid=4.0, book_width=0.5, click_max=0.2, click_mid=4.0, click_width=1.0)
    r = pop.rates([[0, 1], [0, 1]])
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert r["book"].tolist() == pytest.approx([0.25, 0.5 * sig(-4.0)])
    assert r["click"][0] == pytest.approx(0.2 * (0.5 + sig(-1.0)) / 2)
    assert r["best_utility"].tolist() == [4.0, 2.0]


def test_simulated_visits_converge_to_the_exact_rates():
    rng = np.random.default_rng(3)
    pop = Population(rng.uniform(3, 5, size=(30, 40)))
    shown = recommend(pop.U, k=3)
    v = pop.visit(shown, 200_000, seed=5)
    exact = pop.rates(shown)
    assert v["booked"].mean() == pytest.approx(exact["book"].mean(), abs=0.004)
    assert v["clicks"].sum() / v["impressions"].sum() == pytest.approx(exact["click"].mean(), abs=0.003)
    assert v.equals(pop.visit(shown, 200_000, seed=5))


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="^k: "):
        recommend(np.zeros((2, 3)), k=4)
    with pytest.raises(ValueError, match="^exclude: "):
        recommend(np.zeros((2, 3)), k=1, exclude=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match="^book_max: "):
        Population(np.zeros((2, 2)), book_max=2.0)
    with pytest.raises(ValueError, match="^shown: "):
        Population(np.zeros((2, 2))).rates([[0], [5]])
