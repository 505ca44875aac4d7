"""frame_slider: frames drawn in advance, linked to the slider in the browser."""

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
from ipywidgets.embed import embed_data
from matdiff.widgets import frame_slider


def draw(a):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, a])
    return fig


def test_one_png_frame_per_value_and_figures_are_closed():
    before = set(plt.get_fignums())
    box = frame_slider(draw, [0.5, 1.0, 2.0], description="slope")
    assert set(plt.get_fignums()) == before
    controls, stack = box.children
    assert box.frames == 3 and len(stack.children) == 3
    assert all(isinstance(c, widgets.Image) and bytes(c.value).startswith(b"\x89PNG")
               for c in stack.children)
    player, slider = controls.children
    assert isinstance(player, widgets.Play) and player.max == 2
    assert [label for label, _ in slider.options] == ["0.5", "1", "2"]


def test_controls_are_linked_in_the_browser_so_a_static_page_works():
    box = frame_slider(draw, [1, 2], play=True, start=1)
    _, stack = box.children
    assert stack.selected_index == 1
    # The embedded state must contain the browser-side links, not Python callbacks.
    # (The kernel's saved state holds every live widget; keep the links of this box.)
    state = embed_data(views=[box])["manager_state"]["state"]
    ours = {f"IPY_MODEL_{w.model_id}" for w in (*box.children[0].children, stack)}
    links = [m for m in state.values() if m["model_name"] == "LinkModel"
             and {m["state"]["source"][0], m["state"]["target"][0]} <= ours]
    assert len(links) == 2
    names = {m["model_name"] for m in state.values()}
    assert {"StackModel", "SelectionSliderModel", "PlayModel", "ImageModel"} <= names


def test_frames_are_palette_pngs_unless_full_colour_is_asked_for():
    from io import BytesIO

    from PIL import Image

    small = frame_slider(draw, [1.0], play=False).children[1].children[0].value
    full = frame_slider(draw, [1.0], play=False, colors=None).children[1].children[0].value
    assert Image.open(BytesIO(bytes(small))).mode == "P"
    assert Image.open(BytesIO(bytes(full))).mode == "RGBA"
    assert len(small) < len(full)


def test_custom_labels_and_no_player():
    box = frame_slider(draw, [1, 2, 3], labels=["a", "b", "c"], play=False)
    (slider,) = box.children[0].children
    assert isinstance(slider, widgets.SelectionSlider)
    assert [label for label, _ in slider.options] == ["a", "b", "c"]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="values is empty"):
        frame_slider(draw, [])
    with pytest.raises(ValueError, match="labels must be distinct"):
        frame_slider(draw, [1.0, 1.0001], fmt="{:.2f}")
    with pytest.raises(ValueError, match="labels has 1 entries but values has 2"):
        frame_slider(draw, [1, 2], labels=["x"])
    with pytest.raises(ValueError, match="start must be an index"):
        frame_slider(draw, [1, 2], start=5)
    with pytest.raises(ValueError, match="colors must be an integer"):
        frame_slider(draw, [1], colors=1000)
    with pytest.raises(TypeError, match="must return a matplotlib Figure"):
        frame_slider(lambda a: None, [1])
