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

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from kit._validate import check_choice, check_range, same_length
from kit.models.nets import as_images, as_labels, reset_parameters
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


def _prepare(model: nn.Module, X, y, eps: float, device: str):
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    check_range(eps, "eps", low=0, high=1)
    Xt, yt = as_images(X), as_labels(y)
    same_length(X=Xt, y=yt)
    was_3d = np.ndim(X) == 3
    model.to(device).eval()
    return Xt, yt, was_3d


def _batched(fn, Xt: torch.Tensor, yt: torch.Tensor, batch_size: int, device: str,
             was_3d: bool) -> np.ndarray:
    out = [fn(Xt[i:i + batch_size].to(device), yt[i:i + batch_size].to(device)).cpu()
           for i in range(0, len(Xt), batch_size)]
    adv = torch.cat(out).numpy()
    return adv[:, 0] if was_3d else adv


def fgsm(model: nn.Module, X, y, *, eps: float, batch_size: int = 500,
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


def pgd(model: nn.Module, X, y, *, eps: float, steps: int = 10, alpha: float | None = None,
        random_start: bool = True, seed: int = 0, batch_size: int = 500,
        device: str = "cpu") -> np.ndarray:
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
    check_range(steps, "steps", low=0, integer=True)
    check_range(seed, "seed", low=0, integer=True)
    check_range(batch_size, "batch_size", low=1, integer=True)
    if alpha is None:
        alpha = 2.5 * eps / max(steps, 1)
    check_range(alpha, "alpha", low=0)
    gen = torch.Generator().manual_seed(seed)
    return _batched(lambda x, t: _pgd_t(model, x, t, eps, alpha, steps, random_start, gen),
                    Xt, yt, batch_size, device, was_3d)


def attack(model: nn.Module, X, y, *, method: str, eps: float, steps: int = 10,
           seed: int = 0, device: str = "cpu") -> np.ndarray:
    """Run ``fgsm`` or ``pgd`` by name (``method`` in ``ATTACKS``); see those functions.

    >>> from kit.models.nets import SmallCNN
    >>> attack(SmallCNN(8), np.zeros((2, 8, 8), "float32"), np.array([0, 1]), method="fgsm", eps=0.0).max()
    np.float32(0.0)
    """
    check_choice(method, "method", ATTACKS)
    if method == "fgsm":
        return fgsm(model, X, y, eps=eps, device=device)
    return pgd(model, X, y, eps=eps, steps=steps, seed=seed, device=device)


@dataclass(frozen=True)
class PerturbationReport:
    """Sanity checks on adversarial examples: the budget and the pixel range are respected."""

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


def perturbation_report(X, X_adv, *, eps: float) -> PerturbationReport:
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
    X, X_adv = np.asarray(X, dtype=np.float64), np.asarray(X_adv, dtype=np.float64)
    if X.shape != X_adv.shape:
        raise ValueError(f"X_adv: expected the shape of X {X.shape}, got {X_adv.shape}")
    check_range(eps, "eps", low=0)
    d = np.abs(X_adv - X)
    return PerturbationReport(float(eps), float(d.max()), float(X_adv.min()), float(X_adv.max()),
                              float((d > 1e-6).mean()))


@dataclass(frozen=True)
class EpsCurve:
    """Accuracy under attack for each budget: ``acc[method][i]`` is measured at ``eps[i]``."""

    eps: tuple[float, ...]
    acc: dict[str, tuple[float, ...]]

    def at(self, method: str, eps: float) -> float:
        """Accuracy of ``method`` at the grid point ``eps``."""
        check_choice(method, "method", list(self.acc))
        i = int(np.argmin(np.abs(np.asarray(self.eps) - eps)))
        if abs(self.eps[i] - eps) > 1e-9:
            raise ValueError(f"eps: {eps} is not on the grid {self.eps}")
        return self.acc[method][i]

    def __repr__(self) -> str:
        rows = [f"{'eps':>6} " + " ".join(f"{m:>6}" for m in self.acc)]
        for i, e in enumerate(self.eps):
            rows.append(f"{e:6.3f} " + " ".join(f"{self.acc[m][i]:6.3f}" for m in self.acc))
        return "\n".join(rows)


def accuracy_vs_eps(model: nn.Module, X, y, eps_grid, *, methods=ATTACKS, steps: int = 10,
                    seed: int = 0, device: str = "cpu",
                    show_progress: bool = True) -> EpsCurve:
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
    grid = tuple(float(e) for e in eps_grid)
    if not grid:
        raise ValueError("eps_grid: expected at least one budget")
    methods = tuple(check_choice(m, "methods", ATTACKS) for m in methods)
    yt = as_labels(y).numpy()
    acc: dict[str, list[float]] = {m: [] for m in methods}
    for e in progress(grid, desc="eps", disable=not show_progress):
        for m in methods:
            adv = attack(model, X, y, method=m, eps=e, steps=steps, seed=seed, device=device)
            acc[m].append(float((_predict(model, adv, device) == yt).mean()))
    return EpsCurve(grid, {m: tuple(v) for m, v in acc.items()})


@torch.no_grad()
def _predict(model: nn.Module, X, device: str) -> np.ndarray:
    Xt = as_images(X)
    return torch.cat([model(Xt[i:i + 1000].to(device)).argmax(1).cpu()
                      for i in range(0, len(Xt), 1000)]).numpy()


def adversarial_train(model: nn.Module, X, y, *, eps: float, steps: int = 3,
                      alpha: float | None = None, epochs: int = 5, batch_size: int = 64,
                      lr: float = 1e-3, clean_share: float = 0.0, seed: int = 0,
                      device: str = "cpu", show_progress: bool = True) -> nn.Module:
    """PGD adversarial training: fit the model on the worst examples inside the ``eps``-ball.

    Each mini-batch is replaced by its PGD examples (Madry et al., ICLR 2018,
    https://arxiv.org/abs/1706.06083), which solves ``min_theta E[max_{|d|<=eps} loss]``;
    ``clean_share > 0`` mixes in the clean loss as in Goodfellow et al. (ICLR 2015). The model
    is re-initialised from ``seed`` like ``kit.models.nets.train``; cost is about ``steps + 1`` clean
    epochs per epoch. Taught in ``21_security-evasion``.

    Parameters
    ----------
    model : torch.nn.Module
    X : array ``(n, H, W)``, pixels in [0, 1]; y : int array ``(n,)``
    eps : float
        Training budget (train at the budget you want to resist).
    steps : int
        PGD steps per batch (few steps suffice at small scale; ``alpha = 2.5 eps / steps``).
    clean_share : float in [0, 1]
        Weight of the clean loss: ``(1 - c) * adversarial + c * clean``.
    seed : int
        Seeds initialisation, batch order and PGD's random starts.

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
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    Xt, yt = as_images(X), as_labels(y)
    n = same_length(X=Xt, y=yt)
    check_range(eps, "eps", low=0, high=1)
    check_range(steps, "steps", low=1, integer=True)
    check_range(epochs, "epochs", low=1, integer=True)
    check_range(batch_size, "batch_size", low=1, integer=True)
    check_range(lr, "lr", low=0)
    check_range(clean_share, "clean_share", low=0, high=1)
    check_range(seed, "seed", low=0, integer=True)
    alpha = 2.5 * eps / steps if alpha is None else check_range(alpha, "alpha", low=0)
    gen = torch.Generator().manual_seed(seed)
    reset_parameters(model, torch.Generator().manual_seed(seed + 1))
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in progress(range(epochs), desc="adversarial epochs", disable=not show_progress):
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb, yb = Xt[idx].to(device), yt[idx].to(device)
            model.eval()
            xa = _pgd_t(model, xb, yb, eps, alpha, steps, True, gen)
            model.train()
            loss = nn.functional.cross_entropy(model(xa), yb)
            if clean_share > 0:
                loss = (1 - clean_share) * loss + clean_share * nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    return model
