"""Properties of the public API under generated input (issue 13): only documented errors.

Each property says what must hold for every input hypothesis generates: a result, or a
ValueError/TypeError that names the argument; the same seed gives the same output (numpy
integer seeds included); a detector is never blinded by bad input; a drift test never returns
a NaN. Sizes are small so the file runs in seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kit._validate import as_array, check_device, check_flag, check_range, check_seed
from kit.models.nets import SmallCNN, check_fits, predict_proba, train
from kit.security import evasion, poisoning, sanitise, stealing
from kit.security.api import PredictionAPI
from kit.shift.detectors import DDM, CalibrationDrift
from kit.shift.twosample import ks_test, mmd_test, psi
from kit.sim.impact import delta_mu
from kit.sim.policing import policing_loop

FEW = settings(max_examples=25, deadline=None)
SOME = settings(max_examples=60, deadline=None)

# anything a caller might pass by mistake
junk = st.one_of(
    st.none(), st.booleans(), st.text(max_size=5), st.integers(), st.floats(),
    st.just(2**70), st.just(np.int64(1)), st.just(np.float32(0.5)), st.lists(st.integers(), max_size=3),
    st.just(object()), st.just(np.zeros(0)), st.just(np.zeros((0, 5))), st.just(np.full((3, 2), np.nan)),
)
seeds = st.one_of(st.integers(0, 2**31), st.integers(0, 2**31).map(np.int64))
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


def documented(call, name: str) -> bool:
    """True when ``call()`` returns, or raises ValueError/TypeError naming ``name``."""
    try:
        call()
    except (ValueError, TypeError) as exc:
        assert name in str(exc), f"error does not name {name}: {exc}"
        return False
    return True


# --- the validation helpers ----------------------------------------------------------------

@SOME
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                  elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_as_array_returns_only_finite_values_or_names_the_argument(arr):
    if documented(lambda: as_array(arr, "X"), "X"):
        assert np.isfinite(as_array(arr, "X")).all()


@SOME
@given(st.one_of(junk, finite, st.integers(-(2**80), 2**80)))
def test_check_range_accepts_exactly_finite_numbers_in_range(value):
    ok = documented(lambda: check_range(value, "lr", low=0, high=10), "lr")
    is_number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    assert ok == (is_number and math.isfinite(float(value)) and 0 <= value <= 10)


@SOME
@given(st.one_of(junk, seeds))
def test_check_seed_accepts_non_negative_ints_of_any_kind_and_nothing_else(seed):
    ok = documented(lambda: check_seed(seed), "seed")
    is_int = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    assert ok == (is_int and 0 <= seed < 2**62)
    if ok:
        assert type(check_seed(seed)) is int and check_seed(seed) == seed


@FEW
@given(st.one_of(junk, st.sampled_from(["cpu", "cuda", "cuda:1", "gpu", "bogus", ""])))
def test_check_device_names_the_argument(device):
    if documented(lambda: check_device(device), "device"):
        assert isinstance(device, str)


@FEW
@given(junk)
def test_check_flag_accepts_only_booleans(value):
    assert documented(lambda: check_flag(value, "correct"), "correct") == isinstance(value, (bool, np.bool_))


# --- seeded functions: same seed, same output ----------------------------------------------

@FEW
@given(st.integers(0, 1000))
def test_numpy_integer_seeds_give_the_same_output_as_python_ints(seed):
    y = np.arange(4).repeat(5)
    a = poisoning.random_flips(y, 0.3, seed=seed)
    b = poisoning.random_flips(y, 0.3, seed=np.int64(seed))
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert np.array_equal(policing_loop([2.0, 1.0], days=10, seed=seed).allocation,
                          policing_loop([2.0, 1.0], days=10, seed=np.int64(seed)).allocation)
    m1 = mmd_test(np.eye(6), np.eye(6) + 1, n_permutations=9, seed=seed)
    m2 = mmd_test(np.eye(6), np.eye(6) + 1, n_permutations=9, seed=np.uint32(seed))
    assert m1.p_value == m2.p_value


@settings(max_examples=4, deadline=None)
@given(st.integers(0, 100))
def test_torch_seeded_functions_accept_numpy_seeds_and_repeat_exactly(seed):
    X = np.random.default_rng(0).random((6, 8, 8)).astype("float32")
    y = np.array([0, 1, 2, 0, 1, 2])
    nets = [train(SmallCNN(8, 3, width=2, seed=s), X, y, epochs=1, seed=s, show_progress=False)
            for s in (seed, np.int64(seed))]
    assert all(torch.equal(a, b) for a, b in zip(nets[0].state_dict().values(), nets[1].state_dict().values()))
    a1 = evasion.pgd(nets[0], X, y, eps=0.1, steps=1, seed=seed)
    a2 = evasion.pgd(nets[0], X, y, eps=0.1, steps=1, seed=np.int64(seed))
    assert np.array_equal(a1, a2)


@FEW
@given(st.sampled_from([None, -1, 1.5, "0", True]))
def test_seeds_that_cannot_reproduce_are_refused(seed):
    y = np.arange(4).repeat(5)
    X = np.zeros((20, 8, 8))
    for call in (lambda: poisoning.random_flips(y, 0.2, seed=seed),
                 lambda: poisoning.backdoor(X, y, 0.2, seed=seed),
                 lambda: train(SmallCNN(8, 4, width=2), X, y, epochs=1, seed=seed, show_progress=False)):
        with pytest.raises((TypeError, ValueError), match="seed"):
            call()


# --- models: labels and image sizes are checked against the model --------------------------

@FEW
@given(st.integers(-5, 20), st.sampled_from([6, 8, 10]))
def test_labels_and_sizes_outside_the_model_are_named(label, side):
    net = SmallCNN(8, 4, width=2)
    X = np.zeros((3, side, side), "float32")
    y = np.array([0, 1, label])
    fits = side == 8 and 0 <= label < 4
    for call, in ((lambda: train(net, X, y, epochs=1, show_progress=False),),
                  (lambda: evasion.fgsm(net, X, y, eps=0.1),),
                  (lambda: evasion.pgd(net, X, y, eps=0.1, steps=1),)):
        try:
            call()
            assert fits
        except (ValueError, TypeError) as exc:
            assert not fits and ("X:" in str(exc) or "y:" in str(exc)), exc


def test_check_fits_leaves_the_model_mode_alone():
    net = SmallCNN(8, 3, width=2).train()
    assert check_fits(net, torch.zeros(1, 1, 8, 8)) == 3 and net.training


@FEW
@given(st.one_of(junk, st.floats(0, 1e-1)))
def test_train_learning_rate_is_finite_and_bounded(lr):
    X, y = np.zeros((4, 8, 8), "float32"), np.array([0, 1, 0, 1])
    if documented(lambda: train(SmallCNN(8, 2, width=2), X, y, epochs=1, lr=lr, show_progress=False), "lr"):
        net = train(SmallCNN(8, 2, width=2), X, y, epochs=1, lr=lr, show_progress=False)
        assert all(torch.isfinite(p).all() for p in net.parameters())


def test_extract_by_learning_leaves_torchs_global_rng_alone():
    secret = stealing.SoftmaxRegression(np.random.default_rng(0).normal(size=(3, 2)), np.zeros(2))
    X = np.random.default_rng(1).random((20, 3))
    before = torch.random.get_rng_state()
    stealing.extract_by_learning(PredictionAPI(secret.predict_proba), X, model="mlp", n_classes=2,
                                 hidden=4, epochs=1)
    assert torch.equal(before, torch.random.get_rng_state())


# --- detectors are never blinded -----------------------------------------------------------

@SOME
@given(st.lists(st.one_of(st.sampled_from([0, 1, True, np.int64(1), 0.0, 1.0]), junk), max_size=20))
def test_ddm_refuses_anything_but_0_1_and_still_alarms_afterwards(stream):
    det = DDM()
    for x in stream:
        documented(lambda x=x: det.update(x), "x")
    alarms = 0
    for _ in range(200):
        det.update(0)
    for _ in range(2000):
        det.update(1)
        alarms += det.drift_detected
    assert alarms > 0


@FEW
@given(hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_calibration_drift_refuses_non_finite_scores(scores):
    det = CalibrationDrift()
    if documented(lambda: det.update((np.zeros(len(scores)), scores)), "y_score"):
        assert math.isfinite(det.z)


# --- drift tests: a number or a refusal, never a NaN ----------------------------------------

big = st.floats(-1e300, 1e300, allow_nan=False)


@FEW
@given(hnp.arrays(np.float64, (8, 2), elements=big), hnp.arrays(np.float64, (8, 2), elements=big))
def test_mmd_is_finite_or_refused(ref, cur):
    if documented(lambda: mmd_test(ref, cur, n_permutations=9), "X_ref"):
        t = mmd_test(ref, cur, n_permutations=9)
        assert math.isfinite(t.statistic) and 0 < t.p_value <= 1


@SOME
@given(st.one_of(junk, st.floats(1e-12, 1.0)))
def test_psi_floor_must_be_positive_and_the_statistic_finite(eps):
    rng = np.random.default_rng(0)
    ref, cur = rng.normal(size=100), rng.normal(1, 1, size=100)
    if documented(lambda: psi(ref, cur, eps=eps), "eps"):
        assert math.isfinite(psi(ref, cur, eps=eps).statistic)


@FEW
@given(hnp.arrays(np.float64, (6, 2), elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_ks_test_refuses_non_finite_rows(cur):
    ref = np.random.default_rng(0).normal(size=(6, 2))
    if documented(lambda: ks_test(ref, cur), "X_cur"):
        assert 0 <= ks_test(ref, cur).p_value <= 1


# --- poisoning and sanitising: tiny, empty and huge inputs ---------------------------------

@SOME
@given(st.lists(st.integers(0, 3), min_size=0, max_size=6), st.floats(0, 1))
def test_random_flips_on_tiny_inputs_flip_or_refuse(labels, share):
    y = np.array(labels, dtype=np.int64)
    if documented(lambda: poisoning.random_flips(y, share, seed=0), "y"):
        y2, idx = poisoning.random_flips(y, share, seed=0)
        assert (y2[idx] != y[idx]).all()


@FEW
@given(hnp.arrays(np.float64, st.tuples(st.integers(2, 8), st.integers(0, 3)), elements=big))
def test_spectral_scores_are_finite_or_refused(features):
    y = np.zeros(len(features), "int64")
    if documented(lambda: sanitise.spectral_scores(features, y), "features"):
        assert np.isfinite(sanitise.spectral_scores(features, y)).all()


@SOME
@given(st.lists(st.booleans(), max_size=5), st.lists(st.integers(-3, 8), max_size=4))
def test_filter_report_checks_its_indices(keep, poisoned):
    keep_arr, pois_arr = np.array(keep, dtype=bool), np.array(poisoned, dtype=np.int64)
    call = lambda: sanitise.filter_report(keep_arr, pois_arr)  # noqa: E731
    try:
        rep = call()
        assert 0 <= rep.poisoned_removed <= rep.poisoned_total
    except (ValueError, TypeError) as exc:
        assert "keep" in str(exc) or "poisoned" in str(exc), exc


@FEW
@given(junk)
def test_score_group_functions_name_a_wrong_group(group):
    assert not documented(lambda: delta_mu(group, 0.5), "group")


def test_predictions_are_probabilities():
    P = predict_proba(SmallCNN(8, 3, width=2), np.random.default_rng(0).random((4, 8, 8)))
    assert np.allclose(P.sum(1), 1) and np.isfinite(P).all()
