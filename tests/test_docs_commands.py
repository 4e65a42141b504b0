"""Every command the docs show works as written from a fresh shell in the project folder.

Commands are collected from the READMEs, CONTRIBUTING.md and the notebooks' text: every line of
a ``bash`` block and every inline code span that starts like a command. Each runs in a login
shell with an empty environment (no virtualenv activated). Commands that execute notebooks get
``--dry-run`` (which checks every argument and prints the plan), and the few that start a
server or the whole suite are only checked to be known commands (``EXEMPT``; JupyterLab's
command line is exercised by tests/test_lab.py, the suite is what CI runs).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["README.md", "CONTRIBUTING.md", "notebooks/README.md", "notebooks/CLAIMS.md", "casestudies/README.md",
        "data/README.md", "INSTRUCTORS.md"]
STARTS = ("python3 run.py", "py run.py", "python -m", "python3 -m", ".venv/bin/")
PLACEHOLDERS = {"NN": "00", "[names]": "00", "COMMAND": "run"}
EXEMPT = {  # pattern of a command line -> why it is not run here
    r"python3 run\.py lab\b": "starts JupyterLab (tests/test_lab.py starts it with run.py's command line)",
    r"python3 run\.py author\b": "starts JupyterLab on the originals",
    r"python3 run\.py test$": "the whole suite, which is what CI runs (this test is part of it)",
    r"py run\.py ": "the Windows form of the same commands",
    r"\.venv/bin/dask ": "starts a Dask scheduler or worker that runs until stopped",
    r"python3 -m venv": "part of the optional CPU-only install, which needs PyTorch's index",
    r"\.venv/bin/pip install": "part of the optional CPU-only install, which needs PyTorch's index",
}
DRY_RUN = ("python3 run.py notebooks", "python3 run.py kit run", "python3 run.py kit sweep")
# a command that reads what another documented command writes -> that command, run first in the
# same shell (the tests run in any order); the prerequisite must itself be documented
PREREQUISITES = {
    "student/08_business-metrics.ipynb": "python3 run.py kit handout 08 --out student/",
}


def _texts() -> dict[str, str]:
    texts = {doc: (ROOT / doc).read_text() for doc in DOCS if (ROOT / doc).exists()}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "casestudies").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        texts[str(path.relative_to(ROOT))] = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return texts


def documented_commands() -> dict[str, str]:
    """command line -> the first document that shows it."""
    found: dict[str, str] = {}
    for doc, text in _texts().items():
        lines = []
        for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
            lines += [re.split(r"\s+#\s", ln)[0].strip() for ln in block.splitlines()]
        text_without_blocks = re.sub(r"```.*?```", "", text, flags=re.S)
        lines += [span.strip() for span in re.findall(r"`([^`\n]+)`", text_without_blocks)]
        for line in lines:
            if line.startswith(STARTS):
                found.setdefault(line, doc)
    return found


COMMANDS = documented_commands()


def test_the_docs_show_commands():
    assert len(COMMANDS) >= 10
    assert any(c.startswith("python3 run.py kit sweep") for c in COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_command_needs_an_activated_environment(command):
    assert not re.match(r"python3? -m (kit|pytest|jupyter)", command), \
        f"{COMMANDS[command]} shows {command!r}; use the `python3 run.py ...` form (works without activating .venv)"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_documented_command_runs_as_written(command, tmp_path):
    why = next((reason for pattern, reason in EXEMPT.items() if re.match(pattern, command)), None)
    if why:
        pytest.skip(f"not run: {why}")
    line = command
    for placeholder, value in PLACEHOLDERS.items():
        line = line.replace(placeholder, value)
    if line.startswith(DRY_RUN):
        line += " --dry-run"
    for reads, first in PREREQUISITES.items():
        if reads in line and not line.startswith(first):
            assert first in COMMANDS, f"the prerequisite {first!r} of {command!r} is not a documented command"
            line = f"{first} > /dev/null && {line}"
    proc = subprocess.run(["env", "-i", f"HOME={Path.home()}", f"KIT_MY_WORK={tmp_path / 'my-work'}",
                           "KIT_NO_PROGRESS=1", "bash", "-lc", f"cd '{ROOT}' && {line}"],
                          capture_output=True, text=True, timeout=600)
    shown = f"{COMMANDS[command]}: {line!r} exited {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    assert proc.returncode == 0, shown
    assert "Traceback" not in proc.stderr, shown
