"""python -m kit run: parameters injected, scoreboard written, failures make it exit non-zero."""

import subprocess
import sys

import nbformat
import pytest

from kit.tooling import catalogue, runner

ROOT = catalogue.repo_root()


def test_inject_parameters_after_the_tagged_cell():
    nb = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    out = runner.inject_parameters(nb, {"seed": 4, "scale": "full"})
    i = next(i for i, c in enumerate(out.cells) if "parameters" in c.metadata.get("tags", []))
    assert out.cells[i + 1].source.endswith("seed = 4\nscale = 'full'")
    assert len(out.cells) == len(nb.cells) + 1


def test_inject_needs_a_parameters_cell():
    with pytest.raises(ValueError, match="parameters"):
        runner.inject_parameters(nbformat.v4.new_notebook(), {"seed": 1})


def test_cli_runs_a_notebook_and_prints_the_scoreboard(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "kit", "run", "00", "--seed", "2", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| 00_welcome | How to use the kit |" in proc.stdout
    assert "| pass (3/3) |" in proc.stdout
    assert (tmp_path / "scoreboard.html").exists() and (tmp_path / "notebooks" / "00_welcome.ipynb").exists()
    assert '<a href="notebooks/00_welcome.ipynb">00_welcome</a>' in (tmp_path / "scoreboard.html").read_text()
    assert (tmp_path / "scoreboard.png").exists()
    executed = nbformat.read(tmp_path / "notebooks" / "00_welcome.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)


def test_cli_fails_when_a_claim_fails(tmp_path):
    # a project whose welcome notebook makes a claim that cannot hold, run through the real CLI
    nb = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    changed = 0
    for cell in nb.cells:
        changed += "baseline >= 0.93" in cell.source
        cell.source = cell.source.replace("baseline >= 0.93", "baseline >= 1.5")
    assert changed, "the welcome notebook's claim moved: update this test"
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "00_welcome.ipynb")
    (tmp_path / "kit").symlink_to(ROOT / "kit", target_is_directory=True)
    proc = subprocess.run([sys.executable, "-m", "kit", "run", "00", "--out", str(tmp_path / "out")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "FAILED: 00_welcome" in proc.stderr
    assert "claim(s) failed" in proc.stdout
    board = (tmp_path / "out" / "scoreboard.md").read_text()
    assert "| [00_welcome](notebooks/00_welcome.ipynb) |" in board and "| claim failed (2/3) |" in board
    assert "- 00_welcome: claim failed: the offline model is good (accuracy >= 0.93) (value 0." in board


def test_unknown_notebook_is_named():
    proc = subprocess.run([sys.executable, "-m", "kit", "run", "nope"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0 and "name: no notebook match 'nope'" in proc.stderr


def test_data_cli_lists_every_dataset():
    proc = subprocess.run([sys.executable, "-m", "kit", "data"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0
    from kit import data

    for name in data.names():
        assert name in proc.stdout
