"""A chat adapter's commands on the running system: the first goes through the Supervisor,
the next straight to the user's actor; a gone actor is found again; a suspended user is
refused either way."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from bot_process import free_port
from simulated_system import simulated_system
from stack import ACCOUNTS, REDIS_URL

from actors.runtime.processes import listener_pid
from adapters.chat.actor_link import ActorLink
from config.schema import ActorSettings
from messages.admin import AdminReply, Status
from messages.commands import GetPrice, Start
from messages.replies import Outbound
from persistence.models import User

A, B, C = 2101, 2102, 2103  # ids no other module uses: the database is shared
IDLE_SECONDS = 4


class Adapter:
    """Plays the chat adapter through its real ActorLink: tells commands, shows replies."""

    def __init__(self, system: Any, supervisor: Any) -> None:
        self.link = ActorLink(system, supervisor, "test")
        self.outbound: list[Outbound] = []
        self.admin: list[AdminReply] = []

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            for item in self.link.receive(min(left, 0.2)):
                if isinstance(item, AdminReply):
                    self.admin.append(item)
                else:
                    self.outbound.append(item)
                    self.link.acknowledge((item.correlation_id,))

    def reply_to(self, telegram_id: int, key: str, timeout: float = 30) -> Outbound:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.outbound:
                if message.telegram_id == telegram_id and message.key == key:
                    self.outbound.remove(message)
                    return message
            self.pump(0.2)
        raise AssertionError(f"no {key} for {telegram_id}; got {self.outbound[-5:]}")

    def routed(self) -> int:
        """How many user commands the Supervisor has routed so far."""
        status = Status()
        self.link.tell(status)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for reply in self.admin:
                if reply.correlation_id == status.correlation_id:
                    self.admin.remove(reply)
                    return reply.data["commands_routed"]
            self.pump(0.2)
        raise AssertionError("no Status answer")

    def price(self, telegram_id: int) -> Outbound:
        self.link.tell(GetPrice(telegram_id=telegram_id, chat_id=telegram_id, pair_text="btcidr"))
        return self.reply_to(telegram_id, "price.show")

    def pid_of(self, telegram_id: int) -> int:
        return listener_pid(self.link.user_actors[telegram_id].address.addressDetails.sockname[1])


@pytest.fixture(scope="module")
def adapter(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Adapter]:
    with simulated_system(
        postgres_server_url,
        REDIS_URL,
        tmp_path_factory.mktemp("direct"),
        tuple(ACCOUNTS.values()),
        seed=12,
        actors=ActorSettings(admin_port=free_port(), user_idle_seconds=IDLE_SECONDS),
    ) as running:
        yield Adapter(running.system.system, running.supervisor)


def started(adapter: Adapter, telegram_id: int) -> None:
    adapter.link.tell(Start(telegram_id=telegram_id, chat_id=telegram_id))
    adapter.reply_to(telegram_id, "menu.main")
    adapter.pump(0.5)  # the Supervisor's word on where the actor is


def test_after_the_first_command_a_users_commands_reach_the_actor_without_the_supervisor(
    adapter,
):
    started(adapter, A)
    before = adapter.routed()
    for _ in range(5):
        adapter.price(A)
    assert adapter.routed() == before


def test_a_command_told_to_the_users_actor_just_killed_is_delivered_to_its_successor(adapter):
    started(adapter, B)
    address, pid = adapter.link.user_actors[B].address, adapter.pid_of(B)
    before = adapter.routed()
    os.kill(pid, signal.SIGKILL)
    while listener_pid(address.addressDetails.sockname[1]) == pid:
        time.sleep(0.05)
    # No pump in between: the link still holds the dead actor's address when it tells.
    assert B in adapter.link.user_actors
    assert adapter.price(B).param("pair")
    assert adapter.routed() == before + 1


def test_after_the_supervisor_says_the_actor_is_gone_the_next_command_is_routed_once(adapter):
    started(adapter, B)
    pid = adapter.pid_of(B)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while B in adapter.link.user_actors and time.monotonic() < deadline:
        adapter.pump(0.2)  # the Supervisor says the actor is gone
    assert B not in adapter.link.user_actors
    before = adapter.routed()
    assert adapter.price(B).param("pair")
    assert adapter.routed() == before + 1
    adapter.price(B)  # and the next goes to the new actor directly
    assert adapter.routed() == before + 1


def test_a_user_suspended_while_the_actor_runs_is_refused_on_the_direct_path(adapter):
    started(adapter, A)
    before = adapter.routed()
    User.update(status="suspended").where(User.telegram_id == A).execute()
    try:
        adapter.link.tell(GetPrice(telegram_id=A, chat_id=A, pair_text="btcidr"))
        adapter.reply_to(A, "user.suspended")
        assert adapter.routed() == before
    finally:
        User.update(status="active").where(User.telegram_id == A).execute()


def test_a_command_after_the_users_actor_left_idle_is_routed_again_and_answered(adapter):
    started(adapter, C)
    deadline = time.monotonic() + 6 * IDLE_SECONDS
    while C in adapter.link.user_actors and time.monotonic() < deadline:
        adapter.pump(0.5)  # the Supervisor says when the actor has left
    assert C not in adapter.link.user_actors
    before = adapter.routed()
    assert adapter.price(C).param("pair")
    assert adapter.routed() == before + 1
