"""One-minute candles per pair: the source of the 24-hour ticker figures, the
`prices_24h`/`prices_7d` of /api/summaries, and every TradingView timeframe."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, replace
from decimal import Decimal

from adapters.indodax.public_client import TIMEFRAME_LENGTHS

MINUTE = 60
DAY = 24 * 60 * MINUTE
KEPT_MINUTES = 8 * 24 * 60  # a week of charts and a day to spare
TIMEFRAMES = {name: int(length.total_seconds()) for name, length in TIMEFRAME_LENGTHS.items()}


@dataclass
class Candle:
    time: int  # start of the bucket, unix seconds
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal  # base coin
    quote_volume: Decimal

    def add(self, price: Decimal, volume: Decimal) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += volume
        self.quote_volume += price * volume

    def absorb(self, later: Candle) -> None:
        self.high = max(self.high, later.high)
        self.low = min(self.low, later.low)
        self.close = later.close
        self.volume += later.volume
        self.quote_volume += later.quote_volume


@dataclass(frozen=True)
class DayStats:
    high: Decimal
    low: Decimal
    volume: Decimal
    quote_volume: Decimal


class Candles:
    def __init__(self) -> None:
        self._minutes: deque[Candle] = deque(maxlen=KEPT_MINUTES)
        self._closed_day: tuple[tuple[int, int], DayStats | None] | None = None

    def record(self, ts: int, price: Decimal, volume: Decimal) -> None:
        bucket = ts - ts % MINUTE
        if self._minutes and self._minutes[-1].time >= bucket:
            self._minutes[-1].add(price, volume)
            return
        self._minutes.append(
            Candle(bucket, price, price, price, price, volume, price * volume),
        )

    def keep(self, minutes: int) -> None:
        """At least `minutes` of history from now on: a simulator started with a longer
        invented past (a backtest over a month) keeps all of it."""
        if minutes > (self._minutes.maxlen or 0):
            self._minutes = deque(self._minutes, maxlen=minutes)

    def append(self, candle: Candle) -> None:
        """Backfilled history, oldest first."""
        self._minutes.append(candle)

    def day_stats(self, now: int, last: Decimal) -> DayStats:
        """The last 24 hours. Every tick asks, so the closed minutes are summed once per
        minute and only the open candle is added each time."""
        if not self._minutes or self._minutes[-1].time <= now - DAY:
            return DayStats(last, last, Decimal(0), Decimal(0))
        current = self._minutes[-1]
        key = (now // MINUTE, current.time)
        if self._closed_day is None or self._closed_day[0] != key:
            closed = []
            for candle in itertools.islice(reversed(self._minutes), 1, None):
                if candle.time <= now - DAY:
                    break
                closed.append(candle)
            self._closed_day = (key, _summed(closed))
        earlier = self._closed_day[1]
        if earlier is None:
            return DayStats(current.high, current.low, current.volume, current.quote_volume)
        return DayStats(
            high=max(current.high, earlier.high),
            low=min(current.low, earlier.low),
            volume=current.volume + earlier.volume,
            quote_volume=current.quote_volume + earlier.quote_volume,
        )

    def price_at(self, ts: int, fallback: Decimal) -> Decimal:
        """The close at `ts`; before the first candle, the first known open."""
        for candle in reversed(self._minutes):
            if candle.time <= ts:
                return candle.close
        return self._minutes[0].open if self._minutes else fallback

    def bars(self, start: int, end: int, timeframe: int) -> list[Candle]:
        """Candles of `timeframe` seconds from the one holding `start` to the one starting
        at or before `end`, oldest first."""
        first = start - start % timeframe
        merged: dict[int, Candle] = {}
        for minute in self._minutes:
            bucket = minute.time - minute.time % timeframe
            if first <= bucket <= end:
                if bucket in merged:
                    merged[bucket].absorb(minute)
                else:
                    merged[bucket] = replace(minute, time=bucket)
        return list(merged.values())


def _summed(candles: list[Candle]) -> DayStats | None:
    if not candles:
        return None
    return DayStats(
        high=max(candle.high for candle in candles),
        low=min(candle.low for candle in candles),
        volume=sum((candle.volume for candle in candles), Decimal(0)),
        quote_volume=sum((candle.quote_volume for candle in candles), Decimal(0)),
    )
