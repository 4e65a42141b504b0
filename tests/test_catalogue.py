import pytest

from kit.tooling import catalogue, readme


def test_find_by_number_stem_and_slug():
    assert catalogue.find(3).stem == "03_data-augmentation"
    assert catalogue.find("03").stem == catalogue.find("data-augmentation").stem
    assert catalogue.find("notebooks/00_welcome.ipynb").number == 0


@pytest.mark.parametrize("bad", ["security", "nope", 99, 2.5])
def test_find_rejects_ambiguous_or_unknown(bad):
    with pytest.raises((KeyError, TypeError), match="name"):
        catalogue.find(bad)


def test_numbers_and_stems_are_unique():
    stems = [lesson.stem for lesson in catalogue.LESSONS]
    assert len(set(stems)) == len(stems)
    # one lesson per survey step, numbered in the survey's order; case studies numbered apart
    numbers = [lesson.number for lesson in catalogue.LESSONS]
    assert numbers == sorted(set(numbers)) and numbers[0] == 0
    assert all(lesson.folder == "notebooks" for lesson in catalogue.LESSONS)
    assert all(lesson.is_case_study for lesson in catalogue.CASE_STUDIES)
    assert len({lesson.stem for lesson in catalogue.ALL}) == len(catalogue.ALL)
    assert all(lesson.stage in catalogue.STAGES for lesson in catalogue.ALL)


def test_case_studies_are_first_class():
    cs = catalogue.find("cs01")
    assert cs.stem.startswith("cs01_") and cs.path(catalogue.repo_root()).parent.name == "casestudies"
    assert catalogue.find(cs.stem) is cs
    # a number alone means a lesson, never a case study
    assert catalogue.find(1).folder == "notebooks"
    if not cs.available(catalogue.repo_root()):
        from kit.tooling import runner

        with pytest.raises(FileNotFoundError, match="cs01"):
            runner.run_notebooks(["cs01"])


def test_catalogued_modules_exist():
    import importlib

    for lesson in catalogue.ALL:
        for module in lesson.modules:
            importlib.import_module(f"kit.{module}")


def test_every_notebook_file_is_catalogued():
    root = catalogue.repo_root()
    stems = {lesson.stem for lesson in catalogue.ALL}
    for folder in ("notebooks", "casestudies"):
        for path in (root / folder).glob("*.ipynb"):
            assert path.stem in stems, f"{folder}/{path.name} is not in kit/tooling/catalogue.py"


def test_readmes_are_generated_from_the_catalogue():
    root = catalogue.repo_root()
    for path, text in readme.render_all(root).items():
        assert path.read_text() == text, f"{path.name} is stale: run python -m kit catalogue --write"


def test_map_marks_missing_notebooks_as_planned():
    table = catalogue.map_table()
    assert "01_collection-joins *(planned)*" in table or (catalogue.repo_root() / "notebooks" / "01_collection-joins.ipynb").exists()
