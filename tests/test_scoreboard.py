"""The scoreboard: three states, failing claims shown, links, header, plot, rows kept across runs."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kit.tooling import scoreboard
from kit.tooling.catalogue import find
from kit.tooling.runner import RunResult, scoreboard_markdown, write_scoreboard

FIGS = {"baseline": 0.972, "failure": 0.685, "mitigated": 0.972}
CLAIM_ERROR = "cell 41: AssertionError: 1 claim(s) failed: robust accuracy >= 0.70"


def passed(number=0, value=0.287):
    rec = {"metric": "accuracy on held-out digits", "passed": True, "figures": FIGS,
           "claims": [{"text": "the failure costs >= 20 points", "holds": True, "value": value,
                       "threshold": 0.2, "margin": value - 0.2}]}
    return RunResult(find(number), True, 12.5, 222.0, "", rec)


def claim_failed(number=21):
    rec = {"metric": "accuracy under PGD", "passed": False,
           "figures": {"baseline": 0.981, "failure": 0.052, "mitigated": 0.688},
           "claims": [{"text": "PGD drops accuracy below 0.20", "holds": True, "value": 0.052, "threshold": 0.2},
                      {"text": "robust accuracy >= 0.70", "holds": False, "value": 0.688, "threshold": 0.7}]}
    return RunResult(find(number), False, 61.3, 1450.0, CLAIM_ERROR, rec)


def crashed(number=3):
    return RunResult(find(number), False, 900.4, 2300.0, "cell 17: CellTimeoutError: A cell timed out after 900 seconds")


def executed(out, *numbers):
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    for n in numbers:
        (out / "notebooks" / f"{find(n).stem}.ipynb").write_text("{}")


def html_rows(text):
    return {re.search(r'id="([^"]+)"', row).group(1): row for row in re.findall(r"<tr class=.*?</tr>", text, re.S)}


def test_three_states_each_with_a_text_label(tmp_path):
    write_scoreboard([passed(), claim_failed(), crashed()], tmp_path, seed=28, scale="quick")
    rows = html_rows((tmp_path / "scoreboard.html").read_text())
    assert set(rows) == {"00_welcome", "21_security-evasion", "03_data-augmentation"}
    assert 'class="pass"' in rows["00_welcome"] and "pass (1/1)</span>" in rows["00_welcome"]
    assert 'class="claim-failed"' in rows["21_security-evasion"]
    assert "claim failed (1/2)</span>" in rows["21_security-evasion"]
    assert 'class="crashed"' in rows["03_data-augmentation"] and "crashed</span>" in rows["03_data-augmentation"]
    md = (tmp_path / "scoreboard.md").read_text()
    assert "| pass (1/1) |" in md and "| claim failed (1/2) |" in md and "| crashed |" in md


def test_a_failed_claim_shows_its_text_value_and_threshold_and_a_crash_its_error(tmp_path):
    write_scoreboard([passed(), claim_failed(), crashed()], tmp_path)
    rows = html_rows((tmp_path / "scoreboard.html").read_text())
    assert "<b>failed:</b> robust accuracy &gt;= 0.70 (value 0.688, threshold 0.700)" in rows["21_security-evasion"]
    assert "1 claim(s) held" in rows["21_security-evasion"]  # the held one is folded away, not lost
    assert "cell 17: CellTimeoutError: A cell timed out after 900 seconds" in rows["03_data-augmentation"]
    assert "failed:" not in rows["00_welcome"]
    md = (tmp_path / "scoreboard.md").read_text()
    problems = md.split("## Failed claims and crashes")[1]
    assert "- 21_security-evasion: claim failed: robust accuracy >= 0.70 (value 0.688, threshold 0.700)" in problems
    assert "- 03_data-augmentation: crashed: cell 17: CellTimeoutError" in problems
    assert "00_welcome" not in problems


def test_rows_link_to_the_executed_notebooks_by_relative_path(tmp_path):
    executed(tmp_path, 0, 21)  # 03's executed copy is missing: its row is still shown, unlinked
    write_scoreboard([passed(), claim_failed(), crashed()], tmp_path)
    text = (tmp_path / "scoreboard.html").read_text()
    hrefs = re.findall(r'href="([^"]+)"', text)
    assert sorted(hrefs) == ["notebooks/00_welcome.ipynb", "notebooks/21_security-evasion.ipynb"]
    assert all((tmp_path / h).is_file() for h in hrefs)
    assert "executed notebook not found" in html_rows(text)["03_data-augmentation"]
    md = (tmp_path / "scoreboard.md").read_text()
    links = re.findall(r"\]\(([^)]+\.ipynb)\)", md)
    assert sorted(links) == hrefs and all((tmp_path / link).is_file() for link in links)
    assert "| 03_data-augmentation |" in md


def test_stored_runs_link_to_the_notebook_they_wrote(tmp_path):
    repo, out = tmp_path / "repo", tmp_path / "repo" / "output"
    (repo / "notebooks").mkdir(parents=True)
    (repo / "notebooks" / "00_welcome.ipynb").write_text("{}")
    write_scoreboard([passed()], out, stored_root=repo)
    assert 'href="../notebooks/00_welcome.ipynb"' in (out / "scoreboard.html").read_text()


def test_header_names_seed_scale_date_and_versions(tmp_path):
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    write_scoreboard([passed()], tmp_path, seed=7, scale="full", now=now)
    text = (tmp_path / "scoreboard.html").read_text()
    meta = re.search(r"<table class='meta'>(.*?)</table>", text, re.S).group(1)
    assert "<th>latest run (UTC)</th><td>2026-01-02T03:04:05Z</td>" in meta
    assert "<th>seed</th><td>7</td>" in meta and "<th>scale</th><td>full</td>" in meta
    found = scoreboard.versions()
    for name in ("python", "kit", "torch", "numpy", "scikit-learn"):
        assert f"{name} {found[name]}" in meta
    import numpy

    assert found["numpy"] == numpy.__version__
    assert "- seed: 7" in (tmp_path / "scoreboard.md").read_text()


def test_plot_is_written_embedded_and_skips_rows_without_figures(tmp_path):
    write_scoreboard([passed(), crashed()], tmp_path)
    png = tmp_path / "scoreboard.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (tmp_path / "scoreboard.html").read_text()
    assert '<img src="scoreboard.png"' in text
    assert "00_welcome: accuracy on held-out digits" in text and "03_data-augmentation:" not in text
    only_crashes = tmp_path / "crashes"
    write_scoreboard([crashed()], only_crashes)
    assert not (only_crashes / "scoreboard.png").exists()
    assert "<img" not in (only_crashes / "scoreboard.html").read_text()


def test_a_later_run_replaces_its_rows_and_keeps_the_others(tmp_path):
    first = datetime(2026, 1, 1, tzinfo=UTC)
    write_scoreboard([passed(0), passed(21, value=0.3)], tmp_path, seed=1, scale="full", now=first)
    write_scoreboard([claim_failed(21)], tmp_path, seed=2, scale="quick", now=datetime(2026, 1, 2, tzinfo=UTC))
    board = json.loads((tmp_path / "scoreboard.json").read_text())["notebooks"]
    assert sorted(board) == ["00_welcome", "21_security-evasion"]
    old, new = board["00_welcome"], board["21_security-evasion"]
    assert (old["status"], old["seed"], old["scale"], old["date"]) == ("pass", 1, "full", "2026-01-01T00:00:00Z")
    assert (new["status"], new["seed"], new["scale"]) == ("claim failed", 2, "quick")
    assert [c["value"] for c in new["claims"]] == [0.052, 0.688]
    assert new["executed"] == "notebooks/21_security-evasion.ipynb" and new["wall_s"] == 61.3
    md = (tmp_path / "scoreboard.md").read_text()
    assert "seed 1, scale full, 2026-01-01T00:00:00Z" in md and "seed 2, scale quick, 2026-01-02T00:00:00Z" in md
    assert md.count("| 21_security-evasion |") == 1 and "pass (1/1)" in md
    assert 'class="run old" title="earlier run' in html_rows((tmp_path / "scoreboard.html").read_text())["00_welcome"]


def test_an_unreadable_board_is_kept_aside(tmp_path):
    (tmp_path / "scoreboard.json").write_text("{not json")
    with pytest.warns(UserWarning, match="scoreboard.json.bad"):
        write_scoreboard([passed()], tmp_path)
    assert (tmp_path / "scoreboard.json.bad").read_text() == "{not json"
    assert list(scoreboard.load_scoreboard(tmp_path)) == ["00_welcome"]


def test_html_is_escaped_and_self_contained(tmp_path):
    res = claim_failed()
    res.record["claims"][1]["text"] = "<script>alert(1)</script> & more"
    res.record["metric"] = "<b>bold</b>"
    write_scoreboard([res], tmp_path)
    text = (tmp_path / "scoreboard.html").read_text()
    assert "<script" not in text and "<b>bold</b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in text and "&lt;b&gt;bold&lt;/b&gt;" in text
    assert "<link" not in text and not re.search(r"(src|href)=\"?(https?:)?//", text)


def test_the_cli_table_is_this_runs_rows_only(tmp_path):
    text = scoreboard_markdown([passed(), claim_failed()])
    assert text.splitlines()[2] == ("| 00_welcome | How to use the kit | accuracy on held-out digits | 0.972 | "
                                    "0.685 | 0.972 | pass (1/1) | 12.5 | 222 |")
    assert text.splitlines()[-1] == "- 21_security-evasion: claim failed: robust accuracy >= 0.70 (value 0.688, threshold 0.700)"


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(TypeError, match="results: expected RunResult"):
        write_scoreboard([{"stem": "00_welcome"}], tmp_path)
    with pytest.raises(TypeError, match="results: expected a list"):
        scoreboard_markdown("00_welcome")
    with pytest.raises(TypeError, match="seed: expected an int"):
        write_scoreboard([passed()], tmp_path, seed="3")
    with pytest.raises(ValueError, match="now: expected a timezone-aware"):
        write_scoreboard([passed()], tmp_path, now=datetime(2026, 1, 1))
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "scoreboard.json").write_text(json.dumps({"notebooks": [1]}))
    with pytest.raises(ValueError, match="out: .* is not a scoreboard file"):
        scoreboard.load_scoreboard(Path(tmp_path / "x"))
