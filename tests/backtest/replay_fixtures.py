"""What backtest tests replay and expect: candles written by hand as (open, low, high,
close) rows an hour apart, in the order the replay walks them, or a seeded random walk; the
rules of the pairs, from the exchange's market list the simulator bundles; trades as rows;
the issue's month of a 50-level grid."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from actors.backtest.capital import capital_needed
from actors.backtest.inputs import BacktestSetup
from actors.backtest.results import Trade
from adapters.indodax.markets import PairInfo, parse_pairs
from adapters.indodax.pairs import parse_pair
from adapters.indodax.wire import Candle
from adapters.simulator.catalog import DATA_DIR

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday, 07:00 WIB
HOUR = timedelta(hours=1)
# hour after START, side, price, quantity, value, fee, tax, leg
Row = tuple[int, str, int, str, int, int, int, str]


# The issue's grid: 50 levels, 500,000 IDR each, its sells' coin bought at the start.
GRID = {
    "lower": "1350000000",
    "upper": "1650000000",
    "levels": "50",
    "spacing": "arithmetic",
    "amount_idr": "500000",
    "coin_source": "buy",
    "tick": "1000",
    "step": "0.00000001",
    "taker_fee": "0.002",
}


def rules(ticker_id: str) -> PairInfo:
    pairs = json.loads((DATA_DIR / "pairs.json").read_text(encoding="utf-8"))
    increments = json.loads((DATA_DIR / "price_increments.json").read_text(encoding="utf-8"))
    return parse_pairs(pairs, increments)[parse_pair(ticker_id)]


def hourly(*rows: tuple[int, int, int, int], start: datetime = START) -> tuple[Candle, ...]:
    """Each row (open, low, high, close), one hour after the one before."""
    return tuple(
        Candle(
            time=start + index * HOUR,
            open=Decimal(open_),
            high=Decimal(high),
            low=Decimal(low),
            close=Decimal(close),
            volume=Decimal(1),
        )
        for index, (open_, low, high, close) in enumerate(rows)
    )


def random_walk(
    days: int, minutes: int, price: int, seed: int, tick: int = 1000
) -> tuple[Candle, ...]:
    """Candles of `minutes` over `days`, each summing a minute-by-minute random walk (0.08 %
    a minute), prices on the tick."""
    rng = random.Random(seed)
    candles = []
    for index in range(days * 24 * 60 // minutes):
        prices = [price]
        for _ in range(minutes):
            price = max(tick, int(price * (1 + rng.gauss(0, 0.0008))))
            prices.append(price)
        open_, high, low, close = (
            Decimal(value // tick * tick) for value in (prices[0], max(prices), min(prices), price)
        )
        time = START + timedelta(minutes=minutes * index)
        candles.append(Candle(time, open_, high, low, close, Decimal(1)))
    return tuple(candles)


def history_reply(candles: tuple[Candle, ...]) -> list[dict[str, Any]]:
    """As /tradingview/history_v2 answers: seconds, numbers, the volume as text."""
    return [
        {
            "Time": int(candle.time.timestamp()),
            "Open": int(candle.open),
            "High": int(candle.high),
            "Low": int(candle.low),
            "Close": int(candle.close),
            "Volume": str(candle.volume),
        }
        for candle in candles
    ]


def fills(liquidity: str, *rows: Row) -> tuple[Trade, ...]:
    return tuple(
        Trade(
            START + hour * HOUR,
            side,
            Decimal(price),
            Decimal(quantity),
            Decimal(value),
            Decimal(fee),
            Decimal(tax),
            leg,
            liquidity,
        )
        for hour, side, price, quantity, value, fee, tax, leg in rows
    )


def month_of_grid() -> BacktestSetup:
    """The issue's case: a 50-level grid over 30 days of 15-minute BTC/IDR candles."""
    candles = random_walk(days=30, minutes=15, price=1_500_000_000, seed=7)
    # What the preview says the grid ties up at its start, and a tenth more: the coin it
    # bought at the start sells for a little less than buying it back costs.
    btc = rules("btc_idr")
    needed = capital_needed("grid", GRID, btc, candles[0].open)
    capital = (needed * Decimal("1.1")).to_integral_value()
    return BacktestSetup("grid", GRID, btc, candles, timedelta(minutes=15), capital)
