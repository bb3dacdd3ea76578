"""A DCA's plan as its parameters state it, checked once when the strategy is built (and
when its set-up is previewed): a plan that does not make sense never runs.

Parameters, as stored in the strategy row (text, as typed after reading):
  quote_amount           whole rupiah per scheduled buy
  schedule               see schedule.py
  order_type             market | limit; offset_pct: a limit's distance under the last price
  unfilled               cancel | move: a limit still open at the next run is cancelled and
                         its unspent rupiah given up, or added to the next run's order
  max_buys, budget       the plan ends after this many scheduled buys, or when the rupiah
                         left cannot pay a whole one
  missed                 skip | catch_up: a run the bot missed while it was down
  pause_after_refusals   refused buys in a row that pause the strategy (3)
  safety_count           safety orders per cycle (0: none, at most 25), placed as the price
                         falls safety_deviation_pct, then each step times safety_step_scale
                         further, under the cycle's first price; the first buys
                         safety_amount rupiah (quote_amount if not given), each next one
                         safety_volume_scale times the one before
  take_profit_pct        sell the whole cycle once the price is this far above its average
                         cost, fees included (0: never)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any, Literal

from actors.strategies.parameters import BadParameter, decimal_parameter
from actors.strategies.schedule import Schedule, parse_schedule

ZERO = Decimal(0)
MAX_SAFETY_ORDERS = 25
MAX_SCALE = Decimal(10)


class BadPlan(BadParameter):
    """The strategy's parameters do not make a DCA plan."""


@dataclass(frozen=True)
class SafetyPlan:
    count: int = 0
    deviation_pct: Decimal = ZERO
    step_scale: Decimal = Decimal(1)
    volume_scale: Decimal = Decimal(1)
    amount: int = 0
    take_profit_pct: Decimal = ZERO

    @classmethod
    def from_params(cls, params: dict[str, Any], quote_amount: int) -> SafetyPlan:
        count = int(_decimal(params.get("safety_count") or 0, "safety_count"))
        if not 0 <= count <= MAX_SAFETY_ORDERS:
            raise BadPlan("safety_count", f"from 0 to {MAX_SAFETY_ORDERS}")
        plan = cls(
            count=count,
            deviation_pct=_decimal(params.get("safety_deviation_pct") or 0, "safety_deviation_pct"),
            step_scale=_scale(params.get("safety_step_scale"), "safety_step_scale"),
            volume_scale=_scale(params.get("safety_volume_scale"), "safety_volume_scale"),
            amount=_optional_whole(params.get("safety_amount"), "safety_amount") or quote_amount,
            take_profit_pct=_decimal(params.get("take_profit_pct") or 0, "take_profit_pct"),
        )
        if count and not ZERO < plan.deviation(count) < 100:
            raise BadPlan("safety_deviation_pct", "the last safety order above 0 and under 100 %")
        if not ZERO <= plan.take_profit_pct <= 1000:
            raise BadPlan("take_profit_pct", "from 0 to 1000")
        return plan

    def deviation(self, k: int) -> Decimal:
        """D(k): how far, in percent, safety order k is under the cycle's first price."""
        step, total = self.deviation_pct, ZERO
        for _ in range(k):
            total += step
            step *= self.step_scale
        return total

    def amount_of(self, k: int) -> int:
        """The rupiah safety order k buys for."""
        return int((self.amount * self.volume_scale ** (k - 1)).to_integral_value(ROUND_DOWN))


@dataclass(frozen=True)
class DcaPlan:
    quote_amount: int
    schedule: Schedule
    order_type: Literal["market", "limit"] = "market"
    offset_pct: Decimal = ZERO
    unfilled: Literal["cancel", "move"] = "cancel"
    max_buys: int | None = None
    budget: int | None = None  # rupiah, fees included
    missed: Literal["skip", "catch_up"] = "skip"
    pause_after_refusals: int = 3
    safety: SafetyPlan = field(default_factory=SafetyPlan)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> DcaPlan:
        order_type = params.get("order_type", "market")
        unfilled = params.get("unfilled", "cancel")
        missed = params.get("missed", "skip")
        if order_type not in ("market", "limit"):
            raise BadPlan("order_type", "market or limit")
        if unfilled not in ("cancel", "move"):
            raise BadPlan("unfilled", "cancel or move")
        if missed not in ("skip", "catch_up"):
            raise BadPlan("missed", "skip or catch_up")
        offset = _decimal(params.get("offset_pct") or 0, "offset_pct")
        if not ZERO <= offset < 100:
            raise BadPlan("offset_pct", "from 0 to under 100")
        quote_amount = _whole(params.get("quote_amount"), "quote_amount")
        plan = cls(
            quote_amount=quote_amount,
            schedule=parse_schedule(str(params.get("schedule", ""))),
            order_type=order_type,
            offset_pct=offset,
            unfilled=unfilled,
            max_buys=_optional_whole(params.get("max_buys"), "max_buys"),
            budget=_optional_whole(params.get("budget"), "budget"),
            missed=missed,
            pause_after_refusals=_whole(
                params.get("pause_after_refusals", 3), "pause_after_refusals"
            ),
            safety=SafetyPlan.from_params(params, quote_amount),
        )
        if plan.budget is not None and plan.budget < plan.quote_amount:
            raise BadPlan("budget", "pays for at least one run")
        return plan

    def limit_price(self, last: Decimal) -> Decimal:
        """A limit run's price: `offset_pct` under the last price, in whole rupiah (the desk
        floors it to the pair's tick)."""
        return (last * (100 - self.offset_pct) / 100).quantize(Decimal(1), rounding=ROUND_DOWN)


def _decimal(value: Any, name: str) -> Decimal:
    return decimal_parameter(value, name, BadPlan)


def _whole(value: Any, name: str) -> int:
    number = _decimal(value, name)
    if number != number.to_integral_value() or number <= 0:
        raise BadPlan(name, "a whole number above 0")
    return int(number)


def _optional_whole(value: Any, name: str) -> int | None:
    return None if value in (None, "") else _whole(value, name)


def _scale(value: Any, name: str) -> Decimal:
    scale = Decimal(1) if value in (None, "") else _decimal(value, name)
    if not ZERO < scale <= MAX_SCALE:
        raise BadPlan(name, f"above 0, at most {MAX_SCALE}")
    return scale
