"""Small torch classifiers and the kit's one training loop.

Inputs are images ``(n, H, W)`` or ``(n, 1, H, W)`` with pixels in [0, 1], or rows of features
``(n, d)`` for a multilayer perceptron; targets are integer labels ``(n,)`` or class
probabilities ``(n, K)`` (soft targets, e.g. the answers of a prediction API). ``train`` is the
only mini-batch loop of the kit: its hooks carry what a lesson changes (``transform`` augments a
batch, ``adversary`` replaces it by attacks on the current model, ``loss`` and ``sample_weight``
change what is minimised). It takes a ``seed`` and draws from local ``torch.Generator``s, never
from torch's global random state.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import nn

from kit import _validate
from kit._validate import as_array, check_range, same_length
from kit.progress import progress

Transform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]
Adversary = Callable[[nn.Module, torch.Tensor, torch.Tensor, torch.Generator], torch.Tensor]
Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class SmallCNN(nn.Module):
    """Two conv layers and a linear head: ~98% on MNIST 5k after a few epochs on one core.

    Parameters
    ----------
    size : int
        Image side (28 for MNIST, 8 for sklearn digits).
    n_classes : int
    width : int
        Channels of the first conv layer (the second has twice as many).
    seed : int
        Seeds the initial weights (``train`` re-initialises from its own ``seed``).

    Examples
    --------
    >>> net = SmallCNN(28)
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, size: int = 28, n_classes: int = 10, *, width: int = 16, seed: int = 0) -> None:
        super().__init__()
        check_range(size, "size", low=4, integer=True)
        check_range(n_classes, "n_classes", low=2, integer=True)
        check_range(width, "width", low=1, integer=True)
        check_range(size, "size", high=4096)
        check_range(n_classes, "n_classes", high=10**5)
        check_range(width, "width", high=1024)
        seed = _validate.check_seed(seed)
        self.size, self.n_classes, self.width = size, n_classes, width
        pool = 2 if size >= 16 else 1
        side = size // pool // pool
        with torch.random.fork_rng(devices=[]):  # layer constructors draw from the global RNG
            self.features = nn.Sequential(
                nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(pool),
                nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(pool),
            )
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(2 * width * side * side, 64), nn.ReLU(),
                                      nn.Linear(64, n_classes))
        reset_parameters(self, torch.Generator().manual_seed(seed))
        # channels-last layout: oneDNN's CPU convolutions run about 1.5x faster on it (measured on
        # MNIST training and PGD); the weights' values are unchanged
        self.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)
        return self.head(self.features(x.contiguous(memory_format=torch.channels_last)))

    def extra_repr(self) -> str:
        return f"size={self.size}, n_classes={self.n_classes}, width={self.width}"


def as_images(X: ArrayLike, name: str = "X") -> torch.Tensor:
    """Validate images ``(n, H, W)`` or ``(n, 1, H, W)`` and return a float32 tensor ``(n, 1, H, W)``.

    Raises a ``ValueError`` naming ``name`` unless there is one channel and pixels are in [0, 1].

    >>> as_images(np.zeros((2, 8, 8))).shape
    torch.Size([2, 1, 8, 8])
    """
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    arr = as_array(X, name, ndim=(3, 4))
    if arr.ndim == 4 and arr.shape[1] != 1:
        raise ValueError(f"{name}: expected one channel (n, 1, H, W), got shape {arr.shape}")
    if arr.min() < -1e-6 or arr.max() > 1 + 1e-6:
        raise ValueError(f"{name}: expected pixels in [0, 1], got range [{arr.min():.3g}, {arr.max():.3g}]")
    t = torch.as_tensor(arr, dtype=torch.float32)
    return t.unsqueeze(1) if t.dim() == 3 else t


def as_label_tensor(y: ArrayLike, name: str = "y") -> torch.Tensor:
    """Validate integer class labels ``(n,)`` (``kit._validate.as_labels``) as a long tensor.

    >>> as_label_tensor([0, 2, 1])
    tensor([0, 2, 1])
    """
    return torch.as_tensor(_validate.as_labels(y, name), dtype=torch.long)


def _as_inputs(X, name: str = "X") -> torch.Tensor:
    """Images -> float32 ``(n, 1, H, W)`` (``as_images``); feature rows ``(n, d)`` -> float32."""
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    arr = as_array(X, name, ndim=(2, 3, 4))
    return torch.as_tensor(arr, dtype=torch.float32) if arr.ndim == 2 else as_images(arr, name)


def _as_targets(y, name: str = "y") -> torch.Tensor:
    """Labels ``(n,)`` -> long tensor; probabilities ``(n, K)`` -> float32 tensor (soft targets)."""
    if np.ndim(y) != 2:
        return as_label_tensor(y, name)
    P = as_array(y, name, ndim=2)
    if P.min() < -1e-6 or np.abs(P.sum(axis=1) - 1).max() > 1e-3:
        raise ValueError(f"{name}: expected labels (n,) or probabilities (n, K) whose rows sum to 1")
    return torch.as_tensor(P, dtype=torch.float32)


def check_fits(model: nn.Module, X: torch.Tensor, y: torch.Tensor | None = None, *, device: str = "cpu",
               x_name: str = "X", y_name: str = "y") -> int:
    """Check that inputs ``X`` and labels ``y`` fit ``model``; return its number of classes.

    One forward pass on the first example (in eval mode, without gradients) finds the number of
    outputs; an image size the model was not built for, or a label outside ``[0, n_classes)``,
    raises a ``ValueError`` naming the argument instead of an error from deep inside torch.

    >>> check_fits(SmallCNN(8, 3), torch.zeros(2, 1, 8, 8), torch.tensor([0, 2]))
    3
    >>> check_fits(SmallCNN(8, 3), torch.zeros(2, 1, 8, 8), torch.tensor([0, 5]))
    Traceback (most recent call last):
    ...
    ValueError: y: label 5 is out of range for a model with 3 classes
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch nn.Module, got {type(model).__name__}")
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"{x_name}: expected a torch tensor (see as_images), got {type(X).__name__}")
    if y is not None and not isinstance(y, torch.Tensor):
        raise TypeError(f"{y_name}: expected a torch tensor or None, got {type(y).__name__}")
    device = _validate.check_device(device)
    if X.dim() == 0 or len(X) == 0:
        raise ValueError(f"{x_name}: expected at least one example, got shape {tuple(X.shape)}")
    size = getattr(model, "size", None)
    if X.dim() == 4 and isinstance(size, int) and tuple(X.shape[2:]) != (size, size):
        raise ValueError(f"{x_name}: images of {X.shape[2]}x{X.shape[3]} do not fit a model built for {size}x{size}")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(X[:1].to(device))
    except RuntimeError as exc:
        raise ValueError(f"{x_name}: inputs of shape {tuple(X.shape[1:])} do not fit the model ({exc})") from None
    finally:
        model.train(was_training)
    if out.dim() != 2:
        raise ValueError(f"model: expected outputs (n, n_classes), got shape {tuple(out.shape)}")
    n_classes = out.shape[1]
    if y is not None and y.dim() == 1 and len(y):
        for bad in (int(y.min()), int(y.max())):
            if not 0 <= bad < n_classes:
                raise ValueError(f"{y_name}: label {bad} is out of range for a model with {n_classes} classes")
    if y is not None and y.dim() == 2 and y.shape[1] != n_classes:
        raise ValueError(f"{y_name}: {y.shape[1]} class probabilities for a model with {n_classes} classes")
    return n_classes


def _cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return nn.functional.cross_entropy(logits, targets, reduction="none")  # labels or probabilities


def _mean(per_example: torch.Tensor, w: torch.Tensor | None) -> torch.Tensor:
    return per_example.mean() if w is None else (per_example * w).sum() / w.sum().clamp_min(1e-12)


def train(
    model: nn.Module,
    X: ArrayLike,
    y: ArrayLike,
    *,
    epochs: int = 5,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
    device: str = "cpu",
    sample_weight: ArrayLike | None = None,
    transform: Transform | None = None,
    adversary: Adversary | None = None,
    clean_share: float = 0.0,
    loss: Loss | None = None,
    init: bool = True,
    show_progress: bool = True,
) -> nn.Module:
    """Fit ``model`` with Adam on shuffled mini-batches: the kit's one training loop.

    Each batch passes through ``transform`` (on the CPU) and then ``adversary`` (on ``device``,
    model in eval mode); the step minimises the mean per-example ``loss``, weighted by
    ``sample_weight``. Weights are re-initialised from ``seed`` (``reset_parameters``) so
    training is a pure function of its arguments; ``init=False`` fine-tunes the current ones.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch of inputs to logits ``(batch, K)``.
    X : images ``(n, H, W)`` / ``(n, 1, H, W)`` with pixels in [0, 1], or features ``(n, d)``
    y : int labels ``(n,)``, or target probabilities ``(n, K)`` whose rows sum to 1
    epochs, batch_size : int
    lr, weight_decay : float
        Adam's step size and L2 penalty.
    seed : int
        Batch order and the hooks' generator; ``seed + 1`` seeds the initial weights.
    device : str
    sample_weight : array ``(n,)`` of non-negative weights, optional
    transform : callable ``(batch, generator) -> batch``, optional
        A label-preserving augmentation (``kit.augment``).
    adversary : callable ``(model, batch, targets, generator) -> batch``, optional
        Replaces each batch by examples crafted against the current model, e.g.
        ``kit.security.evasion.PGDAdversary`` (adversarial training, Madry et al. 2018).
    clean_share : float in [0, 1]
        With an ``adversary``: minimise ``(1 - c) * loss(adversarial) + c * loss(clean)``
        (Goodfellow et al. 2015 mix both).
    loss : callable ``(logits, targets) -> (batch,)`` per-example losses, optional
        Cross-entropy (hard or soft targets) when omitted.
    init, show_progress : bool

    Returns
    -------
    The model, trained in place and left in eval mode.

    Examples
    --------
    >>> from kit.data import load
    >>> X, y = load("digits")
    >>> net = train(SmallCNN(8), X[:1000], y[:1000], epochs=3, show_progress=False)
    >>> accuracy(net, X[1000:], y[1000:]) > 0.8   # chance is 0.1
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    Xt, T = _as_inputs(X), _as_targets(y)
    n = same_length(X=Xt, y=T)
    check_range(epochs, "epochs", low=1, integer=True)
    check_range(batch_size, "batch_size", low=1, integer=True)
    check_range(epochs, "epochs", high=10**6)
    check_range(lr, "lr", low=0, high=1e3)
    check_range(weight_decay, "weight_decay", low=0, high=1e3)
    check_range(clean_share, "clean_share", low=0, high=1)
    seed = _validate.check_seed(seed)
    device = _validate.check_device(device)
    init, show_progress = _validate.check_flag(init, "init"), _validate.check_flag(show_progress, "show_progress")
    for hook, name in ((transform, "transform"), (adversary, "adversary"), (loss, "loss")):
        if hook is not None and not callable(hook):
            raise TypeError(f"{name}: expected a callable, got {type(hook).__name__}")
    if clean_share > 0 and adversary is None:
        raise ValueError("clean_share: weighs the clean loss against an adversary's; pass adversary=")
    w = None
    if sample_weight is not None:
        w = torch.as_tensor(as_array(sample_weight, "sample_weight", ndim=1), dtype=torch.float32)
        same_length(X=Xt, sample_weight=w)
        if (w < 0).any():
            raise ValueError("sample_weight: expected non-negative weights")
    loss_fn = loss or _cross_entropy
    gen = torch.Generator().manual_seed(seed)
    if init:
        reset_parameters(model, torch.Generator().manual_seed(seed + 1))
    model.to(device)
    check_fits(model, Xt, T, device=device)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in progress(range(epochs), desc="epochs", disable=not show_progress):
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb = Xt[idx] if transform is None else transform(Xt[idx], gen)
            xb, tb = xb.to(device), T[idx].to(device)
            wb = None if w is None else w[idx].to(device)
            x_fit = xb
            if adversary is not None:
                model.eval()
                x_fit = adversary(model, xb, tb, gen)
            model.train()
            batch_loss = _mean(loss_fn(model(x_fit), tb), wb)
            if clean_share > 0:
                batch_loss = (1 - clean_share) * batch_loss + clean_share * _mean(loss_fn(model(xb), tb), wb)
            opt.zero_grad()
            batch_loss.backward()
            opt.step()
    model.eval()
    return model


def reset_parameters(model: nn.Module, gen: torch.Generator) -> None:
    """Re-initialise every conv and linear layer from ``gen`` (torch's default uniform bounds).

    Weights and biases are drawn from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, layer by layer;
    training starts here so it is a pure function of its ``seed``; the global RNG is untouched.

    >>> net = nn.Linear(4, 2)
    >>> reset_parameters(net, torch.Generator().manual_seed(0))
    >>> bool(net.weight.abs().max() <= 0.5)
    True
    """
    _validate.check_type(model, "model", nn.Module, what="a torch.nn.Module")
    if not isinstance(gen, torch.Generator):
        raise TypeError(f"gen: expected a torch.Generator, got {type(gen).__name__}")
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                bound = 1.0 / np.sqrt(m.weight[0].numel())
                m.weight.copy_(torch.empty_like(m.weight).uniform_(-bound, bound, generator=gen))
                if m.bias is not None:
                    m.bias.copy_(torch.empty_like(m.bias).uniform_(-bound, bound, generator=gen))


@torch.no_grad()
def predict_proba(model: nn.Module, X: ArrayLike, *, batch_size: int = 1000,
                  device: str = "cpu") -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` as numpy, for images or feature rows ``X``.

    >>> predict_proba(SmallCNN(8, 3), np.zeros((2, 8, 8))).shape
    (2, 3)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    Xt = _as_inputs(X)
    check_range(batch_size, "batch_size", low=1, integer=True)
    device = _validate.check_device(device)
    model.to(device).eval()
    check_fits(model, Xt, device=device)
    out = [torch.softmax(model(Xt[i:i + batch_size].to(device)), dim=1).cpu() for i in range(0, len(Xt), batch_size)]
    return torch.cat(out).numpy()


def predict(model: nn.Module, X: ArrayLike, **kwargs) -> np.ndarray:
    """Predicted labels ``(n,)``: the argmax of ``predict_proba`` (same keywords).

    >>> predict(SmallCNN(8), np.zeros((2, 8, 8))).shape
    (2,)
    """
    return predict_proba(model, X, **kwargs).argmax(axis=1)


def accuracy(model: nn.Module, X: ArrayLike, y: ArrayLike, **kwargs) -> float:
    """Share of ``X`` classified as its label ``y (n,)`` (keywords go to ``predict_proba``).

    >>> net = SmallCNN(8, 2)
    >>> X = np.zeros((4, 8, 8))
    >>> accuracy(net, X, predict(net, X))
    1.0
    """
    yt = as_label_tensor(y)
    pred = predict(model, X, **kwargs)  # checks X
    same_length(X=pred, y=yt)
    return float((pred == yt.numpy()).mean())


def activations(model: SmallCNN, X: ArrayLike, *, layer: str = "conv",
                batch_size: int = 1000) -> np.ndarray:
    """Activations ``(n, d)`` of a ``SmallCNN``: its conv features or its hidden layer.

    ``layer="conv"``: the flattened output of the convolutional block (where a backdoor trigger
    shows most plainly, Chen et al. 2019); ``layer="hidden"``: the layer feeding the last linear
    layer (Tran et al. 2018's choice for deep networks). Taught in ``22_security-poisoning``.

    >>> activations(SmallCNN(8), np.zeros((3, 8, 8), "float32"), layer="hidden").shape
    (3, 64)
    """
    _validate.check_choice(layer, "layer", ("conv", "hidden"))
    check_range(batch_size, "batch_size", low=1, integer=True)
    if not hasattr(model, "features") or not hasattr(model, "head"):
        raise TypeError("model: expected a kit.models.nets.SmallCNN (with .features and .head)")
    Xt = as_images(X)
    check_fits(model, Xt)
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(Xt), batch_size):
            f = model.features(Xt[i:i + batch_size])
            out.append(f.flatten(1) if layer == "conv" else model.head[:-1](f))
    return torch.cat(out).numpy()
