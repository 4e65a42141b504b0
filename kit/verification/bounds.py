"""Interval bound propagation: certify that no L-infinity perturbation changes a network's class.

A perturbation of at most ``eps`` per pixel puts the input in a box ``[x - eps, x + eps]`` (cut
to the pixel range [0, 1]). Pushing the box through the network layer by layer, as a centre and
a radius, gives bounds that hold for EVERY input in it: a linear layer maps the centre by
``W``, the radius by ``|W|``; a ReLU clips both ends. If the bound on every wrong logit minus
the true one stays below zero, no attack inside the box can succeed: the example is
*certified*. The last linear layer is folded into that difference (the specification), which
is tighter than bounding the logits one by one (Gowal et al. 2018, arXiv:1810.12715).

Bounds on a plainly trained network are loose, so little is certified; training on the bound
(``ibp_train``: ``kappa * loss(clean) + (1 - kappa) * loss(worst case)`` with ``eps`` and
``kappa`` ramped, as Gowal et al.) makes a network that the same bounds can verify.
Taught in ``09_formal-verification``. Supports ``nn.Sequential`` of Flatten, Linear, ReLU and
Conv2d.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import nn

from kit._validate import check_range, same_length
from kit.models import nets

__all__ = ["interval_bounds", "margin_bounds", "certify", "certified_accuracy", "certified_radius",
           "IBPLoss", "ibp_train"]


def _check_model(model: Any, name: str = "model") -> nn.Sequential:
    if not isinstance(model, nn.Sequential) or len(model) == 0:
        raise TypeError(f"{name}: expected a torch.nn.Sequential, got {type(model).__name__}")
    for layer in model:
        if not isinstance(layer, (nn.Linear, nn.ReLU, nn.Flatten, nn.Conv2d)):
            raise TypeError(f"{name}: interval bounds support Linear, ReLU, Flatten and Conv2d layers, "
                            f"not {type(layer).__name__}")
    if not isinstance(model[-1], nn.Linear):
        raise TypeError(f"{name}: expected a final nn.Linear layer (the logits)")
    return model


def _layer(layer: nn.Module, mid: torch.Tensor, rad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One layer on a box given as centre ``mid`` and radius ``rad``."""
    if isinstance(layer, nn.Linear):
        return layer(mid), rad @ layer.weight.abs().T
    if isinstance(layer, nn.Conv2d):
        return layer(mid), nn.functional.conv2d(rad, layer.weight.abs(), None, layer.stride, layer.padding,
                                                layer.dilation, layer.groups)
    if isinstance(layer, nn.ReLU):
        lo, hi = torch.relu(mid - rad), torch.relu(mid + rad)
        return (hi + lo) / 2, (hi - lo) / 2
    return layer(mid), layer(rad)  # Flatten


def _box(X: torch.Tensor, eps: float | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    lo, hi = (X - eps).clamp(0, 1), (X + eps).clamp(0, 1)
    return (hi + lo) / 2, (hi - lo) / 2


def interval_bounds(model: nn.Sequential, lower: torch.Tensor, upper: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Bounds ``(lo, hi)`` on the outputs of ``model`` for every input between ``lower`` and ``upper``.

    Interval arithmetic layer by layer (Gowal et al. 2018, arXiv:1810.12715; taught in
    ``09_formal-verification``).

    Parameters
    ----------
    model : torch.nn.Sequential of Flatten, Linear, ReLU, Conv2d layers
    lower, upper : tensors of the input's shape, ``lower <= upper`` elementwise

    Returns
    -------
    lo, hi : tensors ``(n, n_outputs)``; ``lo <= model(x) <= hi`` for every ``x`` in the box.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    >>> x = torch.zeros(1, 2)
    >>> lo, hi = interval_bounds(net, x - 0.1, x + 0.1)
    >>> bool(lo <= net(x)) and bool(net(x) <= hi)
    True
    """
    model = _check_model(model)
    if not isinstance(lower, torch.Tensor) or not isinstance(upper, torch.Tensor):
        raise TypeError("lower: expected torch tensors for lower and upper")
    if lower.shape != upper.shape:
        raise ValueError(f"upper: expected the shape of lower {tuple(lower.shape)}, got {tuple(upper.shape)}")
    if bool((upper < lower).any()):
        raise ValueError("upper: expected upper >= lower elementwise")
    mid, rad = (upper + lower) / 2, (upper - lower) / 2
    for layer in model:
        mid, rad = _layer(layer, mid, rad)
    return mid - rad, mid + rad


def _margins(model: nn.Sequential, X: torch.Tensor, y: torch.Tensor, eps: float | torch.Tensor) -> torch.Tensor:
    """Upper bounds ``(n, K)`` on ``z_j - z_y`` (0 at ``j = y``), last layer folded in."""
    mid, rad = _box(X, eps)
    for layer in model[:-1]:
        mid, rad = _layer(layer, mid, rad)
    W, b = model[-1].weight, model[-1].bias
    Wd = W.unsqueeze(0) - W[y].unsqueeze(1)                      # (n, K, H): rows w_j - w_y
    up = torch.einsum("nkh,nh->nk", Wd, mid) + torch.einsum("nkh,nh->nk", Wd.abs(), rad)
    if b is not None:
        up = up + b.unsqueeze(0) - b[y].unsqueeze(1)
    return up.masked_fill(nn.functional.one_hot(y, W.shape[0]).bool(), 0.0)


def _prepare(model: Any, X: ArrayLike, y: ArrayLike) -> tuple[nn.Sequential, torch.Tensor, torch.Tensor]:
    model = _check_model(model)
    Xt, yt = nets._as_inputs(X), nets.as_label_tensor(y)
    same_length(X=Xt, y=yt)
    nets.check_fits(model, Xt, yt)
    return model.eval(), Xt, yt


def margin_bounds(model: nn.Sequential, X: ArrayLike, y: ArrayLike, *, eps: float) -> np.ndarray:
    """Upper bounds ``(n, K)`` on ``logit_j - logit_y`` over the ``eps``-box around each ``X``.

    Column ``y`` is 0; the example is certified when every other entry is negative. The box is
    cut to the pixel range [0, 1].

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> margin_bounds(net, np.zeros((1, 2, 2)), [0], eps=0.0).shape
    (1, 2)
    """
    model, Xt, yt = _prepare(model, X, y)
    check_range(eps, "eps", low=0, high=1)
    with torch.no_grad():
        return _margins(model, Xt, yt, eps).numpy()


def certify(model: nn.Sequential, X: ArrayLike, y: ArrayLike, *, eps: float) -> np.ndarray:
    """Boolean ``(n,)``: True where no perturbation of L-infinity norm <= ``eps`` can change the class.

    Sound, not complete: True is a proof for that example; False means "not proven" (the
    bounds may be loose), not that an attack exists. Interval bounds with the last layer folded
    into the margin (Gowal et al. 2018); taught in ``09_formal-verification``.

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> X = np.full((1, 2, 2), 0.5)
    >>> bool(certify(net, X, nets.predict(net, X), eps=0.0)[0])   # eps = 0: just correct
    True
    """
    model, Xt, yt = _prepare(model, X, y)
    check_range(eps, "eps", low=0, high=1)
    with torch.no_grad():
        return (_verified(model, Xt, yt, eps) & (model(Xt).argmax(dim=1) == yt)).numpy()


def certified_accuracy(model: nn.Sequential, X: ArrayLike, y: ArrayLike, *, eps: float) -> float:
    """Share of ``X`` whose class is ``y`` for every perturbation with L-infinity norm <= ``eps``.

    A lower bound on the accuracy under any attack (PGD included) at that budget.

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> X = np.full((3, 2, 2), 0.5)
    >>> certified_accuracy(net, X, nets.predict(net, X), eps=0.0)
    1.0
    """
    return float(certify(model, X, y, eps=eps).mean())


def certified_radius(model: nn.Sequential, X: ArrayLike, y: ArrayLike, *, eps_max: float = 0.5,
                     steps: int = 12) -> np.ndarray:
    """Largest certified L-infinity budget per example ``(n,)``, found by bisection.

    IBP bounds grow with the box, so certification is monotone in ``eps`` and bisection on
    ``[0, eps_max]`` finds the largest certified budget to within ``eps_max / 2**steps``
    (rounded down: every returned radius is certified). Misclassified examples get 0.

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> X = np.random.default_rng(0).random((3, 2, 2))
    >>> r = certified_radius(net, X, nets.predict(net, X), eps_max=0.5)
    >>> bool((r >= 0).all() and (r <= 0.5).all())
    True
    """
    model, Xt, yt = _prepare(model, X, y)
    check_range(eps_max, "eps_max", low=0, high=1)
    check_range(steps, "steps", low=1, high=60, integer=True)
    shape = (-1,) + (1,) * (Xt.dim() - 1)
    lo, hi = torch.zeros(len(Xt)), torch.full((len(Xt),), float(eps_max))
    with torch.no_grad():
        correct = model(Xt).argmax(dim=1) == yt
        whole = _verified(model, Xt, yt, hi.view(shape))
        for _ in range(steps):
            mid = (lo + hi) / 2
            ok = _verified(model, Xt, yt, mid.view(shape))
            lo, hi = torch.where(ok, mid, lo), torch.where(ok, hi, mid)
        radius = torch.where(whole, torch.full_like(lo, float(eps_max)), lo)
    return torch.where(correct, radius, torch.zeros_like(lo)).numpy()


def _verified(model: nn.Sequential, X: torch.Tensor, y: torch.Tensor, eps: float | torch.Tensor) -> torch.Tensor:
    up = _margins(model, X, y, eps)
    return up.masked_fill(nn.functional.one_hot(y, up.shape[1]).bool(), -np.inf).max(dim=1).values < 0


class _Bounded(nn.Module):
    """Training-time wrapper: in train mode its output carries the clean logits and the worst-case margins."""

    def __init__(self, net: nn.Sequential, loss: IBPLoss) -> None:
        super().__init__()
        self.net, self.objective = net, loss

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return self.net(x)
        self.objective._x = x
        return self.net(x)


class IBPLoss:
    """The loss hook of ``kit.models.nets.train`` for interval-bound training (Gowal et al. 2018).

    Per example: ``kappa * CE(logits) + (1 - kappa) * CE(worst)``, where ``worst`` holds the
    upper bounds on ``logit_j - logit_y`` over the ``eps``-box (``margin_bounds``). After a
    ``warmup`` share of the steps on the clean loss, ``eps`` ramps linearly from 0 to its value
    and ``kappa`` from 1 to ``kappa_end`` over a ``ramp`` share of the steps; both then stay.

    Parameters
    ----------
    net : torch.nn.Sequential
        The network to train (``model`` wraps it for ``train``).
    eps : float in [0, 1]
        Training budget (Gowal et al. train slightly above the budget they certify).
    total_steps : int
        Mini-batch steps of the whole run (``epochs * ceil(n / batch_size)``).
    warmup, ramp : float
        Shares of ``total_steps`` before, and during, the ramp.
    kappa_end : float in [0, 1]

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> hook = IBPLoss(net, eps=0.1, total_steps=10)
    >>> hook
    IBPLoss(eps=0.1, total_steps=10, warmup=0.1, ramp=0.5, kappa_end=0.5)
    >>> hook.model.train()(torch.zeros(3, 1, 2, 2)).shape   # the wrapper to pass as ``model``
    torch.Size([3, 2])
    """

    def __init__(self, net: nn.Sequential, *, eps: float, total_steps: int, warmup: float = 0.1,
                 ramp: float = 0.5, kappa_end: float = 0.5) -> None:
        self.net = _check_model(net, "net")
        self.eps = check_range(eps, "eps", low=0, high=1)
        self.total_steps = check_range(total_steps, "total_steps", low=1, high=10**9, integer=True)
        self.warmup = check_range(warmup, "warmup", low=0, high=1)
        self.ramp = check_range(ramp, "ramp", low=0, high=1)
        self.kappa_end = check_range(kappa_end, "kappa_end", low=0, high=1)
        self.model = _Bounded(self.net, self)
        self.step, self._x = 0, None

    def __repr__(self) -> str:
        return (f"IBPLoss(eps={self.eps:g}, total_steps={self.total_steps}, warmup={self.warmup:g}, "
                f"ramp={self.ramp:g}, kappa_end={self.kappa_end:g})")

    def schedule(self, step: int) -> tuple[float, float]:
        """``(eps, kappa)`` at mini-batch ``step``.

        >>> IBPLoss(nn.Sequential(nn.Linear(2, 2)), eps=0.2, total_steps=10, warmup=0.0, ramp=0.5).schedule(5)
        (0.2, 0.5)
        """
        check_range(step, "step", low=0, high=10**12, integer=True)
        start, length = self.warmup * self.total_steps, max(self.ramp * self.total_steps, 1e-12)
        frac = float(np.clip((step - start) / length, 0.0, 1.0))
        return self.eps * frac, 1.0 - (1.0 - self.kappa_end) * frac

    def __call__(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        clean = nn.functional.cross_entropy(logits, targets, reduction="none")
        if self._x is None or not self.model.training:
            return clean
        eps, kappa = self.schedule(self.step)
        self.step += 1
        worst = nn.functional.cross_entropy(_margins(self.net, self._x, targets, eps), targets, reduction="none")
        self._x = None
        return kappa * clean + (1 - kappa) * worst


def ibp_train(net: nn.Sequential, X: ArrayLike, y: ArrayLike, *, eps: float, epochs: int = 20,
              batch_size: int = 64, warmup: float = 0.1, ramp: float = 0.5, kappa_end: float = 0.5,
              **train_kwargs: Any) -> nn.Sequential:
    """Train ``net`` to be certifiable: ``kit.models.nets.train`` with an ``IBPLoss`` hook.

    Parameters
    ----------
    net : torch.nn.Sequential
    X : images or feature rows with values in [0, 1]; y : int labels ``(n,)``
    eps, warmup, ramp, kappa_end : see ``IBPLoss``
    epochs, batch_size, **train_kwargs
        Passed to ``kit.models.nets.train`` (``lr``, ``seed``, ``show_progress``...).

    Returns
    -------
    ``net``, trained in place, in eval mode.

    Examples
    --------
    >>> X = np.random.default_rng(0).random((32, 2, 2))
    >>> y = (X.mean(axis=(1, 2)) > 0.5).astype(int)
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> ibp_train(net, X, y, eps=0.05, epochs=2, show_progress=False).training
    False
    """
    _check_model(net, "net")
    check_range(epochs, "epochs", low=1, high=10**6, integer=True)
    check_range(batch_size, "batch_size", low=1, high=10**9, integer=True)
    n = len(nets._as_inputs(X))
    hook = IBPLoss(net, eps=eps, total_steps=epochs * -(-n // batch_size), warmup=warmup, ramp=ramp,
                   kappa_end=kappa_end)
    nets.train(hook.model, X, y, epochs=epochs, batch_size=batch_size, loss=hook, **train_kwargs)
    return net.eval()
