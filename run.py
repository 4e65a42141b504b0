#!/usr/bin/env python3
"""One command to set up and use the kit; needs only a Python >= 3.11 with venv.

    python3 run.py lab           # set up (first time) and open JupyterLab on your own copies
    python3 run.py test          # set up and run the whole test suite (what CI runs)
    python3 run.py notebooks     # run every notebook headless, print the scoreboard
    python3 run.py kit ...       # any kit command: kit data, kit run 03, kit sweep 21, kit handout
    python3 run.py refresh 21    # replace your copy of a lesson with the original (yours is kept)
    python3 run.py site          # build the course website (offline, from the stored notebooks)
    python3 run.py author        # open JupyterLab on the original notebooks (for authors)
    python3 run.py setup         # only create/refresh the virtual environment in .venv/

`lab` copies every lesson into my-work/ (git-ignored) the first time it sees it and never
overwrites a copy there, so your edits, outputs and autosaves stay yours and the repository
stays clean. Extra arguments after `lab` or `author` go to JupyterLab (e.g. `--port 8890
--no-browser`); after `notebooks` to `kit run` (e.g. `03 --seed 2 --scale full`); after
`test` to pytest (e.g. `-k welcome`). A second run with nothing changed skips the install (a
stamp in .venv/ records what was installed), so it also works offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".kit-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
MY_WORK = Path(os.environ.get("KIT_MY_WORK", ROOT / "my-work"))  # the learner's copies (tests move it)
LESSON_FOLDERS = ("notebooks", "casestudies")
COMMANDS = ("lab", "test", "notebooks", "kit", "refresh", "author", "setup", "site")
# JupyterLab settings for this project: no news / update prompt on first start.
LAB_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


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
        probe = subprocess.run([str(PY), "-c", "import importlib.util as u, sys; sys.exit(not all("
                                "u.find_spec(m) for m in ('kit', 'torch', 'nbval', 'jupyterlab')))"],
                               cwd=ROOT / "notebooks", capture_output=True)  # finds, does not import: fast
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


def lessons() -> list[Path]:
    """The source notebooks (lessons and case studies) the course ships."""
    return sorted(p for folder in LESSON_FOLDERS for p in (ROOT / folder).glob("*.ipynb"))


def _shown(path: Path, work: Path) -> Path:
    """``path`` as the learner knows it: relative to the folder holding ``work`` when inside it."""
    return path.relative_to(work.parent) if work.parent in path.parents else path


def prepare_work(work: Path = MY_WORK) -> list[Path]:
    """Copy each lesson into ``work`` unless a copy is already there; return the new copies."""
    new = []
    for src in lessons():
        dst = work / src.parent.name / src.name
        if not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            new.append(dst)
    return new


def find_lesson(name: str) -> Path:
    """The source notebook named by a number (``21``), a prefix (``cs01``) or a file stem."""
    hits = [p for p in lessons() if p.stem == name or p.stem.split("_")[0] == name]
    if len(hits) != 1:
        known = ", ".join(p.stem.split("_")[0] for p in lessons())
        raise ValueError(f"name: no single lesson matches {name!r}; expected one of {known}")
    return hits[0]


def refresh(names: list[str], work: Path = MY_WORK) -> list[Path]:
    """Replace the learner's copies of ``names`` with the originals; the old copies move to
    ``work/backups/`` with a time stamp. Return the refreshed copies."""
    if not names:
        raise ValueError("names: expected the lessons to refresh, e.g. `python3 run.py refresh 21`")
    done = []
    for src in [find_lesson(n) for n in names]:
        dst = work / src.parent.name / src.name
        if dst.exists():
            backup = work / "backups" / f"{src.stem}-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(dst, backup)
            say(f"your previous copy is now {_shown(backup, work)}")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        done.append(dst)
    return done


def lab_command(rest: list[str], *, root_dir: Path, open_path: str) -> list[str]:
    """The JupyterLab command line: ``root_dir`` is what the file browser shows, ``open_path``
    (relative to it) opens first; idle kernels of closed tabs stop after an hour."""
    (VENV / "share" / "jupyter" / "lab" / "settings").mkdir(parents=True, exist_ok=True)
    (VENV / "share" / "jupyter" / "lab" / "settings" / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=2))
    root_user = ["--allow-root"] if getattr(os, "geteuid", lambda: 1)() == 0 else []  # containers
    return [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={root_dir}",
            f"--LabApp.default_url=/lab/tree/{open_path}",
            "--MappingKernelManager.cull_idle_timeout=3600", "--MappingKernelManager.cull_interval=300",
            *root_user, *rest]


def main(argv: list[str]) -> int:
    # Same digits on every x86 CPU: numpy's OpenBLAS picks kernels by instruction set when it loads
    # (AVX-512 ones round differently from the AVX2 ones the stored outputs were made with), so every
    # process started from here (JupyterLab's kernels, the tests, kit run) uses the AVX2 kernels.
    # kit/__init__.py does the same for PyTorch, MKL and oneDNN.
    os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
    command, rest = (argv[0], argv[1:]) if argv else ("lab", [])
    if command in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    if command not in COMMANDS:
        print(f"run.py: error: unknown command {command!r}; expected one of {', '.join(COMMANDS)} "
              "(see python3 run.py --help)", file=sys.stderr)
        return 2
    if command == "refresh":  # plain file copies: no environment needed
        try:
            for path in refresh(rest):
                say(f"fresh copy: {path}")
        except ValueError as exc:
            print(f"run.py refresh: error: {exc}", file=sys.stderr)
            return 2
        return 0
    setup()
    if command == "setup":
        return 0
    if command == "lab":
        for path in prepare_work():
            say(f"new copy: {_shown(path, MY_WORK)}")
        say(f"your copies are in {MY_WORK.name}/ (the originals stay untouched); "
            "`python3 run.py refresh NN` gives you a fresh copy of lesson NN")
        return run(lab_command(rest, root_dir=MY_WORK, open_path="notebooks/00_welcome.ipynb"))
    if command == "author":
        say("JupyterLab on the ORIGINAL notebooks: saves change tracked files; "
            "store outputs with `python3 run.py kit run NN --store`")
        return run(lab_command(rest, root_dir=ROOT, open_path="notebooks/00_welcome.ipynb"))
    if command == "notebooks":
        return run([str(PY), "-m", "kit", "run", *rest])
    if command == "kit":
        return run([str(PY), "-m", "kit", *rest])
    if command == "site":
        return run([str(PY), "-m", "kit", "site", *rest])
    env = dict(os.environ, KIT_NO_PROGRESS="1")
    say("ruff check")
    lint = run([str(BIN / "ruff"), "check", "."], env=env)
    say("pytest: unit tests, doctests, notebook contract, offline data, strict nbval of every notebook")
    tests = run([str(PY), "-m", "pytest", *rest], env=env)
    return tests or lint


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
