"""The scoreboard: one row per notebook, kept across runs, as Markdown, HTML and a plot.

Each ``python -m kit run`` turns its results into entries (plain dicts, one per notebook),
merges them over the entries already in ``OUT/scoreboard.json`` (keyed by notebook stem, so
running one notebook replaces its own row and keeps the others) and renders the merged set as
``scoreboard.md``, ``scoreboard.html`` (self-contained; each row links to its executed
notebook) and ``scoreboard.png`` (baseline / failure / mitigated per notebook).

A row is in one of three states:

- ``pass``: the Check cell ran and every claim held;
- ``claim failed``: the Check cell ran and at least one claim did not hold;
- ``crashed``: the run broke before the Check cell judged the claims (a cell raised, timed
  out or killed its kernel) or wrote no Check record; the error text says which.
"""

from __future__ import annotations

import html
import json
import math
import os
import platform
import textwrap
import warnings
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from kit.tooling.runner import RunResult

PASS, CLAIM_FAILED, CRASHED = "pass", "claim failed", "crashed"
FILES = ("scoreboard.md", "scoreboard.html", "scoreboard.json", "scoreboard.png")
PACKAGES = (("kit", "deploy-ml-kit"), ("torch", "torch"), ("numpy", "numpy"), ("scikit-learn", "scikit-learn"))
_FORMAT = 1
_GLYPH = {PASS: "\u2713", CLAIM_FAILED: "\u2717", CRASHED: "\u26a0"}
_STATES = ("baseline", "failure", "mitigated")
_COLOURS = {"baseline": "#4c72b0", "failure": "#c44e52", "mitigated": "#55a868"}


def status(record: dict, error: str = "") -> str:
    """The state of one run: ``'pass'``, ``'claim failed'`` or ``'crashed'``.

    A failed claim stops the notebook too (the Check cell asserts), so an error whose text is
    the Check cell's ``claim(s) failed`` message, with a failed claim in the record, is a
    failed claim; any other error is a crash, even after a Check cell that passed.

    Parameters
    ----------
    record : dict
        The notebook's Check record (``{"passed", "claims": [{"holds", ...}], ...}``), ``{}``
        when none was written.
    error : str
        The run's error text, ``''`` when every cell ran.

    Examples
    --------
    >>> status({"passed": True, "claims": [{"holds": True}]})
    'pass'
    >>> status({"passed": False, "claims": [{"holds": False}]}, "cell 24: AssertionError: 1 claim(s) failed: x")
    'claim failed'
    >>> status({}, "cell 3: MemoryError")
    'crashed'
    >>> status({"passed": True, "claims": [{"holds": True}]}, "cell 30: NameError: name 'x' is not defined")
    'crashed'
    """
    if not isinstance(record, dict):
        raise TypeError(f"record: expected the Check record as a dict, got {type(record).__name__}")
    claims = record.get("claims") or []
    failed = [c for c in claims if not c.get("holds")]
    if error and not (failed and "claim(s) failed" in error):
        return CRASHED
    if failed:
        return CLAIM_FAILED
    return PASS if claims and record.get("passed") else CRASHED


def versions() -> dict[str, str]:
    """Python's version and those of the kit, torch, numpy and scikit-learn ('not installed').

    >>> list(versions())
    ['python', 'kit', 'torch', 'numpy', 'scikit-learn']
    """
    found = {"python": platform.python_version()}
    for name, dist in PACKAGES:
        try:
            found[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def load_scoreboard(out: Path | str) -> dict[str, dict]:
    """The entries kept in ``out/scoreboard.json``, keyed by notebook stem (``{}`` if none).

    >>> load_scoreboard("/nonexistent")
    {}
    """
    path = Path(out) / "scoreboard.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        entries = data["notebooks"]
        if not isinstance(entries, dict) or not all(isinstance(e, dict) for e in entries.values()):
            raise TypeError("notebooks is not a mapping of entries")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"out: {path} is not a scoreboard file ({exc})") from exc
    return entries


def _utc(now: datetime | None) -> str:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now: expected a timezone-aware datetime, e.g. datetime.now(UTC)")
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _checked(results: list[RunResult]) -> list[RunResult]:
    if isinstance(results, str | bytes | dict) or not hasattr(results, "__iter__"):
        raise TypeError(f"results: expected a list of RunResult objects, got {type(results).__name__}")
    results = list(results)
    for res in results:
        if not all(hasattr(res, a) for a in ("lesson", "record", "error", "wall_s", "peak_mb")):
            raise TypeError(f"results: expected RunResult objects, got {type(res).__name__}")
    return results


def _entry(res: RunResult, **run) -> dict:
    record = res.record or {}
    state = status(record, res.error)
    error = res.error or ("" if state != CRASHED else "no Check record with claims was written")
    return {"notebook": res.lesson.stem, "step": res.lesson.step, "metric": record.get("metric", ""),
            "status": state, "error": error, "claims": record.get("claims", []),
            "figures": record.get("figures", {}), "wall_s": round(res.wall_s, 1),
            "peak_mb": round(res.peak_mb, 1), **run}


def _num(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{round(value, 3) + 0.0:.3f}"  # + 0.0: no "-0.000"
    return str(value)


def _held(e: dict) -> str:
    claims = e.get("claims") or []
    return f"{sum(bool(c.get('holds')) for c in claims)}/{len(claims)}" if claims else "-"


def _label(e: dict) -> str:
    return e["status"] if e["status"] == CRASHED else f"{e['status']} ({_held(e)})"


def _run(e: dict) -> tuple[str, str]:
    seed = "as stored" if e.get("seed") is None else e["seed"]
    return f"seed {seed}, scale {e.get('scale') or 'as stored'}", e.get("date") or "?"


def _claim_text(c: dict) -> str:
    parts = [f"{k} {_num(c[k])}" for k in ("value", "threshold") if c.get(k) is not None]
    return f"{c.get('text', '?')} ({', '.join(parts)})" if parts else c.get("text", "?")


def _problems(entries: list[dict]) -> list[str]:
    lines = []
    for e in entries:
        if e["status"] == CLAIM_FAILED:
            lines += [f"- {e['notebook']}: claim failed: {_claim_text(c)}" for c in e["claims"] if not c.get("holds")]
        elif e["status"] == CRASHED:
            lines.append(f"- {e['notebook']}: crashed: {e['error']}")
    return [" ".join(line.split()) for line in lines]


def _md_table(entries: list[dict], *, out: Path | None = None) -> str:
    head = ["notebook", "survey step", "metric", *_STATES, "status", *(["run"] if out else []), "wall s", "peak MB"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in entries:
        name = e["notebook"]
        if out is not None and e.get("executed") and (out / e["executed"]).exists():
            name = f"[{name}]({quote(e['executed'])})"
        figs = e.get("figures") or {}
        cells = [name, e["step"], e.get("metric") or "-", *(_num(figs.get(k)) for k in _STATES), _label(e),
                 *([', '.join(_run(e))] if out else []), f"{e['wall_s']:.1f}", f"{e['peak_mb']:.0f}"]
        rows.append("| " + " | ".join(" ".join(str(c).split()).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def scoreboard_markdown(results: list[RunResult]) -> str:
    """This run's scoreboard as a Markdown table, then one line per failed claim or crash.

    >>> from kit.tooling.catalogue import find
    >>> from kit.tooling.runner import RunResult
    >>> rec = {"metric": "accuracy", "passed": False, "figures": {"baseline": 0.97, "failure": 0.68,
    ...        "mitigated": 0.69}, "claims": [{"text": "recovers to >= 0.9", "holds": False,
    ...        "value": 0.69, "threshold": 0.9}, {"text": "the failure costs >= 0.2", "holds": True}]}
    >>> print(scoreboard_markdown([RunResult(find(0), False, 4.2, 180.0, "cell 9: AssertionError: 1 claim(s) failed", rec),
    ...                            RunResult(find(3), False, 1.0, 90.0, "cell 3: MemoryError")]))
    | notebook | survey step | metric | baseline | failure | mitigated | status | wall s | peak MB |
    |---|---|---|---|---|---|---|---|---|
    | 00_welcome | How to use the kit | accuracy | 0.970 | 0.680 | 0.690 | claim failed (1/2) | 4.2 | 180 |
    | 03_data-augmentation | Data augmentation | - | - | - | - | crashed | 1.0 | 90 |
    <BLANKLINE>
    - 00_welcome: claim failed: recovers to >= 0.9 (value 0.690, threshold 0.900)
    - 03_data-augmentation: crashed: cell 3: MemoryError
    """
    entries = [_entry(r) for r in _checked(results)]
    problems = _problems(entries)
    return _md_table(entries) + ("\n\n" + "\n".join(problems) if problems else "")


def _counts(entries: list[dict]) -> str:
    n = {s: sum(e["status"] == s for e in entries) for s in (PASS, CLAIM_FAILED, CRASHED)}
    return f"{len(entries)} notebook(s): " + ", ".join(f"{v} {k}" for k, v in n.items())


def _header(latest: dict) -> list[tuple[str, str]]:
    v = latest["versions"]
    return [("latest run (UTC)", latest["date"]), ("seed", str(latest["seed"] if latest["seed"] is not None
             else "as stored")), ("scale", latest["scale"] or "as stored"),
            ("versions", ", ".join(f"{k} {x}" for k, x in v.items())), ("platform", latest["platform"])]


def _markdown(entries: list[dict], latest: dict, out: Path, png: bool) -> str:
    head = "\n".join(f"- {k}: {v}" for k, v in _header(latest))
    problems = _problems(entries)
    return (f"# Scoreboard\n\n{head}\n\n{_counts(entries)}. Rows keep their own run (seed, scale, date); "
            f"running some notebooks replaces only their rows.\n\n{_md_table(entries, out=out)}\n"
            + ("\n## Failed claims and crashes\n\n" + "\n".join(problems) + "\n" if problems else "")
            + ("\n![baseline, failure and mitigated per notebook](scoreboard.png)\n" if png else ""))


_CSS = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;font-size:14px}
table{border-collapse:collapse}.nb,.nowrap{white-space:nowrap}td,th{padding:5px 8px;border-bottom:1px solid #ccc;vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.meta th{font-weight:600;padding-right:1em}
tr.pass{background:#e6f4ea}tr.claim-failed{background:#fff4e0}tr.crashed{background:#fce8e6}
.badge{font-weight:700;white-space:nowrap;padding:1px 6px;border-radius:3px;color:#fff}
.badge.pass{background:#1e7b34}.badge.claim-failed{background:#b35c00}.badge.crashed{background:#b3261e}
pre.error{white-space:pre-wrap;margin:0;font-size:90%}td.claims{min-width:16em}td.run{font-size:85%}ul{margin:0;padding-left:1.2em}.old{color:#777}
.missing{color:#777;font-size:85%}details summary{cursor:pointer;color:#444}"""


def _html_claims(e: dict) -> str:
    esc = html.escape
    if e["status"] == CRASHED:
        return f'<pre class="error">{esc(e["error"])}</pre>'
    claims = e.get("claims") or []
    held, failed = [c for c in claims if c.get("holds")], [c for c in claims if not c.get("holds")]
    text = "".join(f"<li><b>failed:</b> {esc(_claim_text(c))}</li>" for c in failed)
    text = f'<ul class="failed">{text}</ul>' if text else ""
    if held:
        items = "".join(f"<li>{esc(_claim_text(c))}</li>" for c in held)
        text += f"<details><summary>{len(held)} claim(s) held</summary><ul>{items}</ul></details>"
    return text


def _html(entries: list[dict], latest: dict, out: Path, png: bool) -> str:
    esc = html.escape
    meta = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in _header(latest))
    heads = ["notebook", "survey step", "metric", *_STATES, "status", "claims / error", "run", "wall s", "peak MB"]
    rows = []
    for e in entries:
        name = esc(e["notebook"])
        if e.get("executed") and (out / e["executed"]).exists():
            name = f'<a href="{esc(quote(e["executed"]))}">{name}</a>'
        else:
            name += '<br><span class="missing">executed notebook not found</span>'
        figs = e.get("figures") or {}
        nums = "".join(f'<td class="num">{esc(_num(figs.get(k)))}</td>' for k in _STATES)
        cls = e["status"].replace(" ", "-")
        badge = f'<span class="badge {cls}">{_GLYPH[e["status"]]} {esc(_label(e))}</span>'
        run = '<br><span class="nowrap">'.join(map(esc, _run(e))) + "</span>"
        made = esc(", ".join(f"{k} {x}" for k, x in (e.get("versions") or {}).items()))
        old = f' class="run" title="{made}"' if e.get("date") == latest["date"] else (
            f' class="run old" title="earlier run: {made}"')
        rows.append(f'<tr class="{cls}" id="{esc(e["notebook"])}"><td class="nb">{name}</td><td>{esc(e["step"])}</td>'
                    f'<td>{esc(e.get("metric") or "-")}</td>{nums}<td>{badge}</td><td class="claims">{_html_claims(e)}</td>'
                    f'<td{old}>{run}</td><td class="num">{e["wall_s"]:.1f}</td>'
                    f'<td class="num">{e["peak_mb"]:.0f}</td></tr>')
    metrics = esc("\n".join(f"{e['notebook']}: {e.get('metric')}" for e in entries if e.get("figures")))
    img = (f'<h2>Baseline, failure and mitigated per notebook</h2><p><img src="scoreboard.png" '
           f'alt="baseline, failure and mitigated per notebook" title="{metrics}" style="max-width:100%"></p>'
           if png else "")
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>Scoreboard</title>"
            f"<style>{_CSS}</style></head><body>\n<h1>Scoreboard</h1>\n<table class='meta'>{meta}</table>\n"
            f"<p>{esc(_counts(entries))}. <span class='badge pass'>{_GLYPH[PASS]} pass</span> every claim held; "
            f"<span class='badge claim-failed'>{_GLYPH[CLAIM_FAILED]} claim failed</span> the notebook ran to its "
            f"Check cell and a claim did not hold; <span class='badge crashed'>{_GLYPH[CRASHED]} crashed</span> "
            f"it stopped before the Check cell judged the claims. Grey run cells come from earlier runs.</p>\n"
            f"<table><tr>{''.join(f'<th>{esc(h)}</th>' for h in heads)}</tr>\n" + "\n".join(rows)
            + f"\n</table>\n{img}\n</body></html>\n")


def _plot(entries: list[dict], path: Path) -> bool:
    """Small multiples, one panel per notebook (each has its own metric and scale)."""
    shown = [e for e in entries if set(_STATES) <= set(e.get("figures") or {})]
    if not shown:
        path.unlink(missing_ok=True)
        return False
    from matplotlib.figure import Figure  # no pyplot: no global figure state, Agg canvas

    ncols = min(4, len(shown))
    nrows = math.ceil(len(shown) / ncols)
    fig = Figure(figsize=(3.6 * ncols, 2.7 * nrows), layout="constrained")
    for i, e in enumerate(shown):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        values = [float(e["figures"][k]) for k in _STATES]
        ax.barh(range(3), values, color=[_COLOURS[k] for k in _STATES])
        ax.set_yticks(range(3), list(_STATES), fontsize=8)
        ax.invert_yaxis()
        lo, hi = min(0.0, *values), max(0.0, *values)
        pad = 0.25 * (hi - lo or 1.0)
        ax.set_xlim(lo - (pad if lo < 0 else 0), hi + pad)
        for y, v in enumerate(values):
            ax.text(v, y, f" {_num(v)} ", va="center", ha="left" if v >= 0 else "right", fontsize=7)
        ax.axvline(0, color="#888", lw=0.6)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(f"{e['notebook']}\n[{e['status']}]", fontsize=8.5)
        metric = textwrap.shorten(e.get("metric") or "", 110, placeholder="...")
        ax.set_xlabel("\n".join(textwrap.wrap(metric, 48)), fontsize=7)
    fig.savefig(path, dpi=110)
    return True


def write_scoreboard(results: list[RunResult], out: Path | str, *, seed: int | None = None,
                     scale: str | None = None, stored_root: Path | None = None,
                     now: datetime | None = None) -> Path:
    """Merge ``results`` into ``out/scoreboard.json``; write its .md, .html and .png; return the .md.

    Entries are keyed by notebook stem: a notebook run again replaces its own row, the other
    rows stay with their own seed, scale and date. Each row links to ``notebooks/<stem>.ipynb``
    in ``out`` (or, for runs that stored their outputs, ``stored_root``'s notebook).
    An unreadable ``scoreboard.json`` is kept as ``scoreboard.json.bad`` with a warning.

    Parameters
    ----------
    results : list of RunResult
        This run's results.
    out : path
        The run's output folder (holding ``notebooks/``).
    seed, scale : int or None, str or None
        What the run injected (``None``: the notebook's own parameters).
    stored_root : path or None
        The repository root when the run wrote outputs back into the notebooks (``--store``);
        runs that crashed were written to ``out/notebooks`` all the same.
    now : datetime or None
        The run's time (timezone-aware; default: now).

    Examples
    --------
    >>> import tempfile
    >>> from kit.tooling.catalogue import find
    >>> from kit.tooling.runner import RunResult
    >>> with tempfile.TemporaryDirectory() as d:
    ...     md = write_scoreboard([RunResult(find(0), False, 4.2, 180.0, "cell 3: MemoryError")], d, seed=1)
    ...     sorted(p.name for p in md.parent.iterdir()), load_scoreboard(d)["00_welcome"]["status"]
    (['scoreboard.html', 'scoreboard.json', 'scoreboard.md'], 'crashed')
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed: expected an int or None, got {seed!r}")
    if scale is not None and not isinstance(scale, str):
        raise TypeError(f"scale: expected a str or None, got {scale!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    latest = {"date": _utc(now), "seed": seed, "scale": scale, "versions": versions(),
              "platform": f"{platform.system()} {platform.machine()}"}
    try:
        board = load_scoreboard(out)
    except ValueError as exc:
        (out / "scoreboard.json").replace(out / "scoreboard.json.bad")
        warnings.warn(f"{exc}; kept it as scoreboard.json.bad and started a new board", stacklevel=2)
        board = {}
    for res in _checked(results):
        executed = Path("notebooks") / f"{res.lesson.stem}.ipynb"
        if stored_root is not None and not res.error:
            executed = Path(os.path.relpath(res.lesson.path(stored_root), out))
        e = _entry(res, seed=seed, scale=scale, date=latest["date"], executed=executed.as_posix(),
                   versions=latest["versions"])
        board[e["notebook"]] = e
    (out / "scoreboard.json").write_text(json.dumps({"format": _FORMAT, "latest": latest, "notebooks": board},
                                                    indent=2, default=str) + "\n")
    entries = sorted(board.values(), key=lambda e: (e["notebook"].startswith("cs"), e["notebook"]))
    png = _plot(entries, out / "scoreboard.png")
    (out / "scoreboard.md").write_text(_markdown(entries, latest, out, png))
    (out / "scoreboard.html").write_text(_html(entries, latest, out, png))
    return out / "scoreboard.md"
