"""What passes through the Supervisor and what does not: a user's first command is routed
and its sender told where the actor is; a suspended user is refused; a message told to a
gone actor waits for its successor; users are restored at start a window of boots at a
time, and an actor whose boot is never confirmed is replaced; a fired trigger, a due timer
or order check, and a new TriggerBook start the actors of users who wait."""

from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from order_rows import resting_order
from thespian.actors import ActorExitRequest, ChildActorExited, DeadEnvelope, WakeupMessage

from actors.core.restore_queue import WINDOW, RestoreQueue
from actors.core.supervisor import CORE_ACTORS, TIMERS, Supervisor
from actors.core.trigger_book import TriggerBook
from config.schema import Settings
from messages.commands import GetPrice
from messages.events import (
    Boot,
    BootUser,
    Ping,
    Pong,
    Rewire,
    TriggerFired,
    UserBooted,
    UserLocated,
)
from messages.replies import Notification
from messages.triggers import OrderTrigger
from persistence.models import User

ADAPTER = "chat-adapter"


class RecordingSupervisor(Supervisor):
    """The Supervisor's own logic, with what it would hand to Thespian recorded instead."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._myRef = SimpleNamespace(address="supervisor")
        self.boot = Boot(settings=settings)
        self.ready = True  # booted, as far as these tests go
        self.user_actor_class = "UserActor"
        self.core = {
            "notifier": "notifier",
            "trigger_book": "trigger_book",
            "price_feed": "price_feed",
            "chart_maker": "chart_maker",
            "order_stream": "order_stream",
        }
        self.created: list[str] = []
        self.sent: list[tuple[Any, Any]] = []
        self.wakeups: list[Any] = []

    def createActor(self, cls: Any, *args: Any, **kwargs: Any) -> str:
        self.created.append(cls)
        return f"user-actor-{len(self.created)}"

    def send(self, target: Any, message: Any) -> None:
        self.sent.append((target, message))

    def wakeupAfter(self, delay: Any, payload: Any = None) -> None:
        self.wakeups.append(payload)

    def told(self, target: Any, kind: type) -> list[Any]:
        return [m for t, m in self.sent if t == target and isinstance(m, kind)]


def price(telegram_id: int) -> GetPrice:
    return GetPrice(telegram_id=telegram_id, chat_id=telegram_id, pair_text="btcidr")


def booted_users(supervisor: RecordingSupervisor) -> list[int]:
    return sorted(m.telegram_id for _, m in supervisor.sent if isinstance(m, BootUser))


def confirm_boots(supervisor: RecordingSupervisor) -> None:
    """Every actor started so far says it booted, as a UserActor does once ready."""
    confirmed: set[int] = set()
    while unconfirmed := set(booted_users(supervisor)) - confirmed:
        for telegram_id in sorted(unconfirmed):
            supervisor.receiveMessage(UserBooted(telegram_id=telegram_id), f"user-{telegram_id}")
        confirmed |= unconfirmed


def test_users_are_restored_a_window_at_a_time_and_the_next_start_as_boots_are_confirmed(
    settings,
):
    """Not all at once: a thousand boots queued in the Supervisor's transport outlived
    Thespian's five minutes for a transmit on a loaded host, and were dropped unseen."""
    supervisor = RecordingSupervisor(settings)
    supervisor._start_many(range(1, WINDOW * 2 + 11))
    assert len(supervisor.created) == WINDOW
    supervisor.receiveMessage(Ping(), ADAPTER)  # answered while the window boots
    assert supervisor.told(ADAPTER, Pong)

    supervisor.receiveMessage(UserBooted(telegram_id=1), "user-1")
    assert len(supervisor.created) == WINDOW + 1  # one confirmed, one more started
    confirm_boots(supervisor)
    assert booted_users(supervisor) == list(range(1, WINDOW * 2 + 11))  # each once


def test_a_user_started_by_a_command_while_waiting_its_turn_is_not_started_again(settings):
    supervisor = RecordingSupervisor(settings)
    supervisor._start_many(range(1, WINDOW + 3))
    supervisor.receiveMessage(price(WINDOW + 2), ADAPTER)  # its turn had not come
    confirm_boots(supervisor)
    assert booted_users(supervisor) == list(range(1, WINDOW + 3))


def test_an_actor_whose_boot_is_never_confirmed_is_replaced_and_the_restore_goes_on(settings):
    supervisor = RecordingSupervisor(settings)
    supervisor.restoring = RestoreQueue(window=2, patience=0.0)
    supervisor.timer_watch = DueTogether(range(0))  # type: ignore[assignment]
    supervisor._start_many([1, 2, 3])
    silent = supervisor.users[1]
    supervisor.receiveMessage(UserBooted(telegram_id=2), "user-2")
    assert sorted(supervisor.users) == [1, 2, 3]

    time.sleep(0.001)  # past the patience (none)
    supervisor.receiveMessage(WakeupMessage(0, (TIMERS, None)), "supervisor")
    assert supervisor.told(silent, ActorExitRequest)
    supervisor.receiveMessage(ChildActorExited(silent), "admin")
    replacement = supervisor.users[1]
    assert replacement != silent
    assert [m.telegram_id for m in supervisor.told(replacement, BootUser)] == [1]


def test_a_boot_tried_again_after_a_failure_starts_no_second_set_of_core_actors(settings):
    supervisor = RecordingSupervisor(settings)
    supervisor.core = {}
    supervisor._start_all_core()
    supervisor._start_all_core()  # the boot failed after the first, and was tried again
    assert len(supervisor.created) == len(CORE_ACTORS)
    assert sorted(supervisor.core) == sorted(CORE_ACTORS)
    assert len(supervisor.told("user-actor-1", Boot)) == 1


def test_a_first_command_is_routed_and_its_sender_told_where_the_actor_is(settings):
    User.create(telegram_id=5, chat_id=5)
    supervisor = RecordingSupervisor(settings)
    supervisor.receiveMessage(price(5), ADAPTER)
    [address] = supervisor.users.values()
    assert supervisor.told(address, GetPrice)
    [located] = supervisor.told(ADAPTER, UserLocated)
    assert (located.telegram_id, located.address) == (5, address)
    assert located.lease_seconds == settings.actors.user_idle_seconds / 2
    assert supervisor.told("trigger_book", UserLocated)  # fired triggers go there directly
    assert supervisor.commands_routed == 1


def test_a_suspended_users_command_is_refused_and_no_address_is_given(settings):
    User.create(telegram_id=6, chat_id=6, status="suspended")
    supervisor = RecordingSupervisor(settings)
    supervisor.receiveMessage(price(6), ADAPTER)
    assert supervisor.users == {}
    assert supervisor.told(ADAPTER, UserLocated) == []
    [refusal] = supervisor.told("notifier", Notification)
    assert refusal.key == "user.suspended"


def test_a_command_told_to_a_dead_actor_waits_for_the_one_started_in_its_place(settings):
    User.create(telegram_id=7, chat_id=7)
    supervisor = RecordingSupervisor(settings)
    supervisor.receiveMessage(price(7), ADAPTER)
    dead = supervisor.users[7]
    lost, fired = (
        price(7),
        TriggerFired(trigger_id="s1:tp", telegram_id=7, pair="x", price="1", ts=0),
    )
    supervisor.receiveMessage(DeadEnvelope(dead, lost), "admin")
    supervisor.receiveMessage(DeadEnvelope(dead, fired), "admin")
    assert len(supervisor.told(dead, GetPrice)) == 1  # the first, before it died

    supervisor.receiveMessage(ChildActorExited(dead), "admin")
    [gone] = [m for m in supervisor.told(ADAPTER, UserLocated) if m.address is None]
    assert gone.telegram_id == 7
    [restart] = supervisor.wakeups  # the restart policy's back-off
    supervisor.receiveMessage(WakeupMessage(0, restart), "supervisor")
    successor = supervisor.users[7]
    assert successor != dead
    assert [m.correlation_id for m in supervisor.told(successor, GetPrice)] == [lost.correlation_id]
    assert supervisor.told(successor, TriggerFired) == [fired]


def test_a_fired_order_trigger_of_a_user_whose_actor_left_starts_it_and_follows_its_boot(
    settings,
):
    supervisor = RecordingSupervisor(settings)
    fired = TriggerFired(
        trigger_id=OrderTrigger("ib1-abc").encode(), telegram_id=8, pair="btc_idr", price="1", ts=0
    )
    supervisor.receiveMessage(fired, "trigger_book")
    address = supervisor.users[8]
    assert [type(m) for t, m in supervisor.sent if t == address] == [BootUser, TriggerFired]
    assert supervisor.told("trigger_book", UserLocated)[0].address == address


class DueTogether:
    """A watch that finds the same many users due at every look."""

    def __init__(self, users: range) -> None:
        self.users = users

    def look(self, running: Any) -> tuple[set[int], timedelta]:
        return {t for t in self.users if t not in running}, timedelta(seconds=30)


def test_users_whose_order_checks_come_due_together_are_started_a_window_at_a_time(settings):
    supervisor = RecordingSupervisor(settings)
    supervisor.timer_watch = DueTogether(range(1, WINDOW + 11))  # type: ignore[assignment]
    supervisor.receiveMessage(WakeupMessage(0, (TIMERS, None)), "supervisor")
    assert len(supervisor.created) == WINDOW
    supervisor.receiveMessage(Ping(), ADAPTER)  # answered while the window boots
    assert supervisor.told(ADAPTER, Pong)

    supervisor.receiveMessage(WakeupMessage(0, (TIMERS, None)), "supervisor")  # looks again
    confirm_boots(supervisor)
    assert booted_users(supervisor) == list(range(1, WINDOW + 11))  # each once


def test_a_new_trigger_book_gets_the_order_triggers_of_running_and_gone_users_again(settings):
    resting_order(User.create(telegram_id=11, chat_id=11))
    resting_order(User.create(telegram_id=12, chat_id=12))
    User.create(telegram_id=13, chat_id=13)  # nothing waits on the TriggerBook
    supervisor = RecordingSupervisor(settings)
    supervisor.receiveMessage(price(11), ADAPTER)
    running = supervisor.users[11]
    supervisor.sent.clear()

    supervisor._restart_core("trigger_book")
    assert supervisor.created[-2] is TriggerBook  # then user 12's actor
    new_book = supervisor.core["trigger_book"]
    [rewire] = supervisor.told(running, Rewire)
    assert rewire.trigger_book == new_book  # the running actor arms its orders there
    started = [m for _, m in supervisor.sent if isinstance(m, BootUser)]
    assert [(m.telegram_id, m.trigger_book) for m in started] == [(12, new_book)]
    located = [(m.telegram_id, m.address) for m in supervisor.told(new_book, UserLocated)]
    assert located == [(11, running), (12, supervisor.users[12])]
