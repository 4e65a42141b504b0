"""``python -m kit sweep``: run notebooks over many seeds on Dask and report how robust each claim is.

Every notebook promises that its Check claims hold for any seed. A sweep executes each selected
notebook once per seed, through the same runner as ``python -m kit run`` (parameters injected,
cell and kernel timeouts), and collects every Check record. The report gives, per notebook and
per claim, the hold rate (e.g. 29/30), the claim's value across seeds (min / median / max) and
the smallest margin to its threshold; a crash is reported apart from a failed claim.

The tasks run on ``dask.distributed``: by default a ``LocalCluster`` with one single-threaded
worker process per core, so a laptop needs no set-up; ``--scheduler tcp://HOST:PORT`` sends the
same tasks to an existing cluster. A task carries the notebook's text, so a worker needs only
the project installed (``pip install -e .`` in a copy of the repository), not the same folders.
Dask does the scheduling and the retries: a task whose worker dies is re-run elsewhere, and is
reported as an error when a second worker dies on it (``distributed.scheduler.allowed-failures``).
Each record is appended to ``records.jsonl`` as it arrives, so an interrupted sweep keeps what
finished and ``--resume`` skips it. Each record carries a digest of the notebook's code cells;
``--resume`` re-runs a seed whose record came from different code (an edited notebook), so a
table never mixes two versions of a claim. A change to ``kit/`` itself needs a fresh sweep.
"""

from __future__ import annotations

import json
import os
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from kit._validate import check_seed
from kit.tooling.catalogue import Lesson, available, find, repo_root
from kit.tooling.runner import check_timeout

RECORDS = "records.jsonl"


def parse_seeds(spec: str) -> list[int]:
    """Seeds from ``"0-29"``, ``"3"`` or ``"0-4,10,12-13"`` (sorted, without repeats).

    >>> parse_seeds("0-3,7,2")
    [0, 1, 2, 3, 7]
    """
    seeds: set[int] = set()
    for part in str(spec).split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not m or (m.group(2) and int(m.group(2)) < int(m.group(1))):
            raise ValueError(f"seeds: expected ranges like 0-29 or 0-4,10, got {spec!r}")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        seeds.update(range(lo, hi + 1))
    return sorted(seeds)


def code_digest(source: str) -> str:
    """The first 12 hex digits of the SHA-256 of the code that decides a notebook's claims: its
    code cells up to and including the Check cell (the first that calls ``.finish()``), or all
    of them if it has none. Outputs do not count, nor do the exercise cells after the Check.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
    ...                                      nbformat.v4.new_code_cell("check.finish()")])
    >>> a = code_digest(nbformat.writes(nb))
    >>> nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="1")]
    >>> nb.cells.append(nbformat.v4.new_code_cell("kit.exercises.check('00', 1, None)"))
    >>> code_digest(nbformat.writes(nb)) == a
    True
    >>> nb.cells[0].source = "x = 2"
    >>> code_digest(nbformat.writes(nb)) == a
    False
    """
    import hashlib

    nb = nbformat.reads(source, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    ends = [i for i, src in enumerate(cells) if ".finish()" in src]
    code = "\n# ---\n".join(cells[:ends[0] + 1] if ends else cells)
    return hashlib.sha256(code.encode()).hexdigest()[:12]


def run_task(stem: str, source: str, seed: int, scale: str | None, device: str | None,
             cell_timeout: int) -> dict:
    """One notebook at one seed, executed where this function runs (a Dask worker).

    ``source`` is the notebook's JSON text; the run happens in a temporary folder (notebooks use
    no relative paths: data comes from installed packages). Returns a JSON-ready record.
    Tested through ``sweep`` in ``tests/test_sweep.py``; not a doctest because it starts a kernel.
    """
    import socket
    import tempfile

    from kit.tooling.runner import inject_parameters, run_one

    params = {k: v for k, v in (("seed", seed), ("scale", scale), ("device", device)) if v is not None}
    nb = inject_parameters(nbformat.reads(source, as_version=4), params)
    with tempfile.TemporaryDirectory(prefix="kit-sweep-") as cwd:
        _, res = run_one(find(stem), nb, Path(cwd), cell_timeout=cell_timeout)
    return {"notebook": stem, "seed": seed, "scale": scale or "as stored", "code": code_digest(source),
            "error": res.error,
            "wall_s": round(res.wall_s, 2), "peak_mb": round(res.peak_mb), "host": socket.gethostname(),
            "passed": bool(res.ok), "claims": res.record.get("claims", []),
            "figures": res.record.get("figures", {})}


def is_crash(record: dict) -> bool:
    """True when a run broke before its Check cell judged the claims (a failed claim is no crash).

    >>> is_crash({"error": "cell 24: AssertionError: 1 claim(s) failed: x", "claims": [{"holds": False}]})
    False
    >>> is_crash({"error": "cell 3: MemoryError", "claims": []})
    True
    """
    error = record.get("error") or ""
    return bool(error) and not (record.get("claims") and "claim(s) failed" in error)


def _key(stem: str, seed: int, scale: str | None) -> tuple[str, int, str]:
    return stem, int(seed), scale or "as stored"


def load_records(path: Path) -> list[dict]:
    """Every record of a records file (a torn last line from an interrupted sweep is skipped).

    >>> load_records(Path("/nonexistent/records.jsonl"))
    []
    """
    if not Path(path).exists():
        return []
    out = []
    for line in Path(path).read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def sweep(names: Iterable[str] | None, seeds: list[int], *, scale: str | None = None,
          device: str | None = None, out: Path | None = None, cell_timeout: int = 900,
          scheduler: str | None = None, workers: int | None = None, resume: bool = False,
          dry_run: bool = False, echo=print) -> list[dict]:
    """Run every selected notebook at every seed on Dask; return all records (old ones too on resume).

    ``dry_run=True`` checks the arguments and prints the plan without running anything.
    Records are appended to ``out / records.jsonl`` as they arrive. Not a doctest (it starts a
    cluster); ``tests/test_sweep.py`` runs it on a LocalCluster and on a separate scheduler.
    """
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    from kit.progress import progress

    root = repo_root()
    lessons: list[Lesson] = [find(n) for n in names] if names else available(root)
    missing = [lesson.stem for lesson in lessons if not lesson.available(root)]
    if missing:
        raise FileNotFoundError(f"names: these notebooks do not exist yet: {missing}")
    if not seeds:
        raise ValueError("seeds: expected at least one seed")
    seeds = [check_seed(s, "seeds") for s in seeds]
    check_timeout(cell_timeout)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers: expected a positive number of worker processes, got {workers!r}")
    out = Path(out or root / "output" / "sweep")
    if dry_run:
        echo(f"would run {len(lessons)} notebook(s) x {len(seeds)} seeds = {len(lessons) * len(seeds)} runs "
             f"({', '.join(lesson.stem for lesson in lessons)}; seeds {seeds[0]}..{seeds[-1]}) into {out}/")
        return []
    out.mkdir(parents=True, exist_ok=True)
    records_path = out / RECORDS
    old = load_records(records_path) if resume else []
    if not resume:
        records_path.write_text("")
    sources = {lesson.stem: lesson.path(root).read_text() for lesson in lessons}
    digests = {lesson.stem: code_digest(sources.get(lesson.stem) or lesson.path(root).read_text())
               for lesson in available(root)}
    old = [r for r in old if not is_crash(r) and r.get("code") == digests.get(r["notebook"])]
    done = {_key(r["notebook"], r["seed"], r["scale"]) for r in old}
    if resume:  # rewrite without crashed records and records of older code: they run again
        records_path.write_text("".join(json.dumps(r) + "\n" for r in old))
    todo = [(lesson, s) for lesson in lessons for s in seeds if _key(lesson.stem, s, scale) not in done]
    echo(f"{len(todo)} runs to do ({len(lessons)} notebooks x {len(seeds)} seeds"
         + (f", {len(old)} already recorded" if old else "") + ")")
    records = list(old)
    if not todo:
        return records
    # a task is retried once on another worker if its worker dies; a second death is reported
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        if scheduler:
            client, cluster = Client(scheduler, timeout="30s"), None
        else:
            n = workers or os.cpu_count() or 1
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
        try:
            futures = {client.submit(run_task, lesson.stem, sources[lesson.stem], s, scale, device,
                                     cell_timeout, key=f"{lesson.stem}-seed{s}-{scale or 'stored'}",
                                     pure=False): (lesson.stem, s) for lesson, s in todo}
            with records_path.open("a") as fh:
                for fut in progress(as_completed(futures), desc="sweep", total=len(futures)):
                    stem, s = futures[fut]
                    try:
                        rec = fut.result()
                    except Exception as exc:  # the worker died twice, or the task itself raised
                        rec = {"notebook": stem, "seed": s, "scale": scale or "as stored",
                               "error": f"{type(exc).__name__}: {exc}"[:500], "passed": False,
                               "claims": [], "figures": {}, "wall_s": None, "peak_mb": None, "host": None}
                    fh.write(json.dumps(rec) + "\n")
                    fh.flush()
                    records.append(rec)
                    if rec["error"] or not rec["passed"]:
                        echo(f"FAIL {stem} seed {s}: {rec['error'] or 'a claim failed'}")
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    return records


@dataclass
class ClaimStats:
    """One claim across seeds: how often it held, its value range and smallest margin.

    >>> c = ClaimStats("03_data-augmentation", "x >= 1", [True, True, False], [1.5, 1.2, 0.9], [0.5, 0.2, -0.1])
    >>> c.hold_rate, c.value_range, c.min_margin
    ('2/3', '0.900 / 1.200 / 1.500', -0.1)
    """

    notebook: str
    text: str
    holds: list[bool]
    values: list[float]
    margins: list[float]

    @property
    def hold_rate(self) -> str:
        return f"{sum(self.holds)}/{len(self.holds)}"

    @property
    def value_range(self) -> str:
        if not self.values:
            return "-"
        return " / ".join(f"{v:.3f}" for v in (min(self.values), statistics.median(self.values),
                                                 max(self.values)))

    @property
    def min_margin(self) -> float | None:
        return min(self.margins) if self.margins else None


def claim_stats(records: list[dict]) -> list[ClaimStats]:
    """Group the claims of every record by notebook and text, in first-seen order.

    >>> recs = [{"notebook": "n", "seed": s, "error": "", "claims": [
    ...     {"text": "t", "holds": s < 2, "value": float(s), "threshold": 1.5, "margin": 1.5 - s}]}
    ...     for s in range(3)]
    >>> [(c.text, c.hold_rate) for c in claim_stats(recs)]
    [('t', '2/3')]
    """
    stats: dict[tuple[str, str], ClaimStats] = {}
    for rec in sorted(records, key=lambda r: (r["notebook"], r["seed"])):
        for c in rec.get("claims", []):
            st = stats.setdefault((rec["notebook"], c["text"]), ClaimStats(rec["notebook"], c["text"], [], [], []))
            st.holds.append(bool(c["holds"]))
            if isinstance(c.get("value"), (int, float)):
                st.values.append(float(c["value"]))
            if c.get("margin") is not None:
                st.margins.append(float(c["margin"]))
    return list(stats.values())
