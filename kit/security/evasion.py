"""Evasion attacks (FGSM, PGD under an L-infinity budget) and PGD adversarial training.

Papers
------
- "Explaining and Harnessing Adversarial Examples", Goodfellow, Shlens & Szegedy, ICLR 2015,
  https://arxiv.org/abs/1412.6572 (FGSM; adversarial training with FGSM).
- "Towards Deep Learning Models Resistant to Adversarial Attacks", Madry, Makelov, Schmidt,
  Tsipras & Vladu, ICLR 2018, https://arxiv.org/abs/1706.06083 (PGD; PGD adversarial training).

Taught in ``notebooks/21_security-evasion.ipynb``. The attacks follow the same update rules
as torchattacks' ``FGSM`` and ``PGD`` (``tests/test_evasion.py`` checks that they agree), but
take a ``seed`` for PGD's random start instead of drawing from torch's global generator.

Images are arrays ``(n, H, W)`` or ``(n, 1, H, W)`` with pixels in [0, 1]; attacks return a
numpy array of the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import nn

from kit import _validate
from kit._validate import as_array, check_device, check_flag, check_range, check_seed, same_length
from kit.models import nets
from kit.progress import progress

ATTACKS = ("fgsm", "pgd")


def _grad_sign(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    loss = nn.functional.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)
    return grad.sign()


def _fgsm_t(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float) -> torch.Tensor:
    return (x + eps * _grad_sign(model, x, y)).clamp(0, 1).detach()


def _pgd_t(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, alpha: float,
           steps: int, random_start: bool, gen: torch.Generator | None) -> torch.Tensor:
    adv = x.clone()
    if random_start:
        noise = torch.rand(x.shape, generator=gen, dtype=x.dtype).to(x.device)
        adv = (adv + (2 * noise - 1) * eps).clamp(0, 1)
    for _ in range(steps):
        adv = adv + alpha * _grad_sign(model, adv, y)
        adv = (x + (adv - x).clamp(-eps, eps)).clamp(0, 1).detach()
    return adv


def _default_alpha(eps: float, steps: int) -> float:
    return 2.5 * eps / max(steps, 1)  # Madry et al.'s rule of thumb


def _prepare(model: nn.Module, X, y, eps: float, device: str):
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    check_range(eps, "eps", low=0, high=1)
    Xt, yt = nets.as_images(X), nets.as_label_tensor(y)
    same_length(X=Xt, y=yt)
    was_3d = np.ndim(X) == 3
    device = check_device(device)
    model.to(device).eval()
    nets.check_fits(model, Xt, yt, device=device)
    return Xt, yt, was_3d


def _batched(fn, Xt: torch.Tensor, yt: torch.Tensor, batch_size: int, device: str,
             was_3d: bool) -> np.ndarray:
    out = [fn(Xt[i:i + batch_size].to(device), yt[i:i + batch_size].to(device)).cpu()
           for i in range(0, len(Xt), batch_size)]
    adv = torch.cat(out).numpy()
    return adv[:, 0] if was_3d else adv


def fgsm(model: nn.Module, X: ArrayLike, y: ArrayLike, *, eps: float, batch_size: int = 500,
         device: str = "cpu") -> np.ndarray:
    """Fast Gradient Sign Method: one step of size ``eps`` along the sign of the loss gradient.

    ``x_adv = clip(x + eps * sign(grad_x loss(model(x), y)), 0, 1)``: the worst case of a
    linear model inside the L-infinity ball of radius ``eps`` (Goodfellow et al., ICLR 2015,
    https://arxiv.org/abs/1412.6572). Taught in ``21_security-evasion``.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier returning logits ``(n, n_classes)``.
    X : array ``(n, H, W)`` or ``(n, 1, H, W)``, pixels in [0, 1]
    y : int array ``(n,)``
        True labels (the attack raises their loss).
    eps : float in [0, 1]
        L-infinity budget, in pixel units.

    Returns
    -------
    numpy.ndarray, same shape as ``X``, float32, within ``eps`` of ``X`` and in [0, 1].

    Examples
    --------
    >>> from kit.models.nets import SmallCNN
    >>> X = np.random.default_rng(0).random((4, 8, 8)).astype("float32")
    >>> X_adv = fgsm(SmallCNN(8), X, np.array([0, 1, 2, 3]), eps=0.1)
    >>> X_adv.shape, bool(np.abs(X_adv - X).max() <= 0.1 + 1e-6)
    ((4, 8, 8), True)
    """
    Xt, yt, was_3d = _prepare(model, X, y, eps, device)
    check_range(batch_size, "batch_size", low=1, integer=True)
    return _batched(lambda x, t: _fgsm_t(model, x, t, eps), Xt, yt, batch_size, device, was_3d)


def pgd(model: nn.Module, X: ArrayLike, y: ArrayLike, *, eps: float, steps: int = 10,
        alpha: float | None = None, random_start: bool = True, seed: int = 0,
        batch_size: int = 500, device: str = "cpu") -> np.ndarray:
    """Projected Gradient Descent (L-infinity): iterated FGSM, projected back onto the ball.

    Start at a uniformly random point of the ``eps``-ball (``random_start``), then ``steps``
    times: step ``alpha * sign(grad)``, clip to ``[x - eps, x + eps]`` and to [0, 1]
    (Madry et al., ICLR 2018, https://arxiv.org/abs/1706.06083). The default step
    ``alpha = 2.5 * eps / steps`` is the paper's rule of thumb. Taught in ``21_security-evasion``.

    Parameters
    ----------
    model : torch.nn.Module
    X : array ``(n, H, W)`` or ``(n, 1, H, W)``, pixels in [0, 1]
    y : int array ``(n,)``
    eps : float in [0, 1]
        L-infinity budget.
    steps : int
        Gradient steps (0 with ``random_start`` is uniform noise in the ball).
    alpha : float, optional
        Step size; ``2.5 * eps / steps`` when omitted.
    random_start : bool
    seed : int
        Seeds a local ``torch.Generator`` for the random start (global state is untouched).

    Returns
    -------
    numpy.ndarray, same shape as ``X``, within ``eps`` of ``X`` and in [0, 1].

    Examples
    --------
    >>> from kit.models.nets import SmallCNN
    >>> X = np.random.default_rng(0).random((4, 8, 8)).astype("float32")
    >>> a = pgd(SmallCNN(8), X, np.array([0, 1, 2, 3]), eps=0.1, steps=3, seed=1)
    >>> bool(np.abs(a - X).max() <= 0.1 + 1e-6), bool(a.min() >= 0 and a.max() <= 1)
    (True, True)
    """
    Xt, yt, was_3d = _prepare(model, X, y, eps, device)
    check_range(steps, "steps", low=0, high=10**6, integer=True)
    seed = check_seed(seed)
    random_start = check_flag(random_start, "random_start")
    check_range(batch_size, "batch_size", low=1, integer=True)
    if alpha is None and _default_alpha(eps, steps) > 1:
        raise ValueError(f"eps: the default step 2.5 * eps / steps = {_default_alpha(eps, steps):g} exceeds 1 "
                         f"with steps={steps}; pass alpha or more steps")
    alpha = check_range(_default_alpha(eps, steps) if alpha is None else alpha, "alpha", low=0, high=1)
    gen = torch.Generator().manual_seed(seed)
    return _batched(lambda x, t: _pgd_t(model, x, t, eps, alpha, steps, random_start, gen),
                    Xt, yt, batch_size, device, was_3d)


def attack(model: nn.Module, X: ArrayLike, y: ArrayLike, *, method: str, eps: float, steps: int = 10,
           seed: int = 0, device: str = "cpu") -> np.ndarray:
    """Run ``fgsm`` or ``pgd`` by name (``method`` in ``ATTACKS``); see those functions.

    >>> from kit.models.nets import SmallCNN
    >>> attack(SmallCNN(8), np.zeros((2, 8, 8), "float32"), np.array([0, 1]), method="fgsm", eps=0.0).max()
    np.float32(0.0)
    """
    _validate.check_choice(method, "method", ATTACKS)
    if method == "fgsm":
        return fgsm(model, X, y, eps=eps, device=device)
    return pgd(model, X, y, eps=eps, steps=steps, seed=seed, device=device)


@dataclass(frozen=True)
class PerturbationReport:
    """Sanity checks on adversarial examples (from ``perturbation_report``).

    ``linf``: largest pixel change; ``pixel_min`` / ``pixel_max``: range of the adversarial
    pixels; ``share_changed``: share of pixels moved; ``ok``: budget and range respected.

    >>> PerturbationReport(eps=0.1, linf=0.2, pixel_min=0.0, pixel_max=1.0, share_changed=0.5).ok
    False
    """

    eps: float
    linf: float
    pixel_min: float
    pixel_max: float
    share_changed: float

    @property
    def ok(self) -> bool:
        """True when ``linf <= eps`` and every pixel lies in [0, 1] (up to float rounding)."""
        tol = 1e-6
        return self.linf <= self.eps + tol and self.pixel_min >= -tol and self.pixel_max <= 1 + tol

    def __repr__(self) -> str:
        return (f"PerturbationReport(eps={self.eps:.3f}, linf={self.linf:.3f}, "
                f"pixels in [{self.pixel_min:.2f}, {self.pixel_max:.2f}], "
                f"changed={self.share_changed:.2f}, ok={self.ok})")


def perturbation_report(X: ArrayLike, X_adv: ArrayLike, *, eps: float) -> PerturbationReport:
    """Measure ``X_adv - X``: its L-infinity size, the pixel range, the share of pixels moved.

    Parameters
    ----------
    X, X_adv : arrays of the same shape
    eps : float
        The budget the attack was given.

    Examples
    --------
    >>> X = np.full((1, 2, 2), 0.5, "float32")
    >>> perturbation_report(X, X + 0.1, eps=0.1)
    PerturbationReport(eps=0.100, linf=0.100, pixels in [0.60, 0.60], changed=1.00, ok=True)
    """
    X, X_adv = as_array(X, "X"), as_array(X_adv, "X_adv")
    if X.shape != X_adv.shape:
        raise ValueError(f"X_adv: expected the shape of X {X.shape}, got {X_adv.shape}")
    check_range(eps, "eps", low=0)
    d = np.abs(X_adv - X)
    return PerturbationReport(float(eps), float(d.max()), float(X_adv.min()), float(X_adv.max()),
                              float((d > 1e-6).mean()))


@dataclass(frozen=True)
class EpsCurve:
    """Accuracy under attack for each budget: ``acc[method][i]`` is measured at ``eps[i]``.

    >>> EpsCurve((0.0, 0.1), {"pgd": (0.9, 0.2)}).at("pgd", 0.1)
    0.2
    """

    eps: tuple[float, ...]
    acc: dict[str, tuple[float, ...]]

    def at(self, method: str, eps: float) -> float:
        """Accuracy of ``method`` at the grid point ``eps``."""
        _validate.check_choice(method, "method", list(self.acc))
        check_range(eps, "eps")
        i = int(np.argmin(np.abs(np.asarray(self.eps) - eps)))
        if abs(self.eps[i] - eps) > 1e-9:
            raise ValueError(f"eps: {eps} is not on the grid {self.eps}")
        return self.acc[method][i]

    def __repr__(self) -> str:
        rows = [f"{'eps':>6} " + " ".join(f"{m:>6}" for m in self.acc)]
        for i, e in enumerate(self.eps):
            rows.append(f"{e:6.3f} " + " ".join(f"{self.acc[m][i]:6.3f}" for m in self.acc))
        return "\n".join(rows)


def accuracy_vs_eps(model: nn.Module, X: ArrayLike, y: ArrayLike, eps_grid: Sequence[float], *,
                    methods: Sequence[str] = ATTACKS, steps: int = 10, seed: int = 0,
                    device: str = "cpu", show_progress: bool = True) -> EpsCurve:
    """Accuracy of ``model`` on ``fgsm`` / ``pgd`` examples for every ``eps`` in ``eps_grid``.

    Parameters
    ----------
    model : torch.nn.Module
    X : array ``(n, H, W)``; y : int array ``(n,)``
    eps_grid : sequence of floats in [0, 1]
    methods : sequence of names in ``ATTACKS``

    Returns
    -------
    EpsCurve

    Examples
    --------
    >>> from kit.models.nets import SmallCNN
    >>> X = np.random.default_rng(0).random((8, 8, 8)).astype("float32")
    >>> c = accuracy_vs_eps(SmallCNN(8), X, np.zeros(8, "int64"), [0.0, 0.1], steps=2, show_progress=False)
    >>> c.eps, sorted(c.acc)
    ((0.0, 0.1), ['fgsm', 'pgd'])
    """
    if isinstance(eps_grid, (str, bytes)) or not hasattr(eps_grid, "__iter__"):
        raise TypeError(f"eps_grid: expected a sequence of budgets, got {type(eps_grid).__name__}")
    grid = tuple(float(check_range(e, "eps_grid", low=0, high=1)) for e in eps_grid)
    if not grid:
        raise ValueError("eps_grid: expected at least one budget")
    if isinstance(methods, str) or not hasattr(methods, "__iter__"):
        raise TypeError(f"methods: expected a sequence of attack names {ATTACKS}, got {methods!r}")
    methods = tuple(_validate.check_choice(m, "methods", ATTACKS) for m in methods)
    if not methods:
        raise ValueError(f"methods: expected at least one of {ATTACKS}")
    show_progress = check_flag(show_progress, "show_progress")
    yt = nets.as_label_tensor(y).numpy()
    acc: dict[str, list[float]] = {m: [] for m in methods}
    for e in progress(grid, desc="eps", disable=not show_progress):
        for m in methods:
            # a zero budget leaves every input as it is: skip the forward/backward passes
            adv = X if e == 0 else attack(model, X, y, method=m, eps=e, steps=steps, seed=seed, device=device)
            acc[m].append(float((nets.predict(model, adv, device=device) == yt).mean()))
    return EpsCurve(grid, {m: tuple(v) for m, v in acc.items()})


@dataclass(frozen=True)
class PGDAdversary:
    """The ``adversary`` hook of ``kit.models.nets.train`` that makes training adversarial.

    Called as ``adversary(model, batch, targets, generator)`` by the training loop, it returns
    the batch's PGD examples against the current weights (random start drawn from the loop's
    generator), so each step minimises the loss of the worst examples inside the ``eps``-ball
    (Madry et al., ICLR 2018, https://arxiv.org/abs/1706.06083).

    Parameters
    ----------
    eps : float in [0, 1]
        Training budget (train at the budget you want to resist).
    steps : int
        PGD steps per batch (few suffice at small scale).
    alpha : float, optional
        Step size; ``2.5 * eps / steps`` when omitted.

    Examples
    --------
    >>> from kit.models.nets import SmallCNN, train
    >>> X = np.random.default_rng(0).random((32, 8, 8)).astype("float32")
    >>> y = (X.mean(axis=(1, 2)) > 0.5).astype("int64")
    >>> adv = PGDAdversary(eps=0.05, steps=1)
    >>> adv
    PGDAdversary(eps=0.05, steps=1, alpha=0.125)
    >>> train(SmallCNN(8, 2), X, y, adversary=adv, epochs=1, show_progress=False).training
    False
    """

    eps: float
    steps: int = 3
    alpha: float | None = None

    def __post_init__(self) -> None:
        check_range(self.eps, "eps", low=0, high=1)
        check_range(self.steps, "steps", low=1, high=10**6, integer=True)
        alpha = _default_alpha(self.eps, self.steps) if self.alpha is None else self.alpha
        object.__setattr__(self, "alpha", check_range(alpha, "alpha", low=0, high=1e6))

    def __call__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                 generator: torch.Generator) -> torch.Tensor:
        return _pgd_t(model, x, y, self.eps, self.alpha, self.steps, True, generator)


def adversarial_train(model: nn.Module, X: ArrayLike, y: ArrayLike, *, eps: float, steps: int = 3,
                      alpha: float | None = None, clean_share: float = 0.0,
                      **train_kwargs: Any) -> nn.Module:
    """PGD adversarial training: ``kit.models.nets.train`` with a ``PGDAdversary`` hook.

    Each mini-batch is replaced by its PGD examples (Madry et al., ICLR 2018,
    https://arxiv.org/abs/1706.06083), which solves ``min_theta E[max_{|d|<=eps} loss]``;
    ``clean_share > 0`` mixes in the clean loss as in Goodfellow et al. (ICLR 2015). Cost is
    about ``steps + 1`` clean epochs per epoch. Taught in ``21_security-evasion``.

    Parameters
    ----------
    model : torch.nn.Module
    X : array ``(n, H, W)``, pixels in [0, 1]; y : int array ``(n,)``
    eps, steps, alpha : see ``PGDAdversary``
    clean_share : float in [0, 1]
        Weight of the clean loss: ``(1 - c) * adversarial + c * clean``.
    **train_kwargs
        ``epochs``, ``lr``, ``seed`` (initialisation, batch order and PGD's random starts),
        ``device``... passed to ``kit.models.nets.train``.

    Returns
    -------
    The model, trained in place and set to eval mode.

    Examples
    --------
    >>> from kit.models.nets import SmallCNN
    >>> X = np.random.default_rng(0).random((32, 8, 8)).astype("float32")
    >>> y = (X.mean(axis=(1, 2)) > 0.5).astype("int64")
    >>> net = adversarial_train(SmallCNN(8, 2), X, y, eps=0.05, steps=1, epochs=1, show_progress=False)
    >>> net.training
    False
    """
    return nets.train(model, X, y, adversary=PGDAdversary(eps, steps, alpha), clean_share=clean_share,
                      **train_kwargs)
