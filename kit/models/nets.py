"""Small torch image classifiers and the one training loop the notebooks share.

Images are numpy or torch arrays of shape ``(n, H, W)`` (or ``(n, 1, H, W)``) with pixels in
[0, 1]; labels are integers ``(n,)``. Training takes a ``seed`` and uses a local
``torch.Generator``: it never touches torch's global random state.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from kit import _validate
from kit._validate import as_array, check_range, same_length
from kit.progress import progress


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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)
        return self.head(self.features(x))

    def extra_repr(self) -> str:
        return f"size={self.size}, n_classes={self.n_classes}, width={self.width}"


def as_images(X, name: str = "X") -> torch.Tensor:
    """Validate images and return a float32 tensor ``(n, 1, H, W)`` in [0, 1]."""
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    arr = as_array(X, name, ndim=(3, 4))
    if arr.ndim == 4 and arr.shape[1] != 1:
        raise ValueError(f"{name}: expected one channel (n, 1, H, W), got shape {arr.shape}")
    if arr.min() < -1e-6 or arr.max() > 1 + 1e-6:
        raise ValueError(f"{name}: expected pixels in [0, 1], got range [{arr.min():.3g}, {arr.max():.3g}]")
    t = torch.as_tensor(arr, dtype=torch.float32)
    return t.unsqueeze(1) if t.dim() == 3 else t


def as_labels(y, name: str = "y") -> torch.Tensor:
    """Validate integer class labels and return a long tensor ``(n,)``."""
    return torch.as_tensor(_validate.as_labels(y, name), dtype=torch.long)


def train(
    model: nn.Module,
    X,
    y,
    *,
    epochs: int = 5,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
    device: str = "cpu",
    sample_weight=None,
    transform: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    init: bool = True,
    show_progress: bool = True,
) -> nn.Module:
    """Train ``model`` with Adam and cross-entropy; returns the model (trained in place).

    ``transform(batch, generator)`` augments each mini-batch on the fly (see
    ``kit.augment``); ``sample_weight`` weights each example's loss. ``init=False`` keeps the
    current weights (fine-tuning a pre-trained model); by default weights are re-initialised
    from ``seed`` so training is a pure function of its arguments.

    Examples
    --------
    >>> X = np.random.default_rng(0).random((64, 8, 8)).astype("float32")
    >>> y = (X.mean(axis=(1, 2)) > 0.5).astype("int64")
    >>> net = train(SmallCNN(8, 2), X, y, epochs=1, seed=0, show_progress=False)
    >>> accuracy(net, X, y) >= 0.0
    True
    """
    Xt, yt = as_images(X), as_labels(y)
    n = same_length(X=Xt, y=yt)
    check_range(epochs, "epochs", low=1, integer=True)
    check_range(batch_size, "batch_size", low=1, integer=True)
    check_range(lr, "lr", low=0)
    w = None
    if sample_weight is not None:
        w = torch.as_tensor(as_array(sample_weight, "sample_weight", ndim=1), dtype=torch.float32)
        same_length(X=Xt, sample_weight=w)
        if (w < 0).any():
            raise ValueError("sample_weight: expected non-negative weights")
    gen = torch.Generator().manual_seed(seed)
    init_gen = torch.Generator().manual_seed(seed + 1)
    if init:
        reset_parameters(model, init_gen)
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss(reduction="none")
    for _ in progress(range(epochs), desc="epochs", disable=not show_progress):
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb = Xt[idx]
            if transform is not None:
                xb = transform(xb, gen)
            xb, yb = xb.to(device), yt[idx].to(device)
            loss = loss_fn(model(xb), yb)
            loss = (loss * w[idx].to(device)).sum() / w[idx].sum().clamp_min(1e-12) if w is not None else loss.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    return model


def reset_parameters(model: nn.Module, gen: torch.Generator) -> None:
    """Re-initialise conv and linear weights from ``gen`` (torch's default uniform bounds).

    Training starts here so it is a pure function of its ``seed``; the global RNG is untouched.
    """
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                bound = 1.0 / np.sqrt(fan_in)
                m.weight.copy_(torch.empty_like(m.weight).uniform_(-bound, bound, generator=gen))
                if m.bias is not None:
                    m.bias.copy_(torch.empty_like(m.bias).uniform_(-bound, bound, generator=gen))


@torch.no_grad()
def predict_proba(model: nn.Module, X, *, batch_size: int = 1000, device: str = "cpu") -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` as numpy."""
    Xt = as_images(X)
    model.to(device).eval()
    out = [torch.softmax(model(Xt[i:i + batch_size].to(device)), dim=1).cpu() for i in range(0, len(Xt), batch_size)]
    return torch.cat(out).numpy()


def predict(model: nn.Module, X, **kwargs) -> np.ndarray:
    """Predicted labels ``(n,)``."""
    return predict_proba(model, X, **kwargs).argmax(axis=1)


def accuracy(model: nn.Module, X, y, **kwargs) -> float:
    """Share of ``X`` classified as ``y``."""
    yt = as_labels(y)
    same_length(X=X, y=yt)
    return float((predict(model, X, **kwargs) == yt.numpy()).mean())


def activations(model, X, *, layer: str = "conv", batch_size: int = 1000) -> np.ndarray:
    """Activations ``(n, d)`` of a ``kit.models.nets.SmallCNN``: its conv features or its hidden layer.

    ``layer="conv"``: the flattened output of the convolutional block (where the trigger shows
    most plainly); ``layer="hidden"``: the layer feeding the last linear layer (Tran et al.'s
    choice for deep networks).

    >>> from kit.models.nets import SmallCNN
    >>> activations(SmallCNN(8), np.zeros((3, 8, 8), "float32"), layer="hidden").shape
    (3, 64)
    """
    import torch

    from kit._validate import check_choice
    from kit.models.nets import as_images

    check_choice(layer, "layer", ("conv", "hidden"))
    if not hasattr(model, "features") or not hasattr(model, "head"):
        raise TypeError("model: expected a kit.models.SmallCNN (with .features and .head)")
    Xt = as_images(X)
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(Xt), batch_size):
            f = model.features(Xt[i:i + batch_size])
            out.append(f.flatten(1) if layer == "conv" else model.head[:-1](f))
    return torch.cat(out).numpy()
