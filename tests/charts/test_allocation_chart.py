"""The portfolio's allocation: one bar per asset by its IDR value, the smallest grouped
into one "others" bar past a dozen; a clear image when nothing is held."""

from __future__ import annotations

from decimal import Decimal

from chart_images import SIZE, colours, png_size, rgb

from adapters.charts import canvas
from adapters.charts.allocation_chart import (
    MOST_BARS,
    AllocationChartData,
    Holding,
    bars,
    render_allocation_chart,
)


def thirty_assets() -> tuple[Holding, ...]:
    return tuple(Holding(f"c{n:02d}", Decimal(1_000_000 * (n + 1))) for n in range(30))


def test_nothing_held_is_an_image_of_the_fixed_size_saying_so():
    png = render_allocation_chart(AllocationChartData((), "id"))
    assert png_size(png) == SIZE
    assert colours(png)[rgb(canvas.GRID)] == 0  # words on white: no axes, no grid


def test_assets_worth_nothing_are_not_drawn():
    dust = (Holding("btc", Decimal(0)), Holding("eth", Decimal(0)))
    assert bars(dust, "id") == []
    png = render_allocation_chart(AllocationChartData(dust, "id"))
    assert png == render_allocation_chart(AllocationChartData((), "id"))


def test_one_asset_is_one_bar_of_the_fixed_size():
    held = (Holding("btc", Decimal("2325000.5")),)
    shown = bars(held, "en")
    assert [(bar.label, bar.value_idr) for bar in shown] == [("BTC", Decimal("2325000.5"))]
    assert png_size(render_allocation_chart(AllocationChartData(held, "en"))) == SIZE


def test_thirty_assets_keep_the_eleven_largest_and_group_the_rest_as_others():
    shown = bars(thirty_assets(), "id")
    assert len(shown) == MOST_BARS
    assert [bar.label for bar in shown[:3]] == ["C29", "C28", "C27"]
    assert shown[-1].label == "Lainnya (19)"
    assert shown[-1].value_idr == sum(Decimal(1_000_000 * (n + 1)) for n in range(19))
    assert sum(bar.value_idr for bar in shown) == sum(h.value_idr for h in thirty_assets())


def test_thirty_assets_are_drawn_at_the_fixed_size():
    png = render_allocation_chart(AllocationChartData(thirty_assets(), "id"))
    assert png_size(png) == SIZE


def test_assets_of_equal_value_come_in_name_order():
    held = (Holding("eth", Decimal(5)), Holding("btc", Decimal(5)), Holding("ada", Decimal(9)))
    assert [bar.label for bar in bars(held, "id")] == ["ADA", "BTC", "ETH"]
