"""Image grids (plumbing a learner may skip): a row of digits, reconstructions per attack.

Every function returns a closed matplotlib figure: a notebook shows it with ``display(fig)`` or
a widget turns it into PNG bytes (``kit.viz.widgets``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kit._validate import as_array

if TYPE_CHECKING:
    from kit.security.inversion import Inversion


def show_digits(X, y=None, *, ncols: int = 10, title: str | None = None, ax_size: float = 0.9):
    """Plot up to ``ncols`` images (n, H, W) in a row, with their labels; returns the figure.

    Examples
    --------
    >>> fig = show_digits(np.zeros((3, 8, 8)), [1, 2, 3])
    >>> len(fig.axes)
    3
    """
    import matplotlib.pyplot as plt

    arr = as_array(X, "X", ndim=3)[:ncols]
    fig, axes = plt.subplots(1, len(arr), figsize=(ax_size * len(arr), ax_size * 1.25), squeeze=False)
    for i, ax in enumerate(axes[0]):
        ax.imshow(arr[i], cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([]), ax.set_yticks([])
        if y is not None:
            ax.set_title(str(int(np.asarray(y)[i])), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10, x=0.01, y=1.2, ha="left")
    plt.close(fig)
    return fig


def plot_reconstructions(results: dict[str, Inversion], judge=None, *, per_class: int = 1):
    """One row of reconstructions per attack/defence, one column per class; returns the figure.

    With ``judge``, each image's title is the judge's label (green when it matches the class).
    """
    import matplotlib.pyplot as plt

    if not isinstance(results, dict) or not results:
        raise ValueError("results: expected a non-empty dict label -> Inversion")
    first = next(iter(results.values()))
    classes = list(dict.fromkeys(first.classes.tolist()))
    fig, axes = plt.subplots(len(results), len(classes), figsize=(1.1 * len(classes), 1.3 * len(results)),
                             squeeze=False)
    for r, (label, inv) in enumerate(results.items()):
        guess = judge(inv.images) if judge is not None else None
        for c, cls in enumerate(classes):
            i = int(np.flatnonzero(inv.classes == cls)[0])
            ax = axes[r, c]
            ax.imshow(inv.images[i], cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if guess is not None:
                ax.set_title(str(guess[i]), fontsize=8, color="green" if guess[i] == cls else "red")
            if c == 0:
                ax.set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    fig.tight_layout()
    return fig
