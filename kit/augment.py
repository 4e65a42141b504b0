"""Data augmentation as batch transforms: label-preserving and label-breaking.

Every transform is a small frozen dataclass called as ``transform(batch, generator)`` on a
float tensor ``(n, 1, H, W)`` with pixels in [0, 1]; it returns a new tensor of the same shape
and draws its randomness only from ``generator`` (a ``torch.Generator``). That is exactly the
``transform=`` hook of ``kit.models.nets.train``, so one object serves training, plotting and
drift measurement. A call is two steps, ``draw`` (each image's random parameters) then
``apply``, so ``augment`` can draw for a whole array at once and apply in chunks: its output
does not depend on the chunk size. Rotations, shifts and scaling are one batched affine warp
(``grid_sample``, the warp torchvision's ``rotate``/``affine`` use); ``Elastic`` is Simard et
al.'s elastic distortion (ICDAR 2003).

Whether a transform is *label-preserving* is a fact about the data, not the code: a small
rotation keeps a 6 a 6, a half turn makes it a 9 (Paleyes et al. 2022, "data augmentation");
``kit.shift.gate.drift_gate`` measures it on real data. Taught in
``notebooks/03_data-augmentation.ipynb``.

Examples
--------
>>> x = torch.zeros(2, 1, 28, 28); x[:, :, 4:10, 4:10] = 1.0
>>> RandomAffine(degrees=15, shift=2)(x, torch.Generator().manual_seed(0)).shape
torch.Size([2, 1, 28, 28])
>>> Rot180(p=1.0)(x, torch.Generator())[0, 0, 18:24, 18:24].min().item()
1.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from kit._validate import as_array, check_range, check_seed

__all__ = ["Transform", "affine_warp", "RandomAffine", "Rot180", "Flip", "Elastic", "Compose",
           "augment"]

Params = Any  # a dict of per-image tensors (n, ...), or a tuple of them for Compose


def _check_batch(x: torch.Tensor) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x: expected a float tensor (n, C, H, W), got {shape}")
    return x


def _check_per_image(value: Any, name: str, n: int, *, low: float = -1e6) -> None:
    """A finite float tensor ``(n,)`` within ``[low, 1e6]`` (beyond that the warp overflows float32)."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name}: expected a tensor of shape ({n},), got {type(value).__name__}")
    if tuple(value.shape) != (n,) or not (value.is_floating_point() or value.dtype in (torch.int32, torch.int64)):
        raise ValueError(f"{name}: expected a float tensor of shape ({n},), got {value.dtype} {tuple(value.shape)}")
    v = value.double()
    bad = int((~((v >= low) & (v <= 1e6))).sum())
    if bad:
        raise ValueError(f"{name}: expected finite values in [{low:g}, 1e6], got {bad} outside it")


def _uniform(n: int, half_width: float, gen: torch.Generator) -> torch.Tensor:
    return (torch.rand(n, generator=gen) * 2 - 1) * half_width


def _rows(params: Params, lo: int, hi: int) -> Params:
    """The parameters of images ``lo:hi``."""
    if isinstance(params, tuple):
        return tuple(_rows(p, lo, hi) for p in params)
    return {k: v[lo:hi] for k, v in params.items()}


class Transform:
    """Base class: ``draw(shape, generator)`` per-image parameters, then ``apply(x, params)``.

    Calling ``transform(x, generator)`` does both. Subclasses draw every random number in
    ``draw`` with a leading axis of one entry per image.

    >>> class Darken(Transform):
    ...     def draw(self, shape, generator): return {"f": torch.rand(shape[0], generator=generator)}
    ...     def apply(self, x, params): return x * params["f"].view(-1, 1, 1, 1)
    >>> Darken()(torch.ones(3, 1, 2, 2), torch.Generator().manual_seed(0)).shape
    torch.Size([3, 1, 2, 2])
    """

    def draw(self, shape: tuple[int, ...], generator: torch.Generator) -> Params:
        """Random parameters for a batch of ``shape`` (n, C, H, W)."""
        raise NotImplementedError

    def apply(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        """Transform the batch ``x`` (n, C, H, W) with parameters drawn for its n images."""
        raise NotImplementedError

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        _check_batch(x)
        return self.apply(x, self.draw(tuple(x.shape), generator))


def affine_warp(x: torch.Tensor, degrees: torch.Tensor, dx: torch.Tensor, dy: torch.Tensor,
                zoom: torch.Tensor) -> torch.Tensor:
    """Rotate (counter-clockwise, degrees), zoom and shift (pixels) each image of a batch.

    Parameters
    ----------
    x : torch.Tensor, shape (n, C, H, W)
    degrees, dx, dy, zoom : torch.Tensor, shape (n,)
        Per-image angle, shifts right/down in pixels, and scale factor (1 = unchanged).

    Returns
    -------
    torch.Tensor, shape (n, C, H, W); pixels outside the source are 0 (black background).

    Examples
    --------
    >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
    >>> one = torch.ones(1)
    >>> torch.equal(affine_warp(x, 90 * one, 0 * one, 0 * one, one), torch.rot90(x, 1, (2, 3)))
    True
    """
    _check_batch(x)
    for name, value in (("degrees", degrees), ("dx", dx), ("dy", dy)):
        _check_per_image(value, name, len(x))
    _check_per_image(zoom, "zoom", len(x), low=1e-6)
    return _affine_warp(x, degrees, dx, dy, zoom)


def _affine_warp(x: torch.Tensor, degrees: torch.Tensor, dx: torch.Tensor, dy: torch.Tensor,
                 zoom: torch.Tensor) -> torch.Tensor:
    """``affine_warp`` without the argument checks: ``RandomAffine`` calls it per training batch."""
    n, _, h, w = x.shape
    t = torch.deg2rad(degrees.to(x.dtype))
    cos, sin = torch.cos(t), torch.sin(t)
    z = zoom.to(x.dtype)
    # output -> input map in normalised coordinates (align_corners=False), square pixels
    theta = torch.zeros(n, 2, 3, dtype=x.dtype)
    theta[:, 0, 0], theta[:, 0, 1] = cos / z, -sin * h / w / z
    theta[:, 1, 0], theta[:, 1, 1] = sin * w / h / z, cos / z
    theta[:, 0, 2] = -(theta[:, 0, 0] * dx * 2 / w + theta[:, 0, 1] * dy * 2 / h)
    theta[:, 1, 2] = -(theta[:, 1, 0] * dx * 2 / w + theta[:, 1, 1] * dy * 2 / h)
    # snap exact multiples of 90 degrees so quarter turns are lossless
    theta[:, :2, :2] = torch.where(theta[:, :2, :2].abs() < 1e-6, 0.0, theta[:, :2, :2])
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@dataclass(frozen=True)
class RandomAffine(Transform):
    """Random rotation in [-degrees, degrees], shift in [-shift, shift] px, zoom in [1-scale, 1+scale].

    Small values are the classic label-preserving augmentation for digits (Simard et al.
    2003); ``degrees=180`` is not: it turns 6s into 9s. ``integer_shift`` rounds shifts to
    whole pixels (exact, no interpolation blur when ``degrees == scale == 0``).

    Examples
    --------
    >>> aug = RandomAffine(degrees=10, shift=1, integer_shift=True)
    >>> aug
    RandomAffine(degrees=10, shift=1, scale=0.0, integer_shift=True)
    >>> x = torch.rand(3, 1, 8, 8)
    >>> torch.equal(aug(x, torch.Generator().manual_seed(1)), aug(x, torch.Generator().manual_seed(1)))
    True
    """

    degrees: float = 0.0
    shift: float = 0.0
    scale: float = 0.0
    integer_shift: bool = False

    def __post_init__(self) -> None:
        check_range(self.degrees, "degrees", low=0, high=180)
        check_range(self.shift, "shift", low=0)
        check_range(self.scale, "scale", low=0, high=0.9)

    def draw(self, shape: tuple[int, ...], generator: torch.Generator) -> Params:
        n = shape[0]
        ang = _uniform(n, self.degrees, generator)
        if self.integer_shift:
            k = int(math.floor(self.shift))
            dx = torch.randint(-k, k + 1, (n,), generator=generator).float()
            dy = torch.randint(-k, k + 1, (n,), generator=generator).float()
        else:
            dx, dy = _uniform(n, self.shift, generator), _uniform(n, self.shift, generator)
        return {"degrees": ang, "dx": dx, "dy": dy, "zoom": 1 + _uniform(n, self.scale, generator)}

    def apply(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        return _affine_warp(x, **params)


@dataclass(frozen=True)
class Rot180(Transform):
    """Turn each image upside down with probability ``p`` (label-breaking for 6 and 9).

    Examples
    --------
    >>> x = torch.arange(4.).reshape(1, 1, 2, 2)
    >>> Rot180(p=1.0)(x, torch.Generator()).flatten().tolist()
    [3.0, 2.0, 1.0, 0.0]
    """

    p: float = 0.5

    def __post_init__(self) -> None:
        check_range(self.p, "p", low=0, high=1)

    def draw(self, shape: tuple[int, ...], generator: torch.Generator) -> Params:
        return {"hit": torch.rand(shape[0], generator=generator) < self.p}

    def apply(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        return torch.where(params["hit"].view(-1, 1, 1, 1), torch.flip(x, dims=(-2, -1)), x)


@dataclass(frozen=True)
class Flip(Transform):
    """Mirror each image with probability ``p``, left-right (``axis="horizontal"``) or top-bottom.

    Examples
    --------
    >>> x = torch.arange(4.).reshape(1, 1, 2, 2)
    >>> Flip(p=1.0)(x, torch.Generator()).flatten().tolist()
    [1.0, 0.0, 3.0, 2.0]
    """

    p: float = 0.5
    axis: str = "horizontal"

    def __post_init__(self) -> None:
        check_range(self.p, "p", low=0, high=1)
        if not isinstance(self.axis, str) or self.axis not in ("horizontal", "vertical"):
            raise ValueError(f"axis: expected 'horizontal' or 'vertical', got {self.axis!r}")

    def draw(self, shape: tuple[int, ...], generator: torch.Generator) -> Params:
        return {"hit": torch.rand(shape[0], generator=generator) < self.p}

    def apply(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        mirrored = torch.flip(x, dims=(-1,) if self.axis == "horizontal" else (-2,))
        return torch.where(params["hit"].view(-1, 1, 1, 1), mirrored, x)


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    radius = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


@dataclass(frozen=True)
class Elastic(Transform):
    """Elastic distortion (Simard, Steinkraus & Platt, ICDAR 2003): smoothed random displacements.

    Each pixel moves by a uniform(-1, 1) field smoothed with a Gaussian of width ``sigma``
    and scaled by ``alpha`` (pixels). Simard et al. used sigma=4, alpha=34 on 28x28 MNIST.

    Examples
    --------
    >>> x = torch.rand(2, 1, 28, 28)
    >>> torch.allclose(Elastic(alpha=0.0)(x, torch.Generator()), x, atol=1e-5)
    True
    """

    alpha: float = 8.0
    sigma: float = 4.0

    def __post_init__(self) -> None:
        check_range(self.alpha, "alpha", low=0, high=1e4)
        check_range(self.sigma, "sigma", low=0.1, high=1e3)

    def draw(self, shape: tuple[int, ...], generator: torch.Generator) -> Params:
        n, _, h, w = shape
        field_ = torch.rand(n, 2, h, w, generator=generator) * 2 - 1
        k = _gaussian_kernel(self.sigma)
        pad = len(k) // 2
        field_ = F.conv2d(F.pad(field_.reshape(-1, 1, h, w), (pad, pad, 0, 0), mode="replicate"),
                          k.view(1, 1, 1, -1))
        field_ = F.conv2d(F.pad(field_, (0, 0, pad, pad), mode="replicate"), k.view(1, 1, -1, 1))
        return {"disp": field_.reshape(n, 2, h, w) * self.alpha}

    def apply(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        _, _, h, w = x.shape
        disp = params["disp"]
        ys, xs = torch.meshgrid(torch.arange(h, dtype=x.dtype), torch.arange(w, dtype=x.dtype), indexing="ij")
        gx = (xs + disp[:, 0] + 0.5) * 2 / w - 1
        gy = (ys + disp[:, 1] + 0.5) * 2 / h - 1
        grid = torch.stack([gx, gy], dim=-1)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@dataclass(frozen=True)
class Compose(Transform):
    """Apply transforms in order, sharing one generator.

    Examples
    --------
    >>> Compose((RandomAffine(degrees=10), Elastic(alpha=4)))
    Compose(RandomAffine(degrees=10, shift=0.0, scale=0.0, integer_shift=False), Elastic(alpha=4, sigma=4.0))
    """

    transforms: tuple[Transform, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.transforms, (tuple, list)):
            raise TypeError(f"transforms: expected a tuple of kit.augment transforms, got {type(self.transforms).__name__}")
        bad = [t for t in self.transforms if not isinstance(t, Transform)]
        if bad:
            raise TypeError(f"transforms: expected kit.augment transforms, got {bad!r}")

    def draw(self, shape: tuple[int, ...], generator: torch.Generator) -> Params:
        return tuple(t.draw(shape, generator) for t in self.transforms)

    def apply(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        for t, p in zip(self.transforms, params, strict=True):
            x = t.apply(x, p)
        return x

    def __repr__(self) -> str:
        return "Compose(" + ", ".join(repr(t) for t in self.transforms) + ")"


def augment(X: Any, transform: Transform | Callable, *, seed: int = 0,
            batch_size: int = 1024) -> np.ndarray:
    """Apply a transform to a whole image array, e.g. to plot it or measure its drift.

    A ``Transform``'s parameters are drawn for all n images at once, then applied
    ``batch_size`` images at a time: the output depends on ``seed``, not on ``batch_size``
    (which only bounds memory). A plain callable ``(batch, generator) -> batch`` sees the
    whole array as one batch.

    Parameters
    ----------
    X : array-like, shape (n, H, W), pixels in [0, 1]
    transform : Transform, or callable ``(batch (n, 1, H, W), torch.Generator) -> batch``
    seed : int
    batch_size : int

    Returns
    -------
    np.ndarray, shape (n, H, W), float32, clipped to [0, 1].

    Examples
    --------
    >>> X = np.zeros((5, 8, 8), dtype="float32"); X[:, 1, 1] = 1
    >>> augment(X, Rot180(p=1.0))[:, 6, 6].tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    >>> np.array_equal(augment(X, RandomAffine(degrees=30), batch_size=2), augment(X, RandomAffine(degrees=30)))
    True
    """
    arr = as_array(X, "X", ndim=3).astype(np.float32)
    if not callable(transform):
        raise TypeError(f"transform: expected a callable (batch, generator) -> batch, got {transform!r}")
    seed = check_seed(seed)
    check_range(batch_size, "batch_size", low=1, integer=True)
    gen = torch.Generator().manual_seed(seed)
    xt = torch.from_numpy(arr).unsqueeze(1)
    if not isinstance(transform, Transform):
        return transform(xt, gen).squeeze(1).clamp(0, 1).numpy()
    params = transform.draw(tuple(xt.shape), gen)
    out = [transform.apply(xt[i:i + batch_size], _rows(params, i, i + batch_size))
           for i in range(0, len(xt), batch_size)]
    return torch.cat(out).squeeze(1).clamp(0, 1).numpy()
