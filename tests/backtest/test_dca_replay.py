"""A DCA replayed over hourly ETH/IDR candles, worked out by hand: each run's market buy of
100,000 IDR fills at its candle's high with the 0.2 % taker fee (200 IDR), receiving
99,800 / high ETH; the take-profit, once its trigger fires, sells the cycle at market at
the low of that candle."""

from __future__ import annotations

from decimal import Decimal

from replay_fixtures import HOUR, fills, hourly, rules

from actors.backtest.capital import capital_needed
from actors.backtest.inputs import BacktestSetup
from actors.backtest.replay import run_backtest
from messages.statuses import StrategyStatus

ETH = rules("eth_idr")
D = Decimal
HOURLY = {"quote_amount": "100000", "schedule": "every 1h", "order_type": "market"}


def test_a_dca_buys_at_each_runs_high_and_stops_after_its_last_buy():
    params = {**HOURLY, "max_buys": "3"}
    candles = hourly(
        (50_000_000, 49_900_000, 50_200_000, 50_100_000),
        (50_100_000, 49_800_000, 50_300_000, 50_000_000),
        (50_000_000, 49_500_000, 50_100_000, 49_600_000),
        (49_600_000, 49_400_000, 49_700_000, 49_500_000),
    )
    capital = capital_needed("dca", params, ETH, candles[0].open)
    assert capital == 300_000
    result = run_backtest(BacktestSetup("dca", params, ETH, candles, HOUR, capital))
    assert result.trades == fills(
        "taker",
        (0, "buy", 50_200_000, "0.00198804", 100_000, 200, 0, "buy"),
        (1, "buy", 50_300_000, "0.00198409", 100_000, 200, 0, "buy"),
        (2, "buy", 50_100_000, "0.00199201", 100_000, 200, 0, "buy"),
    )
    assert [notice.key for notice in result.notices] == [
        "strategy.dca.bought",
        "strategy.dca.bought",
        "strategy.dca.bought",
        "strategy.dca.finished",
    ]
    assert result.status == StrategyStatus.STOPPED
    # 0.00596414 ETH at the last close, 49,500,000: 295,224.93
    assert (result.final_idr, result.final_coins) == (0, D("0.00596414"))
    assert (result.final_equity, result.return_pct) == (295_225, D("-1.59"))
    assert (result.realised, result.fees, result.tax) == (0, 600, 0)


def test_a_take_profit_fired_at_the_high_sells_the_cycle_at_the_low_of_its_candle():
    """Two buys cost 200,000 IDR for 0.00397213 ETH: the take-profit 1 % over that average
    is 50,854,328. The third candle rises through it; the cycle is sold at that candle's low,
    50,100,000: 199,003 IDR, fee 399, tax 418, a loss of 1,813 by the strategy's reckoning
    (its proceeds rounded half up: 199,004 - 817 - 200,000)."""
    params = {**HOURLY, "max_buys": "2", "take_profit_pct": "1"}
    candles = hourly(
        (50_000_000, 49_900_000, 50_200_000, 50_100_000),
        (50_100_000, 50_000_000, 50_300_000, 50_200_000),
        (50_200_000, 50_100_000, 51_000_000, 50_900_000),
    )
    result = run_backtest(BacktestSetup("dca", params, ETH, candles, HOUR, D(200_000)))
    assert result.trades == fills(
        "taker",
        (0, "buy", 50_200_000, "0.00198804", 100_000, 200, 0, "buy"),
        (1, "buy", 50_300_000, "0.00198409", 100_000, 200, 0, "buy"),
        (2, "sell", 50_100_000, "0.00397213", 199_003, 399, 418, "tp"),
    )
    assert result.realised == -1813
    assert (result.final_idr, result.final_coins) == (199_003 - 399 - 418, 0)
    assert result.status == StrategyStatus.STOPPED
