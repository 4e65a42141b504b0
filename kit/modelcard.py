"""Model cards: a model's documentation generated from the fitted model and its evaluation.

Mitchell, Wu, Zaldivar, Barnes, Vasserman, Hutchinson, Spitzer, Raji & Gebru (2019), "Model
Cards for Model Reporting", FAT*, proposed a short document shipped with every model: what it
is, what it is for and not for, the data it was trained and evaluated on, its metrics overall
and *by group*, ethical considerations and caveats. Written by hand, a card goes stale the day
the model is retrained; generated from the objects themselves, it says what was deployed. The
kit adds a section the law asks for in the survey's cases: how a person's data are erased
from the model (GDPR article 17). Taught in ``notebooks/19_law-unlearning.ipynb``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from kit._validate import as_array, as_binary, same_length

__all__ = ["group_metrics", "model_card"]


def group_metrics(y_true: ArrayLike, y_pred: ArrayLike, groups: ArrayLike) -> pd.DataFrame:
    """Accuracy, positive (adverse) decision rate and true rate per group, and overall.

    Parameters
    ----------
    y_true, y_pred : binary labels ``(n,)`` (1 = the adverse outcome / decision)
    groups : array ``(n,)`` of group labels (str or int)

    Returns
    -------
    DataFrame indexed by group (then ``"all"``): ``n``, ``accuracy``, ``decided_1`` (share
    given the adverse decision), ``true_1`` (share with the adverse outcome).

    Examples
    --------
    >>> table = group_metrics([1, 0, 0, 1], [1, 0, 1, 1], ["a", "a", "b", "b"])
    >>> table.index.tolist(), table["accuracy"].tolist(), table["decided_1"].tolist()
    (['a', 'b', 'all'], [1.0, 0.5, 0.75], [0.5, 1.0, 0.75])
    """
    yt, yp = as_binary(y_true, "y_true"), as_binary(y_pred, "y_pred")
    g = as_array(groups, "groups", ndim=1, dtype=None)
    if g.dtype.kind not in "iuUSOb":
        raise TypeError(f"groups: expected group labels (str or int), got dtype {g.dtype}")
    same_length(y_true=yt, y_pred=yp, groups=g)
    frame = pd.DataFrame({"group": g.astype(str), "ok": yt == yp, "d": yp, "t": yt})
    table = frame.groupby("group").agg(n=("ok", "size"), accuracy=("ok", "mean"), decided_1=("d", "mean"),
                                       true_1=("t", "mean"))
    table.loc["all"] = [len(frame), frame.ok.mean(), frame.d.mean(), frame.t.mean()]
    table["n"] = table["n"].astype(int)
    return table


def _md_table(df: pd.DataFrame, digits: int) -> str:
    cols = [df.index.name or ""] + [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in zip(df.index, df.itertuples(index=False)):  # itertuples keeps each column's type
        cells = [f"{v:.{digits}f}" if isinstance(v, (float, np.floating)) else str(v) for v in row]
        lines.append("| " + " | ".join([str(idx)] + cells) + " |")
    return "\n".join(lines)


def model_card(name: str, *, model: object, intended_use: str, out_of_scope: str, data: str,
               metrics: Mapping[str, float], by_group: Mapping[str, pd.DataFrame] | None = None,
               erasure: str, caveats: Sequence[str] = (), digits: int = 3) -> str:
    """A markdown model card (Mitchell et al. 2019) with an erasure section.

    Parameters
    ----------
    name : str
        The model's name and version.
    model : object
        The fitted model; its ``repr`` is the card's "Model details".
    intended_use, out_of_scope, data, erasure : str
        Who may use it for what; what it must not be used for; the training and evaluation
        data; how a person's data are removed from the model, and at what cost.
    metrics : dict name -> float
        Overall evaluation figures.
    by_group : dict title -> DataFrame, optional
        Disaggregated metrics, e.g. ``group_metrics(...)`` by age band.
    caveats : list of str
    digits : int
        Decimals shown.

    Returns
    -------
    str (markdown)

    Examples
    --------
    >>> card = model_card("credit v1", model="LogisticRegression()", intended_use="screening",
    ...                   out_of_scope="final decisions", data="credit_data", metrics={"accuracy": 0.8},
    ...                   erasure="retrain the shard")
    >>> print(card.splitlines()[0]); "## Erasure" in card
    # Model card: credit v1
    True
    """
    texts = {"name": name, "intended_use": intended_use, "out_of_scope": out_of_scope, "data": data,
             "erasure": erasure}
    for key, text in texts.items():
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{key}: expected a non-empty description (str)")
    if not isinstance(metrics, Mapping) or not metrics:
        raise ValueError("metrics: expected a non-empty dict name -> number")
    for k, v in metrics.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
            raise ValueError(f"metrics: expected finite numbers, got {v!r} for {k!r}")
    if by_group is not None and (not isinstance(by_group, Mapping)
                                 or not all(isinstance(t, pd.DataFrame) for t in by_group.values())):
        raise TypeError("by_group: expected a dict title -> DataFrame (e.g. group_metrics(...))")
    if not isinstance(caveats, (list, tuple)) or not all(isinstance(c, str) for c in caveats):
        raise TypeError("caveats: expected a list of sentences (str)")
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or not 0 <= digits <= 6:
        raise ValueError(f"digits: expected an int in 0..6, got {digits!r}")
    digits = int(digits)
    parts = [f"# Model card: {name}", "", "## Model details", "", f"`{model!r}`", "",
             "## Intended use", "", intended_use, "", "## Out of scope", "", out_of_scope, "",
             "## Data", "", data, "", "## Metrics", ""]
    parts += [f"- {k}: {float(v):.{digits}f}" for k, v in metrics.items()]
    for title, table in (by_group or {}).items():
        parts += ["", f"### By {title}", "", _md_table(table, digits)]
    parts += ["", "## Erasure (right to be forgotten)", "", erasure]
    if caveats:
        parts += ["", "## Caveats", ""] + [f"- {c}" for c in caveats]
    return "\n".join(parts) + "\n"
