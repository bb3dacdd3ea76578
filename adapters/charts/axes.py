"""Axis labels as the reader writes numbers and time: rupiah `Rp 1.234.567` or
`Rp 1,2 jt`, coins `0,00123`, hours and days in WIB, in Indonesian or English.

The numbers come from adapters.i18n.money (Babel's locale data), as in every chat text.
matplotlib hands a formatter all of an axis's ticks at once, so an axis shows as many
decimals as its ticks need to be exact and no more: `Rp 0,35` beside `Rp 0,40` for a coin
worth less than a rupiah, `Rp 1,25 jt` beside `Rp 1,5 jt`, whole rupiah for bitcoin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from itertools import pairwise

from babel.dates import format_skeleton
from matplotlib.axis import Axis
from matplotlib.dates import AutoDateLocator, num2date
from matplotlib.ticker import Formatter, MaxNLocator

from adapters.i18n import money

# Indonesian western time, the time Indonesian users live by; it keeps no daylight saving.
WIB = timezone(timedelta(hours=7), "WIB")

_MOST_PLACES = 8
_MOST_COMPACT_DIGITS = 3
_KEPT_DIGITS = 12  # of the largest tick at most: a float's noise lies past the 15th
_MONTH_DAYS = 28
_THOUSAND_UNITS = 4  # rb, jt, M, T: Babel's largest short unit is a trillion

Labeller = Callable[[Sequence[float], str], list[str]]


def exact_ticks(values: Sequence[float]) -> list[Decimal]:
    """The ticks as the round numbers the locator meant, without float's noise
    (0.30000000000000004): kept to one digit below the first digit of their spacing."""
    numbers = [Decimal(repr(float(value))) for value in values]
    spacing = [abs(b - a) for a, b in pairwise(numbers) if b != a]
    largest = max((abs(n) for n in numbers if n), default=Decimal(0))
    if not largest:
        return [Decimal(0) for _ in numbers]
    floor = largest.adjusted() - _KEPT_DIGITS + 1
    exponent = max(min(spacing).adjusted() - 1, floor) if spacing else floor
    unit = Decimal(1).scaleb(exponent)
    return [n.quantize(unit).normalize() for n in numbers]


def _decimals(value: Decimal) -> int:
    return max(0, -int(value.normalize().as_tuple().exponent))


def _in_its_unit(value: Decimal) -> Decimal:
    """1.250.000 as 1,25 (jt): the value in the thousands unit a compact label uses."""
    if abs(value) < 1000:  # no unit below a thousand
        return value
    thousands = min(_THOUSAND_UNITS, value.copy_abs().adjusted() // 3)
    return value.scaleb(-3 * thousands)


def rupiah_ticks(values: Sequence[float], language: str) -> list[str]:
    """`Rp 1.550.000.000`: prices in full, with decimals only for a coin below a rupiah."""
    ticks = exact_ticks(values)
    places = min(_MOST_PLACES, max((_decimals(t) for t in ticks), default=0))
    return [money.idr(str(t), language, places) for t in ticks]


def compact_rupiah_ticks(values: Sequence[float], language: str) -> list[str]:
    """`Rp 1,5 jt`, `Rp 2 M`: amounts where the size matters more than the last rupiah."""
    ticks = exact_ticks(values)
    digits = max((_decimals(_in_its_unit(t)) for t in ticks), default=0)
    return [money.idr_compact(str(t), language, min(_MOST_COMPACT_DIGITS, digits)) for t in ticks]


def coin_ticks(values: Sequence[float], language: str) -> list[str]:
    """`0,00123`: amounts and prices not in rupiah (a USDT pair's price)."""
    return [money.number(str(t), language) for t in exact_ticks(values)]


def price(value: Decimal, quote: str, language: str) -> str:
    """One price to the last digit it has: `Rp 1.550.000.000`, `Rp 0,355`, `65.000,5`."""
    if quote != "idr":
        return money.number(str(value), language)
    return money.idr(str(value), language, min(_MOST_PLACES, _decimals(value)))


def time_ticks(values: Sequence[float], language: str) -> list[str]:
    """Matplotlib's date numbers as WIB: `6 Des` a day apart or more, `Des 2026` a month
    apart, otherwise `23.00` with the day above it where the day changes."""
    moments = [num2date(value, tz=WIB) for value in values]
    locale = money.BABEL_LOCALES[language]
    gaps = [b - a for a, b in pairwise(moments) if b > a]
    step = min(gaps, default=timedelta(0))

    def written(skeleton: str, moment: datetime) -> str:
        return format_skeleton(skeleton, moment, tzinfo=WIB, locale=locale)

    if step >= timedelta(days=_MONTH_DAYS):
        return [written("yMMM", moment) for moment in moments]
    if step >= timedelta(days=1):
        return [written("MMMd", moment) for moment in moments]
    labels, day_shown = [], None
    for moment in moments:
        hour = written("Hm", moment)
        day = written("MMMd", moment)
        labels.append(hour if moment.date() == day_shown else f"{day}\n{hour}")
        day_shown = moment.date()
    return labels


class _EvenDates(AutoDateLocator):
    """AutoDateLocator, with its ticks kept evenly apart. Its day ticks start again on each
    month's first (…, 25, 29 Nov, 1, 5 Des), whose labels then collide: a tick closer to
    the one before it than three quarters of the usual spacing is left out."""

    def __call__(self) -> Sequence[float]:
        return _evenly_apart(super().__call__())

    def tick_values(self, vmin: datetime, vmax: datetime) -> Sequence[float]:
        return _evenly_apart(super().tick_values(vmin, vmax))


def _evenly_apart(ticks: Sequence[float]) -> Sequence[float]:
    gaps = sorted(b - a for a, b in pairwise(ticks))
    if len(gaps) < 2:
        return ticks
    usual = gaps[len(gaps) // 2]
    kept = [ticks[0]]
    for tick in ticks[1:]:
        if tick - kept[-1] >= usual * 0.75:
            kept.append(tick)
    return kept


class TickLabels(Formatter):
    """A matplotlib formatter over a labeller that sees all of an axis's ticks at once."""

    def __init__(self, labeller: Labeller, language: str) -> None:
        self._labeller, self._language = labeller, language

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        return self._labeller(list(values), self._language)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self._labeller([x], self._language)[0]


def label_prices(axis: Axis, quote: str, language: str) -> None:
    """A pair's prices: in rupiah for an IDR pair, as plain numbers in any other quote."""
    labeller = rupiah_ticks if quote == "idr" else coin_ticks
    axis.set_major_formatter(TickLabels(labeller, language))


def label_amounts(axis: Axis, language: str) -> None:
    """Rupiah amounts in short (`Rp 1,5 jt`), ticked on whole rupiah only: a total of a few
    rupiah is not drawn in fractions of one."""
    axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(TickLabels(compact_rupiah_ticks, language))


def label_times(axis: Axis, language: str) -> None:
    """Ticks on whole WIB hours and days, labelled in WIB."""
    axis.set_major_locator(_EvenDates(tz=WIB, minticks=4, maxticks=9))
    axis.set_major_formatter(TickLabels(time_ticks, language))
