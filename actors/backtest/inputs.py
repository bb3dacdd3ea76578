"""What a backtest is asked: a strategy as its set-up stores it, the candles to replay it
over, the pair's rules and what the account starts with. Checked before anything runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from actors.strategies.kinds import STRATEGY_CLASSES
from adapters.indodax.markets import PairInfo
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import Candle


class BadBacktest(ValueError):
    """A backtest that cannot run; the text says why."""


@dataclass(frozen=True)
class BacktestSetup:
    kind: str  # a strategy kind: grid, dca, tpsl (actors/strategies/kinds.py)
    params: Mapping[str, str]  # the strategy's parameters, as its set-up stores them
    rules: PairInfo  # the pair's tick, steps, minimums and fees
    candles: tuple[Candle, ...]  # oldest first, one timeframe
    timeframe: timedelta  # each candle's length
    capital_idr: Decimal  # whole rupiah the account starts with
    coins: Decimal = Decimal(0)  # coins it starts with: a TP/SL's position, a grid's held coin

    @property
    def pair(self) -> Pair:
        return self.rules.pair

    @property
    def start(self) -> datetime:
        return self.candles[0].time

    @property
    def end(self) -> datetime:
        return self.candles[-1].time + self.timeframe

    def check(self) -> None:
        """Raises BadBacktest for a setup the replay cannot run faithfully."""
        if self.kind not in STRATEGY_CLASSES:
            raise BadBacktest(f"no strategy kind {self.kind!r}")
        if self.pair.quote != "idr":
            raise BadBacktest("backtests count in rupiah: IDR pairs only")
        if not self.candles:
            raise BadBacktest("no candles to replay")
        if self.timeframe <= timedelta(0):
            raise BadBacktest("a timeframe longer than zero")
        if any(
            later.time - earlier.time < self.timeframe for earlier, later in pairwise(self.candles)
        ):
            raise BadBacktest("candles oldest first, one timeframe apart or more")
        if not all(_whole(candle) for candle in self.candles):
            raise BadBacktest("a candle whose open or close lies outside its low and high")
        if self.capital_idr < 0 or self.capital_idr != self.capital_idr.to_integral_value():
            raise BadBacktest("the starting capital in whole rupiah, 0 or more")
        if self.coins < 0:
            raise BadBacktest("the starting coins, 0 or more")
        if self.capital_idr == 0 and self.coins == 0:
            raise BadBacktest("an account that starts with rupiah or coins")


def _whole(candle: Candle) -> bool:
    """Its open and close between its low and high, every price above zero."""
    return (
        0
        < candle.low
        <= min(candle.open, candle.close)
        <= max(candle.open, candle.close)
        <= candle.high
    )
