from __future__ import annotations

import json
import math
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.indodax.markets import PairInfo, parse_pairs
from adapters.indodax.order_rules import (
    MAX_ORDER_VALUE,
    OrderIntent,
    Reason,
    Refusal,
    TapiOrder,
    ceil_to_step,
    floor_to_step,
    validate_order,
    wire_decimal,
)
from adapters.indodax.pairs import Pair

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "indodax"
MARKETS = parse_pairs(
    json.loads((FIXTURES / "pairs.json").read_text()),
    json.loads((FIXTURES / "price_increments.json").read_text()),
)
BTC_IDR = MARKETS[Pair("btc", "idr")]
BTC_USDT = MARKETS[Pair("btc", "usdt")]
# `pepe_idr` has the documented increment 0.001 but no /api/pairs row in the fixtures; the
# whole-coin step and minimum are illustrative, to cover steps and ticks of other scales.
PEPE_IDR = replace(
    BTC_IDR,
    pair=Pair("pepe", "idr"),
    tick=Decimal("0.001"),
    quantity_step=Decimal("1"),
    min_quantity=Decimal("1"),
    base_unit="PEPE",
)
IDX_IDR = replace(BTC_IDR, pair=Pair("idx", "idr"), tick=Decimal("1"), base_unit="IDRX")
INFOS = (BTC_IDR, BTC_USDT, PEPE_IDR, IDX_IDR)
D = Decimal


def intent(info: PairInfo, side, order_type, price=None, *, quantity=None, quote_amount=None):
    return OrderIntent(
        info.pair,
        side,
        order_type,
        price=None if price is None else D(price),
        quantity=None if quantity is None else D(quantity),
        quote_amount=None if quote_amount is None else D(quote_amount),
    )


@pytest.mark.parametrize(
    ("order", "params"),
    [
        pytest.param(
            intent(BTC_IDR, "buy", "limit", "1550000999", quantity="0.000123456789"),
            {"price": "1550000000", "btc": "0.00012345"},
            id="limit buy price rounds down to the tick, quantity floors to the step",
        ),
        pytest.param(
            intent(BTC_IDR, "sell", "limit", "1550000001", quantity="0.0001"),
            {"price": "1550001000", "btc": "0.0001"},
            id="limit sell price rounds up to the tick",
        ),
        pytest.param(
            intent(BTC_IDR, "buy", "limit", "1550000000", quote_amount="200000.9"),
            {"price": "1550000000", "btc": "0.00012903"},
            id="limit buy sized in IDR is sent as a floored coin quantity",
        ),
        pytest.param(
            intent(BTC_IDR, "buy", "market", quote_amount="150000.9"),
            {"idr": "150000"},
            id="market buy IDR floors to an integer",
        ),
        pytest.param(
            intent(BTC_IDR, "sell", "market", "1500000000", quantity="0.00100000"),
            {"btc": "0.001"},
            id="market sell never sends its reference price",
        ),
        pytest.param(
            intent(BTC_USDT, "buy", "limit", "65000.1234567", quantity="0.0002"),
            {"price": "65000.123456", "btc": "0.0002"},
            id="usdt limit buy keeps six price decimals",
        ),
        pytest.param(
            intent(BTC_USDT, "sell", "limit", "65000.1234561", quantity="0.0002"),
            {"price": "65000.123457", "btc": "0.0002"},
            id="usdt limit sell rounds up to the micro tick",
        ),
        pytest.param(
            intent(BTC_USDT, "buy", "market", quote_amount="10.123456789"),
            {"usdt": "10.12345678"},
            id="usdt market buy floors to eight quote decimals under the quote id",
        ),
        pytest.param(
            intent(PEPE_IDR, "buy", "limit", "0.0129", quantity="1000000.9"),
            {"price": "0.012", "pepe": "1000000"},
            id="sub-rupiah tick and whole-coin step",
        ),
        pytest.param(
            intent(IDX_IDR, "sell", "limit", "1", quantity="20000"),
            {"price": "1", "idx": "20000"},
            id="IDRX is sent under its coin id idx",
        ),
    ],
)
def test_accepted_orders_carry_the_exact_trade_parameters(order, params):
    result = validate_order(order, MARKETS.get(order.pair) or _info_of(order.pair))
    assert isinstance(result, TapiOrder), str(result)
    assert result.params() == {
        "pair": order.pair.ticker_id,
        "type": order.side,
        "order_type": order.order_type,
        **params,
    }


def _info_of(pair: Pair) -> PairInfo:
    return next(info for info in INFOS if info.pair == pair)


REFUSALS = [
    (
        replace(BTC_IDR, suspended=True),
        intent(BTC_IDR, "buy", "market", quote_amount="50000"),
        Reason.MARKET_SUSPENDED,
        {"pair": "BTC/IDR"},
    ),
    (
        replace(IDX_IDR, maintenance=True),
        intent(IDX_IDR, "sell", "market", quantity="50000"),
        Reason.MARKET_MAINTENANCE,
        {"pair": "IDRX/IDR"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "buy", "limit", "0", quantity="1"),
        Reason.PRICE_NOT_POSITIVE,
        {"value": "0"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "sell", "limit", "-1550000000", quantity="1"),
        Reason.PRICE_NOT_POSITIVE,
        {"value": "-1550000000"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "sell", "market", "NaN", quantity="1"),
        Reason.PRICE_NOT_POSITIVE,
        {"value": "NaN"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "sell", "limit", "1550000000", quantity="0"),
        Reason.AMOUNT_NOT_POSITIVE,
        {"field": "quantity", "value": "0"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "buy", "market", quote_amount="Infinity"),
        Reason.AMOUNT_NOT_POSITIVE,
        {"field": "quote_amount", "value": "Infinity"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "buy", "market", quote_amount="1e19"),
        Reason.NUMBER_OUT_OF_RANGE,
        {"field": "quote_amount", "value": "1E+19"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "sell", "limit", "1550000000", quantity="1000000"),
        Reason.VALUE_OUT_OF_RANGE,
        {"maximum": "1000000000000000", "currency": "IDR"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "sell", "limit", "1550000000", quantity="1e-31"),
        Reason.NUMBER_OUT_OF_RANGE,
        {"field": "quantity", "value": "1E-31"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "buy", "limit", "1550000000", quantity="1", quote_amount="1"),
        Reason.AMOUNT_AMBIGUOUS,
        {},
    ),
    (BTC_IDR, intent(BTC_IDR, "buy", "limit", "1550000000"), Reason.AMOUNT_REQUIRED, {}),
    (
        BTC_IDR,
        intent(BTC_IDR, "sell", "limit", "1550000000", quote_amount="100000"),
        Reason.SELL_NEEDS_QUANTITY,
        {"currency": "BTC"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "sell", "market", quote_amount="100000"),
        Reason.SELL_NEEDS_QUANTITY,
        {"currency": "BTC"},
    ),
    (
        BTC_USDT,
        intent(BTC_USDT, "buy", "market", "65000", quantity="0.001"),
        Reason.MARKET_BUY_NEEDS_IDR,
        {"currency": "USDT"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "buy", "limit", quantity="0.001"),
        Reason.PRICE_REQUIRED,
        {},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "buy", "limit", "999", quantity="100"),
        Reason.PRICE_BELOW_TICK,
        {"tick": "1000", "currency": "IDR"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "sell", "limit", "1550000000", quantity="0.000000009"),
        Reason.QUANTITY_BELOW_STEP,
        {"step": "0.00000001", "currency": "BTC"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "sell", "limit", "1550000000", quantity="0.00009999"),
        Reason.MIN_QUANTITY,
        {"minimum": "0.0001", "quantity": "0.00009999", "currency": "BTC"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "buy", "limit", "10000000", quantity="0.0001"),
        Reason.MIN_VALUE,
        {"minimum": "10000", "value": "1000", "currency": "IDR"},
    ),
    (
        BTC_IDR,
        intent(BTC_IDR, "buy", "market", quote_amount="9999.99"),
        Reason.MIN_VALUE,
        {"minimum": "10000", "value": "9999", "currency": "IDR"},
    ),
    (
        BTC_USDT,
        intent(BTC_USDT, "sell", "market", "9000", quantity="0.0001"),
        Reason.MIN_VALUE,
        {"minimum": "1", "value": "0.9", "currency": "USDT"},
    ),
    (
        replace(BTC_IDR, min_value=D(0)),
        intent(BTC_IDR, "buy", "market", quote_amount="0.5"),
        Reason.MIN_VALUE,
        {"minimum": "1", "value": "0", "currency": "IDR"},
    ),
]


@pytest.mark.parametrize(("info", "order", "reason", "params"), REFUSALS)
def test_refusals_name_the_rule_and_the_values_the_message_needs(info, order, reason, params):
    result = validate_order(order, info)
    assert result == Refusal(reason, params)
    assert str(result).startswith(f"{reason.value}: ")
    assert all(value in str(result) for value in params.values())


def test_every_refusal_reason_is_covered_by_the_table():
    assert {reason for _, _, reason, _ in REFUSALS} == set(Reason)


def test_a_sells_idr_value_is_shown_in_whole_rupiah_never_more_than_it_brings():
    result = validate_order(
        intent(BTC_IDR, "sell", "limit", "1549296001", quantity="0.0001"), BTC_IDR
    )
    assert isinstance(result, TapiOrder)
    assert result.estimated_value == D("154929")  # 154,929.6001 exact


def test_minimum_value_is_checked_after_rounding():
    order = intent(BTC_IDR, "buy", "limit", "49999000", quantity="0.000200009")
    assert order.price * order.quantity >= BTC_IDR.min_value
    result = validate_order(order, BTC_IDR)
    assert result == Refusal(
        Reason.MIN_VALUE, {"minimum": "10000", "value": "9999.8", "currency": "IDR"}
    )


def test_a_limit_buy_sized_in_idr_never_spends_more_than_given():
    result = validate_order(
        intent(BTC_IDR, "buy", "limit", "1550000000", quote_amount="200000"), BTC_IDR
    )
    assert isinstance(result, TapiOrder)
    assert result.estimated_value == D("199997")  # 199,996.5 exact, in whole rupiah
    assert "idr" not in result.params()


def test_limit_orders_estimate_the_maker_fee_and_market_orders_the_taker_fee():
    limit = validate_order(
        intent(BTC_IDR, "buy", "limit", "1550000000", quantity="0.0002"), BTC_IDR
    )
    market = validate_order(intent(BTC_IDR, "buy", "market", quote_amount="150000"), BTC_IDR)
    assert isinstance(limit, TapiOrder)
    assert isinstance(market, TapiOrder)
    assert (limit.estimated_value, limit.estimated_fee) == (D("310000"), D("310"))
    assert (market.estimated_value, market.estimated_fee) == (D("150000"), D("300"))


def test_fee_estimate_rounds_up_to_the_quote_unit():
    result = validate_order(
        intent(BTC_USDT, "buy", "limit", "65000", quantity="0.00012345"), BTC_USDT
    )
    assert isinstance(result, TapiOrder)
    assert result.estimated_value == D("8.02425")
    assert result.estimated_fee == D("0.00240728")  # 0.002407275 USDT rounded up


def test_a_market_sell_without_a_reference_price_has_no_estimate():
    result = validate_order(intent(BTC_IDR, "sell", "market", quantity="0.001"), BTC_IDR)
    assert isinstance(result, TapiOrder)
    assert (result.estimated_value, result.estimated_fee) == (None, None)


def test_rules_of_another_pair_are_a_programming_error():
    with pytest.raises(ValueError, match="rules of btc_usdt"):
        validate_order(intent(BTC_IDR, "buy", "market", quote_amount="50000"), BTC_USDT)


@pytest.mark.parametrize(("side", "order_type"), [("hold", "limit"), ("buy", "stoplimit")])
def test_an_unknown_side_or_order_type_cannot_be_built(side, order_type):
    with pytest.raises(ValueError, match="no such order"):
        OrderIntent(BTC_IDR.pair, side, order_type, quantity=D(1))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("1E-8"), "0.00000001"),
        (D("1.55E+9"), "1550000000"),
        (D("1E+3"), "1000"),
        (D("0.00010000"), "0.0001"),
        (D("150000.0"), "150000"),
        (D("0E-8"), "0"),
        (D("65000.123456"), "65000.123456"),
    ],
)
def test_wire_decimals_never_use_exponent_notation(value, text):
    assert wire_decimal(value) == text


@pytest.mark.parametrize(
    ("value", "step", "floor", "ceil"),
    [
        (D("1550000999"), D("1000"), D("1550000000"), D("1550001000")),
        (D("1550000000"), D("1000"), D("1550000000"), D("1550000000")),
        (D("0.0129"), D("0.001"), D("0.012"), D("0.013")),
        (D("0.7"), D("0.25"), D("0.5"), D("0.75")),
        (D("1E+18"), D("1E-12"), D("1E+18"), D("1E+18")),
        (D("0.000000001"), D("0.00000001"), D("0"), D("0.00000001")),
    ],
)
def test_rounding_to_a_step_is_exact_in_both_directions(value, step, floor, ceil):
    assert floor_to_step(value, step) == floor
    assert ceil_to_step(value, step) == ceil


# Property tests. Prices and amounts are drawn near each market's scale (so that many
# orders pass) and also across the whole accepted range (so that edges are hit).
REFERENCE_PRICE = {
    BTC_IDR.pair: D("1550000000"),
    BTC_USDT.pair: D("65000"),
    PEPE_IDR.pair: D("0.0125"),
    IDX_IDR.pair: D("1"),
}
WILD = st.builds(
    lambda digits, exponent: D(digits).scaleb(exponent),
    st.integers(1, 10**10),
    st.integers(-16, 8),
)


def near(center: Decimal) -> st.SearchStrategy[Decimal]:
    close = st.decimals(min_value=center / 4, max_value=center * 40, places=12)
    return st.one_of(close, close, close, WILD)


@st.composite
def orders(draw, shape_valid: bool = False, limit_only: bool = False):
    """Mostly well-formed orders; `shape_valid` leaves out every malformed combination."""
    info = draw(st.sampled_from(INFOS))
    side = draw(st.sampled_from(["buy", "sell"]))
    order_type = "limit" if limit_only else draw(st.sampled_from(["limit", "market"]))
    if shape_valid:
        priced = True
        by_quantity = side == "sell" or (order_type == "limit" and draw(st.booleans()))
        sizing = "quantity" if by_quantity else "quote_amount"
    else:
        priced = draw(st.sampled_from([True, True, True, False]))
        sizing = draw(st.sampled_from(["quantity", "quote_amount"] * 4 + ["both", "neither"]))
    reference = REFERENCE_PRICE[info.pair]
    price = draw(near(reference)) if priced else None
    typical_quantity = max(info.min_value / reference, info.min_quantity) * 3
    quantity = draw(near(typical_quantity)) if sizing in {"quantity", "both"} else None
    quote_amount = draw(near(info.min_value * 3)) if sizing in {"quote_amount", "both"} else None
    return OrderIntent(info.pair, side, order_type, price, quantity, quote_amount), info


def assert_safe(order: OrderIntent, info: PairInfo, result: TapiOrder) -> None:
    params = result.params()
    numbers = [params[key] for key in ("price", info.pair.base, info.pair.quote) if key in params]
    assert numbers
    assert all("e" not in text.lower() for text in numbers)
    if result.price is not None:
        assert order.order_type == "limit"
        assert result.price % info.tick == 0
        assert D(params["price"]) == result.price
        if order.side == "buy":
            assert order.price - info.tick < result.price <= order.price
        else:
            assert order.price <= result.price < order.price + info.tick
    if result.quantity is not None:
        assert result.quantity % info.quantity_step == 0
        assert result.quantity > 0
        assert result.quantity >= info.min_quantity
        assert D(params[info.pair.base]) == result.quantity
        if order.quantity is not None:
            assert order.quantity - info.quantity_step < result.quantity <= order.quantity
        else:
            assert result.quantity * result.price <= order.quote_amount
    if result.quote_amount is not None:
        assert (order.side, order.order_type) == ("buy", "market")
        assert result.quote_amount % info.quote_step == 0
        assert order.quote_amount - info.quote_step < result.quote_amount <= order.quote_amount
        assert D(params[info.pair.quote]) == result.quote_amount
        if info.quote_decimals == 0:
            assert params[info.pair.quote].isdigit()
    if order.order_type == "limit" and order.side == "buy":
        assert info.pair.quote not in params
    if result.estimated_value is not None:
        assert result.estimated_value >= info.min_value
        assert result.estimated_fee is not None
        assert result.estimated_fee >= 0


@settings(max_examples=400, deadline=None)
@given(st.one_of(orders(), orders(shape_valid=True)))
def test_any_accepted_order_is_on_tick_on_step_above_minimums_and_rounded_safely(drawn):
    order, info = drawn
    result = validate_order(order, info)
    if isinstance(result, TapiOrder):
        assert_safe(order, info, result)
    else:
        assert isinstance(result.reason, Reason)


def reference_limit(order: OrderIntent, info: PairInfo) -> tuple[Fraction, Fraction] | Reason:
    """The same rules in exact fractions, written independently of the implementation."""
    tick, step = Fraction(info.tick), Fraction(info.quantity_step)
    ticks = Fraction(order.price) / tick
    price = (math.floor(ticks) if order.side == "buy" else math.ceil(ticks)) * tick
    if price == 0:
        return Reason.PRICE_BELOW_TICK
    if order.quantity is not None:
        wanted = Fraction(order.quantity)
    else:
        unit = Fraction(info.quote_step)
        wanted = math.floor(Fraction(order.quote_amount) / unit) * unit / price
    quantity = math.floor(wanted / step) * step
    if quantity == 0:
        return Reason.QUANTITY_BELOW_STEP
    if quantity < info.min_quantity:
        return Reason.MIN_QUANTITY
    if quantity * price < info.min_value:
        return Reason.MIN_VALUE
    if quantity * price > MAX_ORDER_VALUE:
        return Reason.VALUE_OUT_OF_RANGE
    return price, quantity


@settings(max_examples=400, deadline=None)
@given(orders(shape_valid=True, limit_only=True))
def test_limit_orders_match_an_exact_fraction_reference(drawn):
    order, info = drawn
    result = validate_order(order, info)
    expected = reference_limit(order, info)
    if isinstance(result, TapiOrder):
        assert (Fraction(result.price), Fraction(result.quantity)) == expected
    else:
        assert result.reason == expected
