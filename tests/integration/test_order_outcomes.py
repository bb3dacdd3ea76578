"""Every order outcome reaches its user once, on the running system (multiprocess,
PostgreSQL, Redis, simulator): through a UserActor killed mid-trade, and through a reply
lost with the lookups after it."""

from __future__ import annotations

from decimal import Decimal

from simulated_system import simulated_system
from stack import ACCOUNTS, Stack

from messages.admin import RestartUser
from persistence.models import Order, User
from persistence.models.orders import record_intended_order

G, H, J = 1007, 1008, 1009


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
    placed = stack.kill_mid_trade(G, price="990000000")

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


def test_a_bot_started_again_tells_an_outcome_still_owed_before_the_user_writes(
    stack, postgres_server_url, redis_url, tmp_path
):
    """The last run found the order filled but stopped before telling the user. (`stack`,
    the first run, has bound this process to the database.)"""
    user, _ = User.get_or_create(telegram_id=J, defaults={"chat_id": J})
    row = record_intended_order(
        user,
        {"pair": "btc_idr", "side": "buy", "order_type": "market", "quote_amount": Decimal(1)},
    )
    Order.update(state="filled", exchange_order_id="4711", outcome_owed=True).where(
        Order.id == row.id
    ).execute()

    with simulated_system(
        postgres_server_url, redis_url, tmp_path, (ACCOUNTS[J],), seed=12
    ) as running:
        again = Stack(
            running.system.system, running.supervisor, running.simulator, running.settings
        )
        told = again.wait_for(lambda m: m.telegram_id == J and m.key.startswith("order.outcome."))
        assert (told.key, told.param("state")) == ("order.outcome.placed", "filled")
        assert told.param("client_order_id") == row.client_order_id
        assert outcomes_told(again, J, 2) == []
    assert not Order.get_by_id(row.id).outcome_owed
