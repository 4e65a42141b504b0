"""The course website: it builds offline from the stored notebooks, and nothing in it is broken."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from kit.tooling import site
from kit.tooling.catalogue import available, repo_root

ROOT = repo_root()


def _offline(cmd: list[str]) -> tuple[list[str], bool]:
    """``cmd`` in a network namespace with no interface up, where this machine allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n", *cmd], True
    return cmd, False


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    cmd, cut = _offline([sys.executable, "-m", "kit", "site", "--out", str(out)])
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "no broken links" in proc.stdout
    return out / "html", cut


def test_the_site_builds_with_the_network_cut(built):
    html_dir, cut = built
    if not cut:
        pytest.skip("unshare -n is not allowed here: the build ran, but not with the network cut")
    assert (html_dir / "index.html").exists()


def test_every_lesson_has_a_page_with_its_figures_and_no_widget_text(built):
    html_dir, _ = built
    lessons = available(ROOT)
    assert lessons
    for lesson in lessons:
        page = html_dir / lesson.folder / f"{lesson.stem}.html"
        assert page.exists(), page
        text = page.read_text()
        nb = nbformat.read(lesson.path(ROOT), as_version=4)
        pictures = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                       for o in c.get("outputs", []))
        assert len(re.findall(r"<img\b", text)) >= pictures, lesson.stem
        assert "VBox(children" not in text and "SelectionSlider(" not in text, lesson.stem


def test_a_widget_becomes_the_picture_of_its_first_setting_with_a_caption(built):
    html_dir, _ = built
    pages = [p.read_text() for p in (html_dir / "notebooks").glob("*.html")]
    figures = [p for p in pages if 'class="kit-widget"' in p]
    assert figures, "no page shows a widget's picture"
    assert all("run the notebook to change" in p for p in figures)


def test_math_is_rendered_by_the_local_mathjax(built):
    html_dir, _ = built
    pages_with_math = [p for p in html_dir.rglob("*.html") if 'class="math' in p.read_text()]
    assert pages_with_math, "no page has math: the check below would be empty"
    for page in pages_with_math:
        scripts = re.findall(r'<script[^>]+src="([^"]*MathJax\.js[^"]*)"', page.read_text())
        assert scripts, page
        assert (page.parent / scripts[0].split("?")[0]).exists(), scripts[0]


def test_the_landing_page_links_every_lesson_and_the_course_pages(built):
    html_dir, _ = built
    index = (html_dir / "index.html").read_text()
    for lesson in available(ROOT):
        assert f'{lesson.folder}/{lesson.stem}.html' in index, lesson.stem
    for page in ("scoreboard.html", "notebooks/CLAIMS.html", "data/README.html", "README.html"):
        assert page in index, page
        assert (html_dir / page).exists()


def test_the_scoreboard_page_shows_each_stored_check(built):
    html_dir, _ = built
    board = (html_dir / "scoreboard.html").read_text()
    for lesson in available(ROOT):
        assert lesson.stem in board
    assert board.count("PASS") >= len(available(ROOT))


def test_broken_links_reports_missing_files_and_anchors(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.html").write_text('<a href="sub/b.html#here">ok</a><a href="sub/b.html#gone">x</a>'
                                     '<img src="pic.png"><a href="https://doi.org/x">paper</a><p id="top"></p>'
                                     '<a href="#top">up</a><a href="#nowhere">?</a>')
    (tmp_path / "sub" / "b.html").write_text('<h2 id="here">b</h2><a href="../a.html">back</a>')
    assert site.broken_links(tmp_path) == [
        "a.html -> sub/b.html#gone (no such anchor)",
        "a.html -> pic.png (no such file)",
        "a.html -> #nowhere (no such anchor)",
    ]


def test_needs_network_flags_resources_from_a_cdn_but_not_links_to_papers(tmp_path):
    (tmp_path / "a.html").write_text(
        '<a href="https://arxiv.org/abs/2011.09926">paper</a>'
        '<link rel="stylesheet" href="https://cdn.example/x.css">'
        '<script src="//unpkg.com/@jupyter-widgets/html-manager/dist/embed.js"></script>'
        '<img src="https://example.org/pic.png">')
    found = site.needs_network(tmp_path)
    assert found == ["a.html: https://cdn.example/x.css", "a.html: //unpkg.com/@jupyter-widgets/html-manager/dist/embed.js",
                     "a.html: https://example.org/pic.png"]


def test_stored_outputs_are_adapted_for_a_page_without_a_kernel():
    png = base64.b64encode(b"\x89PNG fake").decode()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={"text/markdown": "[03](03_data-augmentation.ipynb) and "
                                                     "[cs](../casestudies/cs01_credit-2008.ipynb)"}),
        nbformat.v4.new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2, "version_minor": 0},
            "image/png": png, "text/plain": "Explorer: eps = 0.1 (interactive slider; run the notebook to change it)"}),
    ])])
    out = site._for_the_web(nb).cells[0].outputs
    assert out[0]["data"]["text/markdown"] == "[03](03_data-augmentation.html) and [cs](../casestudies/cs01_credit-2008.html)"
    figure = out[1]["data"]["text/html"]
    assert f"data:image/png;base64,{png}" in figure and "eps = 0.1" in figure
