"""The precomputed-slider widget: every answer computed once, so moving a control is instant.

A lesson where a magnitude matters (eps of an attack, a rotation range, an exploration rate)
shows one picture or one line of text per setting. ``explorer`` computes all of them up
front, for every combination of the controls' options, and builds the ipywidgets controls
that swap between them. Nothing is recomputed while the learner drags a slider, and the
same values can be checked without a browser (``Explorer.outputs``).

Used by notebooks 03, 14, 15, 21, 22, 23 and 24 (plumbing a learner may skip).
"""

from __future__ import annotations

import base64
import io
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Explorer", "explorer", "to_png"]


def to_png(fig: Any, *, dpi: int = 70) -> bytes:
    """A matplotlib figure as PNG bytes; the figure is closed.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> to_png(plt.figure(figsize=(1, 1)))[:4]
    b'\\x89PNG'
    """
    import matplotlib.pyplot as plt

    if not hasattr(fig, "savefig"):
        raise TypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _kind(options: tuple) -> str:
    """The control that offers ``options``: a checkbox, a slider (numbers) or a dropdown."""
    if all(isinstance(o, bool) for o in options):
        return "checkbox"
    if all(isinstance(o, (int, float)) for o in options):
        return "slider"
    return "dropdown"


def _as_output(value: Any, dpi: int) -> bytes | str:
    if isinstance(value, str):
        return value
    if hasattr(value, "savefig"):
        return to_png(value, dpi=dpi)
    if hasattr(value, "figure") and hasattr(value.figure, "savefig"):  # an Axes
        return to_png(value.figure, dpi=dpi)
    raise TypeError(f"render: expected it to return a str or a matplotlib Figure/Axes, got {type(value).__name__}")


@dataclass
class Explorer:
    """Controls and their precomputed outputs; ``widget()`` builds the ipywidgets view.

    Displayed in a notebook, it shows the widget to a live kernel and, to a reader without one
    (a code host, an HTML export), the output of the setting it opens on.

    >>> ex = Explorer({"k": (1, 2)}, {(1,): "one", (2,): "two"}, (2,))
    >>> ex, ex.widget().children[1].value
    (Explorer(k: 2; 2 precomputed outputs), 'two')
    >>> print(ex._repr_mimebundle_()["text/plain"])
    Explorer: k = 2 (interactive slider; run the notebook to change it)
    two

    Attributes
    ----------
    controls : dict name -> tuple of options
    outputs : dict (option, ...) -> PNG bytes or text, one entry per combination
    value : tuple, the combination shown first
    """

    controls: dict[str, tuple]
    outputs: dict[tuple, bytes | str] = field(repr=False)
    value: tuple

    def widget(self) -> Any:
        """A ``VBox`` of one control per name (slider for numbers, dropdown otherwise, checkbox
        for booleans) above the output (an ``Image`` for pictures, a ``Label`` for text)."""
        import ipywidgets as widgets

        ctrls = []
        for (name, options), start in zip(self.controls.items(), self.value):
            kind = _kind(options)
            if kind == "checkbox":
                ctrls.append(widgets.Checkbox(value=start, description=name))
            elif kind == "slider":
                ctrls.append(widgets.SelectionSlider(options=list(options), value=start, description=name,
                                                     style={"description_width": "initial"}))
            else:
                ctrls.append(widgets.Dropdown(options=list(options), value=start, description=name,
                                              layout=widgets.Layout(width="max-content")))
        first = self.outputs[self.value]
        view = (widgets.Label(first) if isinstance(first, str)
                else widgets.Image(format="png", value=first))

        def show(_: Any = None) -> None:
            view.value = self.outputs[tuple(c.value for c in ctrls)]

        for c in ctrls:
            c.observe(show, "value")
        return widgets.VBox([widgets.HBox(ctrls), view])

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget, plus the first setting's output for viewers without a kernel.

        A live JupyterLab shows the widget: ipywidgets registers the widget view at rank -10,
        ahead of every built-in renderer (images rank 90). Readers without a kernel (a code host,
        nbconvert's HTML of a notebook stored without widget state) skip the widget view and
        show the ``image/png`` picture (or the text) of the setting the widget opens on.
        """
        bundle = self.widget()._repr_mimebundle_(**kwargs)
        first = self.outputs[self.value]
        kinds = " and ".join(dict.fromkeys(_kind(options) for options in self.controls.values()))
        setting = ", ".join(f"{name} = {v}" for name, v in zip(self.controls, self.value))
        note = (f"Explorer: {setting} (interactive {kinds}; run the notebook to change "
                f"{'it' if len(self.controls) == 1 else 'them'})")
        if isinstance(first, str):
            bundle["text/plain"] = f"{note}\n{first}"
        else:
            bundle["image/png"] = base64.b64encode(first).decode("ascii")
            bundle["text/plain"] = note
        return bundle

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}: {len(v)}" for k, v in self.controls.items())
        return f"Explorer({sizes}; {len(self.outputs)} precomputed outputs)"


def explorer(render: Callable[..., Any], controls: Mapping[str, Sequence[Any]], *,
             value: Mapping[str, Any] | None = None, dpi: int = 70) -> Explorer:
    """Precompute ``render(**setting)`` for every combination of ``controls``.

    Parameters
    ----------
    render : callable
        Called with one keyword per control; returns a matplotlib Figure (or Axes), shown as a
        picture, or a str, shown as a line of text.
    controls : dict name -> sequence of options
        The options each control offers, in order.
    value : dict name -> option, optional
        The setting shown first (default: each control's first option).
    dpi : int
        Resolution of the pictures.

    Returns
    -------
    Explorer
        Displaying it in a notebook shows the widget, and a static copy of the first setting's
        output where no kernel runs.

    Examples
    --------
    >>> ex = explorer(lambda eps, method: f"{method} at {eps}", {"eps": [0.1, 0.2], "method": ["fgsm", "pgd"]},
    ...               value={"eps": 0.2})
    >>> ex
    Explorer(eps: 2, method: 2; 4 precomputed outputs)
    >>> ex.outputs[ex.value]
    'fgsm at 0.2'
    """
    if not callable(render):
        raise TypeError("render: expected a callable taking one keyword per control")
    if not isinstance(controls, Mapping) or not controls:
        raise ValueError("controls: expected a non-empty dict name -> options")
    opts = {str(k): tuple(v) for k, v in controls.items()}
    for k, v in opts.items():
        if not v:
            raise ValueError(f"controls: {k!r} has no options")
    value = dict(value or {})
    unknown = set(value) - set(opts)
    if unknown:
        raise ValueError(f"value: unknown control(s) {sorted(unknown)}; expected some of {list(opts)}")
    start = []
    for k, v in opts.items():
        chosen = value.get(k, v[0])
        if chosen not in v:
            raise ValueError(f"value: {k}={chosen!r} is not one of its options {list(v)}")
        start.append(chosen)
    outputs = {combo: _as_output(render(**dict(zip(opts, combo))), dpi)
               for combo in itertools.product(*opts.values())}
    return Explorer(opts, outputs, tuple(start))
