"""Two ends the user brings about: an order that trades at its placement (a market order,
a limit order crossing the book) gets its fills recorded from the exchange's trades and its
owner told once; the user's own cancel from /orders is recorded at once and told only in
its reply. Fakes: an exchange in memory, no actor."""

from __future__ import annotations

from decimal import Decimal

import pytest
from order_lifecycle_world import LifecycleWorld, fills, new_world, state_of
from sql_log import count_statements

from messages.commands import CancelAllOrders, CancelOrder
from messages.statuses import OrderState
from persistence.models import Order
from persistence.models.strategies import Strategy


@pytest.fixture
def world(settings) -> LifecycleWorld:
    return new_world()


def test_a_market_buy_filled_at_placement_is_recorded_from_the_reply_and_told_once_with_its_average(
    world,
):
    order = world.place_trading([("0.3", "1000000000"), ("0.7", "1010000000")])
    trades = world.exchange.orders[order.client_order_id].trades
    [row] = fills(order)
    assert (row.kind, row.quantity, row.price, row.trade_id) == (
        "filled",
        Decimal(1),
        Decimal("1007000000"),
        None,
    )
    assert row.fee == sum((t.commission for t in trades), Decimal(0))
    assert world.exchange.calls == []  # the reply said it all: no lookup spent
    [(key, params)] = world.notices
    assert key == "order.update.market_filled"
    assert (params["filled"], params["price"]) == ("1", "1007000000")
    assert params["fee"] == str(row.fee)
    saved = Order.get_by_id(order.id)
    assert (saved.state, saved.filled_amount) == (OrderState.FILLED, Decimal(1))
    assert row.delivered_at is not None


def test_a_market_buy_ended_part_filled_says_what_traded_and_that_the_rest_was_cancelled(
    world,
):
    order = world.place_trading([("0.4", "1000000000")], amount="1")
    assert [r.kind for r in fills(order)] == ["partial", "cancelled"]
    assert [key for key, _ in world.notices] == ["order.update.market_cancelled"]
    assert world.notices[0][1]["filled"] == "0.4"
    assert state_of(order) == OrderState.CANCELLED


def test_a_limit_buy_partly_filled_at_placement_is_told_at_once_and_rests_watched(world):
    order = world.place_trading([("0.25", "990000000")], order_type="limit", amount="1")
    assert [key for key, _ in world.notices] == ["order.update.partial"]
    assert world.notices[0][1]["quantity"] == "0.25"
    assert state_of(order) == OrderState.PARTIALLY_FILLED
    assert world.armed(order)


@pytest.mark.parametrize("strategy", [False, True], ids=["users", "strategys"])
def test_an_order_that_rests_untouched_after_its_placement_costs_no_query_of_updates(
    world, strategy
):
    """Nothing traded, nothing ended: nothing to tell its owner. A grid places one such
    order for every fill, so the pass over undelivered updates it would make counts."""
    with count_statements() as statements:
        world.place(strategy=strategy)
    assert [sql for sql in statements if 'FROM "fills"' in sql] == []


def test_an_order_found_filled_after_its_reply_was_lost_gets_the_exchanges_trades(world):
    order = world.place_trading([("0.5", "1000000000"), ("0.5", "1000002000")], reply_lost=True)
    trades = world.exchange.orders[order.client_order_id].trades
    assert [(r.kind, r.trade_id) for r in fills(order)] == [
        ("partial", trades[0].trade_id),
        ("filled", trades[1].trade_id),
    ]
    assert [key for key, _ in world.notices] == ["order.update.market_filled"]
    assert world.notices[0][1]["price"] == "1000001000"


def test_a_placement_whose_fills_cannot_be_read_yet_is_followed_until_the_sweep_reads_them(
    world,
):
    world.exchange.lose_replies = 1  # the lookup of its status fails: nothing read now
    order = world.place_trading([("1", "1000000000")], reply_lost=True)
    assert fills(order) == []
    assert state_of(order) == OrderState.PARTIALLY_FILLED  # followed, not forgotten
    assert world.lifecycle.following()
    world.lifecycle.reconcile()
    assert [r.kind for r in fills(order)] == ["filled"]
    assert state_of(order) == OrderState.FILLED
    assert [key for key, _ in world.notices] == ["order.update.market_filled"]
    world.lifecycle.reconcile()
    assert len(world.notices) == 1


def test_a_strategys_market_buy_hears_what_it_traded_at_its_average_price(world):
    order = world.place_trading([("0.5", "1000000000"), ("0.5", "1000001000")], strategy=True)
    assert [(u.kind, u.quantity, u.price) for u in world.to_strategy] == [
        ("filled", "1", "1000000500"),
    ]
    assert world.notices == []  # the strategy's, not the user's
    assert state_of(order) == OrderState.FILLED


def cancel(world: LifecycleWorld, client_order_id: str) -> None:
    assert world.open is not None
    world.open.cancel(CancelOrder(telegram_id=1, chat_id=1, client_order_id=client_order_id))


def test_the_users_own_cancel_is_recorded_at_once_and_told_only_in_its_reply(world):
    order = world.place(amount="1")
    world.exchange.fill(order.client_order_id, Decimal("0.4"))  # unseen by the bot so far
    cancel(world, order.client_order_id)
    assert [key for key, _ in world.replies] == ["orders.cancelled"]
    assert [r.kind for r in fills(order)] == ["partial", "cancelled"]
    assert [key for key, _ in world.notices] == ["order.update.partial"]
    assert state_of(order) == OrderState.CANCELLED and not world.armed(order)
    world.lifecycle.reconcile()
    world.start()  # and after a restart of the actor
    assert [key for key, _ in world.notices] == ["order.update.partial"]


def test_cancel_all_records_each_end_at_once_and_tells_only_the_count(world):
    orders = [world.place(price="900000000"), world.place(price="910000000")]
    assert world.open is not None
    world.open.cancel_all(CancelAllOrders(telegram_id=1, chat_id=1))
    [pending_id] = list(world.open.cancel_all_questions._asked)
    world.open.cancel_all(
        CancelAllOrders(telegram_id=1, chat_id=1, confirmed=True, pending_id=pending_id)
    )
    assert [key for key, _ in world.replies][-1] == "orders.cancelled_all"
    assert [state_of(o) for o in orders] == [OrderState.CANCELLED] * 2
    world.lifecycle.reconcile()
    assert world.notices == []


def test_the_users_cancel_of_a_strategys_order_reaches_the_strategy(world):
    strategy = Strategy.create(user=world.user, kind="test", pair="btc_idr")
    order = world.place(strategy=strategy)
    cancel(world, order.client_order_id)
    assert [(u.client_order_id, u.kind) for u in world.to_strategy] == [
        (order.client_order_id, "cancelled")
    ]
    assert world.notices == []
