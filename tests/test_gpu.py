"""The GPU path: ``kit.setup(device="cuda")``, training and attacks on a GPU agree with the CPU.

Skipped where torch sees no GPU (CI has none); run on a GPU machine with
``python -m pytest -c /dev/null tests/test_gpu.py``.
"""

import numpy as np
import pytest
import torch

from kit import data, setup
from kit.models import nets
from kit.security import evasion

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU visible to torch")


def test_setup_picks_the_gpu():
    assert setup(0, device="auto").device == "cuda"
    assert setup(0, device="cuda").device == "cuda"
    assert setup(0).device == "cpu"


def test_training_and_pgd_on_gpu_match_cpu():
    X, y = data.load("digits")
    Xtr, ytr, Xte, yte = X[:1200], y[:1200], X[1200:], y[1200:]
    res = {}
    for device in ("cpu", "cuda"):
        net = nets.train(nets.SmallCNN(8), Xtr, ytr, epochs=5, seed=3, device=device, show_progress=False)
        clean = nets.accuracy(net, Xte, yte, device=device)
        adv = evasion.pgd(net, Xte, yte, eps=0.1, steps=5, seed=0, device=device)
        assert np.abs(adv - Xte).max() <= 0.1 + 1e-5 and adv.min() >= 0 and adv.max() <= 1
        robust = float((nets.predict(net, adv, device=device) == yte).mean())
        res[device] = (clean, robust)
        assert next(net.parameters()).device.type == device
    # same seed, same algorithm: GPU kernels differ in summation order, not in the result's size
    assert abs(res["cpu"][0] - res["cuda"][0]) <= 0.03
    assert abs(res["cpu"][1] - res["cuda"][1]) <= 0.08
    assert res["cuda"][1] < res["cuda"][0] - 0.2


def test_adversarial_training_hook_on_gpu_matches_cpu():
    X, y = data.load("digits")
    Xtr, ytr, Xte, yte = X[:1200], y[:1200], X[1200:], y[1200:]
    robust = {}
    for device in ("cpu", "cuda"):
        net = nets.train(nets.SmallCNN(8), Xtr, ytr, epochs=4, seed=0, device=device,
                         adversary=evasion.PGDAdversary(eps=0.1, steps=2), show_progress=False)
        assert next(net.parameters()).device.type == device
        adv = evasion.pgd(net, Xte, yte, eps=0.1, steps=5, seed=0, device=device)
        robust[device] = nets.accuracy(net, adv, yte, device=device)
    assert abs(robust["cpu"] - robust["cuda"]) <= 0.08
