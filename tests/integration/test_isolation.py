"""One user's failures never reach another user (multiprocess, PostgreSQL, Redis, simulator)."""

from __future__ import annotations

import time
from decimal import Decimal

from actors.runtime.processes import alive, children_of, session_members, session_of
from messages.admin import ListUsers
from messages.commands import GetPrice, ListOpenOrders
from persistence.models import Order, User

A, B = 1001, 1002


def orders_of(stack, telegram_id: int, client_order_id: str) -> list[dict]:
    key = f"KEY-{telegram_id}"
    return [
        o for o in stack.simulator.trade_log(key) if o.get("client_order_id") == client_order_id
    ]


def test_a_crashing_and_killed_user_does_not_disturb_another_users_order(stack):
    stack.link(A)
    stack.link(B)

    # A's actor raises on every one of these (a malformed command from a buggy adapter).
    for _ in range(10):
        stack.say(GetPrice(telegram_id=A, chat_id=A, pair_text=None))
    for _ in range(10):
        stack.reply_to(A, "error.internal")

    # A runs a strategy: inside A's own process, so a killed A leaves nothing behind.
    stack.run_buy_once_below(A, level="100000000")
    a_pid = stack.user_pid(A)
    session = session_of(a_pid)
    stack.pump(1.0)
    assert children_of(a_pid) == []
    processes = len(session_members(session))

    # A's order reaches the exchange, whose reply hangs: A is killed mid-order.
    a_order = stack.kill_mid_trade(A, price="990000000")

    # B places and fills an order meanwhile, unchanged.
    stack.buy_limit(B, price="995000000")
    placed = stack.reply_to(B, "order.placed")
    stack.simulator.set_price("btcidr", Decimal(990_000_000))
    stack.say(ListOpenOrders(telegram_id=B, chat_id=B))
    stack.reply_to(B, "orders.none")  # the fill left nothing open
    filled = stack.reply_to(B, "order.update.filled")  # followed to its end, and told
    assert filled.param("client_order_id") == placed.param("client_order_id")
    b_row = Order.get(Order.client_order_id == placed.param("client_order_id"))
    assert b_row.state == "filled"
    assert len(orders_of(stack, B, b_row.client_order_id)) == 1

    # A comes back after a backoff and resolves its order by client_order_id, once.
    deadline = time.monotonic() + 30
    a_row = None
    while time.monotonic() < deadline:
        a_row = Order.get_or_none(Order.client_order_id == a_order["client_order_id"])
        if a_row is not None and a_row.state not in ("pending", "unknown"):
            break
        stack.pump(0.3)
    assert a_row is not None
    assert a_row.state in ("open", "filled", "partially_filled")
    assert a_row.exchange_order_id == str(a_order["order_id"])
    assert len(orders_of(stack, A, a_row.client_order_id)) == 1

    # No orphan: A's strategy died with A's process, and runs again inside its new one.
    new_pid = stack.user_pid(A)
    assert new_pid != a_pid and not alive(a_pid)
    assert children_of(new_pid) == []
    assert len(session_members(session)) == processes

    users = {row["telegram_id"]: row for row in stack.admin(ListUsers()).data["users"]}
    assert users[A]["restarts"] == 1
    assert users[A]["actor"] is True
    assert users[B]["restarts"] == 0
    assert User.get(User.telegram_id == B).status == "active"
