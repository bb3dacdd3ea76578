"""Market data to draw: candles on a seeded random walk, as PublicClient.ohlc gives them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from adapters.indodax.wire import Candle

START = datetime(2026, 11, 6, tzinfo=UTC)


def candles(
    count: int,
    every: timedelta = timedelta(hours=1),
    first: Decimal = Decimal(1_550_000_000),
    increment: Decimal = Decimal(1),
    seed: int = 1,
) -> tuple[Candle, ...]:
    """`count` bars from START, each opening at the last close, prices on `increment`."""
    rng = random.Random(seed)
    bars, close = [], first
    for n in range(count):
        opening = close
        close = (opening * Decimal(1 + rng.gauss(0, 0.004))).quantize(increment)
        high = (max(opening, close) * Decimal("1.002")).quantize(increment)
        low = (min(opening, close) * Decimal("0.998")).quantize(increment)
        bars.append(Candle(START + n * every, opening, high, low, close, Decimal(1)))
    return tuple(bars)
