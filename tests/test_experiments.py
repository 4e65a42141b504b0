"""Tests for kit.experiments: the z-test agrees with scipy's chi-square test, the sample size with
its closed form and with the power it promises, A/A tests keep their level."""

import numpy as np
import pytest
from scipy import stats

from kit.experiments import ZTest, power, sample_size, simulate_trials, ztest


@pytest.mark.parametrize("k_a,n_a,k_b,n_b", [(250, 1000, 290, 1000), (30, 400, 22, 350), (5000, 20000, 5100, 20000)])
def test_ztest_equals_the_uncorrected_chi_square_test(k_a, n_a, k_b, n_b):
    t = ztest(k_a, n_a, k_b, n_b)
    chi2, p, _, _ = stats.chi2_contingency([[k_a, n_a - k_a], [k_b, n_b - k_b]], correction=False)
    assert t.z ** 2 == pytest.approx(chi2)
    assert t.p_value == pytest.approx(p)
    assert t.lift == pytest.approx(k_b / n_b - k_a / n_a)


def test_the_interval_is_the_wald_interval_and_arrays_give_one_test_each():
    t = ztest(100, 1000, 130, 1000)
    se = np.sqrt(0.1 * 0.9 / 1000 + 0.13 * 0.87 / 1000)
    assert (t.ci_low, t.ci_high) == pytest.approx((0.03 - 1.959964 * se, 0.03 + 1.959964 * se), abs=1e-6)
    many = ztest([100, 100], 1000, [130, 100], 1000)
    assert many.z.shape == (2,) and many.z[1] == 0 and "2 trials" in repr(many)
    assert isinstance(t, ZTest)


def test_sample_size_matches_the_closed_form_and_delivers_its_power():
    p_a, mde = 0.10, 0.01
    z_a, z_b = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    p_bar = p_a + mde / 2
    n = (z_a * np.sqrt(2 * p_bar * (1 - p_bar)) + z_b * np.sqrt(p_a * (1 - p_a) + (p_a + mde) * (1 - p_a - mde))) ** 2
    assert sample_size(p_a, mde) == int(np.ceil(n / mde ** 2))
    m = sample_size(0.25, 0.02)
    assert power(0.25, 0.27, m) >= 0.8 > power(0.25, 0.27, m - 50)


def test_simulated_power_and_level_agree_with_the_normal_approximation():
    n = sample_size(0.2, 0.02)
    hits = np.mean(simulate_trials(0.2, 0.22, n, trials=4000, seed=1).significant)
    assert hits == pytest.approx(power(0.2, 0.22, n), abs=0.03)
    aa = np.mean(simulate_trials(0.3, 0.3, 3000, trials=6000, seed=2).significant)
    assert aa == pytest.approx(0.05, abs=0.012)
    assert power(0.3, 0.3, 1000) == pytest.approx(0.05)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="^k_a: "):
        ztest(20, 10, 5, 10)
    with pytest.raises(ValueError, match="^n_b: "):
        ztest(2, 10, 0, 0)
    with pytest.raises(ValueError, match="^mde: "):
        sample_size(0.5, 0.0)
    with pytest.raises(ValueError, match="^p_a: "):
        power(1.5, 0.5, 10)
    with pytest.raises(TypeError, match="^n: "):
        simulate_trials(0.1, 0.1, 10.5)
