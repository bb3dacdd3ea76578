"""Order updates the exchange pushes (the private order stream) recorded as a lookup's
would be, with no call: each trade once, whichever source saw it first; a push that cannot
tell an order for sure sends it to a lookup; while the stream is live a fired trigger waits
for the push before it looks the order up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from order_lifecycle_world import BTC, LifecycleWorld, fills, new_world, state_of
from sql_log import count_statements

from actors.user.order_lifecycle import STREAM_GRACE, STREAM_WAIT
from adapters.indodax.order_stream_wire import Status, StreamedOrder, StreamFill
from adapters.indodax.wire import MyTrade
from messages.events import FollowOrders, OrderStreamState, StopFollowingOrders
from messages.statuses import OrderChange, OrderState
from persistence.models import Order


@pytest.fixture
def world(settings) -> LifecycleWorld:
    return new_world()


def pushed(
    order: Order,
    status: Status,
    executed: Decimal,
    trade: MyTrade | None = None,
    *,
    price: Decimal | None = None,
    maker: bool = True,
) -> StreamedOrder:
    """What the exchange pushes for the order: `trade` is the fill the update carries."""
    fill = None
    if trade is not None:
        fill = StreamFill(
            trade_id=trade.trade_id,
            quantity=trade.quantity,
            filled=executed,
            price=price,
            maker=maker,
            fee=trade.commission,
            fee_asset="idr",
            tax=Decimal(0),
            tax_asset="idr",
        )
    return StreamedOrder(
        pair=BTC,
        order_id=f"btcidr-limit-{order.exchange_order_id}",
        client_order_id=order.client_order_id,
        side=order.side,
        status=status,
        price=Decimal(order.price),
        quantity=Decimal(order.amount),
        executed=executed,
        time_ms=1_790_000_000_000,
        fill=fill,
    )


def stream_live(world: LifecycleWorld) -> None:
    assert world.lifecycle is not None
    world.lifecycle.stream_state(OrderStreamState(telegram_id=world.user.telegram_id, state="live"))


def test_a_live_resting_order_asks_the_stream_to_follow_the_account_once(world):
    world.place()
    world.place(price="980000000")
    assert world.lifecycle is not None
    sent = [m for _, m in world.lifecycle.links.sent if isinstance(m, FollowOrders)]
    assert [(m.telegram_id, m.token) for m in sent] == [(world.user.telegram_id, None)]


def test_pushed_fills_are_recorded_and_told_once_with_no_call_to_the_exchange(world):
    order = world.place(amount="1")
    first = world.exchange.fill(order.client_order_id, Decimal("0.4"))
    second = world.exchange.fill(order.client_order_id, Decimal("0.6"))
    assert world.lifecycle is not None
    world.lifecycle.streamed([pushed(order, "FILL", Decimal("0.4"), first)])
    world.lifecycle.streamed(
        [pushed(order, "FILL", Decimal("1"), second), pushed(order, "DONE", Decimal("1"))]
    )
    world.lifecycle.streamed([pushed(order, "DONE", Decimal("1"))])  # pushed again

    assert world.exchange.calls == []
    assert [(f.kind, f.quantity, f.price, f.fee, f.trade_id) for f in fills(order)] == [
        (OrderChange.PARTIAL, first.quantity, first.price, first.commission, first.trade_id),
        (OrderChange.FILLED, second.quantity, second.price, second.commission, second.trade_id),
    ]
    assert [key for key, _ in world.notices] == ["order.update.partial", "order.update.filled"]
    assert state_of(order) == OrderState.FILLED
    assert not world.armed(order)


def test_a_pushed_fill_counts_as_a_check_of_the_order_written_with_the_fill(world):
    order = world.place(amount="1")
    Order.update(checked_at=None).where(Order.id == order.id).execute()
    trade = world.exchange.fill(order.client_order_id, Decimal("0.4"))
    assert world.lifecycle is not None
    with count_statements() as statements:
        world.lifecycle.streamed([pushed(order, "FILL", Decimal("0.4"), trade)])

    assert Order.get_by_id(order.id).checked_at is not None  # the dormant check is not due
    [update] = [sql for sql in statements if sql.startswith('UPDATE "orders"')]
    assert "checked_at" in update and "filled_amount" in update


def test_a_pushed_fill_reads_its_order_and_what_it_has_recorded_in_one_round_trip(world):
    """The order and its updates are read together, and that reading numbers the new ones:
    one query before the fill's transaction, on the way to a grid's opposite order."""
    order = world.place(amount="1")
    first = world.exchange.fill(order.client_order_id, Decimal("0.4"))
    second = world.exchange.fill(order.client_order_id, Decimal("0.6"))
    assert world.lifecycle is not None
    world.lifecycle.streamed([pushed(order, "FILL", Decimal("0.4"), first)])
    with count_statements() as statements:
        world.lifecycle.streamed(
            [pushed(order, "FILL", Decimal("1"), second), pushed(order, "DONE", Decimal("1"))]
        )

    before_writing = statements[: next(i for i, sql in enumerate(statements) if "INSERT" in sql)]
    assert [sql for sql in before_writing if sql.startswith("SELECT")] == before_writing[:1]
    assert '"orders"' in before_writing[0] and '"fills"' in before_writing[0]
    assert [(f.sequence, f.quantity, f.filled) for f in fills(order)] == [
        (1, first.quantity, first.quantity),
        (2, second.quantity, Decimal(1)),
    ]


def test_a_trade_a_lookup_recorded_first_is_not_recorded_again_from_its_push(world):
    order = world.place(amount="1")
    trade = world.exchange.fill(order.client_order_id, Decimal("0.4"))
    world.fire(order)  # the trigger's lookup saw it first
    assert world.lifecycle is not None
    world.lifecycle.streamed([pushed(order, "FILL", Decimal("0.4"), trade)])
    assert len(fills(order)) == 1
    assert [key for key, _ in world.notices] == ["order.update.partial"]


def test_a_takers_fill_whose_price_the_push_does_not_say_is_looked_up(world):
    order = world.place(amount="1")
    trade = world.exchange.fill(order.client_order_id, Decimal("1"))
    assert world.lifecycle is not None
    world.lifecycle.streamed([pushed(order, "FILL", Decimal("1"), trade, maker=False)])
    assert world.exchange.calls != []
    assert [(f.kind, f.price) for f in fills(order)] == [(OrderChange.FILLED, trade.price)]


def test_a_push_whose_trades_do_not_account_for_the_end_sends_the_order_to_a_lookup(world):
    order = world.place(amount="1")
    world.exchange.fill(order.client_order_id, Decimal("0.4"))
    world.exchange.cancel(order.client_order_id)
    assert world.lifecycle is not None
    world.lifecycle.streamed([pushed(order, "CANCELLED", Decimal("0.4"))])  # its FILL was missed
    assert world.exchange.calls != []
    assert [f.kind for f in fills(order)] == [OrderChange.PARTIAL, OrderChange.CANCELLED]
    assert state_of(order) == OrderState.CANCELLED


def test_a_push_for_an_order_of_someone_else_or_already_ended_changes_nothing(world):
    order = world.place(amount="1")
    trade = world.exchange.fill(order.client_order_id, Decimal("1"))
    other = new_world()
    assert other.lifecycle is not None
    other.lifecycle.streamed([pushed(order, "FILL", Decimal("1"), trade)])
    assert fills(order) == [] and other.notices == []


def test_while_the_stream_is_live_a_fired_order_waits_for_its_push_before_a_lookup(world):
    order = world.place(amount="1")
    stream_live(world)
    trade = world.exchange.fill(order.client_order_id, Decimal("1"))
    world.fire(order)
    assert world.exchange.calls == []
    assert world.lifecycle is not None
    wakeups = world.lifecycle.timers.wakeups  # type: ignore[attr-defined]
    assert (STREAM_GRACE, (STREAM_WAIT, order.client_order_id)) in wakeups

    world.lifecycle.streamed(
        [pushed(order, "FILL", Decimal("1"), trade), pushed(order, "DONE", Decimal("1"))]
    )
    world.lifecycle.timers.rang((STREAM_WAIT, order.client_order_id))
    assert world.exchange.calls == []  # the push came in time: no lookup
    assert state_of(order) == OrderState.FILLED


def test_a_fired_order_whose_push_is_late_is_looked_up_when_the_grace_ends(world):
    order = world.place(amount="1")
    stream_live(world)
    world.exchange.fill(order.client_order_id, Decimal("1"))
    world.fire(order)
    assert world.lifecycle is not None
    world.lifecycle.timers.rang((STREAM_WAIT, order.client_order_id))
    assert world.exchange.calls != []
    assert state_of(order) == OrderState.FILLED


def test_a_gap_in_the_stream_sweeps_the_resting_orders(world):
    order = world.place(amount="1")
    world.exchange.fill(order.client_order_id, Decimal("1"))
    assert world.lifecycle is not None
    world.lifecycle.stream_state(OrderStreamState(telegram_id=world.user.telegram_id, state="gap"))
    assert "openOrders" in world.exchange.calls
    assert state_of(order) == OrderState.FILLED


def test_a_stream_that_wants_a_token_while_orders_rest_is_given_a_new_one(world):
    world.place()
    assert world.lifecycle is not None
    world.lifecycle.stream_state(
        OrderStreamState(telegram_id=world.user.telegram_id, state="wanted")
    )
    assert world.exchange.calls == ["generate_token"]
    follows = [m for _, m in world.lifecycle.links.sent if isinstance(m, FollowOrders)]
    assert (follows[-1].token, follows[-1].channel) == ("stream-token", "pws:#account")


def test_a_stream_that_wants_a_token_when_nothing_rests_is_not_given_one(world):
    assert world.lifecycle is not None
    world.lifecycle.stream_state(
        OrderStreamState(telegram_id=world.user.telegram_id, state="wanted")
    )
    assert world.exchange.calls == []


def test_a_push_after_the_account_was_unlinked_stops_the_stream(world):
    order = world.place()
    trade = world.exchange.fill(order.client_order_id, Decimal("1"))
    assert world.lifecycle is not None
    world.lifecycle.session.keys = None  # /unlink
    world.lifecycle.streamed([pushed(order, "FILL", Decimal("1"), trade)])
    assert fills(order) == []
    sent = world.lifecycle.links.sent
    assert isinstance(sent[-1][1], StopFollowingOrders)


def test_a_push_that_told_a_partial_fill_spares_the_fired_triggers_lookup(world):
    order = world.place(amount="1")
    stream_live(world)
    trade = world.exchange.fill(order.client_order_id, Decimal("0.4"))
    assert world.lifecycle is not None
    world.lifecycle.streamed([pushed(order, "FILL", Decimal("0.4"), trade)])  # before the tick
    world.fire(order)
    world.lifecycle.timers.rang((STREAM_WAIT, order.client_order_id))
    assert world.exchange.calls == []
    assert state_of(order) == OrderState.PARTIALLY_FILLED
