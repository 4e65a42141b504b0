"""INSTRUCTORS.md, the instructor's guide, agrees with the lessons it describes.

Every written lesson has a section (a heading naming its stem) with the six parts an instructor
looks for; the exercises it assigns exist in the notebook; the checker calls it names are
registered; the workshop plans add up to their length and name only written lessons; and every
command in its ``bash`` blocks is one the kit knows. ``tests/test_docs_commands.py`` runs each
of those commands as written (INSTRUCTORS.md is in its ``DOCS``).
"""

from __future__ import annotations

import importlib.util
import re

import nbformat
import pytest

from kit import exercises
from kit.tooling.catalogue import ALL, available, repo_root
from kit.tooling.contract import _exercise_count

ROOT = repo_root()
GUIDE = ROOT / "INSTRUCTORS.md"
TEXT = GUIDE.read_text()
# Lessons still being written on their own branches: each gets its section when it is merged.
# Until then the guide only names them in "Lessons being written", without inventing content.
NOT_YET: set[str] = set()
LABELS = ("Objectives", "Prerequisites", "Teaching time", "Discussion prompts", "Common pitfalls",
          "Exercises to assign")
KNOWN_COMMANDS = ("python3 run.py ", ".venv/bin/jupyter nbconvert ")
PLANS = {"A 90-minute workshop": 90, "A 3-hour workshop": 180}
LESSONS = [lesson for lesson in available(ROOT) if lesson.stem not in NOT_YET]


def _section(heading: str) -> str:
    """The text under the first heading that contains ``heading``, up to the next heading of the
    same or a higher level."""
    match = re.search(rf"^(#+) [^\n]*{re.escape(heading)}[^\n]*\n", TEXT, re.M)
    assert match, f"INSTRUCTORS.md: no heading contains {heading!r}"
    level = len(match.group(1))
    rest = TEXT[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[:end.start()] if end else rest


def _bash_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", TEXT, flags=re.S):
        lines += [re.split(r"\s+#\s", ln)[0].strip() for ln in block.splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


def test_the_guide_is_in_the_site_and_in_the_docs_commands_test():
    from kit.tooling import site

    assert "INSTRUCTORS.md" in site.PAGES
    spec = importlib.util.spec_from_file_location("docs_commands", ROOT / "tests" / "test_docs_commands.py")
    docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(docs)
    assert "INSTRUCTORS.md" in docs.DOCS


def test_not_yet_names_lessons_of_the_catalogue_that_the_guide_lists_as_being_written():
    stems = {lesson.stem for lesson in ALL}
    assert NOT_YET <= stems
    if not NOT_YET:
        assert "### Lessons being written" not in TEXT, "no lesson is being written: drop the section"
        return
    being_written = _section("Lessons being written")
    for stem in NOT_YET:
        assert stem in being_written, f"'Lessons being written' should name {stem}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.stem)
def test_every_written_lesson_has_a_section_with_the_six_parts(lesson):
    section = _section(lesson.stem)
    missing = [label for label in LABELS if f"**{label}**" not in section]
    assert not missing, f"INSTRUCTORS.md, section {lesson.stem}: missing {missing}"
    assert f"({lesson.folder}/{lesson.stem}.ipynb)" in section, f"section {lesson.stem}: no link to the notebook"
    minutes = re.search(r"\*\*Teaching time\*\*: about (\d+) minutes", section)
    assert minutes and 15 <= int(minutes.group(1)) <= 120, f"section {lesson.stem}: teaching time in minutes"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.stem)
def test_the_exercises_a_section_assigns_exist_in_the_notebook(lesson):
    section = _section(lesson.stem)
    assign = section.split("**Exercises to assign**", 1)[1]
    numbers = [int(n) for n in re.findall(r"\*\*Exercise (\d+)\*\*", assign)]
    assert numbers, f"section {lesson.stem}: assigns no exercise by number"
    count = _exercise_count(nbformat.read(lesson.path(ROOT), as_version=4))
    assert all(1 <= n <= count for n in numbers), \
        f"section {lesson.stem} assigns exercises {numbers}; the notebook has {count}"


def test_every_checker_the_guide_names_is_registered():
    named = re.findall(r"kit\.exercises\.check\(\"(\w+)\", (\d+),", TEXT)
    assert named
    registered = {(e.lesson, e.number) for e in exercises.exercises()}
    for lesson, number in named:
        assert (lesson, int(number)) in registered, f"the guide names kit.exercises.check({lesson!r}, {number})"


@pytest.mark.parametrize("title", sorted(PLANS))
def test_each_workshop_plan_fills_its_time_with_written_lessons(title):
    plan = _section(title)
    rows = re.findall(r"^\| (\d+):(\d\d) \| (\d+) \| (.*) \|$", plan, re.M)
    assert rows, f"{title}: no table of blocks"
    elapsed = 0
    for hours, mins, length, _ in rows:
        assert int(hours) * 60 + int(mins) == elapsed, f"{title}: a block starts at {hours}:{mins}, expected {elapsed} min"
        elapsed += int(length)
    assert elapsed == PLANS[title]
    written = {f"{lesson.number:02d}" for lesson in available(ROOT) if not lesson.is_case_study}
    named = {n for *_, block in rows for n in re.findall(r"\*\*(\d\d) \(", block)}
    assert named and named <= written, f"{title} names lessons not written yet: {sorted(named - written)}"


def test_every_command_in_the_bash_blocks_is_a_known_command():
    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    run_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_py)
    lines = _bash_lines()
    assert lines
    for line in lines:
        assert line.startswith(KNOWN_COMMANDS), f"INSTRUCTORS.md shows {line!r}, not a kit command"
        if line.startswith("python3 run.py "):
            assert line.split()[2] in run_py.COMMANDS, f"{line!r}: run.py has no such command"
