"""What a user's actor asks the chart maker to draw, as plain data.

The user's actor gathers what only it may read (the user's orders, a strategy's plan, the
fills, the results) and the chart maker fetches what anyone may (candles), draws, and
answers the command with a Photo under the request's correlation id (the command's), or
with a text Reply when it cannot. Prices and amounts are Decimal as text, as everywhere
between processes; times are aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from messages.base import Message
from messages.replies import Button, Params

ChartTimeframe = Literal["1m", "15m", "30m", "1h", "4h", "1d", "3d", "1w"]
BARS: dict[ChartTimeframe, timedelta] = {
    "1m": timedelta(minutes=1),
    "15m": timedelta(minutes=15),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "4h": timedelta(hours=4),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "1w": timedelta(weeks=1),
}
# A price chart shows this many bars: few enough that each is still drawn as a candle
# (adapters/charts/price_chart.MOST_CANDLES).
BARS_SHOWN = 120
DEFAULT_TIMEFRAME: ChartTimeframe = "1h"

# What a line on a price chart stands for: an open order, a grid level, an exit.
LineKind = Literal[
    "buy", "sell", "grid", "take_profit", "stop_loss", "trailing_stop", "trailing_take_profit"
]


def span(timeframe: ChartTimeframe) -> timedelta:
    """How far back a price chart of this timeframe reaches."""
    return BARS[timeframe] * (BARS_SHOWN - 1)


@dataclass(frozen=True)
class ChartLine:
    kind: LineKind
    price: str


@dataclass(frozen=True)
class ChartFill:
    time: datetime
    price: str
    side: Literal["buy", "sell"]


@dataclass(frozen=True)
class ChartHolding:
    asset: str  # as the exchange names it: "btc", "idr"
    value_idr: str


@dataclass(frozen=True)
class ChartDay:
    day: date  # a WIB day
    realised_idr: str


@dataclass(frozen=True, kw_only=True)
class ChartRequest(Message):
    """Who the chart is for, and the caption and buttons its photo carries."""

    telegram_id: int
    chat_id: int
    language: str
    caption_key: str
    caption_params: Params = ()
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, kw_only=True)
class PriceChartRequest(ChartRequest):
    pair: str  # ticker id: "btc_idr"
    timeframe: ChartTimeframe = DEFAULT_TIMEFRAME
    lines: tuple[ChartLine, ...] = ()
    fills: tuple[ChartFill, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AllocationChartRequest(ChartRequest):
    holdings: tuple[ChartHolding, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PnlChartRequest(ChartRequest):
    days: tuple[ChartDay, ...] = ()
