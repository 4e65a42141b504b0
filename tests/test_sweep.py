"""python -m kit sweep: many seeds on a Dask LocalCluster or a separately started cluster."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from kit.tooling import claims, sweep
from kit.tooling.catalogue import repo_root

ROOT = repo_root()


def _kit(*args, timeout=240, **kw):
    return subprocess.run([sys.executable, "-m", "kit", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, **kw)


def test_sweep_welcome_on_a_two_worker_local_cluster(tmp_path):
    proc = _kit("sweep", "00", "--seeds", "0-2", "--workers", "2", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    records = sweep.load_records(tmp_path / sweep.RECORDS)
    assert sorted(r["seed"] for r in records) == [0, 1, 2]
    assert all(r["passed"] and not r["error"] and len(r["claims"]) == 3 for r in records)
    # the seed reached the kernel: the three runs measured different things
    assert len({json.dumps(r["figures"]) for r in records}) > 1
    for name in ("sweep.md", "sweep.html", "sweep.json", "claims.csv"):
        assert (tmp_path / name).stat().st_size > 0
    assert "| the offline model is good (accuracy >= 0.93) | 3/3 |" in proc.stdout
    # --resume finds everything done: no cluster, no run, same report
    again = _kit("sweep", "00", "--seeds", "0-2", "--out", str(tmp_path), "--resume", timeout=60)
    assert again.returncode == 0 and "0 runs to do" in again.stdout
    assert len(sweep.load_records(tmp_path / sweep.RECORDS)) == 3
    # a record made by other code (an edited notebook) is stale: --resume runs that seed again
    records[0]["code"] = "0" * 12
    (tmp_path / sweep.RECORDS).write_text("".join(json.dumps(r) + "\n" for r in records))
    stale = _kit("sweep", "00", "--seeds", "0-2", "--workers", "1", "--out", str(tmp_path), "--resume")
    assert stale.returncode == 0 and "1 runs to do" in stale.stdout, stale.stdout[-2000:]
    codes = {r["code"] for r in sweep.load_records(tmp_path / sweep.RECORDS)}
    assert len(sweep.load_records(tmp_path / sweep.RECORDS)) == 3 and "0" * 12 not in codes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs):
    for p in reversed(procs):
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def test_sweep_through_a_separately_started_scheduler_and_worker(tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        time.sleep(2)
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                       "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        proc = _kit("sweep", "00", "--seeds", "3-4", "--scheduler", address, "--out", str(tmp_path))
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        records = sweep.load_records(tmp_path / sweep.RECORDS)
        assert sorted(r["seed"] for r in records) == [3, 4] and all(r["passed"] for r in records)
    finally:
        _stop(procs)
    assert all(p.poll() is not None for p in procs)


def test_killing_a_worker_mid_sweep_loses_no_finished_record(tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], **quiet)]
    try:
        time.sleep(2)
        workers = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                     "--nthreads", "1", "--no-nanny", "--no-dashboard"], **quiet)
                   for _ in range(2)]
        procs += workers
        sweeper = subprocess.Popen([sys.executable, "-m", "kit", "sweep", "00", "--seeds", "0-3",
                                    "--scheduler", address, "--out", str(tmp_path)], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(sweeper)
        deadline = time.time() + 180
        while not sweep.load_records(tmp_path / sweep.RECORDS) and time.time() < deadline:
            time.sleep(0.5)
        first = sweep.load_records(tmp_path / sweep.RECORDS)
        assert first, "no record arrived within 180 s"
        workers[0].kill()  # SIGKILL: the worker dies without a word; its task goes to the other one
        out, _ = sweeper.communicate(timeout=240)
        assert sweeper.returncode == 0, out[-2000:]
        records = sweep.load_records(tmp_path / sweep.RECORDS)
        assert sorted(r["seed"] for r in records) == [0, 1, 2, 3] and all(r["passed"] for r in records)
        assert first[0] in records  # the record written before the kill is still there
    finally:
        _stop(procs)


def _record(seed, holds, value, error=""):
    claim = {"text": "x >= 0.5", "holds": holds, "value": value, "threshold": 0.5,
             "margin": abs(value - 0.5) * (1 if holds else -1)}
    return {"notebook": "00_welcome", "seed": seed, "scale": "as stored", "error": error,
            "passed": holds and not error, "claims": [] if error else [claim], "figures": {},
            "wall_s": 1.0, "peak_mb": 1, "host": "h"}


def test_a_failed_claim_or_a_crash_fails_the_sweep(tmp_path):
    recs = [_record(0, True, 0.9), _record(1, False, 0.4), _record(2, True, 0.7, error="cell 5: boom")]
    # a torn last line (an interrupted sweep) is skipped, not fatal
    (tmp_path / sweep.RECORDS).write_text("".join(json.dumps(r) + "\n" for r in recs) + '{"notebook": "00_w')
    assert [r["seed"] for r in sweep.load_records(tmp_path / sweep.RECORDS)] == [0, 1, 2]
    stats = sweep.claim_stats(recs)
    assert stats[0].hold_rate == "1/2" and stats[0].min_margin == pytest.approx(-0.1)
    md = claims.write_report(recs, tmp_path).read_text()
    assert "1 claims failed on some seed, 1 runs crashed" in md and "seed 2 crashed: cell 5: boom" in md


def test_claims_table_keeps_other_notebooks_sections(tmp_path):
    path = tmp_path / "CLAIMS.md"
    claims.write_claims_table([_record(0, True, 0.9)], path)
    other = dict(_record(0, True, 0.8), notebook="03_data-augmentation")
    claims.write_claims_table([other], path)
    text = path.read_text()
    assert "## 00_welcome" in text and "## 03_data-augmentation" in text
    claims.write_claims_table([_record(0, True, 0.9), _record(1, True, 0.6)], path)
    assert "| x >= 0.5 | 2/2 | 0.600 / 0.750 / 0.900 | +0.100 |" in path.read_text()
    assert path.read_text().count("## 00_welcome") == 1


def test_bad_seeds_are_one_line_errors():
    proc = _kit("sweep", "00", "--seeds", "3-1", timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "python -m kit sweep: error: seeds: expected ranges like 0-29 or 0-4,10, got '3-1'"


CLAIMS_MD = ROOT / "notebooks" / "CLAIMS.md"


@pytest.mark.parametrize("stem", [p.stem for p in sorted((ROOT / "notebooks").glob("*.ipynb"))])
def test_claims_table_lists_every_claim_of_every_notebook(stem):
    """notebooks/CLAIMS.md goes stale when a claim changes: re-run the sweep with --write-claims."""
    assert CLAIMS_MD.exists(), "run: python -m kit sweep --seeds 0-29 --write-claims"
    table = CLAIMS_MD.read_text()
    section = table.split(f"## {stem}\n", 1)
    assert len(section) == 2, f"CLAIMS.md has no section for {stem}: sweep it with --write-claims"
    body = section[1].split("\n## ", 1)[0]
    for text in claims.stored_claims(ROOT / "notebooks" / f"{stem}.ipynb"):
        assert f"| {text.replace('|', chr(92) + '|')} |" in body, f"{stem}: claim missing from CLAIMS.md: {text}"
