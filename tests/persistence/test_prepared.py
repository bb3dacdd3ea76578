"""Queries built once and run with each call's values answer exactly as peewee's own query
would, on SQLite and PostgreSQL alike: the same rows, joined rows included, and an update
that writes the named columns and nothing else, whatever order they are named in."""

from __future__ import annotations

from decimal import Decimal

from persistence.models import Order, Strategy, User
from persistence.models.fills import Fill, undelivered
from persistence.models.orders import new_client_order_id
from persistence.models.prepared import Prepared, slot, update_columns


def make_user(telegram_id: int) -> User:
    return User.create(telegram_id=telegram_id, chat_id=telegram_id)


def make_order(user: User, price: str = "100") -> Order:
    return Order.create(
        user=user,
        client_order_id=new_client_order_id(user.id),
        pair="btc_idr",
        side="buy",
        order_type="limit",
        price=Decimal(price),
        amount=Decimal("0.1"),
        state="open",
    )


def test_a_prepared_select_finds_what_peewees_own_query_finds_call_after_call(database):
    first, second = make_user(1), make_user(2)
    orders = [make_order(first, "100"), make_order(first, "200"), make_order(second, "300")]
    by_user: Prepared[Order] = Prepared(
        lambda: Order.select().where(Order.user == slot(0)).order_by(Order.id)
    )

    for user in (first, second, first):
        expected = list(Order.select().where(Order.user == user).order_by(Order.id))
        found = by_user.rows(user.id)
        assert [(o.id, o.price, o.client_order_id) for o in found] == [
            (o.id, o.price, o.client_order_id) for o in expected
        ]
    assert by_user.first(orders[2].user_id).price == Decimal("300")
    assert by_user.first(999_999) is None


def test_a_prepared_join_brings_the_joined_row_without_another_query(database):
    user = make_user(3)
    order = make_order(user)
    Fill.create(order=order, sequence=1, kind="partial", quantity=Decimal("0.05"))
    Fill.create(order=order, sequence=2, kind="filled", quantity=Decimal("0.05"))

    fills = undelivered(user)

    assert [fill.sequence for fill in fills] == [1, 2]
    assert fills[0].__data__ and "order" in fills[0].__rel__  # joined, not fetched lazily
    assert fills[0].order.client_order_id == order.client_order_id


def test_an_update_writes_the_named_columns_whatever_their_order_and_nothing_else(database):
    user = make_user(4)
    strategy = Strategy.create(user=user, kind="dca", pair="btc_idr", state={"a": 1})
    other = Strategy.create(user=user, kind="dca", pair="eth_idr", state={"z": 0})
    strategy.state, strategy.status, strategy.pair = {"a": 2}, "paused", "not-written"

    update_columns(strategy, ["status", "state"])
    update_columns(strategy, ["state", "status"])

    stored = Strategy.get_by_id(strategy.id)
    assert (stored.state, stored.status, stored.pair) == ({"a": 2}, "paused", "btc_idr")
    untouched = Strategy.get_by_id(other.id)
    assert (untouched.state, untouched.status) == ({"z": 0}, other.status)
