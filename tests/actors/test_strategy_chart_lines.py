"""What a strategy's chart marks, read from its saved row as /strategy reads its progress:
a grid's levels and exits, a TP/SL's targets and stops, where a DCA cycle buys again and
takes its profit, the level a one-off buy waits for."""

from __future__ import annotations

from actors.strategies.buy_once_below import BuyOnceBelow
from actors.strategies.dca import DollarCostAverage
from actors.strategies.grid import Grid
from actors.strategies.tpsl import TakeProfitStopLoss
from messages.charts import ChartLine

GRID = {"lower": "950000000", "upper": "1050000000", "levels": "3", "amount_coin": "0.001"}
TPSL = {"entry_price": "1000000000", "quantity": "0.01", "targets": "5:50,10:50"}
DCA = {
    "quote_amount": "100000",
    "schedule": "daily 08:00",
    "safety_count": "2",
    "safety_deviation_pct": "2",
    "take_profit_pct": "3",
}


def test_a_grid_marks_every_level_and_its_exits_outside_the_range():
    lines = Grid.chart_lines({**GRID, "take_profit": "1100000000"}, {})
    assert lines == (
        ChartLine("grid", "950000000"),
        ChartLine("grid", "1000000000"),
        ChartLine("grid", "1050000000"),
        ChartLine("take_profit", "1100000000"),
    )


def test_a_tpsl_marks_its_targets_and_its_stop_at_the_entry_once_breakeven_is_reached():
    params = {**TPSL, "stop_loss_pct": "5", "breakeven": "yes"}
    targets = (ChartLine("take_profit", "1050000000"), ChartLine("take_profit", "1100000000"))
    assert TakeProfitStopLoss.chart_lines(params, {}) == (
        *targets,
        ChartLine("stop_loss", "950000000"),
    )
    assert TakeProfitStopLoss.chart_lines(params, {"breakeven_reached": True}) == (
        *targets,
        ChartLine("stop_loss", "1000000000"),
    )


def test_a_trailing_stop_is_marked_where_it_starts_and_a_trailing_take_profit_until_it_arms():
    params = {
        **TPSL,
        "targets": "",
        "trailing_stop_pct": "4",
        "trailing_activation_pct": "8",
        "trailing_callback_pct": "2",
    }
    assert TakeProfitStopLoss.chart_lines(params, {}) == (
        ChartLine("trailing_stop", "960000000"),
        ChartLine("trailing_take_profit", "1080000000"),
    )
    assert TakeProfitStopLoss.chart_lines(params, {"trail_armed": True}) == (
        ChartLine("trailing_stop", "960000000"),
    )


def test_a_dca_cycle_marks_its_next_safety_order_and_its_take_profit_once_it_has_bought():
    assert DollarCostAverage.chart_lines(DCA, {}) == ()  # no cycle yet: nothing to mark
    bought = {
        "cycle_bought": "0.0001",
        "cycle_cost": "100000",
        "cycle_first_price": "1000000000",
        "cycle_safeties": 0,
    }
    assert DollarCostAverage.chart_lines(DCA, bought) == (
        ChartLine("buy", "980000000"),
        ChartLine("take_profit", "1030000000"),
    )


def test_a_one_off_buy_marks_its_level_until_it_has_ordered():
    assert BuyOnceBelow.chart_lines({"level": "900000000"}, {}) == (ChartLine("buy", "900000000"),)
    assert BuyOnceBelow.chart_lines({"level": "900000000"}, {"ordered": True}) == ()
