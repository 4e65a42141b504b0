import random

import numpy as np
import pytest
import torch

import kit
from kit.repro import setup


def test_same_seed_same_streams():
    a = setup(3)
    first = (random.random(), np.random.rand(), torch.rand(1).item(), a.rng(1).random())
    b = setup(3)
    second = (random.random(), np.random.rand(), torch.rand(1).item(), b.rng(1).random())
    assert first == second


def test_session_settings():
    s = setup(1, scale="full", threads=1)
    assert (s.seed, s.scale, s.device, s.quick) == (1, "full", "cpu", False)
    assert torch.get_num_threads() == 1
    assert s.rng(0).random() != s.rng(1).random()


@pytest.mark.parametrize("kwargs, match", [
    ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"), ({"seed": 0, "scale": "huge"}, "scale"),
    ({"seed": 0, "device": "tpu"}, "device"), ({"seed": 0, "threads": 0}, "threads"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        setup(**kwargs)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_cuda_requested_without_gpu():
    with pytest.raises(RuntimeError, match="device"):
        setup(0, device="cuda")


def test_auto_device_falls_back_to_cpu_or_takes_gpu():
    assert setup(0, device="auto").device == ("cuda" if torch.cuda.is_available() else "cpu")


def test_package_exports():
    assert kit.setup is setup and kit.Check.__name__ == "Check"


@pytest.mark.parametrize("kwargs, error, name", [
    ({"scale": np.zeros(2)}, TypeError, "scale"),
    ({"device": np.zeros(2)}, TypeError, "device"),
    ({"threads": 2**70}, ValueError, "threads"),
    ({"torch": np.zeros(2)}, TypeError, "torch"),
])
def test_bad_setup_arguments_start_with_their_name(kwargs, error, name):
    with pytest.raises(error, match=f"^{name}: "):
        setup(0, **kwargs)


def test_setup_takes_numpy_integer_threads():
    assert setup(0, threads=np.int64(1), torch=False).threads == 1


@pytest.mark.parametrize("offset, error", [(None, TypeError), (-1, ValueError), (0.5, TypeError)])
def test_session_rng_offset_is_named(offset, error):
    with pytest.raises(error, match="^offset: "):
        setup(0, torch=False).rng(offset)
