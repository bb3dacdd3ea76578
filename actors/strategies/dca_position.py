"""A DCA cycle's position: what it bought and what that cost, its average, where its next
safety order and its take-profit are. Pure arithmetic on Decimal, saved in the strategy's
state as text.

A cycle starts with its first fill; safety order k (from 1) is placed when the price falls
D(k) percent under that first fill's price (dca_plan.py says how far and for how much).
The take-profit sells everything the cycle holds once the price is `take_profit_pct`
above the cycle's average cost (fees included), and the next cycle starts with the next
scheduled buy.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from actors.strategies.dca_plan import SafetyPlan
from actors.strategies.money import whole_rupiah

ZERO = Decimal(0)


@dataclass(frozen=True)
class Position:
    bought: Decimal = ZERO  # coins the cycle holds
    cost: Decimal = ZERO  # rupiah they cost, fees included
    first_price: Decimal | None = None
    safeties: int = 0  # safety orders of the cycle filled or asked for

    @classmethod
    def saved(cls, state: dict[str, Any]) -> Position:
        first = state.get("cycle_first_price")
        return cls(
            Decimal(state.get("cycle_bought", "0")),
            Decimal(state.get("cycle_cost", "0")),
            None if first in (None, "") else Decimal(first),
            int(state.get("cycle_safeties", 0)),
        )

    def to_state(self) -> dict[str, Any]:
        return {
            "cycle_bought": str(self.bought),
            "cycle_cost": str(self.cost),
            "cycle_first_price": "" if self.first_price is None else str(self.first_price),
            "cycle_safeties": self.safeties,
        }

    def bought_at(
        self, quantity: Decimal, price: Decimal, fee: Decimal
    ) -> tuple[Position, Decimal]:
        """After a buy fill, and the rupiah it cost."""
        spent = whole_rupiah(quantity * price) + fee
        first = self.first_price if self.first_price is not None or quantity == 0 else price
        return Position(self.bought + quantity, self.cost + spent, first, self.safeties), spent

    def sold_at(self, quantity: Decimal, price: Decimal, fee: Decimal) -> tuple[Position, Decimal]:
        """After a sell fill, and the profit it realised: what it brought in, fees and tax
        taken, less the average cost of the coins sold."""
        if self.bought <= 0:
            return self, ZERO
        part = min(quantity, self.bought)
        cost = (self.cost * part / self.bought).quantize(Decimal("0.01"), ROUND_HALF_UP)
        proceeds = whole_rupiah(quantity * price) - fee
        left = Position(self.bought - part, self.cost - cost, self.first_price, self.safeties)
        return left, proceeds - cost

    def asked_safety(self) -> Position:
        """With the next safety order counted (asked for, or skipped)."""
        return Position(self.bought, self.cost, self.first_price, self.safeties + 1)

    def next_cycle(self) -> Position:
        """After the take-profit sold: what it could not sell (under the pair's step) and its
        cost stay, the next buy starts the cycle's levels afresh."""
        return Position(self.bought, self.cost, None, 0)

    @property
    def average(self) -> Decimal | None:
        return None if self.bought <= 0 else self.cost / self.bought

    def next_safety(self, plan: SafetyPlan) -> tuple[int, Decimal] | None:
        """The next safety order's number and the price that places it; None when the cycle
        has none left (or has not started)."""
        if self.first_price is None or self.safeties >= plan.count:
            return None
        k = self.safeties + 1
        level = self.first_price * (100 - plan.deviation(k)) / 100
        return k, level.quantize(Decimal(1), ROUND_DOWN)

    def take_profit(self, plan: SafetyPlan) -> Decimal | None:
        average = self.average
        if average is None or plan.take_profit_pct <= 0:
            return None
        level = average * (100 + plan.take_profit_pct) / 100
        return level.quantize(Decimal(1), ROUND_HALF_UP)
