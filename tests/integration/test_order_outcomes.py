"""Every order outcome reaches its user once, on the running system (multiprocess,
PostgreSQL, Redis, simulator): through a UserActor killed mid-trade, and through a reply
lost with the lookups after it."""

from __future__ import annotations

import os
import signal
import time

from messages.admin import RestartUser
from persistence.models import Order

G, H = 1007, 1008


def times_sent(stack, telegram_id: int, client_order_id: str) -> int:
    log = stack.simulator.trade_log(f"KEY-{telegram_id}")
    return sum(order["client_order_id"] == client_order_id for order in log)


def outcomes_told(stack, telegram_id: int, seconds: float) -> list:
    """The outcome messages the user gets within `seconds`."""
    stack.pump(seconds)
    told = [
        m
        for m in stack.outbound
        if m.telegram_id == telegram_id and m.key.startswith("order.outcome.")
    ]
    for message in told:
        stack.outbound.remove(message)
    return told


def test_an_order_whose_actor_was_killed_mid_trade_is_told_once_after_the_restart(stack):
    stack.link(G)
    pid = stack.user_pid(G)

    # The trade reaches the exchange, whose answer never comes; the actor is killed.
    stack.simulator.set_faults(hang={"methods": ["trade"], "count": 1, "delay_ms": 60_000})
    stack.buy_limit(G, price="990000000")
    deadline = time.monotonic() + 30
    while not stack.simulator.trade_log(f"KEY-{G}") and time.monotonic() < deadline:
        time.sleep(0.1)
    [placed] = stack.simulator.trade_log(f"KEY-{G}")
    os.kill(pid, signal.SIGKILL)
    stack.simulator.set_faults(hang=None)

    # The restarted actor finds the order by client_order_id and tells the user.
    told = stack.wait_for(lambda m: m.telegram_id == G and m.key.startswith("order.outcome."))
    assert told.key == "order.outcome.placed"
    assert told.param("client_order_id") == placed["client_order_id"]
    assert told.param("order_id") == str(placed["order_id"])
    assert stack.user_pid(G) != pid
    assert outcomes_told(stack, G, 3) == []  # once
    row = Order.get(Order.client_order_id == placed["client_order_id"])
    assert row.state == "open" and not row.outcome_owed

    # Another restart says nothing more, and the order was never sent again.
    assert stack.admin(RestartUser(telegram_id=G)).ok
    restarted = stack.user_pid(G)
    assert outcomes_told(stack, G, 3) == []
    assert stack.user_pid(G) == restarted
    assert times_sent(stack, G, placed["client_order_id"]) == 1


def test_a_lost_reply_found_by_the_background_follow_up_is_told_once(stack):
    stack.link(H)
    # Executed, but the reply is lost, and so are the next five lookups' replies.
    stack.simulator.set_faults(
        hang={
            "methods": ["trade", "getOrderByClientOrderId"],
            "count": 6,
            "delay_ms": 0,
            "lose_reply": True,
        }
    )
    stack.buy_limit(H, price="990000000")
    unknown = stack.reply_to(H, "order.unknown")
    client_order_id = unknown.param("client_order_id")
    told = stack.wait_for(lambda m: m.telegram_id == H and m.key.startswith("order.outcome."))
    assert (told.key, told.param("client_order_id")) == ("order.outcome.placed", client_order_id)
    assert outcomes_told(stack, H, 3) == []
    assert times_sent(stack, H, client_order_id) == 1
    stack.simulator.set_faults(hang=None)
