"""The one size every chart is drawn at, its look, and how a figure becomes PNG bytes.

1280 by 720 px (16:9) is sharp on a phone and small to send, well within Telegram's photo
limits (at most 10 MB, width + height at most 10,000, a side ratio at most 20; as
python-telegram-bot 22 documents `Bot.send_photo`). A photo is first seen shrunk to a
chat bubble, so the text is large.
"""

from __future__ import annotations

from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from adapters.i18n.catalog import render

WIDTH_PX = 1280
HEIGHT_PX = 720
DPI = 100

TITLE_PT = 22
LABEL_PT = 15
TICK_PT = 14
TAG_PT = 13

INK = "#111827"
MUTED = "#6b7280"
GRID = "#e5e7eb"
GAIN = "#16a34a"
LOSS = "#dc2626"


def say(key: str, language: str, **params: str) -> str:
    """A chart's words from the chat's catalogs, as plain text (an image is not HTML)."""
    return render(key, params, language, as_html=False)


def figure() -> Figure:
    """A blank figure of the fixed size on its own Agg canvas."""
    drawing = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(drawing)
    return drawing


def plot_area(
    drawing: Figure, left: float, right: float, bottom: float = 0.12, top: float = 0.88
) -> Axes:
    """Axes at fixed margins (a fraction of the image each): a layout engine would measure
    every label on each render, and the same chart kind should look the same every time."""
    axes = drawing.add_axes((left, bottom, right - left, top - bottom))
    axes.spines[["top", "right"]].set_visible(False)
    axes.spines[["left", "bottom"]].set_color(MUTED)
    axes.tick_params(labelsize=TICK_PT, colors=INK)
    axes.grid(color=GRID, linewidth=1)
    axes.set_axisbelow(True)
    return axes


def title(axes: Axes, text: str) -> None:
    axes.set_title(text, loc="left", fontsize=TITLE_PT, color=INK, pad=18, parse_math=False)


def png(drawing: Figure) -> bytes:
    buffer = BytesIO()
    drawing.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def notice(heading: str, text: str) -> bytes:
    """The image sent when there is nothing to draw: saying so beats an empty frame or an
    error, and the chat needs no second path for "nothing yet"."""
    drawing = figure()
    drawing.text(0.05, 0.88, heading, fontsize=TITLE_PT, color=INK, parse_math=False)
    drawing.text(
        0.5, 0.5, text, fontsize=TITLE_PT, color=MUTED, ha="center", va="center", parse_math=False
    )
    return png(drawing)
