"""A live user whose only reason to stay is a resting limit order (multiprocess, PostgreSQL,
Redis, simulator): their actor leaves after the idle time like any other, and the order is
still watched. The market trading through its price starts the actor through the order's
trigger; a cancel made on the exchange's own site while the actor is gone is found once the
order has gone unchecked for ORDER_RECONCILE_DORMANT_SECONDS. Either end is recorded once
and told once."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bot_process import free_port
from stack import Stack, running_stack

from adapters.simulator.accounts import AccountSpec
from config.schema import ActorSettings
from messages.replies import Outbound
from persistence.models import Order
from persistence.models.fills import fills_of

P, Q = 2401, 2402  # ids no other module uses: the database is shared
ACCOUNTS = {
    telegram_id: AccountSpec(
        f"RESTING-{telegram_id}",
        f"resting-secret-{telegram_id}-0123456789",
        {"idr": Decimal(100_000_000)},
    )
    for telegram_id in (P, Q)
}
IDLE_SECONDS = 5
DORMANT_SECONDS = 15  # the order check's interval where a test waits for it


def quick_system(
    postgres_url: str, directory: Path, **options: Any
) -> AbstractContextManager[Stack]:
    """Users' actors leave after IDLE_SECONDS and the Supervisor looks every second."""
    return running_stack(
        postgres_url,
        directory,
        seed=41,
        accounts=ACCOUNTS,
        actors=ActorSettings(
            admin_port=free_port(), user_idle_seconds=IDLE_SECONDS, timer_watch_seconds=1
        ),
        **options,
    )


def is_update(telegram_id: int) -> Callable[[Outbound], bool]:
    return lambda m: m.telegram_id == telegram_id and m.key.startswith("order.update.")


def updates_told(stack: Stack, telegram_id: int, seconds: float) -> list[Outbound]:
    stack.pump(seconds)
    return [m for m in stack.outbound if is_update(telegram_id)(m)]


def resting_limit_buy(stack: Stack, telegram_id: int) -> str:
    """A linked user's limit buy well below the market, resting; its client_order_id."""
    stack.link(telegram_id)
    stack.buy_limit(telegram_id, price="900000000", quantity="0.001")
    return str(stack.reply_to(telegram_id, "order.placed").param("client_order_id"))


def test_a_resting_order_the_market_fills_while_its_users_actor_is_gone_is_told_once(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
):
    with quick_system(postgres_server_url, tmp_path_factory.mktemp("filled")) as stack:
        client_order_id = resting_limit_buy(stack, P)
        pid = stack.user_pid(P)
        stack.wait_until_gone(P, pid)  # only the order rests: the actor leaves
        assert Order.get(Order.client_order_id == client_order_id).state == "open"

        trades = stack.simulator.set_price("btcidr", 899_000_000)  # ticks through the feed
        filled = stack.wait_for(is_update(P))
        assert (filled.key, filled.param("client_order_id")) == (
            "order.update.filled",
            client_order_id,
        )
        # Started by the trigger: the order's check is an hour away (the default interval).
        assert stack.user_pid(P) != pid
        assert updates_told(stack, P, 3) == []  # told once

        row = Order.get(Order.client_order_id == client_order_id)
        assert row.state == "filled"
        [fill] = fills_of(row)
        [trade] = trades
        assert (fill.kind, fill.quantity, fill.price) == (
            "filled",
            Decimal(trade["quantity"]),
            Decimal(trade["price"]),
        )
        assert fill.delivered_at is not None


def test_an_order_cancelled_on_the_exchange_while_its_users_actor_is_gone_is_found_and_told(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
):
    with quick_system(
        postgres_server_url,
        tmp_path_factory.mktemp("cancelled"),
        exchange={"order_reconcile_dormant_seconds": DORMANT_SECONDS},
    ) as stack:
        client_order_id = resting_limit_buy(stack, Q)
        pid = stack.user_pid(Q)
        stack.wait_until_gone(Q, pid)
        stack.cancel_on_exchange(Q, client_order_id)  # the market never reaches the order

        cancelled = stack.wait_for(is_update(Q), timeout=DORMANT_SECONDS + 30)
        assert (cancelled.key, cancelled.param("client_order_id")) == (
            "order.update.cancelled",
            client_order_id,
        )
        again = stack.user_pid(Q)
        assert again != pid  # started by the Supervisor's check: no command, no trigger
        row = Order.get(Order.client_order_id == client_order_id)
        assert row.state == "cancelled"
        assert [(fill.kind, fill.delivered_at is not None) for fill in fills_of(row)] == [
            ("cancelled", True)
        ]

        stack.wait_until_gone(Q, again, timeout=3 * IDLE_SECONDS)  # and it leaves again
        assert updates_told(stack, Q, DORMANT_SECONDS + 3) == []  # told once
        assert stack.ask_user_actor(Q) is None  # nothing rests: no check starts it again
