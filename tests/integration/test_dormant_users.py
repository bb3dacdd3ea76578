"""Dormant users (multiprocess, PostgreSQL, Redis, simulator): a user's actor whose strategy
only waits leaves memory, and what the strategy waits for brings it back. A price crossing
the trigger of a user whose actor has left makes the strategy's order reach the exchange
once; a timer due while everything was down fires once after the restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from bot_process import free_port
from simulated_system import Running, simulated_system
from stack import REDIS_URL, Stack

from actors.strategies.kinds import STRATEGY_CLASSES
from actors.strategies.strategy import BaseStrategy
from adapters.simulator.accounts import AccountSpec
from config.schema import ActorSettings
from messages.admin import ResumeUser
from persistence.models import Strategy, StrategyTimer, User
from persistence.models.base import utcnow

U, V, W = 2301, 2302, 2303  # ids no other module uses: the database is shared
ACCOUNTS = {
    U: AccountSpec(f"DORMANT-{U}", f"dormant-secret-{U}-0123456789", {"idr": Decimal(100_000_000)})
}
IDLE_SECONDS = 5


class CountsItsTimer(BaseStrategy):
    """DCA-like: sets one timer when it first starts, and counts how often it fires."""

    kind = "counts_timer"

    def on_start(self) -> None:
        if not self.state.get("timer_set"):
            self.context.set_timer(timedelta(seconds=self.params["delay_seconds"]), "buy")
            self.context.save(timer_set=True)

    def on_timer(self, payload: str) -> None:
        self.context.save(fired=self.state.get("fired", 0) + 1, payload=payload)


@pytest.fixture(scope="module")
def test_kinds() -> Iterator[None]:
    """Registered before the system starts: its actors are forked from this process."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(STRATEGY_CLASSES, CountsItsTimer.kind, CountsItsTimer)
        yield


def running_system(postgres_url: str, data_dir: Path) -> AbstractContextManager[Running]:
    return simulated_system(
        postgres_url,
        REDIS_URL,
        data_dir,
        tuple(ACCOUNTS.values()),
        seed=31,
        actors=ActorSettings(
            admin_port=free_port(), user_idle_seconds=IDLE_SECONDS, timer_watch_seconds=1
        ),
    )


def stack_of(running: Running) -> Stack:
    return Stack(
        running.system.system, running.supervisor, running.simulator, running.settings, ACCOUNTS
    )


def timer_strategy(owner: User, delay_seconds: int) -> Strategy:
    return Strategy.create(
        user=owner,
        kind=CountsItsTimer.kind,
        pair="btc_idr",
        params={"delay_seconds": delay_seconds},
    )


def state_of(strategy: Strategy) -> dict:
    return dict(Strategy.get_by_id(strategy.id).state)


def test_a_dormant_users_strategy_orders_once_when_the_price_crosses_its_trigger(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
):
    with running_system(postgres_server_url, tmp_path_factory.mktemp("dormant")) as running:
        stack = stack_of(running)
        stack.link(U)
        strategy = stack.run_buy_once_below(U, level="950000000", quote_amount="200000")
        pid = stack.user_pid(U)

        stack.wait_until_gone(U, pid)  # the strategy only waits: its actor has left
        assert stack.simulator.trade_log(ACCOUNTS[U].key) == []

        deadline = time.monotonic() + 60
        while Strategy.get_by_id(strategy.id).status != "stopped" and time.monotonic() < deadline:
            stack.simulator.set_price("btcidr", Decimal(949_000_000))  # ticks through the feed
            stack.pump(0.5)
        assert Strategy.get_by_id(strategy.id).status == "stopped"
        for price in (948_000_000, 940_000_000):  # the price stays below: no second order
            stack.simulator.set_price("btcidr", Decimal(price))
            stack.pump(1.0)

        [order] = stack.simulator.trade_log(ACCOUNTS[U].key)
        assert order["client_order_id"] == state_of(strategy)["client_order_id"]


def test_a_timer_due_while_everything_was_down_fires_once_after_the_restart(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory, test_kinds: None
):
    data_dir = tmp_path_factory.mktemp("timers")
    with running_system(postgres_server_url, data_dir) as running:
        stack = stack_of(running)
        strategy = timer_strategy(User.create(telegram_id=V, chat_id=V), delay_seconds=8)
        assert stack.admin(ResumeUser(telegram_id=V)).ok
        deadline = time.monotonic() + 30
        while not state_of(strategy).get("timer_set") and time.monotonic() < deadline:
            stack.pump(0.3)
    [timer] = StrategyTimer.select().where(StrategyTimer.strategy == strategy.id)
    assert "fired" not in state_of(strategy)  # everything stopped before it was due

    while utcnow() <= timer.due_at + timedelta(seconds=1):  # it comes due while all is down
        time.sleep(0.2)

    with running_system(postgres_server_url, data_dir) as running:
        stack = stack_of(running)
        deadline = time.monotonic() + 30
        while "fired" not in state_of(strategy) and time.monotonic() < deadline:
            stack.pump(0.3)
        stack.pump(IDLE_SECONDS + 3)  # the actor leaves; the watch looks again, every second
        assert state_of(strategy)["fired"] == 1
        assert state_of(strategy)["payload"] == "buy"
        assert StrategyTimer.get_by_id(timer.id).handled_at is not None
        Strategy.update(status="stopped").where(Strategy.id == strategy.id).execute()


def test_a_timer_due_after_its_users_actor_has_left_starts_it_and_fires_once(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory, test_kinds: None
):
    with running_system(postgres_server_url, tmp_path_factory.mktemp("watch")) as running:
        stack = stack_of(running)
        owner = User.create(telegram_id=W, chat_id=W)
        strategy = timer_strategy(owner, delay_seconds=3 * IDLE_SECONDS)
        assert stack.admin(ResumeUser(telegram_id=W)).ok
        stack.wait_until_gone(W, stack.user_pid(W))
        [timer] = StrategyTimer.select().where(StrategyTimer.strategy == strategy.id)
        assert utcnow() < timer.due_at and "fired" not in state_of(strategy)

        deadline = time.monotonic() + 3 * IDLE_SECONDS + 30
        while "fired" not in state_of(strategy) and time.monotonic() < deadline:
            stack.pump(0.3)
        stack.pump(3)
        assert state_of(strategy)["fired"] == 1
        Strategy.update(status="stopped").where(Strategy.id == strategy.id).execute()
