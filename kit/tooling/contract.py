"""The notebook contract (see CONTRIBUTING.md), checked; and student copies with answer cells
in place of the solutions.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Empty")])
>>> problems(nb)[:2]
['header: missing **What breaks**', 'header: missing **How we measure it**']
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat

from kit.tooling import catalogue

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
ANSWER_TAG = "answer"
README_MARK = ("*This file is rewritten by `python3 run.py kit handout` each time it runs: "
               "edits here are lost.*")


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
    if nb.metadata.get("language_info", {}).get("name") != "python":
        out.append("metadata: language_info is missing (JupyterLab adds it on open, dirtying the file; "
                   "store outputs with python3 run.py kit run NN --store)")
    if not any(c.get("outputs") for c in code):
        out.append("outputs: the notebook is stored without outputs (store them with python3 run.py kit run NN --store)")
    return out


def check_file(path: Path) -> list[str]:
    """Contract problems of the notebook at ``path``."""
    return problems(nbformat.read(Path(path), as_version=4))


def _exercise_count(nb: nbformat.NotebookNode) -> int:
    """How many numbered exercises (lines ``1. ...``) the Exercises section lists."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown" and "solution" not in _tags(c))
    section = re.search(r"^## Exercises\b(.*?)(?=^## |\Z)", text, re.M | re.S)
    return len(re.findall(r"^\d+\.\s", section.group(1), re.M)) if section else 0


def _answer_cell(solution: nbformat.NotebookNode, number: int | None) -> nbformat.NotebookNode:
    """An empty cell, tagged ``answer``, where the learner answers exercise ``number`` (when
    known), which ``solution`` solves: a code cell when the solution is code or shows code (a
    python block inside its ``<details>``), a markdown cell otherwise."""
    meta = {"tags": [ANSWER_TAG]}
    which = f" to exercise {number}" if number else ""
    if solution.cell_type == "code" or re.search(r"^\s*```\s*py(thon)?\b", solution.source, re.M):
        return nbformat.v4.new_code_cell(f"# your answer{which}", metadata=meta)
    return nbformat.v4.new_markdown_cell(f"*Your answer{which}:*", metadata=meta)


def student_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy for handing out: each solution cell replaced by an empty answer cell, no outputs.

    When there is one solution per numbered exercise, each answer cell names its exercise.

    >>> solution = {"tags": ["solution"]}
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("## Exercises"),
    ...     nbformat.v4.new_markdown_cell("1. Why does it fail?"),
    ...     nbformat.v4.new_markdown_cell("<details>It never saw the scaler.</details>", metadata=solution),
    ...     nbformat.v4.new_markdown_cell("2. Measure it."),
    ...     nbformat.v4.new_code_cell("model.score(X_test, y_test)", metadata=solution)])
    >>> copy = student_copy(nb)
    >>> [c.source for c in copy.cells[1:]]
    ['1. Why does it fail?', '*Your answer to exercise 1:*', '2. Measure it.', '# your answer to exercise 2']
    >>> [(c.cell_type, c.metadata.tags) for c in copy.cells[2::2]]
    [('markdown', ['answer']), ('code', ['answer'])]
    """
    out = nbformat.from_dict(nbformat.v4.new_notebook())
    out.metadata = nbformat.from_dict(nb.metadata)
    out.metadata.pop("widgets", None)  # widget state belongs to the outputs
    numbered = sum("solution" in _tags(cell) for cell in nb.cells) == _exercise_count(nb)
    answered = 0
    for cell in nb.cells:
        if "solution" in _tags(cell):
            answered += 1
            out.cells.append(_answer_cell(cell, answered if numbered else None))
            continue
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        out.cells.append(cell)
    return out


def _cells_digest(nb: nbformat.NotebookNode) -> str:
    """A digest of the cells' types and sources: it changes when a student writes an answer."""
    cells = [(c.cell_type, c.source) for c in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()[:16]


def _untouched(path: Path) -> bool:
    """Whether the student copy at ``path`` is still as handout wrote it (no answers typed)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:
        return False
    return nb.metadata.get("kit_handout", {}).get("cells") == _cells_digest(nb)


def _lesson_folders(sources: list[Path]) -> set[Path]:
    """The folders holding lessons: each source's folder and its sibling lesson folders."""
    names = {lesson.folder for lesson in catalogue.ALL}
    folders = {src.parent for src in sources}
    return folders | {folder.parent / name for folder in folders for name in names}


def _title(nb: nbformat.NotebookNode) -> str:
    head = nb.cells[0].source.strip().splitlines() if nb.cells else []
    return head[0].lstrip("# ").strip() if head else "(untitled)"


def _readme(titles: dict[str, str]) -> str:
    """The handout folder's README: what the copies are, how to open them, which lessons
    (``titles``: file name -> title, for every notebook in the folder)."""
    lessons = "\n".join(f"- `{name}`: {title}" for name, title in titles.items())
    return f"""{README_MARK}

# Student copies of the deploy-ml-kit lessons

Each notebook here is a lesson of the kit without its solutions and without outputs. Under
each exercise an empty cell, tagged `answer`, waits for your answer (a code cell where the
exercise asks for code). Run a notebook from top to bottom: its **Check** cell asserts the
lesson's claims, so you know your run reproduced them.

## Opening them

The copies do not stand alone: they import the project's library (`kit/`) and its pinned
packages, and the datasets ship inside those packages. In the project folder (the
deploy-ml-kit checkout), run `python3 run.py lab` once: it sets up the environment the first
time (a few minutes), creates `my-work/notebooks/` with a copy of every lesson, and opens
JupyterLab there. Then put these notebooks into `my-work/notebooks/`, replacing the copies of
the same name (JupyterLab's file browser takes uploads, or copy the files), and open them.
`run.py lab` never overwrites a file in `my-work/`, so your answers stay yours.

## Solutions

The original notebooks (`notebooks/` and `casestudies/` in the project) keep every solution,
under each exercise in a collapsed **Solution** block.

## Lessons in this folder

{lessons}
"""


def handout(sources: list[Path], out: Path, *, force: bool = False) -> list[Path]:
    """Write student copies of ``sources`` into the folder ``out`` and (re)write its README.md,
    which lists every notebook in ``out``; return the written paths (the README last).

    Refuses, before writing anything, an ``out`` that is a file, that is or lies inside a folder
    of lessons (the copies would replace the lessons, or run as lessons in the test suite), or
    that holds a README.md this function did not write. A student copy already in ``out`` is
    replaced only if it is unchanged since handout wrote it (else it may hold a student's
    answers, and ``force=True`` is needed).
    """
    out, sources = Path(out), [Path(src) for src in sources]
    if not sources:
        raise ValueError("sources: expected at least one notebook")
    if out.exists() and not out.is_dir():
        raise ValueError(f"out: {out} is a file; expected a folder")
    for src in sources:
        if not src.is_file():
            raise FileNotFoundError(f"sources: {src} does not exist")
    where = out.resolve()
    for folder in _lesson_folders([src.resolve() for src in sources]):
        if where == folder:
            raise ValueError(f"out: {out} is the lesson folder {folder}, where the copies would overwrite "
                             "or sit among the lessons; expected another folder, e.g. student/")
        if folder in where.parents:
            raise ValueError(f"out: {out} lies inside the lesson folder {folder}, where the notebook tests "
                             "would run the copies as lessons; expected a folder outside it, e.g. student/")
    readme = out / "README.md"
    if readme.exists() and not readme.read_text().startswith(README_MARK):
        raise ValueError(f"out: {readme} exists and was not written by handout; expected a new folder "
                         "or one a previous handout wrote")
    edited = [out / src.name for src in sources if (out / src.name).exists() and not _untouched(out / src.name)]
    if edited and not force:
        raise ValueError(f"out: {edited[0]} has changed since handout wrote it (a student's answers?); "
                         "choose another folder or overwrite with --force")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        target = out / src.name
        copy = student_copy(nbformat.read(src, as_version=4))
        copy.metadata["kit_handout"] = {"cells": _cells_digest(copy)}  # tells a later run it is untouched
        nbformat.write(copy, target)
        written.append(target)
    titles = {p.name: _title(nbformat.read(p, as_version=4)) for p in sorted(out.glob("*.ipynb"))}
    readme.write_text(_readme(titles))
    return [*written, readme]
