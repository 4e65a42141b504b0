"""The notebook contract (see CONTRIBUTING.md), checked; and student copies without solutions.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Empty")])
>>> problems(nb)[:2]
['header: missing **What breaks**', 'header: missing **How we measure it**']
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

HEADER_LABELS = ("What breaks", "How we measure it", "What fixes it", "Survey", "Objectives", "Runtime")
SECTIONS = ("## Check", "## Summary", "## Exercises", "## Further reading")
FORBIDDEN = {
    r"^\s*[!%]\s*pip\b": "installs packages from a cell (!pip / %pip)",
    r"\bpip install\b": "installs packages",
    r"\bsys\.path\b": "edits sys.path",
    r"\burllib\b|\brequests\.(get|post)\b|\burlopen\b|\bwget\b|\bcurl\b": "downloads",
    r"\bfetch_[a-z0-9_]+\s*\(": "calls a fetch_* downloader",
    r"""["'](/(home|root|tmp|Users|work|usr|opt|mnt)/|[A-Za-z]:\\\\)""": "uses an absolute path",
}
IGNORE_MARK = "# NBVAL_IGNORE_OUTPUT"


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Every way ``nb`` breaks the contract (empty when it complies).

    >>> problems(nbformat.v4.new_notebook())[:2]
    ["header: the first cell must be markdown starting with '# Title'", 'header: missing **What breaks**']
    """
    out: list[str] = []
    cells = nb.cells
    if not cells or cells[0].cell_type != "markdown" or not cells[0].source.lstrip().startswith("# "):
        out.append("header: the first cell must be markdown starting with '# Title'")
    head = cells[0].source if cells else ""
    out += [f"header: missing **{label}**" for label in HEADER_LABELS if f"**{label}" not in head]
    code = [c for c in cells if c.cell_type == "code"]
    params = [c for c in code if "parameters" in _tags(c)]
    if len(params) != 1:
        out.append(f"parameters: expected exactly one code cell tagged 'parameters', found {len(params)}")
    else:
        for name in ("seed", "scale"):
            if not re.search(rf"^{name}\s*=", params[0].source, re.M):
                out.append(f"parameters: the parameters cell must assign {name}")
    if not any(re.search(r"\bkit\.setup\(", c.source) for c in code):
        out.append("setup: no cell calls kit.setup(...)")
    md = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    out += [f"sections: missing a '{s}' heading" for s in SECTIONS if not re.search(rf"^{re.escape(s)}\b", md, re.M)]
    checks = [c for c in code if "kit.Check(" in c.source and ".finish()" in c.source]
    if not checks:
        out.append("check: no visible code cell builds kit.Check(...) and calls .finish()")
    for c in checks:
        if not re.search(r"^assert check\.passed\b", c.source, re.M):
            out.append("check: the Check cell must end by asserting its claims: assert check.passed, check.failed")
    for c in checks:
        meta = c.get("metadata", {})
        if meta.get("jupyter", {}).get("source_hidden") or "remove_input" in _tags(c) or "hide-input" in _tags(c):
            out.append("check: the Check cell must stay visible")
        if c.source.lstrip().startswith(IGNORE_MARK):
            out.append("check: the Check cell's output must be compared, not ignored")
    sol = [c for c in cells if "solution" in _tags(c)]
    if not sol:
        out.append("exercises: no cell tagged 'solution' (solutions a learner can reveal)")
    for c in sol:
        if c.cell_type == "markdown" and "<details" not in c.source:
            out.append("exercises: markdown solution cells must wrap the answer in <details>")
    for i, c in enumerate(code):
        for pattern, what in FORBIDDEN.items():
            if re.search(pattern, c.source, re.M):
                out.append(f"code cell {i}: {what}")
        lines = c.source.splitlines()
        if any(IGNORE_MARK in line and line.strip() != IGNORE_MARK for line in lines):
            out.append(f"code cell {i}: '{IGNORE_MARK}' must be alone on its line")
        if re.search(r"\binteract(ive)?\(|widgets\.Output\(", c.source) and not (lines and lines[0].strip() == IGNORE_MARK):
            out.append(f"code cell {i}: a widget cell must start with '{IGNORE_MARK}'")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        out.append("metadata: kernelspec must name the 'python3' kernel (JupyterLab asks otherwise)")
    if not any(c.get("outputs") for c in code):
        out.append("outputs: the notebook is stored without outputs (store them with python3 run.py kit run NN --store)")
    return out


def check_file(path: Path) -> list[str]:
    """Contract problems of the notebook at ``path``."""
    return problems(nbformat.read(Path(path), as_version=4))


def student_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without solution cells and without outputs, for handing out.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Q"),
    ...     nbformat.v4.new_markdown_cell("A", metadata={"tags": ["solution"]})])
    >>> [c.source for c in student_copy(nb).cells]
    ['Q']
    """
    out = nbformat.from_dict(nbformat.v4.new_notebook())
    out.metadata = nb.metadata
    for cell in nb.cells:
        if "solution" in _tags(cell):
            continue
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        out.cells.append(cell)
    return out


def handout(sources: list[Path], out: Path) -> list[Path]:
    """Write student copies of ``sources`` into ``out``; return the written paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        target = out / Path(src).name
        nbformat.write(student_copy(nbformat.read(src, as_version=4)), target)
        written.append(target)
    return written
