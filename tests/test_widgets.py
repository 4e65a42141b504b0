"""kit.viz.widgets: every combination precomputed; moving a control swaps to its answer."""

import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from kit.viz.widgets import explorer  # noqa: E402


def test_every_combination_is_rendered_once():
    calls = []

    def render(eps, correct):
        calls.append((eps, correct))
        return f"{eps}-{correct}"

    ex = explorer(render, {"eps": [0.1, 0.2, 0.3], "correct": [True, False]}, value={"correct": False})
    assert sorted(calls) == sorted((e, c) for e in (0.1, 0.2, 0.3) for c in (True, False))
    assert ex.value == (0.1, False) and ex.outputs[(0.3, True)] == "0.3-True"


def test_widget_swaps_the_answer_when_a_control_moves():
    ex = explorer(lambda n, kind: f"{kind}:{n}", {"n": [1, 2], "kind": ["a", "b"]})
    box = ex.widget()
    (slider, dropdown), label = box.children[0].children, box.children[1]
    assert label.value == "a:1"
    slider.value = 2
    dropdown.value = "b"
    assert label.value == "b:2"


def test_figures_become_pictures():
    def render(k):
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, k])
        return fig

    ex = explorer(render, {"k": [1, 2]})
    assert all(v.startswith(b"\x89PNG") for v in ex.outputs.values())
    assert type(ex.widget().children[1]).__name__ == "Image"


@pytest.mark.parametrize("kwargs, match", [
    (dict(controls={}), "controls"),
    (dict(controls={"k": []}), "controls"),
    (dict(controls={"k": [1]}, value={"j": 1}), "value"),
    (dict(controls={"k": [1]}, value={"k": 5}), "value"),
])
def test_bad_input_names_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        explorer(lambda **kw: "x", **kwargs)


def test_render_must_return_text_or_a_figure():
    with pytest.raises(TypeError, match="render"):
        explorer(lambda k: 3, {"k": [1]})


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _picture(eps):
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, eps])
    return fig


def test_display_keeps_the_widget_and_adds_the_opening_picture():
    ex = explorer(_picture, {"eps": [0.05, 0.15, 0.3]}, value={"eps": 0.15})
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {WIDGET_VIEW, "image/png", "text/plain"}
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG") and png == ex.outputs[(0.15,)] != ex.outputs[(0.05,)]
    assert bundle["text/plain"] == "Explorer: eps = 0.15 (interactive slider; run the notebook to change it)"


def test_display_of_text_shows_the_opening_text():
    ex = explorer(lambda eps, method: f"{method}: {eps}", {"eps": [0.1, 0.2], "method": ["fgsm", "pgd"]},
                  value={"method": "pgd"})
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {WIDGET_VIEW, "text/plain"}
    assert bundle["text/plain"].splitlines() == [
        "Explorer: eps = 0.1, method = pgd (interactive slider and dropdown; run the notebook to change them)",
        "pgd: 0.1"]


def test_html_export_without_widget_state_shows_the_picture():
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    ex = explorer(_picture, {"eps": [0.1, 0.2]}, value={"eps": 0.2})
    cell = nbformat.v4.new_code_cell("ex", outputs=[nbformat.v4.new_output(
        "display_data", data=ex._repr_mimebundle_())])
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nbformat.v4.new_notebook(cells=[cell]))
    assert f'src="data:image/png;base64,{base64.b64encode(ex.outputs[(0.2,)]).decode()}"' in html
    assert "VBox(" not in html
