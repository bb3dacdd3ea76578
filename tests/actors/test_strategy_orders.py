"""A strategy's order survives its actor's crash at any point: BuyOnceBelow against the
local simulator, its UserActor replaced as after a crash (between the saved intent and the
send, or between the send and the result). The order is on the exchange once, under the id
the strategy derived, and the strategy ends stopped with the result, never stuck."""

from __future__ import annotations

import time

from test_user_actor import USER, link
from test_user_outcomes import LOOKUP, no_faults, restart, simulator, times_sent, world_with
from test_user_strategies import crossing

from actors.user.strategy_mailbox import INTENTS, LEGS, SALT
from messages.events import ResumeStrategies
from persistence.models import Order, Strategy, User
from persistence.models.orders import new_order_salt, strategy_client_order_id

__all__ = ["no_faults", "simulator"]  # the fixtures, shared with the outcome tests

LEVEL = {"level": "950000000", "quote_amount": "200000"}


def buyer() -> Strategy:
    return Strategy.create(
        user=User.get(User.telegram_id == USER["telegram_id"]),
        kind="buy_once_below",
        pair="btc_idr",
        params=LEVEL,
    )


def finished(world, strategy: Strategy, seconds: float) -> Strategy:
    """The strategy's row once it stopped, or as it is after `seconds`."""
    deadline = time.monotonic() + seconds
    row = Strategy.get_by_id(strategy.id)
    while row.status != "stopped" and time.monotonic() < deadline:
        world[0].listen(0.2)
        row = Strategy.get_by_id(strategy.id)
    return row


def test_a_strategy_whose_actor_died_between_send_and_result_buys_once_and_stops(
    actor_system, settings, simulator, tmp_path
):
    world = world_with(actor_system, settings, simulator, tmp_path)
    link(world)
    strategy = buyer()
    world[0].tell(world[1], ResumeStrategies())  # hosts it from the database
    # The trade executes but neither its reply nor the client's own lookups come back:
    # the actor is replaced before it learns how the order went.
    simulator.set_faults(
        hang={"methods": ["trade", LOOKUP], "count": 4, "delay_ms": 0, "lose_reply": True}
    )
    world[0].tell(world[1], crossing(strategy, "949000000"))
    deadline = time.monotonic() + 10
    while not Strategy.get_by_id(strategy.id).state.get(INTENTS) and time.monotonic() < deadline:
        world[0].listen(0.2)
    salt = Strategy.get_by_id(strategy.id).state[SALT]
    client_order_id = strategy_client_order_id(strategy.id, salt, "buy", 1)
    while times_sent(simulator, client_order_id) == 0 and time.monotonic() < deadline:
        world[0].listen(0.2)
    assert Strategy.get_by_id(strategy.id).status == "running"  # no result heard yet
    simulator.set_faults(clear=True)

    restarted = restart(world, actor_system, settings, simulator, tmp_path)
    row = finished(restarted, strategy, 15)

    assert times_sent(simulator, client_order_id) == 1
    assert (row.status, row.state["result"], row.state["client_order_id"]) == (
        "stopped",
        "filled",
        client_order_id,
    )
    order = Order.get(Order.client_order_id == client_order_id)
    assert (order.leg, order.strategy_id, order.state) == ("buy", strategy.id, "filled")


def saved_intent(strategy: Strategy) -> tuple[str, str]:
    """What the strategy saved before asking for its order; the order's id and the salt."""
    salt = new_order_salt()
    client_order_id = strategy_client_order_id(strategy.id, salt, "buy", 1)
    intent = {
        "leg": "buy",
        "side": "buy",
        "order_type": "market",
        "price": None,
        "quantity": None,
        "quote_amount": "200000",
    }
    Strategy.update(
        state={
            "ordered": True,
            SALT: salt,
            LEGS: {"buy": 1},
            INTENTS: {client_order_id: intent},
        }
    ).where(Strategy.id == strategy.id).execute()
    return client_order_id, salt


def test_a_strategy_whose_actor_died_after_saving_its_intent_sends_it_once_at_the_restart(
    actor_system, settings, simulator, tmp_path
):
    world = world_with(actor_system, settings, simulator, tmp_path)
    link(world)
    strategy = buyer()
    # What the strategy saved before asking, when the crash came before the order left.
    client_order_id, _ = saved_intent(strategy)

    restarted = restart(world, actor_system, settings, simulator, tmp_path)
    row = finished(restarted, strategy, 10)
    assert (row.status, row.state["result"]) == ("stopped", "filled")
    assert times_sent(simulator, client_order_id) == 1

    again = restart(restarted, actor_system, settings, simulator, tmp_path)
    again[0].listen(1.0)
    assert times_sent(simulator, client_order_id) == 1


def test_an_order_recorded_but_never_sent_before_the_crash_is_bought_again_under_a_new_id(
    actor_system, settings, simulator, tmp_path
):
    world = world_with(actor_system, settings, simulator, tmp_path)
    link(world)
    strategy = buyer()
    lost, salt = saved_intent(strategy)
    # The desk had written the order's row, and the actor died before the request left.
    Order.create(
        user=User.get(User.telegram_id == USER["telegram_id"]),
        strategy=strategy.id,
        leg="buy",
        client_order_id=lost,
        pair="btc_idr",
        side="buy",
        order_type="market",
        quote_amount="200000",
        state="pending",
    )

    restarted = restart(world, actor_system, settings, simulator, tmp_path)
    deadline = time.monotonic() + 20  # the lookup believes "not found" after its grace
    while Strategy.get_by_id(strategy.id).state.get("ordered") and time.monotonic() < deadline:
        restarted[0].listen(0.2)
    restarted[0].tell(restarted[1], crossing(strategy, "949000000"))
    row = finished(restarted, strategy, 15)

    again = strategy_client_order_id(strategy.id, salt, "buy", 2)
    assert Order.get(Order.client_order_id == lost).state == "rejected"
    assert (row.status, row.state["result"], row.state["client_order_id"]) == (
        "stopped",
        "filled",
        again,
    )
    assert (times_sent(simulator, lost), times_sent(simulator, again)) == (0, 1)
