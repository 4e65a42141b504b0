#!/usr/bin/env python3
"""One command to set up and use the kit; needs only a Python >= 3.11 with venv.

    python3 run.py lab         # set up (first time) and open JupyterLab on the notebooks
    python3 run.py notebooks   # set up and run every notebook headless, print the scoreboard
    python3 run.py test        # set up and run the whole test suite (what CI runs)
    python3 run.py setup       # only create/refresh the virtual environment in .venv/

Extra arguments after `notebooks` go to `python -m kit run` (e.g. `03 --seed 2 --scale full`);
after `test` they go to pytest (e.g. `-k welcome`). A second run with nothing changed skips the
install (a stamp in .venv/ records what was installed), so it also works offline.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".kit-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def say(msg: str) -> None:
    print(f"[run.py] {msg}", flush=True)


def _no_deps_packages() -> list[str]:
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(meta.get("tool", {}).get("kit", {}).get("no-deps", {}).get("packages", []))


def _fingerprint() -> str:
    h = hashlib.sha256()
    h.update((ROOT / "pyproject.toml").read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(sys.version.encode())
    return h.hexdigest()


def setup() -> None:
    """Create .venv if needed and install the project (editable) with its dev tools."""
    if sys.version_info < (3, 11):  # noqa: UP036  (run.py may be started by an older python3)
        sys.exit(f"Python >= 3.11 is needed, this is {sys.version.split()[0]}")
    if not PY.exists():
        say(f"creating the virtual environment in {VENV.name}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        probe = subprocess.run([str(PY), "-c", "import kit, torch, nbval"], cwd=ROOT / "notebooks",
                               capture_output=True)
        if probe.returncode == 0:
            return
        say("the environment is incomplete; reinstalling")
    say("installing the kit and its dependencies (first time: a few minutes, torch is large)")
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True, cwd=ROOT)
    subprocess.run(pip + ["-e", ".[dev]"], check=True, cwd=ROOT)
    extra = _no_deps_packages()
    if extra:  # packages with broken pins: installed alone, see data/README.md
        subprocess.run(pip + ["--no-deps", *extra], check=True, cwd=ROOT)
    STAMP.write_text(_fingerprint())
    say("environment ready")


def run(cmd: list[str], **kwargs) -> int:
    return subprocess.run(cmd, cwd=ROOT, **kwargs).returncode


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("lab", [])
    if command in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    if command not in ("setup", "lab", "notebooks", "test"):
        print(__doc__)
        return f"unknown command {command!r}: expected setup, lab, notebooks or test"
    setup()
    if command == "setup":
        return 0
    if command == "lab":
        root_user = ["--allow-root"] if getattr(os, "geteuid", lambda: 1)() == 0 else []  # containers
        return run([str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT}",
                    "--LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb", *root_user, *rest])
    if command == "notebooks":
        return run([str(PY), "-m", "kit", "run", *rest])
    env = dict(os.environ, KIT_NO_PROGRESS="1")
    say("ruff check")
    lint = run([str(BIN / "ruff"), "check", "."], env=env)
    say("pytest: unit tests, doctests, notebook contract, offline data, strict nbval of every notebook")
    tests = run([str(PY), "-m", "pytest", *rest], env=env)
    return tests or lint


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
