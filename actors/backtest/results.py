"""What a backtest found, as frozen values: every trade, the money at the end, the worst
fall on the way, and holding the coin instead. Rupiah figures are whole (rounded half up);
the same setup gives the same result, field for field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from actors.strategies.money import whole_rupiah
from adapters.indodax.order_rules import Side
from adapters.indodax.pairs import Pair
from messages.statuses import StrategyStatus

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Trade:
    time: datetime
    side: Side
    price: Decimal
    quantity: Decimal  # coins bought (after the fee) or sold
    value: Decimal  # rupiah: what a buy paid, what a sale brought before its fee and tax
    fee: Decimal  # rupiah
    tax: Decimal  # rupiah, sales only
    leg: str  # the strategy's name for the order (`L3`, `buy`, `tp1`)
    liquidity: Literal["maker", "taker"]


@dataclass(frozen=True)
class RefusedOrder:
    """An order the pair's rules or the account refused: the rule's message key
    (`order.min_value`) or the exchange's words (`Insufficient balance.`)."""

    time: datetime
    side: Side
    leg: str
    reason: str


@dataclass(frozen=True)
class Notice:
    """What the strategy would have told its user: the message key and its parameters,
    as text, in the order it gave them."""

    time: datetime
    key: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Drawdown:
    """The largest fall of equity from its highest mark before, in percent of that high,
    and what that fall was in rupiah."""

    idr: Decimal
    pct: Decimal


@dataclass(frozen=True)
class BacktestResult:
    kind: str
    pair: Pair
    start: datetime  # the first candle's start
    end: datetime  # the last candle's end
    candles: int
    trades: tuple[Trade, ...]
    refused: tuple[RefusedOrder, ...]
    start_equity: Decimal  # the starting rupiah and coins, the coins at the first open
    final_equity: Decimal  # rupiah and coins (at the last close) at the end, orders' holds included
    return_pct: Decimal
    realised: Decimal  # what the strategy realised by its own reckoning, as /pnl counts it
    fees: Decimal
    tax: Decimal
    max_drawdown: Drawdown  # of equity marked at each candle's close
    hold_final_equity: Decimal  # the same start, all in the coin at the first candle
    hold_return_pct: Decimal
    final_idr: Decimal  # rupiah at the end, free and held by resting orders
    final_coins: Decimal
    status: StrategyStatus  # how the strategy ended: still running, paused or stopped
    notices: tuple[Notice, ...]


def return_pct(start: Decimal, final: Decimal) -> Decimal:
    return ((final - start) / start * HUNDRED).quantize(CENT, ROUND_HALF_UP)


def max_drawdown(start: Decimal, marks: list[Decimal]) -> Drawdown:
    """Over the starting equity and each mark after it, oldest first."""
    peak, worst, worst_pct = start, Decimal(0), Decimal(0)
    for mark in marks:
        peak = max(peak, mark)
        fall = peak - mark
        if peak > 0 and fall / peak * HUNDRED > worst_pct:
            worst, worst_pct = fall, fall / peak * HUNDRED
    return Drawdown(whole_rupiah(worst), worst_pct.quantize(CENT, ROUND_HALF_UP))
