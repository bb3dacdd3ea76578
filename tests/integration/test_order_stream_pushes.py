"""The exchange's private order stream on the running system (multiprocess, PostgreSQL,
Redis, the simulator): the account's stream followed, a resting order's fills recorded and
told once each, and a push to a user whose actor died starts it again and is told once."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from stack import ACCOUNTS, Stack, running_stack

from adapters.simulator.private_hub import channel_of
from persistence.models import Order
from persistence.models.fills import fills_of

S = 1007
KEY = ACCOUNTS[S].key


@pytest.fixture(scope="module")
def stack(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(
        postgres_server_url,
        tmp_path_factory.mktemp("stream"),
        seed=17,
        accounts={S: ACCOUNTS[S]},
        fill_fraction=Decimal("0.5"),  # 0.002 BTC fills as 0.001, then 0.001
    ) as stack:
        yield stack


def subscribed(stack: Stack, timeout: float = 20) -> None:
    channel = channel_of(KEY)
    deadline = time.monotonic() + timeout
    while stack.simulator.call(lambda sim: sim.private_hub.subscribers(channel)) == 0:
        assert time.monotonic() < deadline, "the account's order stream was never followed"
        stack.pump(0.2)


def next_update(stack: Stack):
    return stack.wait_for(lambda m: m.telegram_id == S and m.key.startswith("order.update."))


def test_a_resting_orders_fills_are_told_from_the_followed_stream_once_each(stack):
    """That a push costs no call is checked where time is not a factor
    (tests/actors/test_order_stream_updates.py): here a fired trigger waits 2 s for the
    push, and a loaded host can be slower than that, so a lookup may happen too; the
    fills must still be recorded once each, as the simulator made them."""
    stack.link(S)
    stack.buy_limit(S, price="995000000", quantity="0.001")  # its fill shows the stream live
    stack.reply_to(S, "order.placed")
    subscribed(stack)
    stack.simulator.set_price("btcidr", 995_000_000)
    stack.simulator.set_price("btcidr", 994_000_000)
    assert [next_update(stack).key for _ in range(2)][-1] == "order.update.filled"
    stack.buy_limit(S, price="990000000", quantity="0.002")
    client_order_id = stack.reply_to(S, "order.placed").param("client_order_id")

    trades = stack.simulator.set_price("btcidr", 990_000_000)
    first = next_update(stack)
    trades += stack.simulator.set_price("btcidr", 989_000_000)
    last = next_update(stack)
    stack.pump(3)  # past the grace a fired trigger gives the push

    assert [first.key, last.key] == ["order.update.partial", "order.update.filled"]
    assert stack.simulator.call(lambda sim: sim.private_hub.subscribers(channel_of(KEY))) == 1
    row = Order.get(Order.client_order_id == client_order_id)
    assert row.state == "filled"
    recorded = fills_of(row)
    assert [(f.quantity, f.price, f.fee) for f in recorded] == [
        (Decimal(t["quantity"]), Decimal(t["price"]), Decimal(t["fee"])) for t in trades
    ]
    assert all(f.trade_id for f in recorded)


def test_a_push_for_a_user_whose_actor_died_starts_it_again_and_is_told_once(stack):
    stack.link(S)
    stack.buy_limit(S, price="980000000", quantity="0.002")
    client_order_id = stack.reply_to(S, "order.placed").param("client_order_id")
    subscribed(stack)
    pid = stack.user_pid(S)
    os.kill(pid, signal.SIGKILL)

    stack.simulator.set_price("btcidr", 980_000_000)
    stack.simulator.set_price("btcidr", 979_000_000)
    told = [next_update(stack), next_update(stack)]
    stack.pump(3)
    again = [m for m in stack.outbound if m.telegram_id == S and m.key.startswith("order.update.")]

    assert sorted(m.key for m in told) == ["order.update.filled", "order.update.partial"]
    assert again == []
    assert stack.user_pid(S) != pid
    row = Order.get(Order.client_order_id == client_order_id)
    assert (row.state, len(fills_of(row))) == ("filled", 2)
