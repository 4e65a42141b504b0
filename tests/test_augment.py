"""kit.augment: the batch transforms agree with torchvision, keep their promises, and augment's
output does not depend on its batch size."""

import numpy as np
import pytest
import torch
import torchvision.transforms.v2.functional as TF

from kit import augment
from kit.augment import Compose, Elastic, Flip, RandomAffine, Rot180, Transform, affine_warp


def _batch(seed=0, n=4, size=28):
    return torch.rand(n, 1, size, size, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("angle", [-135.0, -30.0, 12.5, 90.0])
def test_rotation_matches_torchvision(angle):
    x = _batch()
    one = torch.ones(len(x))
    ours = affine_warp(x, angle * one, 0 * one, 0 * one, one)
    theirs = TF.rotate(x, angle, interpolation=TF.InterpolationMode.BILINEAR)
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_affine_matches_torchvision():
    x = _batch(1)
    one = torch.ones(len(x))
    ours = affine_warp(x, 20 * one, 3 * one, -2 * one, 1.2 * one)
    # torchvision's affine angle is clockwise, rotate's is counter-clockwise
    theirs = TF.affine(x, angle=-20.0, translate=[3, -2], scale=1.2, shear=[0.0, 0.0],
                       interpolation=TF.InterpolationMode.BILINEAR)
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_flips_match_torchvision():
    x, g = _batch(2), torch.Generator()
    assert torch.equal(Flip(p=1.0)(x, g), TF.horizontal_flip(x))
    assert torch.equal(Flip(p=1.0, axis="vertical")(x, g), TF.vertical_flip(x))
    assert torch.equal(Rot180(p=1.0)(x, g), torch.rot90(x, 2, dims=(2, 3)))
    assert torch.equal(Rot180(p=0.0)(x, g), x)


def test_identity_and_integer_shifts_are_exact():
    x = _batch(3, n=50, size=8)
    assert torch.allclose(RandomAffine()(x, torch.Generator()), x, atol=1e-6)
    out = RandomAffine(shift=1, integer_shift=True)(x, torch.Generator().manual_seed(0))
    moved = 0
    for i in range(len(x)):
        candidates = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                padded = torch.nn.functional.pad(x[i, 0], (1, 1, 1, 1))
                candidates.append(padded[1 - dy:9 - dy, 1 - dx:9 - dx])
        assert any(torch.allclose(out[i, 0], c, atol=1e-6) for c in candidates)
        moved += not torch.allclose(out[i, 0], x[i, 0])
    assert moved >= 35  # 8 of 9 offsets move the image


def test_transforms_are_seeded_by_the_generator_only():
    x = _batch(4)
    for t in (RandomAffine(degrees=30, shift=2, scale=0.1), Flip(), Rot180(), Elastic(alpha=8)):
        a = t(x, torch.Generator().manual_seed(5))
        torch.manual_seed(123)  # global state must not matter
        b = t(x, torch.Generator().manual_seed(5))
        assert torch.equal(a, b), t
    c = RandomAffine(degrees=30)(x, torch.Generator().manual_seed(6))
    assert not torch.equal(c, RandomAffine(degrees=30)(x, torch.Generator().manual_seed(5)))


def test_flip_probability_and_elastic_strength():
    x = _batch(5, n=400, size=8)
    flipped = Flip(p=0.5)(x, torch.Generator().manual_seed(0))
    share = (flipped != x).flatten(1).any(dim=1).float().mean().item()
    assert 0.4 < share < 0.6
    weak = (Elastic(alpha=1)(x, torch.Generator().manual_seed(0)) - x).abs().mean()
    strong = (Elastic(alpha=10)(x, torch.Generator().manual_seed(0)) - x).abs().mean()
    assert 0 < weak < strong


def test_augment_and_compose():
    X = np.random.default_rng(0).random((30, 8, 8)).astype("float32")
    t = Compose((RandomAffine(degrees=10), Flip(p=1.0)))
    A = augment.augment(X, t, seed=1)
    assert A.shape == X.shape and A.dtype == np.float32 and A.min() >= 0 and A.max() <= 1
    assert np.array_equal(A, augment.augment(X, t, seed=1))
    assert not np.array_equal(A, augment.augment(X, t, seed=2))


@pytest.mark.parametrize("t", [RandomAffine(degrees=30, shift=2, scale=0.1), RandomAffine(shift=1, integer_shift=True),
                               Flip(), Rot180(), Elastic(alpha=8),
                               Compose((RandomAffine(degrees=10), Elastic(alpha=4), Flip()))])
def test_augment_does_not_depend_on_batch_size(t):
    X = np.random.default_rng(1).random((1500, 12, 12)).astype("float32")
    small = augment.augment(X, t, seed=3, batch_size=7)
    assert np.array_equal(small, augment.augment(X, t, seed=3, batch_size=1024))
    assert np.array_equal(small, augment.augment(X, t, seed=3, batch_size=5000))
    assert not np.array_equal(small, augment.augment(X, t, seed=4, batch_size=7))


def test_draw_then_apply_is_the_call():
    x = _batch(6, n=9)
    for t in (RandomAffine(degrees=30, shift=2), Elastic(alpha=8), Compose((Flip(), Rot180()))):
        assert isinstance(t, Transform)
        params = t.draw(tuple(x.shape), torch.Generator().manual_seed(2))
        assert torch.equal(t.apply(x, params), t(x, torch.Generator().manual_seed(2)))
    with pytest.raises(TypeError, match="transforms"):
        Compose((lambda x, g: x,))


def test_transform_plugs_into_nets_train():
    from kit.models import nets

    rng = np.random.default_rng(0)
    X = rng.random((64, 8, 8)).astype("float32")
    y = (X[:, :, :4].mean(axis=(1, 2)) > X[:, :, 4:].mean(axis=(1, 2))).astype("int64")
    model = nets.train(nets.SmallCNN(8, 2, width=4), X, y, epochs=1, seed=0,
                       transform=Flip(p=0.5), show_progress=False)
    assert nets.predict(model, X).shape == (64,)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="degrees"):
        RandomAffine(degrees=200)
    with pytest.raises(ValueError, match="axis"):
        Flip(axis="diagonal")
    with pytest.raises(ValueError, match="p: expected a value <= 1"):
        Rot180(p=1.5)
    with pytest.raises(ValueError, match="X: expected a 3-D array"):
        augment.augment(np.zeros((4, 16)), Flip())
    with pytest.raises(TypeError, match="transform"):
        augment.augment(np.zeros((4, 4, 4)), "flip")
    with pytest.raises(ValueError, match="^x: "):
        Flip()(torch.zeros(4, 8, 8), torch.Generator())
    with pytest.raises(ValueError, match="batch_size"):
        augment.augment(np.zeros((4, 4, 4)), Flip(), batch_size=0)


def test_affine_warp_names_bad_per_image_arguments():
    x, one = _batch(n=2, size=8), torch.ones(2)
    with pytest.raises(TypeError, match="^degrees: "):
        affine_warp(x, 3.0, 0 * one, 0 * one, one)
    with pytest.raises(ValueError, match="^dx: "):
        affine_warp(x, one, torch.tensor([0.0, float("nan")]), 0 * one, one)
    with pytest.raises(ValueError, match="^dy: "):
        affine_warp(x, one, 0 * one, torch.zeros(3), one)
    with pytest.raises(ValueError, match="^zoom: "):
        affine_warp(x, one, 0 * one, 0 * one, 0 * one)
    with pytest.raises(ValueError, match="^x: "):
        affine_warp(x[0], one, 0 * one, 0 * one, one)


def test_flip_and_compose_name_bad_arguments():
    with pytest.raises(ValueError, match="^axis: "):
        Flip(axis=np.zeros(3))
    with pytest.raises(TypeError, match="^transforms: "):
        Compose(3)
