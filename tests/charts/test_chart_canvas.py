"""Renders share nothing: charts drawn at once in threads come out byte for byte as each
does alone, and one chart leaves nothing behind in the next."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

from chart_data import candles

from adapters.charts.allocation_chart import AllocationChartData, Holding, render_allocation_chart
from adapters.charts.pnl_chart import PnlChartData, PnlDay, render_pnl_chart
from adapters.charts.price_chart import Line, PriceChartData, render_price_chart

RENDERS = (
    lambda: render_price_chart(
        PriceChartData(
            "BTC/IDR", "idr", candles(48), "id", lines=(Line("buy", Decimal(1_540_000_000)),)
        )
    ),
    lambda: render_allocation_chart(
        AllocationChartData((Holding("btc", Decimal(5)), Holding("idr", Decimal(3))), "en")
    ),
    lambda: render_pnl_chart(PnlChartData((PnlDay(date(2026, 12, 6), Decimal(-10)),), "id")),
)


def test_a_chart_drawn_again_after_others_is_the_same_image():
    first = [render() for render in RENDERS]
    again = [render() for render in reversed(RENDERS)]
    assert again[::-1] == first
    assert len(set(first)) == len(first)


def test_charts_drawn_at_once_in_threads_come_out_as_each_drawn_alone():
    alone = [render() for render in RENDERS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda n: RENDERS[n % 3](), range(12)))
    assert together == [alone[n % 3] for n in range(12)]
