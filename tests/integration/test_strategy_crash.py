"""DCA and TP/SL on the running system (multiprocess, PostgreSQL, Redis, the simulator)
when every process of the bot is killed (SIGKILL) at their worst moments: a DCA's buy on
its way with its answer never coming, and a TP/SL whose target fills while no process of
the bot is alive. A new system started on the same database restores them; the simulator's
log then holds exactly the orders there should be: no client_order_id twice, the fill
seen by its strategy, and the stop never selling what a target sold."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from stack import Stack, running_stack

from actors.runtime.lifecycle import boot_supervisor
from actors.runtime.processes import session_members
from actors.runtime.system import admin_port_in_use, start_actor_system, stop_actor_system
from adapters.simulator.accounts import AccountSpec
from messages.admin import ResumeUser
from messages.commands import ChangeStrategy
from persistence.models import Strategy, User

DCA_USER, TPSL_USER = 2401, 2402  # ids no other module uses: the database is shared
ACCOUNTS = {
    DCA_USER: AccountSpec(
        f"DCA-{DCA_USER}", f"dca-secret-{DCA_USER}-0123456789", {"idr": Decimal(100_000_000)}
    ),
    TPSL_USER: AccountSpec(
        f"TPSL-{TPSL_USER}",
        f"tpsl-secret-{TPSL_USER}-0123456789",
        {"idr": Decimal(100_000_000), "btc": Decimal("0.002")},
    ),
}


@pytest.fixture
def stack(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A system of its own for each test: each kills it."""
    with running_stack(
        postgres_server_url, tmp_path_factory.mktemp("crash"), seed=37, accounts=ACCOUNTS
    ) as stack:
        yield stack


def kill_everything(stack: Stack) -> None:
    """Every process of the bot killed at once."""
    assert stack.session is not None
    for pid in session_members(stack.session):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while session_members(stack.session) or admin_port_in_use(stack.settings.actors):
        assert time.monotonic() < deadline, "the killed system's processes did not end"
        time.sleep(0.05)


@contextmanager
def started_again(stack: Stack) -> Iterator[Stack]:
    """A new system on the killed one's database, Redis and simulator: it restores the users
    with running strategies."""
    running = start_actor_system(stack.settings.actors, stack.settings.storage.data_dir)
    try:
        supervisor = boot_supervisor(running.system, stack.settings)
        again = Stack(
            running.system,
            supervisor,
            stack.simulator,
            stack.settings,
            stack.accounts,
            session=running.session,
        )
        again.tokens.update(stack.tokens)  # the chat adapter's, which outlive the actors
        yield again
    finally:
        stop_actor_system(running)


def log_of(stack: Stack, user: int) -> list[dict[str, Any]]:
    return stack.simulator.trade_log(ACCOUNTS[user].key)


def wait_until(stack: Stack, done: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "not reached in time"
        stack.pump(0.3)


def sent_twice(log: list[dict[str, Any]]) -> list[str]:
    counts = Counter(o["client_order_id"] for o in log)
    return [client_order_id for client_order_id, n in counts.items() if n > 1]


def test_a_dca_buy_whose_answer_never_came_before_everything_died_is_bought_once(stack):
    stack.link(DCA_USER)
    dca = Strategy.create(
        user=User.get(User.telegram_id == DCA_USER),
        kind="dca",
        pair="btc_idr",
        params={"quote_amount": "100000", "schedule": "every 6h", "order_type": "market",
                "max_buys": "3"},
    )  # fmt: skip
    stack.simulator.set_faults(hang={"methods": ["trade"], "count": 1, "delay_ms": 60_000})
    assert stack.admin(ResumeUser(telegram_id=DCA_USER)).ok
    wait_until(stack, lambda: log_of(stack, DCA_USER))  # its first run reached the exchange
    kill_everything(stack)
    stack.simulator.set_faults(hang=None)
    with started_again(stack) as again:
        wait_until(again, lambda: Strategy.get_by_id(dca.id).state.get("cycle_bought", "0") != "0")
        again.pump(2.0)  # and nothing more is sent
        log = log_of(again, DCA_USER)
        assert sent_twice(log) == []
        assert [(o["side"], o["order_type"], o["status"]) for o in log] == [
            ("buy", "market", "filled")
        ]
        state = Strategy.get_by_id(dca.id).state
        assert state["runs"] == 1
        assert Decimal(state["cycle_bought"]) == Decimal(log[0]["received"])  # the fill, seen
        again.say(
            ChangeStrategy(
                telegram_id=DCA_USER, chat_id=DCA_USER, strategy_id=dca.id, action="stop",
                leave="keep",
            )
        )  # fmt: skip
        again.reply_to(DCA_USER, "strategy.changed")


def test_a_target_filled_while_everything_was_dead_is_seen_and_the_stop_sells_only_the_rest(
    stack,
):
    stack.simulator.set_price("btcidr", Decimal(1_000_000_000))
    stack.link(TPSL_USER)
    tpsl = Strategy.create(
        user=User.get(User.telegram_id == TPSL_USER),
        kind="tpsl",
        pair="btc_idr",
        params={"entry_price": "1000000000", "quantity": "0.002", "targets": "5:50",
                "stop_loss_pct": "3"},
    )  # fmt: skip
    assert stack.admin(ResumeUser(telegram_id=TPSL_USER)).ok
    wait_until(stack, lambda: log_of(stack, TPSL_USER))  # its target rests on the exchange
    [target] = log_of(stack, TPSL_USER)
    assert (target["side"], target["price"], target["amount"]) == ("sell", "1050000000", "0.001")

    kill_everything(stack)
    stack.simulator.set_price("btcidr", Decimal(1_060_000_000))  # the target fills meanwhile
    assert log_of(stack, TPSL_USER)[0]["status"] == "filled"
    with started_again(stack) as again:
        wait_until(again, lambda: Strategy.get_by_id(tpsl.id).state.get("sold") == "0.001")
        again.simulator.set_price("btcidr", Decimal(960_000_000))  # through the stop
        wait_until(again, lambda: Strategy.get_by_id(tpsl.id).status == "stopped")
        again.pump(2.0)
        log = log_of(again, TPSL_USER)
        assert sent_twice(log) == []
        sells = [(o["order_type"], o["amount"], o["status"]) for o in log]
        assert sells == [("limit", "0.001", "filled"), ("market", "0.001", "filled")]
