"""Axis labels the Indonesian way (and the English one): rupiah, rupiah in short, coin
amounts, and times in WIB, each with as many decimals as its ticks need and no more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from matplotlib.dates import date2num

from adapters.charts import canvas
from adapters.charts.axes import (
    coin_ticks,
    compact_rupiah_ticks,
    label_times,
    price,
    rupiah_ticks,
    time_ticks,
)
from adapters.i18n.money import idr_compact

NBSP = "\u00a0"  # Babel's space between a number and its unit: `1,2 jt` never splits


def test_rupiah_ticks_have_dots_between_thousands_in_indonesian():
    assert rupiah_ticks([1234567.0], "id") == ["Rp 1.234.567"]
    assert rupiah_ticks([1234567.0], "en") == ["Rp 1,234,567"]


def test_rupiah_in_short_is_juta_and_miliar_in_indonesian():
    assert idr_compact("1234567", "id") == f"Rp 1,2{NBSP}jt"
    assert idr_compact("1500000000", "id") == f"Rp 1,5{NBSP}M"
    assert idr_compact("1234567", "en") == "Rp 1.2M"
    assert idr_compact("1500000000", "en") == "Rp 1.5B"


def test_coin_amounts_have_a_decimal_comma_in_indonesian():
    assert coin_ticks([0.00123], "id") == ["0,00123"]
    assert coin_ticks([0.00123], "en") == ["0.00123"]


def test_bitcoin_price_ticks_are_whole_rupiah():
    assert rupiah_ticks([1.5e9, 1.505e9, 1.51e9], "id") == [
        "Rp 1.500.000.000",
        "Rp 1.505.000.000",
        "Rp 1.510.000.000",
    ]


def test_price_ticks_of_a_coin_below_a_rupiah_keep_the_decimals_that_tell_them_apart():
    assert rupiah_ticks([0.3, 0.35, 0.4], "id") == ["Rp 0,30", "Rp 0,35", "Rp 0,40"]


def test_float_noise_in_a_tick_never_reaches_its_label():
    assert rupiah_ticks([0.1, 0.2, 0.1 + 0.2], "id") == ["Rp 0,1", "Rp 0,2", "Rp 0,3"]


def test_short_rupiah_ticks_keep_the_digits_that_tell_them_apart():
    assert compact_rupiah_ticks([1e6, 1.25e6, 1.5e6], "id") == [
        f"Rp 1{NBSP}jt",
        f"Rp 1,25{NBSP}jt",
        f"Rp 1,5{NBSP}jt",
    ]


def test_short_rupiah_ticks_below_zero_carry_their_sign():
    assert compact_rupiah_ticks([-500000.0, 0.0, 500000.0], "id") == [
        f"Rp -500{NBSP}rb",
        "Rp 0",
        f"Rp 500{NBSP}rb",
    ]


@pytest.mark.parametrize(
    ("value", "quote", "language", "shown"),
    [
        ("1550000000", "idr", "id", "Rp 1.550.000.000"),
        ("0.355", "idr", "id", "Rp 0,355"),
        ("65000.5", "usdt", "id", "65.000,5"),
        ("65000.5", "usdt", "en", "65,000.5"),
    ],
)
def test_a_price_on_a_tag_shows_every_digit_it_has(value, quote, language, shown):
    assert price(Decimal(value), quote, language) == shown


def test_hours_on_the_time_axis_are_wib_with_the_day_where_it_changes():
    # 16:00 and 18:00 UTC on 6 December are 23.00 on the 6th and 01.00 on the 7th in WIB.
    ticks = [date2num(datetime(2026, 12, 6, hour, tzinfo=UTC)) for hour in (16, 17, 18)]
    assert time_ticks(ticks, "id") == ["6 Des\n23.00", "7 Des\n00.00", "01.00"]
    assert time_ticks(ticks, "en") == ["Dec 6\n23:00", "Dec 7\n00:00", "01:00"]


def test_days_are_labelled_day_and_month_in_each_language():
    ticks = [date2num(datetime(2026, 12, day, 17, tzinfo=UTC)) for day in (1, 8)]
    assert time_ticks(ticks, "id") == ["2 Des", "9 Des"]
    assert time_ticks(ticks, "en") == ["Dec 2", "Dec 9"]


def test_months_apart_are_labelled_month_and_year():
    ticks = [date2num(datetime(2026, month, 1, tzinfo=UTC)) for month in (3, 5)]
    assert time_ticks(ticks, "id") == ["Mar 2026", "Mei 2026"]


def test_day_ticks_stay_evenly_apart_across_the_turn_of_a_month():
    axes = canvas.plot_area(canvas.figure(), 0.1, 0.9)
    label_times(axes.xaxis, "id")
    start = datetime(2026, 11, 6, tzinfo=UTC)
    axes.set_xlim(date2num(start), date2num(start + timedelta(days=30)))
    ticks = list(axes.xaxis.get_majorticklocs())
    gaps = [b - a for a, b in pairwise(ticks)]
    assert len(ticks) >= 4
    assert min(gaps) >= 0.75 * sorted(gaps)[len(gaps) // 2]
