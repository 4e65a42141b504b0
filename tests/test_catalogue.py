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
    assert [lesson.number for lesson in catalogue.LESSONS] == list(range(25))
    assert all(lesson.stage in catalogue.STAGES for lesson in catalogue.LESSONS)


def test_every_notebook_file_is_catalogued():
    root = catalogue.repo_root()
    stems = {lesson.stem for lesson in catalogue.LESSONS}
    for path in (root / "notebooks").glob("*.ipynb"):
        assert path.stem in stems


def test_readmes_are_generated_from_the_catalogue():
    root = catalogue.repo_root()
    for path, text in readme.render_all(root).items():
        assert path.read_text() == text, f"{path.name} is stale: run python -m kit catalogue --write"


def test_map_marks_missing_notebooks_as_planned():
    table = catalogue.map_table()
    assert "01_collection-joins *(planned)*" in table or (catalogue.repo_root() / "notebooks" / "01_collection-joins.ipynb").exists()
