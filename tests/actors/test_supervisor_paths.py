"""What passes through the Supervisor and what does not: a user's first command is routed
and its sender told where the actor is; a suspended user is refused; a message told to a
gone actor waits for its successor; users are restored at start in batches."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from thespian.actors import ChildActorExited, DeadEnvelope, WakeupMessage

from actors.core.supervisor import RESTORE, RESTORE_BATCH, Supervisor
from config.schema import Settings
from messages.commands import GetPrice
from messages.events import Boot, BootUser, Ping, Pong, TriggerFired, UserLocated
from messages.replies import Notification
from persistence.models import User

ADAPTER = "chat-adapter"


class RecordingSupervisor(Supervisor):
    """The Supervisor's own logic, with what it would hand to Thespian recorded instead."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._myRef = SimpleNamespace(address="supervisor")
        self.boot = Boot(settings=settings)
        self.user_actor_class = "UserActor"
        self.core = {"notifier": "notifier", "trigger_book": "trigger_book"}
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


def test_users_are_restored_in_batches_and_the_supervisor_answers_between_them(settings):
    supervisor = RecordingSupervisor(settings)
    supervisor.to_restore = list(range(1, 61))
    supervisor._restore_batch()
    assert len(supervisor.created) == RESTORE_BATCH
    assert supervisor.wakeups == [(RESTORE, None)]

    supervisor.receiveMessage(Ping(), ADAPTER)  # answered before the next batch
    assert supervisor.told(ADAPTER, Pong)

    while supervisor.wakeups:
        supervisor.receiveMessage(WakeupMessage(0, supervisor.wakeups.pop()), "supervisor")
    booted = sorted(m.telegram_id for _, m in supervisor.sent if isinstance(m, BootUser))
    assert booted == list(range(1, 61))
    assert len(supervisor.created) == 60


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
