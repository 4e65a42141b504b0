"""The shape of kit/: tooling apart from lessons, modules of a readable size, examples everywhere.

These are the rules of CONTRIBUTING.md ("Where code goes") made executable, so the layout
does not erode as notebooks are added.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parents[1] / "kit"
MAX_LINES = 400

# Public names whose example cannot run as a doctest, with the test that covers them instead.
NO_DOCTEST = {
    "kit.tooling.runner.run_notebooks": "starts Jupyter kernels; tests/test_runner.py",
    "kit.tooling.runner.execute": "starts a Jupyter kernel; tests/test_runner.py",
    "kit.tooling.runner.run_one": "starts a Jupyter kernel; tests/test_runner.py",
    "kit.tooling.sweep.run_task": "starts a Jupyter kernel; tests/test_sweep.py",
    "kit.tooling.sweep.sweep": "starts a Dask cluster; tests/test_sweep.py",
    "kit.tooling.claims.write_report": "writes files; tests/test_sweep.py",
    "kit.tooling.readme.write_all": "writes the READMEs; tests/test_catalogue.py",
    "kit.tooling.readme.render_all": "reads every notebook; tests/test_catalogue.py",
    "kit.tooling.readme.render_notebooks": "reads every notebook; tests/test_catalogue.py",
    "kit.tooling.readme.render_casestudies": "reads every notebook; tests/test_catalogue.py",
    "kit.tooling.readme.header_cell": "reads a notebook file; tests/test_catalogue.py",
    "kit.tooling.contract.check_file": "reads a notebook file; tests/test_contract.py",
    "kit.tooling.contract.handout": "writes files; tests/test_contract.py",
    "kit.tooling.cli.main": "the command line; tests/test_runner.py",
}


def _modules() -> list[Path]:
    return sorted(p for p in KIT.rglob("*.py") if "__pycache__" not in p.parts)


def _name(path: Path) -> str:
    rel = path.relative_to(KIT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


LESSON_MODULES = [p for p in _modules() if "tooling" not in p.parts and p.name != "__main__.py"]


@pytest.mark.parametrize("path", LESSON_MODULES, ids=_name)
def test_lesson_modules_never_import_tooling(path):
    bad = sorted(m for m in _imports(path) if m == "kit.tooling" or m.startswith("kit.tooling."))
    assert not bad, f"{_name(path)} imports course tooling {bad}; lesson code must not depend on it"


def test_the_direction_check_sees_an_import():
    # the check above would pass vacuously if _imports missed imports: make sure it sees one
    assert "kit.tooling.catalogue" in _imports(KIT / "tooling" / "readme.py")


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_module_size(path):
    n = len(path.read_text().splitlines())
    assert n <= MAX_LINES, f"{_name(path)} has {n} lines; split it by concept (at most {MAX_LINES})"


def _public(module_name: str):
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    for n in names:
        obj = getattr(module, n)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module_name:
            yield n, obj


def test_every_public_name_has_an_example():
    missing = []
    for path in _modules():
        module_name = _name(path)
        if path.name == "__main__.py":
            continue
        for n, obj in _public(module_name):
            full = f"{module_name}.{n}"
            if full in NO_DOCTEST:
                continue
            if ">>>" not in (inspect.getdoc(obj) or ""):
                missing.append(full)
    assert not missing, (f"{len(missing)} public names have no >>> example in their docstring: "
                         + ", ".join(missing))


def test_exemptions_are_still_needed():
    for full in NO_DOCTEST:
        module_name, n = full.rsplit(".", 1)
        obj = getattr(importlib.import_module(module_name), n)
        assert ">>>" not in (inspect.getdoc(obj) or ""), f"{full} has an example now: drop its exemption"


def test_no_two_public_functions_share_a_name_with_different_modules():
    """One name, one concept: the same public name defined in two modules is a trap."""
    seen: dict[str, str] = {}
    clashes = []
    for path in _modules():
        if path.name == "__main__.py":
            continue
        module_name = _name(path)
        for n, _ in _public(module_name):
            if n in seen and seen[n] != module_name:
                clashes.append(f"{n}: {seen[n]} and {module_name}")
            seen.setdefault(n, module_name)
    assert not clashes, "; ".join(clashes)
