"""A grid on the running system (multiprocess, PostgreSQL, Redis, the simulator) whose
user's actor is killed (SIGKILL) at the worst moments: while the market fills two of its
buys (the fills happen with nobody to see them), and while the opposite order of a fill
is on its way to the exchange with its answer never coming. After each restart the
simulator's log holds exactly the orders there should be: no client_order_id twice, every
fill followed by its opposite order once, one order per level."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from stack import Stack, running_stack

from adapters.simulator.accounts import AccountSpec
from messages.admin import ResumeUser
from messages.commands import ChangeStrategy
from persistence.models import Strategy, User

U = 2301  # an id no other module uses: the database is shared
KEY = f"GRID-{U}"
ACCOUNTS = {U: AccountSpec(KEY, f"grid-secret-{U}-0123456789", {"idr": Decimal(100_000_000)})}
LEVELS = {"lower": "950000000", "upper": "1050000000", "levels": "5", "tick": "1000"}


@pytest.fixture(scope="module")
def stack(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(
        postgres_server_url, tmp_path_factory.mktemp("grid"), seed=31, accounts=ACCOUNTS
    ) as stack:
        yield stack


def log_of(stack: Stack) -> list[dict[str, Any]]:
    return stack.simulator.trade_log(KEY)


def wait_for_orders(stack: Stack, count: int, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while len(log_of(stack)) < count and time.monotonic() < deadline:
        stack.pump(0.5)
    stack.pump(1.0)  # and nothing more comes
    return log_of(stack)


def resting(log: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((o["side"], o["price"]) for o in log if o["status"] == "open")


def test_a_grid_killed_while_its_buys_fill_and_while_an_order_is_sent_places_each_once(stack):
    stack.simulator.set_price("btcidr", Decimal(1_000_000_000))
    stack.link(U)
    grid = Strategy.create(
        user=User.get(User.telegram_id == U),
        kind="grid",
        pair="btc_idr",
        params={**LEVELS, "amount_coin": "0.001", "taker_fee": "0.002"},
    )
    assert stack.admin(ResumeUser(telegram_id=U)).ok
    laid = wait_for_orders(stack, 5)
    assert resting(laid) == [
        ("buy", "950000000"),
        ("buy", "975000000"),
        ("sell", "1025000000"),
        ("sell", "1050000000"),
    ]

    # Both buys fill while the user's actor is dead.
    pid = stack.user_pid(U)
    os.kill(pid, signal.SIGKILL)
    stack.simulator.set_price("btcidr", Decimal(940_000_000))
    after_fills = wait_for_orders(stack, 7)
    assert stack.user_pid(U) != pid
    assert resting(after_fills) == [
        ("sell", "1000000000"),  # the buy at 975 M's coins, one level up
        ("sell", "1025000000"),
        ("sell", "1050000000"),
        ("sell", "975000000"),  # the buy at 950 M's
    ]

    # The sell at 975 M fills; the buy back at 950 M never gets its answer, and the actor
    # is killed while it waits.
    pid = stack.user_pid(U)
    stack.simulator.set_faults(hang={"methods": ["trade"], "count": 1, "delay_ms": 60_000})
    stack.simulator.set_price("btcidr", Decimal(980_000_000))
    deadline = time.monotonic() + 60
    while len(log_of(stack)) < 8 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    stack.simulator.set_faults(hang=None)
    final = wait_for_orders(stack, 8)
    counts = Counter(o["client_order_id"] for o in final)
    assert [cid for cid, n in counts.items() if n > 1] == []  # nothing sent twice
    assert len(final) == 8
    assert resting(final) == [
        ("buy", "950000000"),  # once, though its sender died before the answer
        ("sell", "1000000000"),
        ("sell", "1025000000"),
        ("sell", "1050000000"),
    ]
    row = Strategy.get_by_id(grid.id)
    assert (row.status, row.state["pairs"]) == ("running", 1)

    # Leave nothing running for the modules after this one (the database is shared).
    stack.say(
        ChangeStrategy(telegram_id=U, chat_id=U, strategy_id=grid.id, action="stop", leave="keep")
    )
    stack.reply_to(U, "strategy.changed")
