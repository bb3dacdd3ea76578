"""The candles a backtest replays when none were recorded: the last days of whole candles
from the exchange, the one still forming left out (its high and low are not final)."""

from __future__ import annotations

from datetime import datetime

from adapters.indodax.pairs import Pair
from adapters.indodax.public_client import TIMEFRAME_LENGTHS, PublicClient, Timeframe
from adapters.indodax.wire import Candle


def recent_candles(
    public: PublicClient, pair: Pair, timeframe: Timeframe, since: datetime, now: datetime
) -> tuple[Candle, ...]:
    """Oldest first, from `since` to `now`."""
    length = TIMEFRAME_LENGTHS[timeframe]
    candles = public.ohlc(pair, timeframe, since, now)
    return tuple(sorted((c for c in candles if c.time + length <= now), key=lambda c: c.time))
