"""Differentially private training (DP-SGD) with opacus, its privacy accountant reporting epsilon.

DP-SGD (Abadi et al. 2016, "Deep Learning with Differential Privacy", ACM CCS) clips each
example's gradient to norm ``max_grad_norm`` and adds Gaussian noise to every batch's sum, so no
single training record can move the model much; an accountant turns the noise, the sampling rate
and the number of steps into a guarantee ``(epsilon, delta)``. The kit uses the library
practitioners use, opacus (Yousefpour et al. 2021), rather than its own implementation; taught in
``notebooks/24_security-model-inversion.ipynb``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import nn

from kit._validate import check_range, check_seed, check_type, same_length
from kit.models.nets import _as_inputs, _as_targets, check_fits, reset_parameters

__all__ = ["PrivateModel", "train_dp"]


@dataclass(frozen=True)
class PrivateModel:
    """A model trained with DP-SGD and the guarantee its accountant reports.

    >>> PrivateModel(nn.Linear(2, 2), epsilon=1.0, delta=1e-5, noise_multiplier=1.1, steps=10)
    PrivateModel(epsilon=1.00, delta=1e-05, noise_multiplier=1.10, steps=10)
    """

    model: nn.Module
    epsilon: float
    delta: float
    noise_multiplier: float
    steps: int

    def __repr__(self) -> str:
        return (f"PrivateModel(epsilon={self.epsilon:.2f}, delta={self.delta:g}, "
                f"noise_multiplier={self.noise_multiplier:.2f}, steps={self.steps})")


def train_dp(model: nn.Module, X: ArrayLike, y: ArrayLike, *, epsilon: float, delta: float | None = None,
             epochs: int = 10, batch_size: int = 128, lr: float = 1e-2, max_grad_norm: float = 1.0,
             seed: int = 0) -> PrivateModel:
    """Train ``model`` with DP-SGD to a target ``(epsilon, delta)`` and report what was spent.

    opacus picks the noise multiplier that reaches ``epsilon`` after ``epochs`` of Poisson-sampled
    batches (expected size ``batch_size``), with per-example clipping at ``max_grad_norm``; the
    returned epsilon is its accountant's (RDP) figure for the steps actually taken. Randomness
    (initial weights, batch sampling, noise) comes from ``seed`` only.

    Parameters
    ----------
    model : torch.nn.Module built from layers opacus supports (``Linear``, ``Conv2d``, ...)
    X : features ``(n, d)`` (or images); y : int labels ``(n,)``
    epsilon : float > 0
    delta : float in (0, 1), optional; ``1 / n`` rounded down to a power of ten when omitted
    epochs, batch_size : int
    lr, max_grad_norm : float
        SGD's step size; the per-example gradient norm bound.
    seed : int

    Returns
    -------
    PrivateModel (``.model`` is the trained ``model`` itself, in eval mode)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 3)).astype(np.float32); y = (X[:, 0] > 0).astype(int)
    >>> dp = train_dp(nn.Linear(3, 2), X, y, epsilon=2.0, epochs=5, seed=0)
    >>> dp.epsilon <= 2.0 + 1e-6, dp.delta
    (True, 0.001)
    """
    check_type(model, "model", nn.Module, what="a torch.nn.Module")
    Xt, T = _as_inputs(X), _as_targets(y)
    n = same_length(X=Xt, y=T)
    if T.ndim != 1:
        raise ValueError("y: expected integer labels (n,) for DP-SGD, got class probabilities")
    check_range(epsilon, "epsilon", low=1e-6, high=1e4)
    if delta is None:
        delta = 10.0 ** -np.ceil(np.log10(n))
    check_range(delta, "delta", low=1e-12, high=1 - 1e-12)
    check_range(epochs, "epochs", low=1, high=10**5, integer=True)
    batch_size = int(check_range(batch_size, "batch_size", low=1, high=n, integer=True))
    check_range(lr, "lr", low=1e-8, high=1e3)
    check_range(max_grad_norm, "max_grad_norm", low=1e-8, high=1e6)
    seed = check_seed(seed)
    from opacus import PrivacyEngine  # imported here: ~2 s, and only this lesson needs it

    check_fits(model, Xt, T)
    reset_parameters(model, torch.Generator().manual_seed(seed + 1))
    model.train()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xt, T), batch_size=batch_size,
                                         shuffle=True, generator=torch.Generator().manual_seed(seed))
    # opacus warns about secure_mode (cryptographic RNG): a lesson wants seeds. Its data loader
    # draws from torch's global generator; fork_rng puts that generator back as it was.
    with warnings.catch_warnings(), torch.random.fork_rng(devices=[]):
        warnings.simplefilter("ignore")
        engine = PrivacyEngine(accountant="rdp")
        private, opt, loader = engine.make_private_with_epsilon(
            module=model, optimizer=torch.optim.SGD(model.parameters(), lr=lr), data_loader=loader,
            target_epsilon=epsilon, target_delta=delta, epochs=epochs, max_grad_norm=max_grad_norm,
            noise_generator=torch.Generator().manual_seed(seed + 2))
        steps = 0
        for _ in range(epochs):
            for xb, yb in loader:
                if len(xb) == 0:
                    continue
                opt.zero_grad()
                nn.functional.cross_entropy(private(xb), yb).backward()
                opt.step()
                steps += 1
        spent = engine.get_epsilon(delta)
    private.remove_hooks()  # hand back the plain module: no per-example hooks, no gradients
    model = private._module
    model.eval()
    for p in model.parameters():
        p.grad_sample = None
        p.grad = None
    if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
        raise ValueError("X: DP-SGD diverged to non-finite weights; standardise the features or lower lr")
    return PrivateModel(model, float(spent), float(delta), float(opt.noise_multiplier), steps)
