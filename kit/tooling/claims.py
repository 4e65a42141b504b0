"""The sweep's report and ``notebooks/CLAIMS.md``: how robust each claim is across seeds.

``write_report`` writes ``sweep.md``, ``sweep.html``, ``sweep.json`` (per-claim summary) and
``claims.csv`` (one row per notebook, seed and claim) into the sweep's output folder.
``write_claims_table`` updates ``notebooks/CLAIMS.md``: one section per notebook, replaced when
that notebook is swept again, so sweeping a few notebooks keeps the others' rows.
``stored_claims`` reads the claim texts a notebook prints in its stored Check output; a test
uses it to fail when CLAIMS.md no longer lists a notebook's claims.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import nbformat

from kit.tooling.sweep import ClaimStats, claim_stats, is_crash

HEADER = ["claim", "held", "value min / median / max", "smallest margin"]
_SECTION = re.compile(r"^## (\S+)", re.M)


def _fmt_margin(m: float | None) -> str:
    return "-" if m is None else f"{m:+.3f}"


def _rows(stats: list[ClaimStats]) -> list[list[str]]:
    return [[s.text, s.hold_rate, s.value_range, _fmt_margin(s.min_margin)] for s in stats]


def _table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _errors(records: list[dict]) -> list[dict]:
    return [r for r in records if is_crash(r)]


def sections(records: list[dict]) -> dict[str, str]:
    """One Markdown section per notebook: a heading, its run summary and its claims table.

    >>> recs = [{"notebook": "00_welcome", "seed": s, "error": "", "wall_s": 5.0, "claims": [
    ...     {"text": "t", "holds": True, "value": 0.9, "threshold": 0.8, "margin": 0.1}]} for s in (0, 1)]
    >>> print(sections(recs)["00_welcome"].splitlines()[2])
    Seeds 0-1 (2 runs, 0 crashed); wall time per run 5.0 s (median).
    """
    out = {}
    for stem in sorted({r["notebook"] for r in records}):
        recs = [r for r in records if r["notebook"] == stem]
        seeds = sorted(r["seed"] for r in recs)
        walls = sorted(r["wall_s"] for r in recs if r.get("wall_s") is not None)
        span = f"{seeds[0]}-{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else ", ".join(map(str, seeds))
        crashed = _errors(recs)
        text = [f"## {stem}", "", f"Seeds {span} ({len(recs)} runs, {len(crashed)} crashed); wall time "
                f"per run {walls[len(walls) // 2]:.1f} s (median)." if walls else f"Seeds {span}.", ""]
        text.append(_table(_rows(claim_stats(recs))))
        for r in crashed:
            text.append(f"\n- seed {r['seed']} crashed: {r['error']}")
        out[stem] = "\n".join(text) + "\n"
    return out


def write_report(records: list[dict], out: Path) -> Path:
    """Write the sweep report (Markdown, HTML, JSON summary, CSV of every claim); return the .md path."""
    out = Path(out)
    stats = claim_stats(records)
    failed = [s for s in stats if not all(s.holds)]
    crashed = _errors(records)
    head = (f"# Claims across seeds\n\n{len(records)} runs, {len(stats)} claims; "
            f"{len(failed)} claims failed on some seed, {len(crashed)} runs crashed.\n")
    md = head + "\n" + "\n".join(sections(records).values())
    (out / "sweep.md").write_text(md)
    body = "".join(
        f"<h2>{html.escape(stem)}</h2><table><tr>" + "".join(f"<th>{h}</th>" for h in HEADER) + "</tr>"
        + "".join(
            f'<tr style="background:{"#e6f4ea" if all(s.holds) else "#fce8e6"}">'
            + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for s, row in zip([s for s in stats if s.notebook == stem],
                              _rows([s for s in stats if s.notebook == stem])))
        + "</table>"
        for stem in sorted({s.notebook for s in stats}))
    errs = "".join(f"<li>{html.escape(r['notebook'])} seed {r['seed']}: {html.escape(r['error'])}</li>"
                   for r in crashed)
    (out / "sweep.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>Claims across seeds</title>"
        "<style>body{font-family:sans-serif}td,th{padding:3px 8px;border-bottom:1px solid #ccc}</style>"
        f"<h1>Claims across seeds</h1><p>{html.escape(head.splitlines()[2])}</p>{body}"
        + (f"<h2>Crashed runs</h2><ul>{errs}</ul>" if errs else ""))
    summary = [{"notebook": s.notebook, "claim": s.text, "held": sum(s.holds), "runs": len(s.holds),
                "value_min": min(s.values) if s.values else None,
                "value_median": sorted(s.values)[len(s.values) // 2] if s.values else None,
                "value_max": max(s.values) if s.values else None, "min_margin": s.min_margin}
               for s in stats]
    (out / "sweep.json").write_text(json.dumps({"claims": summary, "crashed": crashed}, indent=1))
    with (out / "claims.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["notebook", "seed", "claim", "holds", "value", "threshold", "margin", "error"])
        for r in sorted(records, key=lambda r: (r["notebook"], r["seed"])):
            for c in r.get("claims", []) or [{}]:
                w.writerow([r["notebook"], r["seed"], c.get("text", ""), c.get("holds", ""),
                            c.get("value", ""), c.get("threshold", ""), c.get("margin", ""), r.get("error", "")])
    return out / "sweep.md"


CLAIMS_INTRO = """# Claims across seeds

Every Check claim of every notebook, run at the quick scale on many seeds with
`python3 run.py kit sweep --seeds 0-29 --write-claims` (which rewrites a notebook's section each time
that notebook is swept). **held** counts the seeds on which the claim held; the value is the
figure that decides it; the margin is its smallest distance to the claim's threshold over the
seeds (negative: it failed there). The wall time is measured inside the sweep, with one
notebook per worker and core at once, so it is slower than the single-core runtime in each
notebook's header. *Generated; do not edit by hand.*
"""


def write_claims_table(records: list[dict], path: Path) -> Path:
    """Update ``path`` (``notebooks/CLAIMS.md``) with one section per swept notebook.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "CLAIMS.md"
    >>> rec = {"notebook": "00_welcome", "seed": 0, "error": "", "wall_s": 5.0, "claims": [
    ...     {"text": "t", "holds": True, "value": 0.9, "threshold": 0.8, "margin": 0.1}]}
    >>> _ = write_claims_table([rec], p)
    >>> "| t | 1/1 | 0.900 / 0.900 / 0.900 | +0.100 |" in p.read_text()
    True
    """
    path = Path(path)
    old = path.read_text() if path.exists() else ""
    parts = {m.group(1): old[m.start():(n.start() if n else len(old))].strip() + "\n"
             for m, n in zip(_SECTION.finditer(old), [*list(_SECTION.finditer(old))[1:], None])}
    parts.update(sections(records))
    path.write_text(CLAIMS_INTRO + "\n" + "\n".join(parts[k] for k in sorted(parts)))
    return path


def stored_claims(path: Path) -> list[str]:
    """The claim texts a notebook prints in its stored Check cell output (``PASS``/``FAIL`` lines).

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("check.finish()", outputs=[
    ...     nbformat.v4.new_output("stream", text="Check x\\n  PASS  a claim  (0.500)\\n")])])
    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "x.ipynb"; nbformat.write(nb, p)
    >>> stored_claims(p)
    ['a claim']
    """
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or ".finish()" not in cell.source:
            continue
        for o in cell.get("outputs", []):
            for line in o.get("text", "").splitlines():
                m = re.match(r"^  (?:PASS|FAIL)  (.*?)(?:  \([^()]*\))?$", line)
                if m:
                    texts.append(m.group(1))
    return texts
