"""A live account's profit and loss from its imported history: a scripted account (a coin
deposit of unknown cost, a buy, a buy filled in two parts, a sale whose commission holds
the fee and the 0.21 % tax) against tables worked out by hand, in both cost methods; coins
the history cannot explain; the bot's own fills before the import reaches them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from actors.accounting.cost_basis import Deposit, Trade, Withdrawal, position
from actors.accounting.opening_balance import agreeing
from actors.user.account_ledger import account_history
from persistence.models.fills import Fill
from persistence.models.history import add_trades, add_transfers
from persistence.models.orders import Order
from persistence.models.users import create_user

DAY = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def traded(number: int, side: str, quantity: str, price: int, commission: int, **extra: Any):
    return {
        "pair": "btc_idr",
        "trade_id": str(number),
        "order_id": f"btcidr-limit-{extra.get('order', number)}",
        "client_order_id": extra.get("client_order_id"),
        "side": side,
        "price": Decimal(price),
        "quantity": Decimal(quantity),
        "quote_quantity": Decimal(quantity) * price,
        "commission": Decimal(commission),
        "commission_asset": "idr",
        "is_maker": False,
        "time": DAY + timedelta(hours=number),
    }


@pytest.fixture
def scripted(database: Any):
    user = create_user(telegram_id=7, chat_id=70, language="en", mode="live")
    add_transfers(
        user,
        [
            {
                "direction": "deposit",
                "currency": "btc",
                "transfer_id": "31",
                "amount": Decimal("0.01"),
                "fee": Decimal(0),
                "time": DAY,
            }
        ],
    )
    add_trades(
        user,
        [
            traded(1, "buy", "0.02", 1_000_000_000, 40_000),  # 0.2 % fee
            traded(2, "buy", "0.01", 1_100_000_000, 22_000, order=2),  # one order,
            traded(3, "buy", "0.01", 1_100_000_000, 22_000, order=2),  # two parts
            traded(4, "sell", "0.025", 1_200_000_000, 123_000),  # 0.2 % fee + 0.21 % tax
        ],
    )
    return user


def test_the_scripted_account_reconciles_to_the_rupiah_at_average_cost(scripted):
    history = account_history(scripted, {"idr": Decimal(5), "btc": Decimal("0.025")})
    assert set(history) == {"btc"}  # rupiah has no cost to follow
    btc = position(history["btc"], "average")
    # Known coins before the sale: 0.04 for 20,040,000 + 2 x 11,022,000 = 42,084,000.
    # The sale takes known coins first: 0.025 of 0.04 cost 26,302,500; it received
    # 30,000,000 - 123,000 = 29,877,000.
    assert btc.realised == Decimal(3_574_500)
    assert (btc.held, btc.unknown, btc.cost) == (Decimal("0.025"), Decimal("0.01"), 15_781_500)
    assert btc.fees == Decimal(207_000) and btc.sold_unknown == 0


def test_the_scripted_account_reconciles_to_the_rupiah_first_in_first_out(scripted):
    btc = position(account_history(scripted, {"btc": Decimal("0.025")})["btc"], "fifo")
    # The sale takes the deposit's 0.01 (cost unknown) and 0.015 of the first buy
    # (20,040,000 x 0.75 = 15,030,000); of what it received only the known part counts:
    # 29,877,000 x 0.015 / 0.025 = 17,926,200.
    assert btc.realised == Decimal(2_896_200)
    assert btc.sold_unknown == Decimal("0.01")
    assert (btc.held, btc.unknown, btc.cost) == (Decimal("0.025"), 0, Decimal(27_054_000))


def test_coins_held_beyond_the_history_are_held_at_an_unknown_cost(scripted):
    btc = position(account_history(scripted, {"btc": Decimal("0.03")})["btc"], "average")
    assert (btc.held, btc.unknown) == (Decimal("0.03"), Decimal("0.015"))
    assert btc.realised == Decimal(3_574_500)  # what was sold is unchanged


def test_a_coin_held_with_no_history_at_all_has_no_cost_and_no_profit(database):
    user = create_user(telegram_id=8, chat_id=80, language="en", mode="live")
    eth = position(account_history(user, {"eth": Decimal(2)})["eth"])
    assert (eth.held, eth.unknown, eth.cost, eth.realised) == (2, 2, 0, 0)


def test_the_bots_own_fill_counts_until_the_import_brings_its_trade(database):
    user = create_user(telegram_id=9, chat_id=90, language="en", mode="live")
    order = Order.create(
        user=user, client_order_id="u9-1", pair="btc_idr", side="buy", order_type="limit"
    )
    Fill.create(
        order=order,
        sequence=1,
        kind="filled",
        quantity=Decimal("0.001"),
        filled=Decimal("0.001"),
        price=Decimal(1_300_000_000),
        fee=Decimal(2_600),
    )
    held = {"btc": Decimal("0.001")}
    before = position(account_history(user, held)["btc"])
    assert (before.cost, before.unknown) == (Decimal(1_302_600), 0)
    add_trades(user, [traded(7, "buy", "0.001", 1_300_000_000, 2_600, client_order_id="u9-1")])
    after = position(account_history(user, held)["btc"])
    assert (after.held, after.cost) == (Decimal("0.001"), Decimal(1_302_600))  # not twice


# The history made to agree with the balance


def test_a_history_that_sells_coins_it_never_saw_bought_opens_with_them_at_no_cost():
    sale = Trade("sell", Decimal(3), Decimal(100), Decimal(0))
    events = agreeing([Trade("buy", Decimal(1), Decimal(90), Decimal(0)), sale], Decimal(0))
    assert events[0] == Deposit(Decimal(2), None)
    assert position(events).sold_unknown == Decimal(2)


def test_a_history_that_explains_exactly_what_is_held_is_left_as_it_is():
    history = [Trade("buy", Decimal(1), Decimal(90), Decimal(0))]
    assert agreeing(history, Decimal(1)) == history


def test_a_history_that_holds_more_than_the_balance_ends_with_what_left_unseen():
    history = [Trade("buy", Decimal(1), Decimal(90), Decimal(0))]
    assert agreeing(history, Decimal("0.4")) == [*history, Withdrawal(Decimal("0.6"))]
