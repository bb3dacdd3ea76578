"""Orders followed to their end on the running system (multiprocess, PostgreSQL, Redis,
the simulator): a resting limit order filling in three parts while the user's actor is
killed between the second and the third, and a market buy that fills at its placement;
every fill is recorded as the simulator made it and told exactly once."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from decimal import Decimal

import pytest
from stack import ACCOUNTS, Stack, running_stack

from persistence.models import Order
from persistence.models.fills import fills_of

K = 1006


@pytest.fixture(scope="module")
def stack(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(
        postgres_server_url,
        tmp_path_factory.mktemp("fills"),
        seed=13,
        accounts={K: ACCOUNTS[K]},
        fill_fraction=Decimal("0.34"),  # 0.003 BTC fills as 0.00102, 0.00102, 0.00096
    ) as stack:
        yield stack


def updates_told(stack: Stack, seconds: float) -> list:
    stack.pump(seconds)
    told = [m for m in stack.outbound if m.telegram_id == K and m.key.startswith("order.update.")]
    for message in told:
        stack.outbound.remove(message)
    return told


def next_update(stack: Stack):
    return stack.wait_for(lambda m: m.telegram_id == K and m.key.startswith("order.update."))


def test_three_partial_fills_with_the_actor_killed_between_the_second_and_third_are_each_told_once(
    stack,
):
    stack.link(K)
    stack.buy_limit(K, price="990000000", quantity="0.003")
    placed = stack.reply_to(K, "order.placed")
    client_order_id = placed.param("client_order_id")

    trades = stack.simulator.set_price("btcidr", 990_000_000)
    first = next_update(stack)
    trades += stack.simulator.set_price("btcidr", 989_000_000)
    second = next_update(stack)
    assert [first.key, second.key] == ["order.update.partial"] * 2

    pid = stack.user_pid(K)
    os.kill(pid, signal.SIGKILL)
    trades += stack.simulator.set_price("btcidr", 988_000_000)
    last = next_update(stack)
    assert last.key == "order.update.filled"
    assert last.param("client_order_id") == client_order_id
    assert stack.user_pid(K) != pid
    assert updates_told(stack, 3) == []  # each exactly once

    row = Order.get(Order.client_order_id == client_order_id)
    assert row.state == "filled"
    recorded = fills_of(row)
    assert [(f.quantity, f.price, f.fee) for f in recorded] == [
        (Decimal(t["quantity"]), Decimal(t["price"]), Decimal(t["fee"])) for t in trades
    ]
    assert [f.kind for f in recorded] == ["partial", "partial", "filled"]
    assert all(f.delivered_at is not None for f in recorded)
    log = stack.simulator.trade_log(f"KEY-{K}")
    assert sum(order["client_order_id"] == client_order_id for order in log) == 1


def test_a_market_buy_filled_at_placement_is_recorded_as_the_simulator_traded_and_told_once(
    stack,
):
    stack.link(K)
    stack.buy_market(K, idr="2000000")
    placed = stack.reply_to(K, "order.placed")
    client_order_id = placed.param("client_order_id")
    told = next_update(stack)
    assert told.key == "order.update.market_filled"
    assert updates_told(stack, 2) == []

    row = Order.get(Order.client_order_id == client_order_id)
    [order] = [
        o for o in stack.simulator.trade_log(f"KEY-{K}") if o["client_order_id"] == client_order_id
    ]
    [fill] = fills_of(row)
    assert (row.state, fill.kind) == ("filled", "filled")
    assert (fill.quantity, row.filled_amount) == (Decimal(order["received"]),) * 2
    assert fill.fee == Decimal(order["fees"])
    assert told.param("price") == format(fill.price.normalize(), "f")
