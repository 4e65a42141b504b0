"""``python3 run.py lab``: the learner works on copies, so saving in JupyterLab never touches
tracked files. The test starts JupyterLab with run.py's own command line and saves a notebook
through the REST contents API the way JupyterLab's autosave does."""

from __future__ import annotations

import importlib.util
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_py():
    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--", "notebooks", "casestudies"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(port: int, path: str, method: str = "GET", body: dict | None = None) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "token kit-test", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"{}")


def test_copies_are_made_once_and_never_overwritten(tmp_path):
    run_py = _run_py()
    new = run_py.prepare_work(tmp_path)
    assert {p.name for p in new} == {p.name for p in run_py.lessons()}
    mine = tmp_path / "notebooks" / "00_welcome.ipynb"
    mine.write_text("my edits")
    assert run_py.prepare_work(tmp_path) == []              # a second start copies nothing
    assert mine.read_text() == "my edits"
    (fresh,) = run_py.refresh(["00"], tmp_path)              # refresh: the original again ...
    assert fresh.read_bytes() == (ROOT / "notebooks" / "00_welcome.ipynb").read_bytes()
    (backup,) = (tmp_path / "backups").glob("00_welcome-*.ipynb")
    assert backup.read_text() == "my edits"                  # ... and the learner's copy is kept
    with pytest.raises(ValueError, match="name: no single lesson matches '99'"):
        run_py.refresh(["99"], tmp_path)


def test_the_default_work_folder_is_ignored_by_git():
    run_py = _run_py()
    probe = run_py.ROOT / "my-work" / "notebooks" / "00_welcome.ipynb"
    assert subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=ROOT).returncode == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_saving_in_jupyterlab_leaves_the_repository_clean(tmp_path):
    run_py = _run_py()
    before = _git_status()
    run_py.prepare_work(tmp_path)
    port = _free_port()
    cmd = run_py.lab_command([f"--port={port}", "--no-browser", "--ServerApp.token=kit-test",
                              "--ServerApp.ip=127.0.0.1"], root_dir=tmp_path, open_path="notebooks/00_welcome.ipynb")
    assert cmd[1] == "lab" and f"--ServerApp.root_dir={tmp_path}" in cmd
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _api(port, "status")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("JupyterLab did not start within 90 s") from None
                time.sleep(0.5)
        listing = {item["name"] for item in _api(port, "contents")["content"]}
        assert "notebooks" in listing and "kit" not in listing   # the learner sees the copies only
        path = "notebooks/00_welcome.ipynb"
        model = _api(port, f"contents/{path}?content=1")
        nb = model["content"]
        nb["metadata"]["language_info"] = {"name": "python", "version": "3.99"}   # what Lab adds on open
        nb["cells"][0]["source"] = "edited by a learner\n" + "".join(nb["cells"][0]["source"])
        _api(port, f"contents/{path}", "PUT", {"type": "notebook", "format": "json", "content": nb})
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    saved = json.loads((tmp_path / path).read_text())
    assert "".join(saved["cells"][0]["source"]).startswith("edited by a learner")   # the save landed
    assert _git_status() == before                                                 # ... not in the repo
