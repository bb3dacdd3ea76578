"""A grid's plan as its parameters state it: the levels, what each level trades, where the
grid starts, and whether a round trip between two neighbouring levels can pay its costs.
Checked when the strategy is built and when its set-up is previewed: a grid that would
lose money on every completed pair is refused with the numbers, never started.

Parameters, as stored in the strategy row (text):
  lower, upper           the range's bounds (prices in the quote currency)
  levels                 how many price levels, from 2 to 200 (levels - 1 grids)
  spacing                arithmetic (equal rupiah apart) | geometric (equal percent apart)
  amount_idr|amount_coin what each level buys: rupiah's worth at the level's price, or a
                         fixed coin quantity
  coin_source            buy (the coin the sells above the price need is bought at market
                         first) | held (only `held` coins, already in the account, are used)
  held                   coins the account held for the grid when it was set up
  stop_loss, take_profit optional prices under and over the range: everything cancelled,
                         then the grid's coins sold if `sell_at_exit` is yes
  tick, step, taker_fee  the pair's price tick, quantity step and taker fee when the grid
                         was set up (the order desk applies the current rules again)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import cached_property
from itertools import pairwise
from typing import Any, Literal

from actors.strategies.parameters import BadParameter, decimal_parameter
from adapters.indodax.order_rules import SALES_TAX, floor_to_step

MIN_LEVELS, MAX_LEVELS = 2, 200
HUNDRED = Decimal(100)
# The start's market buy asks this much more than the sells' coin at the last price: it
# fills at the ask and deeper, and what it brings beyond goes to the farthest sell, which
# would otherwise be left with less than the pair's minimum.
COIN_MARGIN = Decimal("0.005")


class BadGrid(BadParameter):
    """The parameters do not make a grid."""


class ThinGrid(BadGrid):
    """A step between two levels smaller than a round trip's fees and tax: the numbers are
    told to the user."""

    def __init__(self, step_pct: Decimal, cost_pct: Decimal) -> None:
        super().__init__("levels", f"a step of {step_pct} % cannot pay {cost_pct} % of costs")
        self.step_pct, self.cost_pct = step_pct, cost_pct


@dataclass(frozen=True)
class Layout:
    """Where the grid starts at a price: the level left empty (the nearest), buys under it,
    sells over it, each list nearest first."""

    gap: int
    buys: tuple[int, ...]
    sells: tuple[int, ...]


@dataclass(frozen=True)
class GridPlan:
    lower: Decimal
    upper: Decimal
    count: int
    spacing: Literal["arithmetic", "geometric"]
    amount_idr: Decimal | None
    amount_coin: Decimal | None
    coin_source: Literal["buy", "held"]
    held: Decimal
    stop_loss: Decimal | None
    take_profit: Decimal | None
    sell_at_exit: bool
    tick: Decimal
    step: Decimal
    taker_fee: Decimal

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> GridPlan:
        count = _whole(params.get("levels"), "levels")
        if not MIN_LEVELS <= count <= MAX_LEVELS:
            raise BadGrid("levels", f"from {MIN_LEVELS} to {MAX_LEVELS}")
        spacing = str(params.get("spacing") or "arithmetic").lower()
        source = str(params.get("coin_source") or "buy").lower()
        if spacing not in ("arithmetic", "geometric"):
            raise BadGrid("spacing", "arithmetic or geometric")
        if source not in ("buy", "held"):
            raise BadGrid("coin_source", "buy or held")
        amount_idr = _optional(params.get("amount_idr"), "amount_idr")
        amount_coin = _optional(params.get("amount_coin"), "amount_coin")
        if (amount_idr is None) == (amount_coin is None):
            raise BadGrid("amount_idr", "an amount per level in IDR or in coin")
        plan = cls(
            lower=_positive(params.get("lower"), "lower"),
            upper=_positive(params.get("upper"), "upper"),
            count=count,
            spacing="geometric" if spacing == "geometric" else "arithmetic",
            amount_idr=None if amount_idr is None else amount_idr.to_integral_value(),
            amount_coin=amount_coin,
            coin_source="held" if source == "held" else "buy",
            held=_optional(params.get("held"), "held") or Decimal(0),
            stop_loss=_optional(params.get("stop_loss"), "stop_loss"),
            take_profit=_optional(params.get("take_profit"), "take_profit"),
            sell_at_exit=str(params.get("sell_at_exit", "no")).lower() in ("yes", "true", "1"),
            tick=_optional(params.get("tick"), "tick") or Decimal(1),
            step=_optional(params.get("step"), "step") or Decimal("1e-8"),
            taker_fee=_optional(params.get("taker_fee"), "taker_fee") or Decimal(0),
        )
        plan._check()
        return plan

    def _check(self) -> None:
        if self.upper <= self.lower:
            raise BadGrid("upper", "above the lower price")
        if self.stop_loss is not None and self.stop_loss >= self.lower:
            raise BadGrid("stop_loss", "under the lower price")
        if self.take_profit is not None and self.take_profit <= self.upper:
            raise BadGrid("take_profit", "over the upper price")
        prices = self.levels
        if any(low >= high for low, high in pairwise(prices)):
            raise BadGrid("levels", "fewer levels: two of them fall on the same price tick")

    @cached_property
    def levels(self) -> tuple[Decimal, ...]:
        """The prices, lowest first, each on the pair's tick (the bounds as given)."""
        last = self.count - 1
        if self.spacing == "geometric":
            ratio = self.upper / self.lower
            raw = [self.lower * ratio ** (Decimal(i) / last) for i in range(self.count)]
        else:
            width = (self.upper - self.lower) / last
            raw = [self.lower + width * i for i in range(self.count)]
        return tuple(_on_tick(price, self.tick) for price in raw)

    def quantity_at(self, level: int) -> Decimal:
        """What a buy at `level` asks for: the coin amount, or the rupiah amount's worth at
        the level's price, down to the pair's step."""
        if self.amount_coin is not None:
            return floor_to_step(self.amount_coin, self.step)
        assert self.amount_idr is not None
        return floor_to_step(self.amount_idr / self.levels[level], self.step)

    def layout(self, price: Decimal) -> Layout:
        prices = self.levels
        gap = min(range(self.count), key=lambda i: (abs(prices[i] - price), i))
        buys = tuple(i for i in range(gap - 1, -1, -1))
        sells = tuple(range(gap + 1, self.count))
        return Layout(gap, buys, sells)

    def coins_for(self, layout: Layout) -> Decimal:
        """What the sells of a layout hold, each its level's quantity."""
        return sum((self.quantity_at(level) for level in layout.sells), Decimal(0))

    def coin_purchase(self, layout: Layout, price: Decimal) -> Decimal:
        """The rupiah a market buy of the sells' coins spends at `price`, its fee and the
        margin included, whole rupiah rounded up."""
        coins = self.coins_for(layout)
        value = coins * price * (1 + COIN_MARGIN) / (1 - self.taker_fee)
        return value.to_integral_value(ROUND_CEILING)

    def smallest_step_pct(self) -> Decimal:
        prices = self.levels
        steps = ((high - low) / low for low, high in pairwise(prices))
        return min(steps) * HUNDRED

    def refuse_thin(self, maker_fee: Decimal) -> None:
        """A completed pair pays a maker fee on its buy and its sell and the tax on its
        sell: a smaller step than that loses money on every pair."""
        cost = round_trip_pct(maker_fee)
        step = self.smallest_step_pct()
        if step <= cost:
            raise ThinGrid(step.quantize(Decimal("0.001")), cost.quantize(Decimal("0.001")))

    def pair_profit(self, level: int, maker_fee: Decimal) -> Decimal:
        """A completed buy at `level` then sell one level up, after fees and tax, estimated
        at the rates (a running grid counts the fees Indodax reports)."""
        quantity, low, high = self.quantity_at(level), self.levels[level], self.levels[level + 1]
        costs = quantity * low * maker_fee + quantity * high * (maker_fee + SALES_TAX)
        return quantity * (high - low) - costs


def round_trip_pct(maker_fee: Decimal) -> Decimal:
    return (2 * maker_fee + SALES_TAX) * HUNDRED


def _on_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(ROUND_HALF_UP) * tick


def _positive(value: Any, name: str) -> Decimal:
    number = decimal_parameter(value, name, BadGrid)
    if number <= 0:
        raise BadGrid(name, "above 0")
    return number


def _optional(value: Any, name: str) -> Decimal | None:
    if value in (None, "", "0", "-"):
        return None
    return _positive(value, name)


def _whole(value: Any, name: str) -> int:
    number = decimal_parameter(value, name, BadGrid)
    if number != number.to_integral_value():
        raise BadGrid(name, "a whole number")
    return int(number)
