"""Strategies run inside their user's actor (multiprocess, PostgreSQL, Redis, simulator): a
user with two running strategies is one OS process, and a price crossing still makes
BuyOnceBelow order once on the exchange."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from stack import Stack, running_stack

from actors.runtime.processes import children_of, session_members
from adapters.simulator.accounts import AccountSpec
from messages.admin import ResumeUser
from messages.commands import ChangeStrategy
from persistence.models import Strategy, User

U = 2201  # an id no other module uses: the database is shared
ACCOUNTS = {
    U: AccountSpec(f"HOST-{U}", f"host-secret-{U}-0123456789", {"idr": Decimal(100_000_000)})
}


@pytest.fixture(scope="module")
def hosted(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The running system; its processes belong to `stack.session`."""
    with running_stack(
        postgres_server_url, tmp_path_factory.mktemp("hosted"), seed=29, accounts=ACCOUNTS
    ) as stack:
        yield stack


def buy_once_below(owner: User, level: str) -> Strategy:
    return Strategy.create(
        user=owner,
        kind="buy_once_below",
        pair="btc_idr",
        params={"level": level, "quote_amount": "200000"},
    )


def status_of(strategy: Strategy) -> str:
    return Strategy.get_by_id(strategy.id).status


def test_a_user_with_two_running_strategies_is_one_process_and_buys_once_on_the_crossing(hosted):
    stack, session = hosted, hosted.session
    stack.link(U)
    user_pid = stack.user_pid(U)
    processes = sorted(session_members(session))
    owner = User.get(User.telegram_id == U)
    buyer = buy_once_below(owner, level="950000000")
    waiter = buy_once_below(owner, level="100000000")  # far below: it only waits

    assert stack.admin(ResumeUser(telegram_id=U)).ok
    stack.reply_to(U, "strategy.resumed")
    stack.pump(1.0)
    assert sorted(session_members(session)) == processes  # no process more for two strategies
    assert stack.user_pid(U) == user_pid
    assert children_of(user_pid) == []

    key = ACCOUNTS[U].key
    deadline = time.monotonic() + 60
    while status_of(buyer) != "stopped" and time.monotonic() < deadline:
        stack.simulator.set_price("btcidr", Decimal(949_000_000))  # ticks through the feed
        stack.pump(0.5)
    assert status_of(buyer) == "stopped"
    for price in (948_000_000, 940_000_000):  # the price stays below: no second order
        stack.simulator.set_price("btcidr", Decimal(price))
        stack.pump(1.0)

    [order] = stack.simulator.trade_log(key)
    assert order["client_order_id"] == Strategy.get_by_id(buyer.id).state["client_order_id"]
    assert status_of(waiter) == "running"
    assert sorted(session_members(session)) == processes
    assert stack.user_pid(U) == user_pid

    # Leave nothing running for the modules after this one (the database is shared).
    stack.say(
        ChangeStrategy(telegram_id=U, chat_id=U, strategy_id=waiter.id, action="stop", leave="keep")
    )
    assert stack.reply_to(U, "strategy.changed").param("status") == "stopped"
