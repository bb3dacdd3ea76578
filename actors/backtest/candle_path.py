"""Where the price went inside a candle, as the replay walks it, and when an order may
fill. A candle gives only its open, low, high and close; the path between them is chosen,
and chosen against the strategy.

- The path is open → low → high → close, whichever way the candle closed, after a gap
  from the previous candle's close to this open. Every strategy here is long (it holds
  coins it bought to sell them higher; its exits under the price guard against a fall),
  so the fall comes first: a stop-loss is reached before a target or take-profit over it
  can fill, and a grid's stop cancels the sells its candle would have filled on the way up.
- A resting limit order fills only when the path trades through its price, strictly
  beyond it (a touch fills nothing), and then at its limit price, as a maker.
- An order placed at a candle's open (a strategy's start, a timer due in the candle) rests
  for that candle's path; one placed while the price moves (in answer to a fill, a trigger,
  or a timer rung at the close) rests from the next candle on. So no round trip completes
  inside one candle on a path that may never have been.
- A market order, and a limit order that crosses the price when placed, fill at once as a
  taker: a market buy at the candle's high, a sale at its low, the worst it may have had in
  the candle it was placed in; a crossing limit at its own limit price.
- Price triggers see the path as the TriggerBook sees ticks: at each corner, and at every
  price where an order fills or a level trigger's level lies on the way (a trailing stop
  fires at the first of those points past its stop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from adapters.indodax.order_rules import Side
from adapters.indodax.wire import Candle

Leg = tuple[Decimal, Decimal]  # from, to


def legs(candle: Candle) -> tuple[Leg, ...]:
    """The candle's path, legs of no length left out; a candle that never moved is one
    leg standing at its price (an order the price was already beyond still fills there)."""
    corners = (candle.open, candle.low, candle.high, candle.close)
    moves = tuple((start, end) for start, end in pairwise(corners) if start != end)
    return moves or ((candle.open, candle.open),)


@dataclass(frozen=True)
class Moment:
    """Where the replay is: the candle, its number, the time and price a strategy reads,
    and whether the price is on the move (orders placed then rest from the next candle)."""

    candle: Candle
    index: int
    time: datetime
    price: Decimal
    moving: bool

    @property
    def rests_from(self) -> int:
        return self.index + 1 if self.moving else self.index

    def market_price(self, side: Side) -> Decimal:
        return self.candle.high if side == "buy" else self.candle.low


def fills_on(side: Side, limit: Decimal, leg: Leg, at: Decimal) -> bool:
    """A resting order of `side` at `limit` fills by the time the price, moving along
    `leg`, is at `at`: the leg trades through the limit, and has reached it (or was
    beyond it from the start)."""
    start, end = leg
    if side == "buy":
        return min(start, end) < limit and (start < limit or at <= limit)
    return max(start, end) > limit and (start > limit or at >= limit)


def next_stop(leg: Leg, at: Decimal, marks: list[Decimal]) -> Decimal:
    """The next point after `at` along `leg` where something may happen: the nearest of
    `marks` strictly between, or the leg's end."""
    start, end = leg
    if end < start:
        return max((mark for mark in marks if end < mark < at), default=end)
    return min((mark for mark in marks if at < mark < end), default=end)
