"""Prices keep flowing when the market socket fails: REST takes over, alerts still fire, and
the socket takes back over when it returns."""

from __future__ import annotations

import time
from decimal import Decimal

from messages.admin import Status
from messages.commands import ConfirmAlert, CreateAlert, Start

E = 1005


def wait_for_feed(stack, state: str, nudge_price: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.simulator.set_price("btcidr", Decimal(nudge_price))
        feed = stack.admin(Status()).data["feed"]
        if feed["state"] == state:
            return feed
        stack.pump(1.0)
    raise AssertionError(f"the feed never became {state!r}")


def test_alerts_fire_through_a_socket_outage_and_the_socket_takes_back_over(stack):
    stack.say(Start(telegram_id=E, chat_id=E))
    stack.reply_to(E, "menu.main")
    wait_for_feed(stack, "live", 1_000_000_000)
    stack.say(CreateAlert(telegram_id=E, chat_id=E, pair_text="BTC/IDR", price="1060000000"))
    question = stack.reply_to(E, "alert.confirm")
    assert question.param("direction") == "above"
    pending_id = question.param("pending_id")
    stack.say(ConfirmAlert(telegram_id=E, chat_id=E, pending_id=pending_id, choice="once"))
    created = stack.reply_to(E, "alert.created")

    stack.simulator.set_faults(ws_down=True)
    stack.simulator.drop_sockets()
    fallback = wait_for_feed(stack, "fallback", 1_000_000_000)
    assert fallback["fallback_polls"] >= 1

    stack.simulator.set_price("btcidr", Decimal(1_061_000_000))
    fired = stack.reply_to(E, "alert.fired", timeout=30)
    assert fired.param("alert_id") == created.param("alert_id")

    stack.simulator.set_faults(ws_down=False)
    live = wait_for_feed(stack, "live", 1_061_000_000)
    assert live["reconnects"] >= 1
