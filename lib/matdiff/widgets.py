"""Interactive figures that still work on a static web page.

A widget that recomputes a plot in Python (``ipywidgets.interact``) needs a
running kernel; on the HTML book it is dead.  :func:`frame_slider` instead
draws every frame ahead of time and links a slider to them in the browser
(``jslink``), so moving the slider works in Jupyter, on Colab and on the built
page alike.  The figures make the point; the slider lets a reader explore it.

matplotlib and ipywidgets are needed only here and are imported on first use.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable, Sequence

__all__ = ["frame_slider"]


def _require(module, package):
    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(f"matdiff.widgets needs {package}: pip install {package}") from None


def _palette_png(buffer, colors):
    """Re-encode a PNG with an adaptive palette (Pillow ships with matplotlib)."""
    from PIL import Image

    buffer.seek(0)
    image = Image.open(buffer).convert("RGB").quantize(colors=colors,
                                                         method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def frame_slider(
    draw: Callable,
    values: Sequence,
    *,
    description: str = "",
    labels: Sequence[str] | None = None,
    fmt: str = "{:.3g}",
    play: bool = True,
    interval: int = 600,
    dpi: int = 80,
    colors: int | None = 256,
    start: int = 0,
):
    """A slider that flips through figures drawn in advance, one per value.

    Parameters
    ----------
    draw : callable
        ``draw(value)`` returns a :class:`matplotlib.figure.Figure` for one
        frame.  Each figure is rendered to PNG and closed.  Give every frame the
        same figure size, or the page will jump as the slider moves.
    values : sequence
        The parameter values, in slider order.
    description : str
        Label shown beside the slider.
    labels : sequence of str, optional
        Text shown for each value; by default ``fmt.format(value)``.
    fmt : str
        Format of the default labels.
    play : bool
        Add a play button that steps through the frames.
    interval : int
        Milliseconds between frames when playing.
    dpi : int
        Resolution of the rendered frames (the notebook stores every frame).
    colors : int or None
        Reduce each frame to a palette of this many colours (at most 256),
        which makes plots about four times smaller with no visible change;
        ``None`` keeps full colour.
    start : int
        Index of the frame shown first.

    Returns
    -------
    ipywidgets.VBox
        The controls above the frames.  Its ``frames`` attribute holds the
        number of frames.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> def draw(a):
    ...     fig, ax = plt.subplots(figsize=(3, 2))
    ...     ax.plot([0, 1], [0, a])
    ...     return fig
    >>> frame_slider(draw, [0.5, 1.0, 2.0], description="slope").frames
    3
    """
    widgets = _require("ipywidgets", "ipywidgets")
    plt = _require("matplotlib.pyplot", "matplotlib")

    values = list(values)
    if not values:
        raise ValueError("values is empty: a frame slider needs at least one value.")
    if labels is None:
        labels = [fmt.format(v) for v in values]
    labels = [str(lbl) for lbl in labels]
    if len(labels) != len(values):
        raise ValueError(f"labels has {len(labels)} entries but values has {len(values)}.")
    if len(set(labels)) != len(labels):
        raise ValueError("labels must be distinct (the slider shows them); "
                         "pass labels= or a finer fmt=.")
    if colors is not None and not (isinstance(colors, int) and 2 <= colors <= 256):
        raise ValueError(f"colors must be an integer from 2 to 256, or None; got {colors!r}.")
    if not 0 <= start < len(values):
        raise ValueError(f"start must be an index into values (0 to {len(values) - 1}).")

    frames = []
    for value in values:
        fig = draw(value)
        if not hasattr(fig, "savefig"):
            raise TypeError(f"draw({value!r}) must return a matplotlib Figure, "
                            f"got {type(fig).__name__}.")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        plt.close(fig)
        png = buffer.getvalue() if colors is None else _palette_png(buffer, colors)
        frames.append(widgets.Image(value=png, format="png",
                                    layout=widgets.Layout(max_width="100%", height="auto")))

    # ipywidgets 8 has Stack (one child visible); Tab is the closest in 7 (Colab).
    container = getattr(widgets, "Stack", widgets.Tab)(children=frames, selected_index=start)
    slider = widgets.SelectionSlider(
        options=list(zip(labels, range(len(values)))), index=start, description=description,
        continuous_update=True, readout=True,
        layout=widgets.Layout(width="28em"), style={"description_width": "initial"})
    # Linked in the browser, so the slider needs no kernel.
    widgets.jslink((slider, "index"), (container, "selected_index"))
    controls = [slider]
    if play and len(values) > 1:
        player = widgets.Play(value=start, min=0, max=len(values) - 1, step=1,
                              interval=interval, description="play")
        widgets.jslink((player, "value"), (slider, "index"))
        controls.insert(0, player)
    box = widgets.VBox([widgets.HBox(controls), container])
    box.frames = len(frames)
    return box
