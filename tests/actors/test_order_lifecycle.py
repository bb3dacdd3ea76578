"""A user's resting orders followed to their end: looked up only when the market reaches
them or the sweep finds them changed, every fill recorded before it is told, and told once,
to the user or to the strategy that owns the order, also across a restart of the actor."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest
from order_lifecycle_world import BTC, LifecycleWorld, fills, new_world, state_of

from actors.user.order_changes import Recorded, changes_between, executed_by_status
from actors.user.order_lifecycle import RECONCILE
from adapters.indodax.wire import OrderStatus
from messages.events import RegisterTrigger
from messages.statuses import OrderChange, OrderState
from messages.triggers import OrderTrigger
from persistence.models import Order
from persistence.models.base import utcnow
from persistence.models.fills import Change, record_changes
from persistence.models.orders import mark_checked


@pytest.fixture
def world(settings) -> LifecycleWorld:
    return new_world()


def test_a_resting_order_is_watched_at_its_price_and_not_looked_up_before_the_market_reaches_it(
    world,
):
    buy = world.place("buy", price="990000000")
    sell = world.place("sell", price="1010000000")
    registered = [m for m in world.to_trigger_book if isinstance(m, RegisterTrigger)]
    assert [(m.purpose, m.kind, m.level) for m in registered] == [
        ("order", "below", "990000000"),
        ("order", "above", "1010000000"),
    ]
    assert world.armed(buy) and world.armed(sell)
    assert world.exchange.calls == []


def test_a_partial_fill_is_recorded_with_the_trade_and_told_to_the_user_once(world):
    order = world.place(amount="1")
    trade = world.exchange.fill(order.client_order_id, Decimal("0.4"))
    world.fire(order)
    world.fire(order)  # the market reaches it again: nothing new happened
    [row] = fills(order)
    assert (row.kind, row.quantity, row.filled, row.price, row.fee, row.trade_id) == (
        OrderChange.PARTIAL,
        trade.quantity,
        Decimal("0.4"),
        trade.price,
        trade.commission,
        trade.trade_id,
    )
    assert row.delivered_at is not None
    assert [key for key, _ in world.notices] == ["order.update.partial"]
    assert world.notices[0][1]["quantity"] == "0.4"
    assert state_of(order) == OrderState.PARTIALLY_FILLED
    assert world.armed(order)  # still resting: watched on


def test_three_partial_fills_end_in_filled_and_the_order_is_no_longer_watched(world):
    order = world.place(amount="0.9")
    for _ in range(3):
        world.exchange.fill(order.client_order_id, Decimal("0.3"))
        world.fire(order)
    assert [row.kind for row in fills(order)] == ["partial", "partial", "filled"]
    assert [row.filled for row in fills(order)] == [Decimal("0.3"), Decimal("0.6"), Decimal("0.9")]
    assert [key for key, _ in world.notices] == [
        "order.update.partial",
        "order.update.partial",
        "order.update.filled",
    ]
    # Only the filled buy offers TP/SL, for all it bought at its price.
    callbacks = [[b.callback for row in kb for b in row] for kb in world.notice_buttons]
    assert callbacks == [[], [], ["tf:btcidr:0.9:1000000000"]]
    assert state_of(order) == OrderState.FILLED
    assert not world.armed(order)
    assert not world.lifecycle.following()


def test_the_sweep_finds_a_cancel_made_on_the_exchange_and_looks_up_only_changed_orders(world):
    kept = world.place(price="900000000")
    cancelled = world.place(price="950000000")
    world.exchange.cancel(cancelled.client_order_id)
    world.exchange.calls.clear()
    world.lifecycle.reconcile()
    assert world.exchange.calls == ["openOrders", "getOrderByClientOrderId"]
    assert state_of(cancelled) == OrderState.CANCELLED
    assert state_of(kept) == OrderState.OPEN
    assert [key for key, _ in world.notices] == ["order.update.cancelled"]


def test_the_sweep_and_each_lookup_record_when_the_exchange_last_told_an_orders_state(world):
    kept = world.place(price="900000000")
    cancelled = world.place(price="950000000")
    assert [checked_at(kept), checked_at(cancelled)] == [None, None]
    world.exchange.cancel(cancelled.client_order_id)
    before = utcnow()
    world.lifecycle.reconcile()
    assert checked_at(kept) >= before  # listed unchanged by openOrders
    assert checked_at(cancelled) >= before  # read by its lookup


def test_a_lookup_without_an_answer_leaves_the_order_as_unchecked_as_it_was(world):
    order = world.place(amount="1")
    world.exchange.fill(order.client_order_id, Decimal("1"))
    world.exchange.lose_replies = 1
    world.fire(order)
    assert checked_at(order) is None  # still due for the dormant check
    world.fire(order)
    assert checked_at(order) is not None


def test_resting_live_orders_do_not_keep_the_actor_awake_and_their_sweep_stays_set(world):
    world.place(price="900000000")
    world.lifecycle.reconcile()
    assert not world.lifecycle.timers.busy()
    assert [payload for _, payload in world.lifecycle.timers.wakeups] == [(RECONCILE, None)]


def test_a_new_trigger_book_gets_every_resting_orders_trigger_again(world):
    resting = world.place(price="900000000")
    ended = world.place(price="950000000")
    world.exchange.cancel(ended.client_order_id)
    world.fire(ended)
    world.to_trigger_book.clear()
    world.lifecycle.arm_resting()
    [again] = world.to_trigger_book
    assert isinstance(again, RegisterTrigger)
    assert again.trigger_id == OrderTrigger(resting.client_order_id).encode()


def test_a_lost_lookup_reply_changes_nothing_and_the_sweep_records_the_fill_later(world):
    order = world.place(amount="1")
    world.exchange.fill(order.client_order_id, Decimal("1"))
    world.exchange.lose_replies = 1
    world.fire(order)
    assert fills(order) == [] and world.notices == []
    world.lifecycle.reconcile()
    assert [row.kind for row in fills(order)] == ["filled"]
    assert [key for key, _ in world.notices] == ["order.update.filled"]


def test_an_update_recorded_but_not_told_before_a_crash_is_told_once_at_the_next_boot(world):
    order = world.place(amount="1")
    trade = world.exchange.fill(order.client_order_id, Decimal("0.5"))
    record_changes(  # the crash came right after the write, before anyone was told
        order,
        [
            Change(
                OrderChange.PARTIAL, trade.quantity, trade.price, trade.commission, trade.trade_id
            )
        ],
        state=OrderState.PARTIALLY_FILLED,
        filled_amount=trade.quantity,
    )
    world.start()
    world.start()
    assert [key for key, _ in world.notices] == ["order.update.partial"]
    world.fire(order)  # the same trade seen again on the exchange is not recorded twice
    assert len(fills(order)) == 1


def test_a_strategy_order_update_goes_to_the_strategy_and_waits_while_it_is_not_running(world):
    order = world.place(amount="1", strategy=True)
    world.strategy_running = False
    world.exchange.fill(order.client_order_id, Decimal("1"))
    world.fire(order)
    assert world.to_strategy == [] and world.notices == []
    world.strategy_running = True
    world.start()
    [update] = world.to_strategy
    assert (update.client_order_id, update.sequence, update.kind, update.quantity) == (
        order.client_order_id,
        1,
        "filled",
        "1",
    )
    assert update.strategy_id == order.strategy_id
    world.start()
    assert len(world.to_strategy) == 1
    assert world.notices == []


def _status(status: str, amount: str, remaining: str) -> OrderStatus:
    return OrderStatus(
        pair=BTC,
        order_id="7",
        client_order_id="c",
        side="buy",
        status=status,  # type: ignore[arg-type]
        price=Decimal(1),
        amount_currency="btc",
        amount=Decimal(amount),
        remaining=Decimal(remaining),
        executed_base=Decimal(amount) - Decimal(remaining),
        submit_time=None,  # type: ignore[arg-type]
        finish_time=None,
    )


def test_an_order_the_exchange_calls_filled_stays_followed_while_its_trades_lag_behind():
    nothing = Recorded(frozenset(), Decimal(0), ended=False)
    verdict = changes_between(executed_by_status(_status("filled", "1", "0")), (), nothing)
    assert verdict.changes == []
    assert verdict.state == OrderState.OPEN


def test_a_filled_order_whose_last_trade_was_already_recorded_is_told_filled_once():
    recorded = Recorded(frozenset({"1"}), Decimal(1), ended=False)
    verdict = changes_between(executed_by_status(_status("filled", "1", "0")), (), recorded)
    assert [change.kind for change in verdict.changes] == [OrderChange.FILLED]
    ended = Recorded(frozenset({"1"}), Decimal(1), ended=True)
    assert changes_between(executed_by_status(_status("filled", "1", "0")), (), ended).changes == []


def checked_at(row: Order) -> datetime | None:
    checked: datetime | None = Order.get_by_id(row.id).checked_at
    return checked


def placed_and_checked(world: LifecycleWorld, prices: list[str]) -> list[Order]:
    """Buys resting at these prices, checked at their placement as the order desk records
    them."""
    rows = [world.place(price=price, amount="0.5") for price in prices]
    mark_checked([row.id for row in rows])
    world.exchange.calls.clear()
    return rows


def test_a_storm_that_fills_four_orders_costs_two_calls_and_its_fills_are_told_in_market_order(
    world,
):
    orders = placed_and_checked(world, ["990000000", "980000000", "970000000", "960000000"])
    kept = world.place(price="900000000", amount="0.5")
    for order in reversed(orders):  # the exchange filled the lowest first
        world.exchange.fill(order.client_order_id, Decimal("0.5"))
    world.exchange.calls.clear()
    for order in orders:
        world.fire(order)
    assert world.exchange.calls == ["orderHistories", "myTrades"]
    assert [state_of(order) for order in orders] == [OrderState.FILLED] * 4
    assert state_of(kept) == OrderState.OPEN
    filled = [params["price"] for key, params in world.notices]
    assert filled == ["960000000", "970000000", "980000000", "990000000"]
    assert [key for key, _ in world.notices] == ["order.update.filled"] * 4


def test_a_fired_order_the_market_only_touched_is_looked_up_and_watched_again(world):
    touched, _ = placed_and_checked(world, ["990000000", "980000000"])
    world.to_trigger_book.clear()
    world.fire(touched)
    assert world.exchange.calls == ["orderHistories", "getOrderByClientOrderId"]
    assert world.armed(touched)
    assert fills(touched) == [] and world.notices == []


def test_the_pair_lookup_records_a_cancel_after_a_part_and_leaves_a_resting_part_to_its_trigger(
    world,
):
    filled, cancelled, partial = placed_and_checked(world, ["990000000", "980000000", "970000000"])
    world.exchange.fill(filled.client_order_id, Decimal("0.5"))
    world.exchange.fill(cancelled.client_order_id, Decimal("0.2"))
    world.exchange.cancel(cancelled.client_order_id)
    world.exchange.fill(partial.client_order_id, Decimal("0.1"))
    world.exchange.calls.clear()
    world.fire(filled)
    assert world.exchange.calls == ["orderHistories", "myTrades"]
    assert [state_of(o) for o in (filled, cancelled, partial)] == [
        OrderState.FILLED,
        OrderState.CANCELLED,
        OrderState.OPEN,
    ]
    assert [row.kind for row in fills(cancelled)] == ["partial", "cancelled"]
    assert not world.armed(filled) and world.armed(partial)
    world.fire(partial)
    assert state_of(partial) == OrderState.PARTIALLY_FILLED


def test_an_ended_order_whose_trades_are_not_listed_yet_is_looked_up_on_its_own(world):
    lagging, filled = placed_and_checked(world, ["990000000", "980000000"])
    for order in (lagging, filled):
        world.exchange.fill(order.client_order_id, Decimal("0.5"))
    late = world.exchange.orders[lagging.client_order_id].trades
    kept_back = list(late)
    late.clear()
    world.exchange.calls.clear()
    world.fire(filled)
    assert world.exchange.calls == [
        "orderHistories",
        "myTrades",
        "getOrderByClientOrderId",
        "myTrades",
    ]
    assert state_of(filled) == OrderState.FILLED
    assert state_of(lagging) == OrderState.OPEN  # followed until its trades show
    late.extend(kept_back)
    world.fire(lagging)
    assert state_of(lagging) == OrderState.FILLED
    assert [row.kind for row in fills(lagging)] == ["filled"]


def test_trades_that_do_not_name_their_order_send_each_ended_order_to_its_own_lookup(world):
    orders = placed_and_checked(world, ["990000000", "980000000"])
    for order in orders:
        world.exchange.fill(order.client_order_id, Decimal("0.5"))
        trades = world.exchange.orders[order.client_order_id].trades
        trades[:] = [replace(t, client_order_id=None) for t in trades]
    world.exchange.calls.clear()
    world.fire(orders[0])
    assert (
        world.exchange.calls
        == ["orderHistories", "myTrades"]
        + [
            "getOrderByClientOrderId",
            "myTrades",
        ]
        * 2
    )
    assert [state_of(order) for order in orders] == [OrderState.FILLED] * 2
    assert [len(fills(order)) for order in orders] == [1, 1]


def test_an_order_trigger_of_a_user_whose_key_cannot_be_read_looks_nothing_up(world):
    order = world.place()
    world.exchange.fill(order.client_order_id, Decimal("1"))
    assert world.lifecycle is not None
    world.lifecycle.session.keys = None  # stored under a master key no longer configured
    world.fire(order)
    assert world.exchange.calls == []
    assert state_of(order) == OrderState.OPEN
