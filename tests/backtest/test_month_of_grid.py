"""The issue's case: a 50-level grid over 30 days of 15-minute candles (2,880), on a seeded
random walk of BTC/IDR. It runs (bench/backtest_grid.py times it), refuses nothing, and its
account adds up: every rupiah and coin at the end is the start plus what the trades moved."""

from __future__ import annotations

from decimal import Decimal

from replay_fixtures import month_of_grid

from actors.backtest.replay import run_backtest
from actors.strategies.money import whole_rupiah


def test_a_month_of_a_50_level_grid_on_15_minute_candles_trades_and_its_account_adds_up():
    setup = month_of_grid()
    result = run_backtest(setup)
    assert result.candles == 2880
    assert len(result.trades) > 500
    assert result.refused == ()
    buys = [trade for trade in result.trades if trade.side == "buy"]
    sells = [trade for trade in result.trades if trade.side == "sell"]
    spent = sum(trade.value for trade in buys)
    received = sum(trade.value - trade.fee - trade.tax for trade in sells)
    assert result.final_idr == setup.capital_idr - spent + received
    assert result.final_coins == sum(t.quantity for t in buys) - sum(t.quantity for t in sells)
    assert result.final_equity == whole_rupiah(
        result.final_idr + result.final_coins * setup.candles[-1].close
    )
    profits = sum(
        Decimal(dict(notice.params)["profit"])
        for notice in result.notices
        if notice.key == "strategy.grid.pair_done"
    )
    assert abs(profits - result.realised) <= len(sells)  # each pair's told to the rupiah
