"""A pair's candles for a chart, fetched from the exchange's public history and kept for a
short while per (pair, timeframe): users of one market asking within a minute cost the
exchange one request, and a minute-old last candle is close enough for a picture."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.indodax.pairs import Pair
from adapters.indodax.public_client import WIRE_TIMEFRAMES, PublicClient
from adapters.indodax.wire import Candle
from messages.charts import ChartTimeframe, span

KEEP = timedelta(seconds=60)


@dataclass(frozen=True)
class _Kept:
    fetched: datetime
    candles: tuple[Candle, ...]


class CandleCache:
    def __init__(
        self, public: PublicClient, clock: Callable[[], datetime], keep: timedelta = KEEP
    ) -> None:
        self.public, self.clock, self.keep = public, clock, keep
        self._kept: dict[tuple[Pair, ChartTimeframe], _Kept] = {}

    def candles(self, pair: Pair, timeframe: ChartTimeframe) -> tuple[Candle, ...]:
        """The last BARS_SHOWN bars at most, oldest first; an exchange error is raised on
        (IndodaxError) and nothing is kept."""
        now = self.clock()
        kept = self._kept.get((pair, timeframe))
        if kept is not None and now - kept.fetched < self.keep:
            return kept.candles
        candles = self.public.ohlc(pair, WIRE_TIMEFRAMES[timeframe], now - span(timeframe), now)
        self._kept = {key: k for key, k in self._kept.items() if now - k.fetched < self.keep}
        self._kept[(pair, timeframe)] = _Kept(now, candles)
        return candles
