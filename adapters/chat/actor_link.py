"""A chat adapter's one handle on the actor system.

Thespian handles are not thread-safe, so exactly one thread uses a link: the console's only
thread, or the Telegram adapter's bridge thread. The link finds the Notifier, registers as
its outlet (again after the Supervisor is restarted), keeps the Supervisor under watch with
Pings, and hands back what arrives: outbound messages and answers to admin commands.

A user's commands go to the user's actor directly once the Supervisor has said where it is
(it says so when it routes the user's first command). The address is kept per Telegram id
(addresses are not hashable under multiprocTCPBase) and dropped when the Supervisor says the
actor is gone, or when the user has been quiet for the lease the Supervisor gave (half the
time after which an idle actor leaves, so a direct command never meets an actor on its way
out); the command then goes through the Supervisor again, which still refuses a suspended
user and starts the actor if need be. A command told to an actor whose process has just
died (before the Supervisor said so) comes back to the Supervisor as a dead letter and is
delivered to the actor started in its place.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from thespian.actors import ActorSystemFailure

from messages.admin import AdminReply
from messages.commands import UserCommand
from messages.events import Locate, Located, Ping, Pong, UserLocated
from messages.replies import Delivered, Outbound, OutboundBatch, RegisterOutlet, Undeliverable

log = logging.getLogger(__name__)

PING_EVERY = 5.0
SILENT_AFTER = 15.0
LOCATE_TIMEOUT = 30.0

Arrival = Outbound | AdminReply


class _UserActor:
    """Where one user's actor is, and until when the link may tell it directly."""

    def __init__(self, address: Any, lease_seconds: float) -> None:
        self.address, self.lease_seconds = address, lease_seconds
        self.until = time.monotonic() + lease_seconds


class ActorLink:
    def __init__(
        self,
        system: Any,
        supervisor: Any,
        adapter: str,
        reboot: Callable[[], Any] | None = None,
    ) -> None:
        self.system, self.supervisor, self.adapter, self.reboot = (
            system,
            supervisor,
            adapter,
            reboot,
        )
        self.stopping = False
        self.last_pong = time.monotonic()
        self.last_ping = 0.0
        self.early: list[Arrival] = []
        self.user_actors: dict[int, _UserActor] = {}
        self.notifier = self._register()

    def _register(self) -> Any:
        """Where the Notifier is, and 'send outbound messages here'; anything else that
        arrives meanwhile is kept for the next receive()."""
        self.system.tell(self.supervisor, Locate(core="notifier"))
        deadline = time.monotonic() + LOCATE_TIMEOUT
        while time.monotonic() < deadline:
            message = self.system.listen(1.0)
            if isinstance(message, Located):
                self.system.tell(message.address, RegisterOutlet(adapter=self.adapter))
                return message.address
            self.early.extend(self._arrivals(message))
        raise TimeoutError("the Supervisor did not say where the Notifier is")

    def tell(self, message: Any) -> None:
        if isinstance(message, UserCommand) and self._tell_user_actor(message):
            return
        self.system.tell(self.supervisor, message)

    def _tell_user_actor(self, command: UserCommand) -> bool:
        """True once the command went to the user's actor; False: the Supervisor routes it
        (no address known, or the lease ran out). A tell to an actor that has exited makes
        a dead letter, which the Supervisor routes; when Thespian reports the failure here
        instead, the dead letter is on its way all the same."""
        known = self.user_actors.pop(command.telegram_id, None)
        if known is None or time.monotonic() >= known.until:
            return False
        try:
            self.system.tell(known.address, command)
        except ActorSystemFailure:
            log.info(
                "user actor gone; its dead letter goes to the Supervisor",
                extra={"user_id": command.telegram_id, "correlation_id": command.correlation_id},
            )
            return True
        self.user_actors[command.telegram_id] = _UserActor(known.address, known.lease_seconds)
        return True

    def acknowledge(self, correlation_ids: Iterable[str]) -> None:
        ids = tuple(correlation_ids)
        if ids:
            self.system.tell(self.notifier, Delivered(message_correlation_ids=ids))

    def undeliverable(self, correlation_ids: Iterable[str], reason: str) -> None:
        """These could not be rendered or sent: the Notifier offers them again, then gives
        up on them. `reason` names the stage and the error type, never the text."""
        ids = tuple(correlation_ids)
        if ids:
            self.system.tell(
                self.notifier, Undeliverable(message_correlation_ids=ids, reason=reason)
            )

    def receive(self, seconds: float) -> list[Arrival]:
        """What arrives within `seconds` (returns at the first arrival)."""
        if self.early:
            arrived, self.early = self.early, []
            return arrived
        self._watch_supervisor()
        return self._arrivals(self.system.listen(seconds))

    def _arrivals(self, message: Any) -> list[Arrival]:
        if isinstance(message, OutboundBatch):
            return list(message.messages)
        if isinstance(message, AdminReply):
            return [message]
        if isinstance(message, UserLocated):
            if message.address is None:
                self.user_actors.pop(message.telegram_id, None)
            else:
                self.user_actors[message.telegram_id] = _UserActor(
                    message.address, message.lease_seconds
                )
        if isinstance(message, Pong):
            self.last_pong = time.monotonic()
            self.stopping = message.stopping
        return []

    def _watch_supervisor(self) -> None:
        """Top-level actors have no parent to notice their death: a silent Supervisor is
        started again, and the new Notifier gets this outlet."""
        now = time.monotonic()
        if now - self.last_ping >= PING_EVERY:
            self.last_ping = now
            self.tell(Ping())
        if now - self.last_pong > SILENT_AFTER and self.reboot is not None:
            log.error("supervisor silent; starting it again", extra={"adapter": self.adapter})
            self.supervisor = self.reboot()
            self.user_actors.clear()
            self.last_pong = now
            self.notifier = self._register()
