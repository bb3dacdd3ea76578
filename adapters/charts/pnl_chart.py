"""Realised profit and loss over time: the running total in rupiah, WIB day by day,
green where it stands above zero and red below."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from matplotlib.dates import date2num

from adapters.charts import canvas
from adapters.charts.axes import WIB, label_amounts, label_times

_LEFT, _RIGHT = 0.12, 0.96
_MOST_POINTS = 60  # each day's dot is drawn up to this many days; beyond, only the line
_HALF_A_DAY = 0.5  # matplotlib's date numbers count days
_LEAST_DAYS = 7  # a shorter run is centred in a week, so that the axis still counts days


@dataclass(frozen=True)
class PnlDay:
    day: date  # a WIB day, as the ledger counts them
    realised_idr: Decimal  # what closed that day, fees and tax counted


@dataclass(frozen=True)
class PnlChartData:
    days: tuple[PnlDay, ...]
    language: str


def running_total(days: tuple[PnlDay, ...]) -> list[tuple[date, Decimal]]:
    """Each day with everything realised up to its end, in day order, after the day before
    the first at zero: the chart starts from nothing, so even one day draws a line."""
    if not days:
        return []
    ordered = sorted(days, key=lambda d: d.day)
    totals = accumulate((d.realised_idr for d in ordered), initial=Decimal(0))
    start = ordered[0].day - timedelta(days=1)
    return list(zip([start, *(d.day for d in ordered)], totals, strict=True))


def render_pnl_chart(data: PnlChartData) -> bytes:
    language = data.language
    totals = running_total(data.days)
    if not totals:
        heading = canvas.say("chart.pnl.title", language, total="0")
        return canvas.notice(heading, canvas.say("chart.pnl.empty", language))
    drawing = canvas.figure()
    axes = canvas.plot_area(drawing, _LEFT, _RIGHT)
    label_amounts(axes.yaxis, language)
    label_times(axes.xaxis, language)
    days = [date2num(datetime.combine(day, time(), WIB)) for day, _ in totals]
    values = [float(total) for _, total in totals]
    above = [value >= 0 for value in values]
    axes.fill_between(days, values, 0, where=above, interpolate=True, color=canvas.GAIN, alpha=0.25)
    below = [value <= 0 for value in values]
    axes.fill_between(days, values, 0, where=below, interpolate=True, color=canvas.LOSS, alpha=0.25)
    axes.plot(days, values, color=canvas.INK, linewidth=1.8)
    if len(days) <= _MOST_POINTS:
        colours = [_colour(value) for value in values]
        axes.scatter(days, values, color=colours, s=40, zorder=3)
    axes.axhline(0, color=canvas.MUTED, linewidth=1)
    widen = max(0.0, _LEAST_DAYS - (days[-1] - days[0])) / 2
    axes.set_xlim(days[0] - _HALF_A_DAY - widen, days[-1] + _HALF_A_DAY + widen)
    if not any(values):
        axes.set_ylim(-1, 1)  # nothing gained or lost yet: the zero line, mid-height
    canvas.title(axes, canvas.say("chart.pnl.title", language, total=str(totals[-1][1])))
    axes.set_xlabel(canvas.say("chart.time_axis", language), fontsize=canvas.LABEL_PT)
    return canvas.png(drawing)


def _colour(value: float) -> str:
    return canvas.GAIN if value > 0 else canvas.LOSS if value < 0 else canvas.MUTED
