"""Image grids (plumbing a learner may skip): a row of digits, reconstructions per attack.

Every function returns a closed matplotlib figure: a notebook shows it with ``display(fig)`` or
a widget turns it into PNG bytes (``kit.viz.widgets``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from kit._validate import as_array, check_callable, check_range, check_type

if TYPE_CHECKING:
    from collections.abc import Callable

    from matplotlib.figure import Figure

    from kit.security.inversion import Inversion


def show_digits(X: Any, y: Any = None, *, ncols: int = 10, title: str | None = None,
                ax_size: float = 0.9) -> Any:
    """Plot the first ``ncols`` images in a row, each titled with its label; return the figure.

    Parameters
    ----------
    X : array-like, shape (n, H, W), pixels in [0, 1]
    y : array-like of int, shape (n,), optional
        Labels shown above the images.
    ncols : int
        Images shown (at most n).
    title : str, optional
        Shown above the row (may span lines).
    ax_size : float
        Inches per image.

    Returns
    -------
    matplotlib Figure, closed (``display(fig)`` shows it; ``kit.viz.widgets.to_png`` encodes it).

    Examples
    --------
    >>> fig = show_digits(np.zeros((3, 8, 8)), [1, 2, 3])
    >>> len(fig.axes)
    3
    """
    import matplotlib.pyplot as plt

    check_range(ncols, "ncols", low=1, integer=True)
    check_range(ax_size, "ax_size", low=0.1, high=100)
    if title is not None:
        check_type(title, "title", str)
    arr = as_array(X, "X", ndim=3)[:ncols]
    labels = None if y is None else as_array(y, "y", ndim=1, dtype=None)[:ncols]
    if labels is not None and len(labels) < len(arr):
        raise ValueError(f"y: expected a label for each of the {len(arr)} images shown, got {len(labels)}")
    fig, axes = plt.subplots(1, len(arr), figsize=(ax_size * len(arr), ax_size * 1.25), squeeze=False)
    for i, ax in enumerate(axes[0]):
        ax.imshow(arr[i], cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([]), ax.set_yticks([])
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10, x=0.01, y=1.02, ha="left", va="bottom")
    plt.close(fig)
    return fig


def plot_reconstructions(results: dict[str, Inversion],
                         judge: Callable[[np.ndarray], np.ndarray] | None = None) -> Figure:
    """One row of reconstructions per attack/defence, one column per class; returns the figure.

    Parameters
    ----------
    results : dict label -> ``kit.security.inversion.Inversion``
        Each row shows the first reconstruction of every class of the first result.
    judge : callable images ``(n, H, W)`` -> labels ``(n,)``, optional
        Titles each image with the judge's label (green when it is the attacked class).

    Examples
    --------
    >>> from kit.security.inversion import Inversion
    >>> inv = Inversion(np.zeros((2, 8, 8)), np.array([0, 1]), 0, "demo")
    >>> len(plot_reconstructions({"demo": inv, "again": inv}).axes)
    4
    """
    import matplotlib.pyplot as plt

    if not isinstance(results, dict) or not results:
        raise ValueError("results: expected a non-empty dict label -> Inversion")
    if judge is not None:
        check_callable(judge, "judge", what="a callable images -> labels")
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
    plt.close(fig)
    return fig
