"""What one fill moves, as Indodax counts it (the simulator's engine, adapters/simulator/
engine.py, moves money the same way): the paper account fills by it, and so does a
backtest's replay, so a strategy is charged alike on paper and in a replay.

* The fee is charged in the quote currency, out of the trade's value: a buy worth V gets
  (V - fee) / price coins, a sale worth V receives V - fee.
* Rounding never favours the trader, so rounding can create no money: what the trader pays
  (a buy's value, the fee, the tax) is rounded up to the quote's step (1 IDR on IDR pairs),
  what they receive (a sale's value, coins) down, coins to the pair's quantity step.
  Rounding the fee up is also how order_rules estimates it, so the fee charged for a value
  is the fee a confirmation showed for it.
* A sale also pays the 0.21 % final income tax (PPh, PMK 50/2025): Indodax reports it
  inside the sale's commission.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal, DivisionByZero, InvalidOperation, Overflow

from adapters.indodax.markets import PairInfo
from adapters.indodax.order_rules import SALES_TAX, Side, ceil_to_step, floor_to_step

# Order amounts are under 50 digits (order_rules' bounds), so products are exact at this
# precision; a quotient is rounded down here and then floored to its step.
_MATH = Context(prec=100, rounding=ROUND_FLOOR, traps=[InvalidOperation, DivisionByZero, Overflow])


@dataclass(frozen=True)
class FillAmounts:
    value: Decimal  # quote currency: what a buy pays, what a sale brings before its fee
    fee: Decimal  # quote currency
    coins: Decimal  # what a buy receives, what a sale gives


def fill_amounts(
    side: Side,
    price: Decimal,
    fee_rate: Decimal,
    info: PairInfo,
    *,
    quantity: Decimal | None = None,
    quote_amount: Decimal | None = None,
) -> FillAmounts:
    """A whole order filled at `price`: a buy sized by its quote amount (a market buy) or by
    its coins (a limit buy, paying what they are worth at `price`), a sale by its coins."""
    if side == "buy":
        value = quote_amount
        if value is None:
            assert quantity is not None
            value = coin_value(quantity, price, info)
        fee = fee_on(value, fee_rate, info)
        coins = floor_to_step(_MATH.divide(value - fee, price), info.quantity_step)
        return FillAmounts(value, fee, coins)
    assert quantity is not None
    value = floor_to_step(_MATH.multiply(quantity, price), info.quote_step)
    return FillAmounts(value, fee_on(value, fee_rate, info), quantity)


def coin_value(quantity: Decimal, price: Decimal, info: PairInfo) -> Decimal:
    """What a coin-sized buy pays, and what a resting one holds: its coins at `price`,
    rounded up to the quote's step."""
    return ceil_to_step(_MATH.multiply(quantity, price), info.quote_step)


def fee_on(value: Decimal, rate: Decimal, info: PairInfo) -> Decimal:
    return ceil_to_step(_MATH.multiply(value, rate), info.quote_step)


def sales_tax(value: Decimal, info: PairInfo) -> Decimal:
    """The final income tax on a sale worth `value`."""
    return ceil_to_step(_MATH.multiply(value, SALES_TAX), info.quote_step)
