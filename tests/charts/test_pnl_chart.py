"""Realised profit and loss over time: the running total by WIB day, green above zero and
red below; a clear image when nothing has been realised."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from chart_images import SIZE, colours, png_size, rgb

from adapters.charts import canvas
from adapters.charts.pnl_chart import PnlChartData, PnlDay, render_pnl_chart, running_total

FIRST = date(2026, 9, 1)


def days(*amounts: int) -> tuple[PnlDay, ...]:
    return tuple(PnlDay(FIRST + timedelta(days=n), Decimal(a)) for n, a in enumerate(amounts))


def test_nothing_realised_is_an_image_of_the_fixed_size_saying_so():
    png = render_pnl_chart(PnlChartData((), "id"))
    assert png_size(png) == SIZE
    assert colours(png)[rgb(canvas.GRID)] == 0  # words on white: no axes, no grid


def test_the_running_total_starts_from_zero_the_day_before_and_adds_each_day_in_order():
    shuffled = (PnlDay(date(2026, 9, 3), Decimal(-50)), PnlDay(date(2026, 9, 2), Decimal(100)))
    assert running_total(shuffled) == [
        (date(2026, 9, 1), Decimal(0)),
        (date(2026, 9, 2), Decimal(100)),
        (date(2026, 9, 3), Decimal(50)),
    ]


def test_one_day_of_loss_is_drawn_red_and_not_green():
    painted = colours(render_pnl_chart(PnlChartData(days(-125_000), "en")))
    assert painted[rgb(canvas.LOSS)] > 0
    assert painted[rgb(canvas.GAIN)] == 0


def test_days_of_gains_only_are_drawn_green_and_not_red():
    painted = colours(render_pnl_chart(PnlChartData(days(10_000, 250_000, 40_000), "id")))
    assert painted[rgb(canvas.GAIN)] > 0
    assert painted[rgb(canvas.LOSS)] == 0


def test_ninety_days_above_and_below_zero_are_drawn_at_the_fixed_size():
    rng = random.Random(2)
    quarter = days(*(rng.randint(-400_000, 350_000) for _ in range(90)))
    png = render_pnl_chart(PnlChartData(quarter, "id"))
    assert png_size(png) == SIZE
