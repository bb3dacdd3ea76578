"""From what a user asked for to the exact TAPI v1 `trade` parameters, or the reason why not.

Rounding always goes the user's safe way: a buy never pays more per coin and a sell never
takes less than the price typed, and no amount grows. A price off the tick is rounded, not
refused (`order.price_not_on_tick` does not exist): the confirmation step shows the rounded
values. Minimums are checked on the rounded values, because those are what the exchange sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import (
    ROUND_FLOOR,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from enum import StrEnum
from typing import Literal, get_args

from adapters.indodax.markets import PairInfo
from adapters.indodax.numbers import wire_decimal
from adapters.indodax.pairs import Pair

Side = Literal["buy", "sell"]
OrderType = Literal["limit", "market"]
_SIDES, _ORDER_TYPES = get_args(Side), get_args(OrderType)

# Numbers a user may give: at most 10^18 and no finer than 10^-30, so every value below
# has under 50 digits and every product of two under 100: `_EXACT` never rounds (its
# Inexact trap guards that), whatever the context of the calling thread says. `_LOOSE`
# only tells whether a number is too finely divided, which holds even when it rounds.
MAX_NUMBER = Decimal("1e18")
FINEST_NUMBER = Decimal("1e-30")
# No order is worth more than this in its quote currency (a thousand trillion rupiah):
# far beyond any account, and a value every message can still show.
MAX_ORDER_VALUE = Decimal("1e15")
# PPh final on every sale on an Indonesian exchange (PMK 50/2025, from 2025-08-01): Indodax
# takes it with the fee and reports both together in the sale's commission. Where a
# commission is reported, that is what counts; this rate is for what is estimated or
# simulated (a preview, the paper account, the simulator, a backtest).
SALES_TAX = Decimal("0.0021")
_EXACT = Context(prec=100, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
_DOWN = Context(prec=100, rounding=ROUND_FLOOR, traps=[InvalidOperation, DivisionByZero, Overflow])
_LOOSE = Context(prec=100, traps=[InvalidOperation, DivisionByZero, Overflow])


class Reason(StrEnum):
    """Message keys for the chat adapters to translate; `Refusal.params` fills them in."""

    MARKET_SUSPENDED = "order.market_suspended"  # pair
    MARKET_MAINTENANCE = "order.market_maintenance"  # pair
    PRICE_REQUIRED = "order.price_required"
    PRICE_NOT_POSITIVE = "order.price_not_positive"  # value
    PRICE_BELOW_TICK = "order.price_below_tick"  # tick, currency
    AMOUNT_REQUIRED = "order.amount_required"
    AMOUNT_AMBIGUOUS = "order.amount_ambiguous"
    AMOUNT_NOT_POSITIVE = "order.amount_not_positive"  # field, value
    NUMBER_OUT_OF_RANGE = "order.number_out_of_range"  # field, value
    VALUE_OUT_OF_RANGE = "order.value_out_of_range"  # maximum, currency
    SELL_NEEDS_QUANTITY = "order.sell_needs_quantity"  # currency (the coin)
    MARKET_BUY_NEEDS_IDR = "order.market_buy_needs_idr"  # currency (the quote: IDR or USDT)
    QUANTITY_BELOW_STEP = "order.quantity_below_step"  # step, currency
    MIN_QUANTITY = "order.min_quantity"  # minimum, quantity, currency
    MIN_VALUE = "order.min_value"  # minimum, value, currency


_ENGLISH: Mapping[Reason, str] = {
    Reason.MARKET_SUSPENDED: "market {pair} is suspended",
    Reason.MARKET_MAINTENANCE: "market {pair} is under maintenance",
    Reason.PRICE_REQUIRED: "a limit order needs a price",
    Reason.PRICE_NOT_POSITIVE: "price {value} is not a positive number",
    Reason.PRICE_BELOW_TICK: "price is below the smallest price step {tick} {currency}",
    Reason.AMOUNT_REQUIRED: "an order needs a coin quantity or a quote amount",
    Reason.AMOUNT_AMBIGUOUS: "give either a coin quantity or a quote amount, not both",
    Reason.AMOUNT_NOT_POSITIVE: "{field} {value} is not a positive number",
    Reason.NUMBER_OUT_OF_RANGE: "{field} {value} is too large or too finely divided",
    Reason.VALUE_OUT_OF_RANGE: "an order is worth at most {maximum} {currency}",
    Reason.SELL_NEEDS_QUANTITY: "a sell is sized in {currency}, not in the quote currency",
    Reason.MARKET_BUY_NEEDS_IDR: "a market buy is sized in {currency}, not in coins",
    Reason.QUANTITY_BELOW_STEP: "quantity is below the smallest step {step} {currency}",
    Reason.MIN_QUANTITY: "quantity {quantity} {currency} is below the minimum {minimum} {currency}",
    Reason.MIN_VALUE: "order value {value} {currency} is below the minimum {minimum} {currency}",
}


@dataclass(frozen=True)
class Refusal:
    reason: Reason
    params: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.reason}: {_ENGLISH[self.reason].format_map(self.params)}"


@dataclass(frozen=True)
class OrderIntent:
    """What the user asked for, unrounded. Give `quantity` (base coin) or `quote_amount`
    (IDR or USDT to spend), not both. A market order's `price` is never sent: on a market
    sell it is only the reference for the value estimate and the minimum-value check, and
    on a market buy (sized by its quote amount) it is ignored."""

    pair: Pair
    side: Side
    order_type: OrderType
    price: Decimal | None = None
    quantity: Decimal | None = None
    quote_amount: Decimal | None = None

    def __post_init__(self) -> None:
        if self.side not in _SIDES or self.order_type not in _ORDER_TYPES:
            raise ValueError(f"no such order: {self.side!r} {self.order_type!r}")


@dataclass(frozen=True)
class TapiOrder:
    """An order the exchange will accept as far as the market's rules go: price on the
    tick (limit only), quantity on the step (absent only on a market buy), quote amount in
    the quote's smallest unit, whole rupiah on IDR pairs (market buy only). Estimates are
    `None` for a market sell without a reference price."""

    pair: Pair
    side: Side
    order_type: OrderType
    price: Decimal | None
    quantity: Decimal | None
    quote_amount: Decimal | None
    estimated_value: Decimal | None
    estimated_fee: Decimal | None

    def params(self) -> dict[str, str]:
        """The `trade` parameters of field guide §2.2, without auth or client_order_id. The
        quantity goes under the coin id (`btc`, `idx` for IDRX), a market buy's amount
        under the quote id (`idr`; `usdt` on USDT pairs, as CCXT sends it)."""
        params = {"pair": self.pair.ticker_id, "type": self.side, "order_type": self.order_type}
        if self.price is not None:
            params["price"] = wire_decimal(self.price)
        if self.quote_amount is not None:
            params[self.pair.quote] = wire_decimal(self.quote_amount)
        if self.quantity is not None:
            params[self.pair.base] = wire_decimal(self.quantity)
        return params


def validate_order(intent: OrderIntent, info: PairInfo) -> TapiOrder | Refusal:
    if intent.pair != info.pair:
        raise ValueError(f"rules of {info.pair} given for an order on {intent.pair}")
    refusal = _market_closed(info) or _bad_number(intent) or _bad_shape(intent, info)
    if refusal is not None:
        return refusal
    if intent.order_type == "limit":
        return _limit(intent, info)
    if intent.side == "buy":
        return _market_buy(intent, info)
    return _market_sell(intent, info)


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """The largest multiple of `step` not above `value` (both positive), exactly, written
    with the step's decimals (`0.00012345`, not `0.000123450000`)."""
    floor = _EXACT.subtract(value, _EXACT.remainder(value, step))
    return _EXACT.quantize(floor, Decimal(1).scaleb(min(int(step.as_tuple().exponent), 0)))


def ceil_to_step(value: Decimal, step: Decimal) -> Decimal:
    """The smallest multiple of `step` not below `value` (both positive), exactly."""
    floor = floor_to_step(value, step)
    return floor if floor == value else _EXACT.add(floor, step)


def _market_closed(info: PairInfo) -> Refusal | None:
    if info.suspended:
        return Refusal(Reason.MARKET_SUSPENDED, {"pair": info.display})
    if info.maintenance:
        return Refusal(Reason.MARKET_MAINTENANCE, {"pair": info.display})
    return None


def _bad_number(intent: OrderIntent) -> Refusal | None:
    numbers = {
        "price": intent.price,
        "quantity": intent.quantity,
        "quote_amount": intent.quote_amount,
    }
    for name, value in numbers.items():
        if value is None:
            continue
        if not value.is_finite() or value <= 0:
            if name == "price":
                return Refusal(Reason.PRICE_NOT_POSITIVE, {"value": str(value)})
            return Refusal(Reason.AMOUNT_NOT_POSITIVE, {"field": name, "value": str(value)})
        if value > MAX_NUMBER or _LOOSE.remainder(value, FINEST_NUMBER) != 0:
            return Refusal(Reason.NUMBER_OUT_OF_RANGE, {"field": name, "value": str(value)})
    return None


def _bad_shape(intent: OrderIntent, info: PairInfo) -> Refusal | None:
    if intent.quantity is not None and intent.quote_amount is not None:
        return Refusal(Reason.AMOUNT_AMBIGUOUS)
    if intent.quantity is None and intent.quote_amount is None:
        return Refusal(Reason.AMOUNT_REQUIRED)
    if intent.side == "sell" and intent.quantity is None:
        return Refusal(Reason.SELL_NEEDS_QUANTITY, {"currency": info.base_unit})
    if intent.order_type == "market" and intent.side == "buy" and intent.quote_amount is None:
        return Refusal(Reason.MARKET_BUY_NEEDS_IDR, {"currency": info.quote_unit})
    if intent.order_type == "limit" and intent.price is None:
        return Refusal(Reason.PRICE_REQUIRED)
    return None


def _limit(intent: OrderIntent, info: PairInfo) -> TapiOrder | Refusal:
    """A limit buy given a quote amount is sent as a coin quantity: TAPI refuses `idr`
    with `order_type=limit`, and the quantity is floored so the cost stays within it."""
    assert intent.price is not None
    if intent.side == "buy":
        price = floor_to_step(intent.price, info.tick)
    else:
        price = ceil_to_step(intent.price, info.tick)
    if price == 0:
        return Refusal(
            Reason.PRICE_BELOW_TICK, {"tick": wire_decimal(info.tick), "currency": info.quote_unit}
        )
    if intent.quantity is not None:
        wanted = intent.quantity
    else:
        assert intent.quote_amount is not None
        wanted = _DOWN.divide(floor_to_step(intent.quote_amount, info.quote_step), price)
    quantity = floor_to_step(wanted, info.quantity_step)
    value = _EXACT.multiply(quantity, price)
    return _checked(
        intent,
        info,
        price=price,
        quantity=quantity,
        quote_amount=None,
        value=value,
        fee_rate=info.maker_fee,
    )


def _market_buy(intent: OrderIntent, info: PairInfo) -> TapiOrder | Refusal:
    assert intent.quote_amount is not None
    amount = floor_to_step(intent.quote_amount, info.quote_step)
    return _checked(
        intent,
        info,
        price=None,
        quantity=None,
        quote_amount=amount,
        value=amount,
        fee_rate=info.taker_fee,
    )


def _market_sell(intent: OrderIntent, info: PairInfo) -> TapiOrder | Refusal:
    assert intent.quantity is not None
    quantity = floor_to_step(intent.quantity, info.quantity_step)
    value = None if intent.price is None else _EXACT.multiply(quantity, intent.price)
    return _checked(
        intent,
        info,
        price=None,
        quantity=quantity,
        quote_amount=None,
        value=value,
        fee_rate=info.taker_fee,
    )


def _checked(
    intent: OrderIntent,
    info: PairInfo,
    *,
    price: Decimal | None,
    quantity: Decimal | None,
    quote_amount: Decimal | None,
    value: Decimal | None,
    fee_rate: Decimal,
) -> TapiOrder | Refusal:
    refusal = _below_minimum(info, quantity, value)
    if refusal is not None:
        return refusal
    if value is not None and value > MAX_ORDER_VALUE:
        return Refusal(
            Reason.VALUE_OUT_OF_RANGE,
            {"maximum": wire_decimal(MAX_ORDER_VALUE), "currency": info.quote_unit},
        )
    fee = None if value is None else ceil_to_step(_DOWN.multiply(value, fee_rate), info.quote_step)
    return TapiOrder(
        pair=intent.pair,
        side=intent.side,
        order_type=intent.order_type,
        price=price,
        quantity=quantity,
        quote_amount=quote_amount,
        estimated_value=_in_quote_units(value, intent.side, info.quote_step),
        estimated_fee=fee,
    )


def _in_quote_units(value: Decimal | None, side: str, step: Decimal) -> Decimal | None:
    """The value as the quote currency counts it (whole rupiah on IDR pairs), rounded against
    the user: a buy costs at most this, a sell brings at least this."""
    if value is None:
        return None
    return ceil_to_step(value, step) if side == "buy" else floor_to_step(value, step)


def _below_minimum(
    info: PairInfo, quantity: Decimal | None, value: Decimal | None
) -> Refusal | None:
    """A zero value is refused even on a market without a minimum: an order must move
    something, and the exchange's smallest unit is then the minimum to report."""
    if quantity is not None:
        if quantity == 0:
            return Refusal(
                Reason.QUANTITY_BELOW_STEP,
                {"step": wire_decimal(info.quantity_step), "currency": info.base_unit},
            )
        if quantity < info.min_quantity:
            return Refusal(
                Reason.MIN_QUANTITY,
                {
                    "minimum": wire_decimal(info.min_quantity),
                    "quantity": wire_decimal(quantity),
                    "currency": info.base_unit,
                },
            )
    if value is not None and (value < info.min_value or value == 0):
        return Refusal(
            Reason.MIN_VALUE,
            {
                "minimum": wire_decimal(max(info.min_value, info.quote_step)),
                "value": wire_decimal(value),
                "currency": info.quote_unit,
            },
        )
    return None
