"""The test's side of a running system: it plays the chat adapter (registered as the
Notifier's outlet, acknowledging what it receives) and tells commands to the Supervisor."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulated_system import simulated_system

from actors.runtime.processes import listener_pid
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.server import SimulatorServer
from config.schema import (
    Settings,
)
from messages.admin import AdminCommand, AdminReply, ResumeUser
from messages.base import Sensitive
from messages.commands import ConfirmOrder, LinkAccount, PreviewOrder, Start
from messages.events import Locate, Located
from messages.replies import Delivered, Outbound, OutboundBatch, RegisterOutlet
from persistence.models import Strategy, User
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault

REDIS_URL = "redis://127.0.0.1:6379/14"
ADMIN_ID = 9001
ACCOUNTS = {
    telegram_id: AccountSpec(
        f"KEY-{telegram_id}", f"secret-{telegram_id}-0123456789", {"idr": Decimal(100_000_000)}
    )
    for telegram_id in range(1001, 1010)
}


class Stack:
    def __init__(
        self,
        system: Any,
        supervisor: Any,
        simulator: SimulatorServer,
        settings: Settings,
        accounts: dict[int, AccountSpec] = ACCOUNTS,
        *,
        session: int | None = None,
    ) -> None:
        self.system, self.supervisor = system, supervisor
        self.simulator, self.settings = simulator, settings
        self.accounts = accounts
        self.session = session  # the OS session every process of the system belongs to
        self.outbound: list[Outbound] = []
        self.other: list[Any] = []
        self.tokens: dict[int, str] = {}  # what the chat adapter holds after /link
        self.notifier = self.ask(Locate(core="notifier"), Located).address
        self.system.tell(self.notifier, RegisterOutlet(adapter="test"))

    def pump(self, seconds: float = 0.2) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            message = self.system.listen(min(left, 0.2))
            if isinstance(message, OutboundBatch):
                self.outbound.extend(message.messages)
                self.system.tell(
                    self.notifier,
                    Delivered(
                        message_correlation_ids=tuple(m.correlation_id for m in message.messages)
                    ),
                )
            elif message is not None:
                self.other.append(message)

    def wait_for(self, matches: Callable[[Outbound], bool], timeout: float = 30) -> Outbound:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.outbound:
                if matches(message):
                    self.outbound.remove(message)
                    return message
            self.pump(0.2)
        raise AssertionError(f"no matching message in {timeout} s; got {self.outbound[-5:]}")

    def reply_to(self, telegram_id: int, key: str, timeout: float = 30) -> Outbound:
        return self.wait_for(lambda m: m.telegram_id == telegram_id and m.key == key, timeout)

    def ask(self, message: Any, answer: type, timeout: float = 30) -> Any:
        self.system.tell(self.supervisor, message)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in self.other:
                if isinstance(item, answer) and item.correlation_id == message.correlation_id:
                    self.other.remove(item)
                    return item
            self.pump(0.2)
        raise AssertionError(f"no {answer.__name__} in {timeout} s")

    def admin(self, message: AdminCommand) -> AdminReply:
        return self.ask(message, AdminReply)

    def say(self, command: Any) -> None:
        token = self.tokens.get(getattr(command, "telegram_id", None))
        if token is not None and getattr(command, "token", "") is None:
            command = dataclasses.replace(command, token=token)
        self.system.tell(self.supervisor, command)

    def link(self, telegram_id: int) -> None:
        spec = self.accounts[telegram_id]
        who = {"telegram_id": telegram_id, "chat_id": telegram_id}
        self.say(Start(**who))
        self.reply_to(telegram_id, "menu.main")
        self.say(LinkAccount(**who, api_key=Sensitive(spec.key), api_secret=Sensitive(spec.secret)))
        done = self.reply_to(telegram_id, "link.done")
        vault = Vault(self.settings.security.app_secret_key)
        self.tokens[telegram_id] = vault.decrypt(
            done.param("token_enc"), purpose=PURPOSE_ACCESS_TOKEN, owner=telegram_id
        )

    def run_buy_once_below(
        self, telegram_id: int, level: str, quote_amount: str = "100000"
    ) -> Strategy:
        """A BuyOnceBelow of the user's, running: stored, then started as an admin's resume
        starts a user's strategies."""
        strategy = Strategy.create(
            user=User.get(User.telegram_id == telegram_id),
            kind="buy_once_below",
            pair="btc_idr",
            params={"level": level, "quote_amount": quote_amount},
        )
        assert self.admin(ResumeUser(telegram_id=telegram_id)).ok
        self.reply_to(telegram_id, "strategy.resumed")
        return strategy

    def buy_limit(self, telegram_id: int, price: str, quantity: str = "0.001") -> str:
        """Preview and confirm; returns the confirmation's correlation id."""
        return self._buy(telegram_id, "limit", price=price, quantity=quantity)

    def buy_market(self, telegram_id: int, idr: str) -> str:
        """A market buy for `idr` rupiah, previewed and confirmed; the confirmation's id."""
        return self._buy(telegram_id, "market", quote_amount=idr)

    def _buy(self, telegram_id: int, order_type: str, **sizes: str) -> str:
        who = {"telegram_id": telegram_id, "chat_id": telegram_id}
        self.say(
            PreviewOrder(**who, pair_text="btcidr", side="buy", order_type=order_type, **sizes)
        )
        preview = self.reply_to(telegram_id, f"order.preview.{order_type}_buy")
        confirm = ConfirmOrder(**who, preview_id=preview.param("preview_id"))
        self.say(confirm)
        return confirm.correlation_id

    def kill_mid_trade(self, telegram_id: int, price: str) -> dict[str, Any]:
        """The user's limit buy reaches the exchange, whose answer never comes, and the
        user's actor process is killed meanwhile; the order as the exchange has it."""
        pid = self.user_pid(telegram_id)
        self.simulator.set_faults(hang={"methods": ["trade"], "count": 1, "delay_ms": 60_000})
        self.buy_limit(telegram_id, price=price)
        deadline = time.monotonic() + 30
        while not self.simulator.trade_log(f"KEY-{telegram_id}") and time.monotonic() < deadline:
            time.sleep(0.1)
        [placed] = self.simulator.trade_log(f"KEY-{telegram_id}")
        os.kill(pid, signal.SIGKILL)
        self.simulator.set_faults(hang=None)
        return placed

    def cancel_on_exchange(self, telegram_id: int, client_order_id: str) -> None:
        """The user cancels the order on the exchange's own site: the bot is not asked."""
        key = self.accounts[telegram_id].key
        self.simulator.call(
            lambda sim: sim.engine.cancel(sim.engine.find_by_client_id(key, client_order_id))
        )

    def ask_user_actor(self, telegram_id: int) -> Any:
        return self.ask(Locate(telegram_id=telegram_id), Located).address

    def wait_until_gone(self, telegram_id: int, pid: int, timeout: float = 30) -> None:
        """The user's actor has left (the Supervisor knows) and its process has ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ask_user_actor(telegram_id) is None and not os.path.exists(f"/proc/{pid}"):
                return
            self.pump(0.5)
        raise AssertionError(f"the actor of user {telegram_id} did not leave in {timeout} s")

    @staticmethod
    def pid_of(address: Any) -> int | None:
        return listener_pid(address.addressDetails.sockname[1])

    def user_pid(self, telegram_id: int) -> int:
        """The process of the user's actor, waiting for it to be (re)started."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            address = self.ask_user_actor(telegram_id)
            pid = self.pid_of(address) if address is not None else None
            if pid is not None:
                return pid
            self.pump(0.3)
        raise AssertionError(f"user {telegram_id} has no actor process")


@contextmanager
def running_stack(
    postgres_url: str,
    directory: Path,
    *,
    seed: int,
    accounts: dict[int, AccountSpec] = ACCOUNTS,
    redis_url: str = REDIS_URL,
    **options: Any,
) -> Iterator[Stack]:
    """The whole system on the simulator, played by a Stack; `options` go to
    simulated_system (settings sections, the simulator's fill_fraction)."""
    with simulated_system(
        postgres_url, redis_url, directory, tuple(accounts.values()), seed=seed, **options
    ) as running:
        yield Stack(
            running.system.system,
            running.supervisor,
            running.simulator,
            running.settings,
            accounts,
            session=running.system.session,
        )
