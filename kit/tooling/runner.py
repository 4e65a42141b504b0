"""Run notebooks headless and build the scoreboard (``python -m kit run``; see ``scoreboard``).

Each notebook runs in its own kernel with a startup timeout and a per-cell timeout, so one
hung kernel cannot hang the run. Parameters (``seed``, ``scale``, ...) are injected as a
cell right after the cell tagged ``parameters`` (papermill's convention). Peak memory is the
kernel process's largest resident set, sampled while it runs.
"""

from __future__ import annotations

import copy
import json
import keyword
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from kit._validate import check_seed
from kit.check import RESULTS_ENV
from kit.progress import ENV as NO_PROGRESS_ENV
from kit.tooling.catalogue import ALL, Lesson, available, find, repo_root
from kit.tooling.scoreboard import scoreboard_markdown, write_scoreboard  # noqa: F401 (the CLI imports both from here)

KERNEL_STARTUP_TIMEOUT = 120
CELL_TIMEOUT = 900


@dataclass
class RunResult:
    """What one notebook run produced: the lesson, wall time, peak memory, error, Check record.

    >>> from kit.tooling.catalogue import find
    >>> RunResult(find(0), True, 4.2, 180.0, "", {"passed": True})
    RunResult('00_welcome', ok=True, wall_s=4.2)
    """

    lesson: Lesson
    ok: bool
    wall_s: float
    peak_mb: float
    error: str = ""
    record: dict = field(default_factory=dict)

    @property
    def claims_held(self) -> bool | None:
        if not self.record:
            return None
        return bool(self.record.get("passed"))

    def __repr__(self) -> str:
        return f"RunResult({self.lesson.stem!r}, ok={self.ok}, wall_s={self.wall_s:.1f})"


def inject_parameters(nb: nbformat.NotebookNode, params: dict) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with a cell assigning ``params`` after the ``parameters`` cell.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("seed = 0", metadata={"tags": ["parameters"]})])
    >>> inject_parameters(nb, {"seed": 4}).cells[1].source.splitlines()[-1]
    'seed = 4'
    >>> inject_parameters(nb, {"seed = 0; import os; x": 1})
    Traceback (most recent call last):
    ...
    ValueError: params: expected variable names as keys, got 'seed = 0; import os; x'
    """
    for key, value in params.items():
        if not isinstance(key, str) or not key.isidentifier() or keyword.iskeyword(key):
            raise ValueError(f"params: expected variable names as keys, got {key!r}")
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise TypeError(f"params: {key} must be a str, int, float, bool or None, got {type(value).__name__}")
    nb = copy.deepcopy(nb)
    if not params:
        return nb
    where = next((i for i, c in enumerate(nb.cells)
                  if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])), None)
    if where is None:
        raise ValueError("notebook has no cell tagged 'parameters' to override")
    src = "# Parameters injected by python -m kit run\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())
    cell = nbformat.v4.new_code_cell(src, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(where + 1, cell)
    return nb


class _PeakMemory:
    """Sample the resident memory of a process and its children in a thread."""

    def __init__(self, pid: int | None, interval: float = 0.2) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            import psutil

            proc = psutil.Process(self.pid)
        except Exception:
            return
        while not self._stop.is_set():
            try:
                rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                self.peak = max(self.peak, rss)
            except Exception:
                break
            self._stop.wait(self.interval)

    def __enter__(self) -> _PeakMemory:
        if self.pid:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)


def _error_line(exc: Exception) -> str:
    """One line for a failed cell: ``ename: evalue`` from the kernel, else the last text line."""
    ename, evalue = getattr(exc, "ename", ""), getattr(exc, "evalue", "")
    if ename:
        return f"{ename}: {evalue}" if evalue else ename
    lines = [ln for ln in re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines() if ln.strip(" -")]
    return lines[-1].strip() if lines else type(exc).__name__


def execute(nb: nbformat.NotebookNode, cwd: Path, *, cell_timeout: int = CELL_TIMEOUT,
            show_cells: bool = False, desc: str = "",
            env: dict[str, str] | None = None) -> tuple[nbformat.NotebookNode, float, str]:
    """Execute ``nb`` in a fresh kernel in ``cwd``; return (executed nb, peak MB, error text).

    ``env`` is the kernel's whole environment (default: this process's).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from kit.progress import progress

    client = NotebookClient(nb, timeout=cell_timeout, startup_timeout=KERNEL_STARTUP_TIMEOUT,
                            kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
                            record_timing=False, store_widget_state=True,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    error = ""
    peak = 0.0
    with client.setup_kernel(**({"env": env} if env is not None else {})):
        prov = getattr(client.km, "provisioner", None)
        pid = getattr(prov, "pid", None) or getattr(getattr(prov, "process", None), "pid", None)
        with _PeakMemory(pid) as mem:
            info = client.wait_for_reply(client.kc.kernel_info())
            if info and "language_info" in info["content"]:  # stored, so JupyterLab need not add it
                nb.metadata["language_info"] = info["content"]["language_info"]
            cells = list(enumerate(nb.cells))
            for index, cell in progress(cells, desc=desc, disable=not show_cells):
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    error = f"cell {index} timed out after {cell_timeout} s (raise the limit with --timeout)"
                    break
                except DeadKernelError:
                    error = f"cell {index}: the kernel died (out of memory?)"
                    break
                except CellExecutionError as exc:
                    error = f"cell {index}: {_error_line(exc)}"
                    break
        peak = mem.peak / 2**20
    return nb, peak, error


def run_notebooks(names: list[str] | None = None, *, seed: int | None = None, scale: str | None = None,
                  device: str | None = None,
                  out: Path | None = None, store: bool = False, cell_timeout: int = CELL_TIMEOUT,
                  root: Path | None = None, dry_run: bool = False, echo=print) -> list[RunResult]:
    """Run notebooks headless; write executed copies and the scoreboard into ``out``.

    ``store=True`` executes with the notebook's own parameters and writes the outputs back into
    the notebook itself (how stored outputs are made). ``dry_run=True`` checks the arguments
    and prints the plan without running anything.
    """
    root = root or repo_root()
    lessons = [find(n) for n in names] if names else available(root)
    missing = [lesson.stem for lesson in lessons if not lesson.available(root)]
    if missing:
        raise FileNotFoundError(f"names: these notebooks do not exist yet: {missing}")
    if store and (seed is not None or scale is not None or device is not None):
        raise ValueError("store: stored outputs use the notebook's own parameters; drop --seed/--scale/--device")
    check_timeout(cell_timeout)
    if seed is not None:
        seed = check_seed(seed)
    params = {k: v for k, v in (("seed", seed), ("scale", scale), ("device", device)) if v is not None}
    out = Path(out or root / "output")
    if not store:
        refuse_sources([out / "notebooks" / lesson.path(root).name for lesson in lessons], root, name="out")
    if dry_run:
        where = "back into the notebooks themselves" if store else f"into {out}/"
        echo(f"would run {len(lessons)} notebook(s) ({', '.join(lesson.stem for lesson in lessons)}) with "
             f"{params or 'their own parameters'}, writing {where}")
        return []
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    results: list[RunResult] = []
    from kit.progress import progress

    bar = progress(lessons, desc="notebooks", disable=False) if len(lessons) > 1 else lessons
    for lesson in bar:
        path = lesson.path(root)
        nb = nbformat.read(path, as_version=4)
        run_nb = nb if store else inject_parameters(nb, params)
        executed, res = run_one(lesson, run_nb, path.parent, cell_timeout=cell_timeout)
        target = path if (store and not res.error) else out / "notebooks" / path.name
        nbformat.write(executed, target)
        results.append(res)
        echo(f"{'ok  ' if res.ok else 'FAIL'} {lesson.stem:36s} {res.wall_s:6.1f} s {res.peak_mb:7.0f} MB"
             + (f"  {res.error}" if res.error else "")
             + (f"  -> stored in {path.name}" if store and not res.error else ""))
    write_scoreboard(results, out, seed=seed, scale=scale, stored_root=root if store else None)
    return results


def check_timeout(seconds: object, name: str = "timeout") -> int:
    """A cell timeout: a positive whole number of seconds (0 would switch the limit off).

    >>> check_timeout(0)
    Traceback (most recent call last):
    ...
    ValueError: timeout: expected a positive number of seconds per cell, got 0
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
        raise ValueError(f"{name}: expected a positive number of seconds per cell, got {seconds!r}")
    return seconds


def refuse_sources(targets: list[Path], root: Path, *, name: str) -> None:
    """Refuse to write any of ``targets`` over a source lesson (the notebooks and case studies
    the course ships); ``name`` is the argument that chose the targets.

    >>> root = repo_root()
    >>> refuse_sources([root / "notebooks" / "00_welcome.ipynb"], root, name="out")
    Traceback (most recent call last):
    ...
    ValueError: out: would overwrite the source notebook notebooks/00_welcome.ipynb; choose another folder (e.g. output/)
    """
    folders = {lesson.folder for lesson in ALL}
    sources = {path.resolve() for folder in folders for path in (root / folder).glob("*.ipynb")}
    for target in targets:
        if Path(target).resolve() in sources:
            rel = Path(target).resolve().relative_to(root.resolve())
            raise ValueError(f"{name}: would overwrite the source notebook {rel}; choose another folder "
                             "(e.g. output/)")


def run_one(lesson: Lesson, nb: nbformat.NotebookNode, cwd: Path, *,
            cell_timeout: int = CELL_TIMEOUT) -> tuple[nbformat.NotebookNode, RunResult]:
    """Execute one (parameter-injected) notebook in ``cwd`` and read its Check record.

    The kernel gets its own results folder through its environment, so runs in parallel
    threads or processes never mix their records. Returns the executed notebook and the result.
    """
    with tempfile.TemporaryDirectory(prefix="kit-results-") as results_dir:
        env = dict(os.environ, **{RESULTS_ENV: results_dir, NO_PROGRESS_ENV: "1"})
        env.setdefault("OPENBLAS_CORETYPE", "Haswell")  # AVX2 BLAS kernels: the digits of the stored outputs
        t0 = time.perf_counter()
        executed, peak, error = execute(nb, cwd, cell_timeout=cell_timeout, env=env)
        wall = time.perf_counter() - t0
        rec_path = Path(results_dir) / f"{lesson.stem}.json"
        record = json.loads(rec_path.read_text()) if rec_path.exists() else {}
    if not record and not error:
        error = "no Check record was written (is the Check cell missing?)"
    ok = not error and bool(record) and record.get("passed", False)
    return executed, RunResult(lesson, ok, wall, peak, error, record)
