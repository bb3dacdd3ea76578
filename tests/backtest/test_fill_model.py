"""The replay's fill model, worked out by hand on ETH/IDR (maker 0.1 %, taker 0.2 %, tick
1,000, minimum 10,000 IDR): a resting limit fills only once a candle trades through its
price, and then at that price; a market order fills at the worst price of its candle (a buy
at the high, a sale at the low); the pair's rules and the balance refuse what the exchange
would refuse. Fees are rounded up to the rupiah, the 0.21 % tax on a sale too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from replay_fixtures import HOUR, START, fills, hourly, rules

from actors.backtest.candle_path import Moment, fills_on, legs, next_stop
from actors.backtest.inputs import BacktestSetup
from actors.backtest.replay import run_backtest
from actors.backtest.replay_exchange import ReplayExchange
from actors.backtest.results import BacktestResult, RefusedOrder
from messages.events import OrderRequest
from messages.statuses import StrategyStatus

ETH = rules("eth_idr")
D = Decimal


def backtest(
    kind: str, params: dict[str, str], *rows: tuple[int, int, int, int], **account: Decimal
) -> BacktestResult:
    capital, coins = account.get("capital", D(0)), account.get("coins", D(0))
    return run_backtest(BacktestSetup(kind, params, ETH, hourly(*rows), HOUR, capital, coins))


def keys(result: BacktestResult) -> list[str]:
    return [notice.key for notice in result.notices]


@pytest.mark.parametrize(
    ("side", "limit", "leg", "at", "fills"),
    [
        ("buy", 100, (105, 100), 100, False),  # touched, not traded through
        ("buy", 100, (105, 99), 101, False),  # not reached yet
        ("buy", 100, (105, 99), 100, True),
        ("buy", 100, (98, 103), 98, True),  # beyond it from the start of the leg
        ("buy", 100, (100, 103), 100, False),
        ("sell", 100, (95, 100), 100, False),
        ("sell", 100, (95, 101), 100, True),
        ("sell", 100, (103, 97), 103, True),
        ("sell", 100, (100, 97), 100, False),
    ],
)
def test_a_resting_limit_fills_only_where_the_path_trades_through_it(side, limit, leg, at, fills):
    assert fills_on(side, D(limit), (D(leg[0]), D(leg[1])), D(at)) is fills


def test_the_path_goes_down_to_the_low_before_the_high_and_stops_at_each_mark_on_the_way():
    [candle] = hourly((100, 90, 110, 105))
    assert legs(candle) == ((100, 90), (90, 110), (110, 105))
    assert next_stop((D(100), D(90)), D(100), [D(97), D(95), D(89), D(101)]) == 97
    assert next_stop((D(100), D(90)), D(97), [D(97), D(95)]) == 95
    assert next_stop((D(90), D(110)), D(95), [D(97), D(95)]) == 97
    assert next_stop((D(90), D(110)), D(97), [D(97), D(95)]) == 110


def test_a_limit_buy_whose_price_the_low_only_touches_rests_and_fills_at_it_once_traded_through():
    """A DCA limit 2 % under the open of 50,000,000: 49,000,000 for 0.00204081 ETH."""
    params = {"quote_amount": "100000", "schedule": "every 24h", "order_type": "limit"}
    result = backtest(
        "dca",
        {**params, "offset_pct": "2", "max_buys": "1"},
        (50_000_000, 49_000_000, 50_100_000, 49_500_000),
        (49_500_000, 48_999_000, 49_700_000, 49_600_000),
        capital=D(100_000),
    )
    # value 0.00204081 * 49,000,000 = 99,999.69, 100,000 rounded up; maker fee 100;
    # coins (100,000 - 100) / 49,000,000 = 0.00203877 (down to the step)
    assert result.trades == fills(
        "maker", (1, "buy", 49_000_000, "0.00203877", 100_000, 100, 0, "buy")
    )
    assert result.status == StrategyStatus.STOPPED


def test_a_limit_sell_whose_price_the_high_only_touches_rests_and_fills_at_it_once_traded_through():
    """A TP/SL target +2 % over an entry of 50,000,000: 0.02 ETH at 51,000,000."""
    params = {"entry_price": "50000000", "quantity": "0.02", "targets": "2:100"}
    result = backtest(
        "tpsl",
        params,
        (50_000_000, 49_900_000, 51_000_000, 50_500_000),
        (50_500_000, 50_400_000, 51_001_000, 50_900_000),
        coins=D("0.02"),
    )
    # value 1,020,000; maker fee 1,020; tax 0.21 % = 2,142
    assert result.trades == fills(
        "maker", (1, "sell", 51_000_000, "0.02", 1_020_000, 1020, 2142, "tp1")
    )
    assert result.realised == 20_000 - 1020 - 2142
    assert result.final_idr == 1_020_000 - 1020 - 2142


def test_a_market_buy_fills_at_the_high_of_the_candle_its_trigger_fired_in():
    """Buy 100,000 IDR once the price is at or under 49,500,000: the trigger fires on the
    way down to the low, the buy fills at the candle's high of 50,600,000."""
    result = backtest(
        "buy_once_below",
        {"level": "49500000", "quote_amount": "100000"},
        (50_000_000, 49_800_000, 50_200_000, 50_000_000),
        (50_000_000, 49_400_000, 50_600_000, 50_300_000),
        capital=D(100_000),
    )
    # taker fee 200; coins (100,000 - 200) / 50,600,000 = 0.00197233
    assert result.trades == fills(
        "taker", (1, "buy", 50_600_000, "0.00197233", 100_000, 200, 0, "buy")
    )


def test_a_stop_loss_sells_at_market_at_the_low_of_its_candle():
    """A stop 2 % under an entry of 50,000,000 (49,000,000), reached on the way down to a low
    of 48,500,000: the 0.02 ETH are sold there."""
    params = {"entry_price": "50000000", "quantity": "0.02", "stop_loss_pct": "2"}
    result = backtest(
        "tpsl", params, (50_000_000, 48_500_000, 50_500_000, 49_800_000), coins=D("0.02")
    )
    # value 970,000; taker fee 1,940; tax 2,037 (2,037.0)
    assert result.trades == fills(
        "taker", (0, "sell", 48_500_000, "0.02", 970_000, 1940, 2037, "exit")
    )
    assert result.realised == -30_000 - 1940 - 2037
    assert result.status == StrategyStatus.STOPPED


def test_a_trailing_stop_follows_the_high_and_sells_at_the_low_of_the_candle_that_falls_2_percent():
    """Trailing 2 %: the best price is 51,000,000, so it fires under 49,980,000, on the second
    candle's way down to 49,900,000, where the 0.02 ETH are sold."""
    params = {"entry_price": "50000000", "quantity": "0.02", "trailing_stop_pct": "2"}
    result = backtest(
        "tpsl",
        params,
        (50_000_000, 49_990_000, 51_000_000, 50_800_000),
        (50_800_000, 49_900_000, 50_900_000, 50_500_000),
        coins=D("0.02"),
    )
    # value 998,000; taker fee 1,996; tax 2,095.8 rounded up: 2,096
    assert result.trades == fills(
        "taker", (1, "sell", 49_900_000, "0.02", 998_000, 1996, 2096, "exit")
    )
    assert result.realised == -2000 - 1996 - 2096


def test_an_order_under_the_pairs_minimum_is_refused_as_the_exchange_would_refuse_it():
    """5,000 IDR a run, under ETH/IDR's minimum of 10,000: each run is refused, and the
    third refusal in a row pauses the DCA."""
    params = {"quote_amount": "5000", "schedule": "every 1h"}
    result = backtest(
        "dca", params, *[(50_000_000, 49_900_000, 50_100_000, 50_000_000)] * 4, capital=D(100_000)
    )
    assert result.trades == ()
    assert keys(result) == ["strategy.dca.refused"] * 3 + ["strategy.dca.paused"]
    assert dict(result.notices[0].params)["reason"] == "order.min_value"
    assert [refused.reason for refused in result.refused] == ["order.min_value"] * 3
    assert result.status == StrategyStatus.PAUSED


def test_an_order_the_account_cannot_pay_for_is_refused_with_the_exchanges_words():
    params = {"quote_amount": "100000", "schedule": "every 1h", "max_buys": "2"}
    result = backtest(
        "dca", params, *[(50_000_000, 49_900_000, 50_100_000, 50_000_000)] * 2, capital=D(150_000)
    )
    assert [trade.time for trade in result.trades] == [START]
    refused = [notice for notice in result.notices if notice.key == "strategy.dca.refused"]
    assert [dict(notice.params)["reason"] for notice in refused] == ["Insufficient balance."]
    assert result.refused == (RefusedOrder(START + HOUR, "buy", "buy", "Insufficient balance."),)
    assert result.final_idr == 50_000


def test_an_order_placed_while_the_price_moves_rests_from_the_next_candle():
    [candle] = hourly((50_000_000, 49_000_000, 51_000_000, 50_500_000))
    exchange = ReplayExchange(ETH, D(1_000_000), D(0))
    request = OrderRequest(
        strategy_id=1,
        client_order_id="s1-x-L1-1",
        leg="L1",
        pair="eth_idr",
        side="buy",
        order_type="limit",
        price="49500000",
        quantity="0.01",
    )
    moving = Moment(candle, 3, START, D(49_800_000), moving=True)
    assert exchange.place(request, moving) is None
    assert exchange.resting["s1-x-L1-1"].rests_from == 4
    assert exchange.filled_at((D(49_800_000), D(49_000_000)), D(49_000_000), moving) == []
    assert (exchange.idr, exchange.idr_held) == (D(505_000), D(495_000))
