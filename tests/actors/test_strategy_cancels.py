"""A strategy cancels one of its orders or all it has resting, through the private client;
each end reaches it as an OrderUpdate from the life cycle's lookup. Fakes: an exchange that
keeps its orders in memory, no actor."""

from __future__ import annotations

from decimal import Decimal

import pytest

from messages.events import CancelRequest
from persistence.models.strategies import Strategy
from tests.actors.order_lifecycle_world import LifecycleWorld, new_world, state_of


@pytest.fixture
def world(settings) -> LifecycleWorld:
    return new_world()


def cancel(world: LifecycleWorld, strategy: Strategy, client_order_id: str | None = None) -> None:
    assert world.cancels is not None
    world.cancels.cancel(CancelRequest(strategy_id=strategy.id, client_order_id=client_order_id))


def test_a_strategy_cancels_one_order_and_hears_it_cancelled_while_its_other_rests(world):
    strategy = Strategy.create(user=world.user, kind="test", pair="btc_idr")
    first = world.place(price="900000000", strategy=strategy)
    second = world.place(price="910000000", strategy=strategy)
    cancel(world, strategy, first.client_order_id)
    assert world.exchange.calls.count("cancelByClientOrderId") == 1
    assert (state_of(first), state_of(second)) == ("cancelled", "open")
    [update] = world.to_strategy
    assert (update.client_order_id, update.kind, update.leg) == (
        first.client_order_id,
        "cancelled",
        "entry",
    )
    assert world.armed(second) and not world.armed(first)


def test_a_strategy_cancels_all_its_resting_orders_and_no_one_elses(world):
    strategy = Strategy.create(user=world.user, kind="test", pair="btc_idr")
    mine = [world.place(price=price, strategy=strategy) for price in ("900000000", "910000000")]
    others = world.place(price="920000000", strategy=True)
    users = world.place(price="930000000")
    cancel(world, strategy)
    assert [state_of(row) for row in mine] == ["cancelled", "cancelled"]
    assert (state_of(others), state_of(users)) == ("open", "open")
    assert sorted(u.client_order_id for u in world.to_strategy if u.kind == "cancelled") == sorted(
        row.client_order_id for row in mine
    )


def test_an_order_filled_before_its_cancel_is_told_filled_not_cancelled(world):
    strategy = Strategy.create(user=world.user, kind="test", pair="btc_idr")
    order = world.place(amount="1", strategy=strategy)
    world.exchange.fill(order.client_order_id, Decimal("1"))
    cancel(world, strategy, order.client_order_id)
    assert state_of(order) == "filled"
    assert [u.kind for u in world.to_strategy] == ["filled"]
