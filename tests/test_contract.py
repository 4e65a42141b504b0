"""Every notebook and case study follows the notebook contract (CONTRIBUTING.md)."""

import nbformat
import pytest

from kit.tooling import catalogue, contract

ROOT = catalogue.repo_root()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "casestudies").glob("*.ipynb"))


def test_there_are_notebooks():
    assert any(p.name.startswith("00_") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_contract(path):
    assert contract.check_file(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_in_the_catalogue(path):
    lesson = catalogue.find(path.stem)
    assert lesson.stem == path.stem, f"{path.name} is not named as its catalogue entry {lesson.stem}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_check_names_its_notebook(path):
    nb = nbformat.read(path, as_version=4)
    assert any(f'kit.Check("{path.stem}"' in c.source for c in nb.cells if c.cell_type == "code")


def test_contract_catches_violations():
    nb = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    assert contract.problems(nb) == []
    bad = nbformat.from_dict(nb)
    bad.cells.append(nbformat.v4.new_code_cell("!pip install torch\nopen('/home/me/data.csv')"))
    for cell in bad.cells:
        cell.metadata.pop("tags", None)
    found = "\n".join(contract.problems(bad))
    for expected in ("!pip", "absolute path", "tagged 'parameters'", "'solution'"):
        assert expected in found


def test_contract_requires_the_visible_assert():
    nb = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    for cell in nb.cells:
        cell.source = cell.source.replace("assert check.passed, check.failed", "")
    assert any("assert check.passed" in p for p in contract.problems(nb))

