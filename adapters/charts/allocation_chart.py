"""Where a portfolio's rupiah are: one bar per asset by its value in IDR, largest first.

Bars rather than a pie: thirty slices cannot be told apart or labelled, while bars keep
each asset's name and value readable. Past a dozen the smallest are one "others" bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from adapters.charts import canvas
from adapters.charts.axes import label_amounts
from adapters.i18n import money

MOST_BARS = 12
_LEAST_ROWS = 5  # the height of this many bars at least: one asset is not a wall of colour
_LEFT, _RIGHT = 0.12, 0.96
_ROOM_FOR_LABELS = 1.3  # the value axis runs this far past the largest bar
_PALETTE = (
    "#2563eb",
    "#16a34a",
    "#ea580c",
    "#9333ea",
    "#0891b2",
    "#ca8a04",
    "#db2777",
    "#4f46e5",
    "#65a30d",
    "#0d9488",
    "#b91c1c",
)
_OTHERS_COLOUR = "#9ca3af"


@dataclass(frozen=True)
class Holding:
    asset: str  # as the exchange names it: "btc", "idr"
    value_idr: Decimal


@dataclass(frozen=True)
class AllocationChartData:
    holdings: tuple[Holding, ...]
    language: str


@dataclass(frozen=True)
class Bar:
    label: str
    value_idr: Decimal
    others: bool = False


def bars(holdings: tuple[Holding, ...], language: str) -> list[Bar]:
    """Assets worth something, largest first (then by name); beyond MOST_BARS the
    smallest are summed into one bar, so the chart stays readable at any size."""
    held = sorted((h for h in holdings if h.value_idr > 0), key=lambda h: (-h.value_idr, h.asset))
    shown = [Bar(h.asset.upper(), h.value_idr) for h in held]
    if len(shown) <= MOST_BARS:
        return shown
    tail = shown[MOST_BARS - 1 :]
    others = canvas.say("chart.allocation.others", language, count=str(len(tail)))
    rest = sum((bar.value_idr for bar in tail), Decimal(0))
    return [*shown[: MOST_BARS - 1], Bar(others, rest, others=True)]


def render_allocation_chart(data: AllocationChartData) -> bytes:
    language = data.language
    shown = bars(data.holdings, language)
    total = sum((bar.value_idr for bar in shown), Decimal(0))
    heading = canvas.say("chart.allocation.title", language, total=str(total))
    if not shown:
        return canvas.notice(heading, canvas.say("chart.allocation.empty", language))
    drawing = canvas.figure()
    axes = canvas.plot_area(drawing, _LEFT, _RIGHT)
    label_amounts(axes.xaxis, language)
    rows = list(reversed(shown))  # the largest on top
    places = range(len(rows))
    colours = [
        _OTHERS_COLOUR if bar.others else _PALETTE[(len(rows) - 1 - n) % len(_PALETTE)]
        for n, bar in enumerate(rows)
    ]
    axes.barh(places, [float(bar.value_idr) for bar in rows], color=colours, height=0.7)
    axes.set_yticks(list(places), [bar.label for bar in rows])
    axes.grid(axis="y", visible=False)
    room = max(len(rows), _LEAST_ROWS)
    axes.set_ylim(len(rows) - 0.5 - room, len(rows) - 0.5)
    axes.set_xlim(0, float(max(bar.value_idr for bar in shown)) * _ROOM_FOR_LABELS)
    for place, bar in zip(places, rows, strict=True):
        share = money.number(str((bar.value_idr / total * 100).quantize(Decimal("0.1"))), language)
        axes.text(
            float(bar.value_idr),
            place,
            f"  {money.idr_compact(str(bar.value_idr), language)} · {share}%",
            va="center",
            fontsize=canvas.TAG_PT,
            color=canvas.INK,
            parse_math=False,
        )
    canvas.title(axes, heading)
    return canvas.png(drawing)
