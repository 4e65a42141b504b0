"""kit.tooling.contract.handout: student copies with answer cells, a README, and refusals that
keep the lessons safe."""

import nbformat
import pytest

from kit.tooling import catalogue, contract
from kit.tooling.cli import main

ROOT = catalogue.repo_root()
WELCOME = ROOT / "notebooks" / "00_welcome.ipynb"


def _tags(cell):
    return cell.metadata.get("tags", [])


def test_student_copy_puts_an_answer_cell_where_each_solution_was(tmp_path):
    original = nbformat.read(WELCOME, as_version=4)
    copy_path, _ = contract.handout([WELCOME], tmp_path)
    copy = nbformat.read(copy_path, as_version=4)
    assert len(copy.cells) == len(original.cells)
    answers = []
    for before, after in zip(original.cells, copy.cells):
        if "solution" in _tags(before):
            assert _tags(after) == ["answer"]
            answers.append((after.cell_type, after.source))
        else:
            assert (after.cell_type, after.source) == (before.cell_type, before.source)
    assert answers == [("markdown", "*Your answer to exercise 1:*"),  # asks why
                       ("code", "# your answer to exercise 2"),  # asks for code
                       ("code", "# your answer to exercise 3"),
                       ("markdown", "*Your answer to exercise 4:*")]  # the checkable one (kit.exercises)
    assert not any("solution" in _tags(c) or "<details" in c.source for c in copy.cells)
    assert all(not c.outputs and c.execution_count is None for c in copy.cells if c.cell_type == "code")
    assert any(c.outputs for c in original.cells if c.cell_type == "code")


def test_one_solution_for_all_exercises_gets_one_unnumbered_answer_cell():
    original = nbformat.read(ROOT / "notebooks" / "23_security-model-stealing.ipynb", as_version=4)
    copy = contract.student_copy(original)
    assert sum("solution" in _tags(c) for c in original.cells) == 1
    answers = [(c.cell_type, c.source) for c in copy.cells if "answer" in _tags(c)]
    assert answers == [("markdown", "*Your answer:*")]


def test_handout_writes_a_readme_listing_the_lessons(tmp_path):
    evasion = ROOT / "notebooks" / "21_security-evasion.ipynb"
    written = contract.handout([WELCOME, evasion], tmp_path / "student")
    assert [p.name for p in written] == ["00_welcome.ipynb", "21_security-evasion.ipynb", "README.md"]
    text = written[-1].read_text()
    assert text.splitlines()[0] == contract.README_MARK
    assert "python3 run.py lab" in text and "`notebooks/`" in text
    assert "- `00_welcome.ipynb`: 00 · Welcome: how the kit works" in text
    assert "- `21_security-evasion.ipynb`: 21 · Security: evasion attacks" in text
    # its own README is rewritten, listing the notebooks the folder holds now
    (tmp_path / "student" / "00_welcome.ipynb").unlink()
    augmentation = ROOT / "notebooks" / "03_data-augmentation.ipynb"
    text = contract.handout([augmentation], tmp_path / "student")[-1].read_text()
    assert "00_welcome" not in text
    assert "`03_data-augmentation.ipynb`" in text and "`21_security-evasion.ipynb`" in text


def _refused(out, match):
    with pytest.raises(ValueError, match=match):
        contract.handout([WELCOME], out)


def test_handout_refuses_a_file(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    _refused(tmp_path / "notes.txt", r"^out: .*notes\.txt is a file; expected a folder$")
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("folder", ["notebooks", "casestudies"])
def test_handout_refuses_the_lesson_folders(folder):
    before = WELCOME.read_bytes()
    _refused(ROOT / folder, r"^out: .* is the lesson folder")
    assert WELCOME.read_bytes() == before


def test_handout_refuses_a_link_to_the_lessons_and_a_folder_inside_them(tmp_path):
    (tmp_path / "link").symlink_to(ROOT / "notebooks", target_is_directory=True)
    _refused(tmp_path / "link", r"^out: .*link is the lesson folder")
    _refused(ROOT / "notebooks" / "student", r"^out: .* lies inside the lesson folder")
    assert not (ROOT / "notebooks" / "student").exists()


def test_handout_keeps_a_readme_it_did_not_write(tmp_path):
    (tmp_path / "README.md").write_text("# My course\n")
    _refused(tmp_path, r"^out: .*README\.md exists and was not written by handout")
    assert (tmp_path / "README.md").read_text() == "# My course\n"
    assert not (tmp_path / "00_welcome.ipynb").exists()


@pytest.mark.parametrize("argv, message", [
    (["handout", "00", "--out", "notebooks"], "out: notebooks is the lesson folder"),
    (["handout", "00", "--out", "README.md"], "out: README.md is a file; expected a folder"),
    (["handout", "99"], "name: no notebook match '99'"),
])
def test_cli_refuses_in_one_line(argv, message, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"python -m kit handout: error: {message}")
    assert captured.err.count("\n") == 1


def test_handout_replaces_untouched_copies_and_keeps_a_students_answers_unless_forced(tmp_path):
    out = tmp_path / "student"
    (copy_path, _) = contract.handout([WELCOME], out)
    contract.handout([WELCOME], out)                     # untouched since written: replaced quietly
    nb = nbformat.read(copy_path, as_version=4)
    answer = next(c for c in nb.cells if "answer" in _tags(c))
    answer.source = "my answer"                          # a student writes an answer
    nbformat.write(nb, copy_path)
    _refused(out, r"^out: .*00_welcome\.ipynb has changed since handout wrote it")
    assert "my answer" in copy_path.read_text()
    contract.handout([WELCOME], out, force=True)
    assert "my answer" not in copy_path.read_text()
