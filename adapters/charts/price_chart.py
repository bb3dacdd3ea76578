"""A pair's price over time with what the user has in that market: open orders, grid
levels, take-profit and stop-loss as labelled lines, fills as markers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from matplotlib.axes import Axes
from matplotlib.dates import date2num

from adapters.charts import canvas
from adapters.charts.axes import label_prices, label_times, price
from adapters.indodax.wire import Candle, Side
from messages.charts import LineKind

# Up to this many bars each is still a few pixels wide; beyond it a close line reads better.
MOST_CANDLES = 120
_UNKNOWN_BAR = timedelta(hours=1)  # the width of a lone candle, whose timeframe is unknown
_LEFT, _RIGHT, _BOTTOM, _TOP = 0.15, 0.76, 0.14, 0.88
_TAG_GAP_PX = 24  # a line's tag closer than this to one already placed is left off
_PRICE_MARGIN = Decimal("0.06")
LINE_STYLES: dict[LineKind, tuple[str, str, float]] = {  # colour, line style, width
    "buy": (canvas.GAIN, "--", 1.6),
    "sell": (canvas.LOSS, "--", 1.6),
    "take_profit": ("#2563eb", "-", 2.0),
    "stop_loss": ("#ea580c", "-", 2.0),
    "trailing_stop": ("#9333ea", "-", 2.0),
    "trailing_take_profit": ("#0891b2", "-", 2.0),
    "grid": ("#9ca3af", ":", 1.0),
}


@dataclass(frozen=True)
class Line:
    """A price where the user has something: an open order, a grid level, an exit."""

    kind: LineKind
    price: Decimal


@dataclass(frozen=True)
class FillMark:
    """One of the user's trades: where and when it filled."""

    time: datetime  # aware
    price: Decimal
    side: Side


@dataclass(frozen=True)
class PriceChartData:
    pair_label: str  # as the chat writes it: "BTC/IDR"
    quote: str  # "idr" puts prices in rupiah; another quote's prices are plain numbers
    candles: tuple[Candle, ...]  # oldest first, as PublicClient.ohlc returns them
    language: str
    lines: tuple[Line, ...] = ()
    fills: tuple[FillMark, ...] = ()


def render_price_chart(data: PriceChartData) -> bytes:
    if not data.candles:
        return canvas.notice(data.pair_label, canvas.say("chart.price.empty", data.language))
    drawing = canvas.figure()
    axes = canvas.plot_area(drawing, _LEFT, _RIGHT, _BOTTOM, _TOP)
    label_prices(axes.yaxis, data.quote, data.language)
    label_times(axes.xaxis, data.language)
    bar = _bar_length(data.candles)
    if len(data.candles) <= MOST_CANDLES:
        _draw_candles(axes, data.candles, bar)
    else:
        closes = [float(c.close) for c in data.candles]
        axes.plot([date2num(c.time) for c in data.candles], closes, color=canvas.INK, lw=1.6)
    low, high = _price_range(data)
    axes.set_ylim(float(low), float(high))
    axes.set_xlim(*_time_range(data, bar))
    _draw_lines(axes, data, low, high)
    _draw_fills(axes, data)
    last = price(data.candles[-1].close, data.quote, data.language)
    heading = canvas.say("chart.price.title", data.language, pair=data.pair_label, last=last)
    canvas.title(axes, heading)
    axes.set_xlabel(canvas.say("chart.time_axis", data.language), fontsize=canvas.LABEL_PT)
    return canvas.png(drawing)


def _bar_length(candles: Sequence[Candle]) -> timedelta:
    gaps = [b.time - a.time for a, b in pairwise(candles) if b.time > a.time]
    return min(gaps, default=_UNKNOWN_BAR)


def _draw_candles(axes: Axes, candles: Sequence[Candle], bar: timedelta) -> None:
    times = [date2num(c.time) for c in candles]
    colours = [canvas.GAIN if c.close >= c.open else canvas.LOSS for c in candles]
    axes.vlines(
        times, [float(c.low) for c in candles], [float(c.high) for c in candles], colours, lw=1.2
    )
    axes.bar(
        times,
        [float(c.close - c.open) for c in candles],
        bottom=[float(c.open) for c in candles],
        width=bar / timedelta(days=1) * 0.7,
        color=colours,
        edgecolor=colours,  # an open equal to the close still shows, as a dash
        linewidth=1,
    )


def _price_range(data: PriceChartData) -> tuple[Decimal, Decimal]:
    """Every candle, line and fill in view, with a margin above and below."""
    prices = [
        *(c.low for c in data.candles),
        *(c.high for c in data.candles),
        *(line.price for line in data.lines),
        *(fill.price for fill in data.fills),
    ]
    low, high = min(prices), max(prices)
    margin = (high - low) * _PRICE_MARGIN or abs(high) * _PRICE_MARGIN or Decimal(1)
    return low - margin, high + margin


def _time_range(data: PriceChartData, bar: timedelta) -> tuple[float, float]:
    times = [c.time for c in data.candles] + [fill.time for fill in data.fills]
    return date2num(min(times) - bar), date2num(max(times) + bar)


def _draw_lines(axes: Axes, data: PriceChartData, low: Decimal, high: Decimal) -> None:
    """Every line is drawn; its tag on the right only where it does not cover another's,
    the user's own orders and exits placed before grid levels."""
    height_px = canvas.HEIGHT_PX * (_TOP - _BOTTOM)
    tagged: list[float] = []
    for line in sorted(data.lines, key=lambda line: line.kind == "grid"):
        colour, style, width = LINE_STYLES[line.kind]
        at = float(line.price)
        axes.axhline(at, color=colour, linestyle=style, linewidth=width, zorder=3)
        at_px = float((line.price - low) / (high - low)) * height_px
        if any(abs(at_px - other) < _TAG_GAP_PX for other in tagged):
            continue
        tagged.append(at_px)
        words = canvas.say(f"chart.line.{line.kind}", data.language)
        axes.text(
            1.01,
            at,
            f"{words} {price(line.price, data.quote, data.language)}",
            transform=axes.get_yaxis_transform(),
            va="center",
            fontsize=canvas.TAG_PT,
            color="white",
            bbox={"boxstyle": "round,pad=0.25", "facecolor": colour, "edgecolor": "none"},
            clip_on=False,
            parse_math=False,
        )


def _draw_fills(axes: Axes, data: PriceChartData) -> None:
    for side, marker, colour in (("buy", "^", canvas.GAIN), ("sell", "v", canvas.LOSS)):
        fills = [fill for fill in data.fills if fill.side == side]
        if fills:
            axes.scatter(
                [date2num(fill.time) for fill in fills],
                [float(fill.price) for fill in fills],
                marker=marker,
                s=160,
                color=colour,
                edgecolors="white",
                linewidths=1.2,
                zorder=5,
                label=canvas.say(f"chart.fill.{side}", data.language),
            )
    if data.fills:
        axes.legend(loc="upper left", fontsize=canvas.TAG_PT, frameon=False)
