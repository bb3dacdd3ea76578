"""The paper account on SQLite and PostgreSQL: fills at the real bid and ask, holds for resting
orders, fees exactly as the confirmation estimates them, and never a negative balance."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.user.paper_account import PaperAccount
from adapters.indodax.markets import PairInfo
from adapters.indodax.order_rules import OrderIntent, TapiOrder, validate_order
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import Ticker
from persistence.models import PaperBalance, PaperOrder, User

BTC = Pair("btc", "idr")
RULES = PairInfo(
    pair=BTC,
    tick=Decimal(1000),
    quantity_step=Decimal("0.00000001"),
    min_value=Decimal(10000),
    min_quantity=Decimal("0.0001"),
    quote_decimals=0,
    maker_fee=Decimal("0.001"),
    taker_fee=Decimal("0.002"),
    maintenance=False,
    suspended=False,
    base_unit="BTC",
)
START = 100_000_000
_telegram_ids = itertools.count(1)


def ticker(last: int, bid: int | None = None, ask: int | None = None) -> Ticker:
    bid = last - 1_000_000 if bid is None else bid
    ask = last + 1_000_000 if ask is None else ask
    return Ticker(
        pair=BTC,
        last=Decimal(last),
        bid=Decimal(bid),
        ask=Decimal(ask),
        high=Decimal(max(last, ask)),
        low=Decimal(min(last, bid)),
        base_volume=Decimal(1),
        quote_volume=Decimal(last),
        server_time=datetime(2026, 1, 1, tzinfo=UTC),
    )


def order(side, order_type, **amounts: str) -> TapiOrder:
    """An order as the confirmation step hands it over: checked and rounded by order_rules."""
    numbers = {name: Decimal(value) for name, value in amounts.items()}
    checked = validate_order(OrderIntent(BTC, side, order_type, **numbers), RULES)
    assert isinstance(checked, TapiOrder), checked
    return checked


def new_account(start: int = START) -> PaperAccount:
    telegram_id = next(_telegram_ids)
    user = User.create(telegram_id=telegram_id, chat_id=telegram_id, mode="paper")
    return PaperAccount(user, start, lambda pair: RULES)


def free_and_held(account: PaperAccount) -> dict[str, tuple[Decimal, Decimal]]:
    return {c: (row.free, row.held) for c, row in account.balances().items()}


MARKET = ticker(1_000_000_000, bid=999_000_000, ask=1_001_000_000)


def test_a_new_account_starts_with_the_configured_rupiah_once(database):
    account = new_account(start=5_000_000)
    assert free_and_held(account) == {"idr": (Decimal(5_000_000), Decimal(0))}
    account.balances()
    assert PaperBalance.select().count() == 1


def test_a_market_buy_fills_at_the_ask_paying_the_taker_fee_out_of_its_value(database):
    account = new_account()
    placed = account.place(order("buy", "market", quote_amount="1001000"), MARKET)
    assert placed.key == "order.paper_filled"
    row = placed.order
    # fee 0.2 % of 1,001,000 = 2,002; (1,001,000 - 2,002) / 1,001,000,000 = 0.000998 BTC
    assert (row.state, row.fill_price, row.fee) == ("filled", Decimal(1_001_000_000), 2002)
    assert row.filled_amount == Decimal("0.000998")
    assert row.exchange_order_id == f"paper-{row.id}"
    assert free_and_held(account) == {
        "btc": (Decimal("0.000998"), Decimal(0)),
        "idr": (Decimal(START - 1_001_000), Decimal(0)),
    }


def test_a_market_sell_fills_at_the_bid_and_receives_the_value_less_the_fee_and_tax(database):
    account = new_account()
    account.place(order("buy", "market", quote_amount="2000000"), MARKET)
    placed = account.place(order("sell", "market", quantity="0.001"), MARKET)
    # 0.001 * 999,000,000 = 999,000; fee 1,998 and the 0.21 % tax 2,097.9 -> 2,098 (up)
    assert (placed.order.fill_price, placed.order.filled_value, placed.order.fee) == (
        Decimal(999_000_000),
        Decimal(999_000),
        Decimal(1998 + 2098),
    )
    assert free_and_held(account)["idr"] == (Decimal(START - 2_000_000 + 999_000 - 4096), 0)


def test_a_limit_buy_at_or_above_the_ask_fills_at_the_ask_and_returns_the_rest_of_its_hold(
    database,
):
    account = new_account()
    placed = account.place(order("buy", "limit", quantity="0.001", price="1010000000"), MARKET)
    assert (placed.key, placed.order.fill_price) == ("order.paper_filled", Decimal(1_001_000_000))
    # the value at the ask, 1,001,000 (not 1,010,000 at the limit), taker fee 2,002
    assert placed.order.fee == 2002
    assert free_and_held(account)["idr"] == (Decimal(START - 1_001_000), Decimal(0))


def test_a_limit_sell_at_or_below_the_bid_fills_at_the_bid(database):
    account = new_account()
    account.place(order("buy", "market", quote_amount="2000000"), MARKET)
    placed = account.place(order("sell", "limit", quantity="0.001", price="990000000"), MARKET)
    assert (placed.key, placed.order.fill_price) == ("order.paper_filled", Decimal(999_000_000))


def test_a_limit_buy_below_the_ask_rests_holding_its_value_until_the_price_reaches_it(database):
    account = new_account()
    placed = account.place(order("buy", "limit", quantity="0.001", price="900000000"), MARKET)
    assert (placed.key, placed.order.state) == ("order.paper_open", "open")
    assert free_and_held(account)["idr"] == (Decimal(START - 900_000), Decimal(900_000))
    [listed] = account.open_orders()
    assert (listed.client_order_id, listed.price, listed.remaining) == (
        placed.order.client_order_id,
        Decimal(900_000_000),
        Decimal("0.001"),
    )

    assert account.settle({BTC: ticker(901_000_000)}) == []
    [filled] = account.settle({BTC: ticker(899_000_000)})
    # at its own price, maker fee 0.1 %: 900,000 - 900 = 899,100 / 900,000,000 = 0.000999 BTC
    assert (filled.state, filled.fill_price, filled.fee) == ("filled", Decimal(900_000_000), 900)
    assert free_and_held(account) == {
        "btc": (Decimal("0.000999"), Decimal(0)),
        "idr": (Decimal(START - 900_000), Decimal(0)),
    }
    assert account.open_orders() == []


def test_a_resting_sell_holds_its_coins_and_fills_at_its_limit_when_the_price_rises(database):
    account = new_account()
    account.place(order("buy", "market", quote_amount="2000000"), MARKET)
    coins = free_and_held(account)["btc"][0]
    account.place(order("sell", "limit", quantity="0.001", price="1100000000"), MARKET)
    assert free_and_held(account)["btc"] == (coins - Decimal("0.001"), Decimal("0.001"))
    idr_before = free_and_held(account)["idr"][0]
    [filled] = account.settle({BTC: ticker(1_100_000_000)})
    # 0.001 * 1,100,000,000 = 1,100,000 less the maker fee 1,100 and the tax 2,310
    assert (filled.fill_price, filled.filled_value, filled.fee) == (
        Decimal(1_100_000_000),
        Decimal(1_100_000),
        Decimal(1100 + 2310),
    )
    assert free_and_held(account)["idr"] == (idr_before + 1_100_000 - 3410, Decimal(0))
    assert free_and_held(account)["btc"] == (coins - Decimal("0.001"), Decimal(0))


def test_cancelling_a_resting_order_frees_its_hold_and_only_once(database):
    account = new_account()
    placed = account.place(order("buy", "limit", quantity="0.001", price="900000000"), MARKET)
    cancelled = account.cancel(placed.order.client_order_id)
    assert cancelled is not None and cancelled.state == "cancelled"
    assert free_and_held(account)["idr"] == (Decimal(START), Decimal(0))
    assert account.cancel(placed.order.client_order_id) is None
    assert account.settle({BTC: ticker(800_000_000)}) == []


def test_one_users_order_cannot_be_cancelled_by_another(database):
    owner, other = new_account(), new_account()
    placed = owner.place(order("buy", "limit", quantity="0.001", price="900000000"), MARKET)
    assert other.cancel(placed.order.client_order_id) is None
    assert PaperOrder.get_by_id(placed.order.id).state == "open"


@pytest.mark.parametrize(
    ("side", "order_type", "amounts"),
    [
        ("buy", "market", {"quote_amount": "100000001"}),
        ("buy", "limit", {"quantity": "0.2", "price": "900000000"}),
        ("sell", "market", {"quantity": "0.001"}),
        ("sell", "limit", {"quantity": "0.001", "price": "1100000000"}),
    ],
)
def test_an_order_beyond_the_balance_is_refused_with_the_exchange_paths_key_and_moves_nothing(
    database, side, order_type, amounts
):
    account = new_account()
    placed = account.place(order(side, order_type, **amounts), MARKET)
    assert (placed.key, placed.order.state) == ("order.rejected.insufficient_balance", "rejected")
    assert free_and_held(account) == {"idr": (Decimal(START), Decimal(0))}
    assert account.open_orders() == []


def test_a_market_order_with_nobody_on_the_other_side_is_refused(database):
    account = new_account()
    empty_book = ticker(1_000_000_000, bid=0, ask=0)
    placed = account.place(order("buy", "market", quote_amount="1000000"), empty_book)
    assert (placed.key, placed.order.state) == ("order.rejected.other", "rejected")
    assert free_and_held(account) == {"idr": (Decimal(START), Decimal(0))}


@pytest.mark.parametrize(
    ("quote_amount", "fee"),
    [("10000", 20), ("10001", 21), ("10499", 21), ("10500", 21), ("10501", 22), ("999999", 2000)],
)
def test_the_fee_charged_is_the_fee_the_confirmation_estimated(database, quote_amount, fee):
    account = new_account()
    checked = order("buy", "market", quote_amount=quote_amount)
    placed = account.place(checked, MARKET)
    assert placed.order.fee == checked.estimated_fee == fee


def test_a_ticker_of_another_pair_is_a_programming_error(database):
    account = new_account()
    eth = dataclasses.replace(ticker(50_000_000), pair=Pair("eth", "idr"))
    with pytest.raises(ValueError, match="ticker of"):
        account.place(order("buy", "market", quote_amount="100000"), eth)


prices = st.integers(min_value=900, max_value=1100).map(lambda k: k * 1_000_000)
actions = st.sampled_from(
    ["buy_market", "buy_limit", "sell_market", "sell_limit", "cancel", "settle"]
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # each example: a new user
)
@given(st.lists(st.tuples(actions, st.integers(10_000, 5_000_000), prices, prices), max_size=14))
def test_any_sequence_of_orders_keeps_every_balance_non_negative_and_accounted_for(
    database, script
):
    account = new_account(start=20_000_000)
    for action, size, limit, last in script:
        market = ticker(last)
        coins = str(Decimal(size).scaleb(-8))  # 0.0001 .. 0.05 BTC
        if action == "buy_market":
            account.place(order("buy", "market", quote_amount=str(size)), market)
        elif action == "buy_limit":
            account.place(order("buy", "limit", quantity=coins, price=str(limit)), market)
        elif action == "sell_market":
            account.place(order("sell", "market", quantity=coins), market)
        elif action == "sell_limit":
            account.place(order("sell", "limit", quantity=coins, price=str(limit)), market)
        elif action == "cancel":
            resting = account.open_orders()
            if resting:
                account.cancel(resting[size % len(resting)].client_order_id)
        else:
            account.settle({BTC: market})

    balances = free_and_held(account)
    assert all(free >= 0 and held >= 0 for free, held in balances.values())
    rows = list(PaperOrder.select().where(PaperOrder.user == account.user))
    filled = [r for r in rows if r.state == "filled"]
    resting = [r for r in rows if r.state == "open"]
    spent = sum((r.filled_value for r in filled if r.side == "buy"), Decimal(0))
    earned = sum((r.filled_value - r.fee for r in filled if r.side == "sell"), Decimal(0))
    bought = sum((r.filled_amount for r in filled if r.side == "buy"), Decimal(0))
    sold = sum((r.filled_amount for r in filled if r.side == "sell"), Decimal(0))
    idr_free, idr_held = balances["idr"]
    btc_free, btc_held = balances.get("btc", (Decimal(0), Decimal(0)))
    assert idr_free + idr_held == 20_000_000 - spent + earned
    assert btc_free + btc_held == bought - sold
    assert idr_held == sum((r.held for r in resting if r.side == "buy"), Decimal(0))
    assert btc_held == sum((r.held for r in resting if r.side == "sell"), Decimal(0))
