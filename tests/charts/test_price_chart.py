"""The price chart: candles or a close line, the user's orders, grid levels and exits as
labelled lines, fills as markers; a clear image when there is no price yet."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from chart_data import candles
from chart_images import SIZE, colours, png_size, rgb, right_edge_is_blank

from adapters.charts import canvas
from adapters.charts.price_chart import (
    LINE_STYLES,
    FillMark,
    Line,
    PriceChartData,
    render_price_chart,
)


def chart(**fields) -> bytes:
    data = {"pair_label": "BTC/IDR", "quote": "idr", "candles": (), "language": "id", **fields}
    return render_price_chart(PriceChartData(**data))


def test_no_candles_is_an_image_of_the_fixed_size_saying_there_is_no_price_yet():
    png = chart()
    assert png_size(png) == SIZE
    assert colours(png)[rgb(canvas.GRID)] == 0  # words on white: no axes, no grid
    assert chart(language="en") != png


def test_one_candle_is_drawn_as_a_candle():
    png = chart(candles=candles(1))
    assert png_size(png) == SIZE
    painted = colours(png)
    assert painted[rgb(canvas.GAIN)] + painted[rgb(canvas.LOSS)] > 500


def test_a_month_of_hourly_candles_with_fifty_grid_levels_and_fills_is_drawn():
    month = candles(30 * 24)
    grid = tuple(Line("grid", Decimal(1_450_000_000 + n * 4_000_000)) for n in range(50))
    fills = tuple(
        FillMark(month[n].time, month[n].close, "buy" if n % 2 else "sell")
        for n in range(5, 700, 45)
    )
    png = chart(candles=month, lines=grid, fills=fills)
    assert png_size(png) == SIZE
    painted = colours(png)
    assert painted[rgb(LINE_STYLES["grid"][0])] > 1000
    assert painted[rgb(canvas.GAIN)] > 100  # buy markers
    assert painted[rgb(canvas.LOSS)] > 100  # sell markers


def test_orders_and_exits_are_drawn_in_their_colours():
    lines = (
        Line("buy", Decimal(1_500_000_000)),
        Line("take_profit", Decimal(1_650_000_000)),
        Line("stop_loss", Decimal(1_420_000_000)),
    )
    painted = colours(chart(candles=candles(48), lines=lines))
    for kind in ("buy", "take_profit", "stop_loss"):
        assert painted[rgb(LINE_STYLES[kind][0])] > 500, kind


def test_the_longest_tag_fits_inside_the_image():
    lines = (
        Line("trailing_stop", Decimal(1_650_000_000)),
        Line("trailing_take_profit", Decimal(1_450_000_000)),
    )
    assert right_edge_is_blank(chart(candles=candles(48), lines=lines, language="en"))


def test_a_coin_below_a_rupiah_and_a_usdt_pair_are_drawn():
    cheap = candles(24, first=Decimal("0.355"), increment=Decimal("0.001"))
    usdt = candles(24, every=timedelta(days=1), first=Decimal(65000), increment=Decimal("0.01"))
    pepe = chart(pair_label="PEPE/IDR", candles=cheap, lines=(Line("sell", Decimal("0.36")),))
    btc_usdt = chart(pair_label="BTC/USDT", quote="usdt", candles=usdt, language="en")
    assert png_size(pepe) == png_size(btc_usdt) == SIZE
