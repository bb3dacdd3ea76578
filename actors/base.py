"""What every actor of ours does the same way: boot from settings, and contain failures.

A message that raises is the actor's failure, not the system's: it is caught here, logged
with the user id and correlation id, counted, and the actor carries on. (Letting it escape
would make Thespian retry the message, then answer with PoisonMessage.)

A boot that fails (the database unreachable for a moment, a query refused) is tried again
with a back-off, in the same actor: its address stays the one everybody knows, it does not
count as a crash toward the Supervisor's crash-loop suspension, and the messages that come
meanwhile are kept and handled, in order, once it has booted (`before_boot` says which).
Exiting instead would lose them, and a user's actor that stayed up unbooted answered nobody.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

from thespian.actors import ActorExitRequest, ActorTypeDispatcher, WakeupMessage

from config.logs import log_context, quiet_libraries, redact_at_source, register_secret
from config.schema import Settings
from messages.events import Boot, Rewire
from persistence.connection_slots import ConnectionSlots, KeptConnection
from persistence.database import connect

log = logging.getLogger(__name__)

# The payload of the timer that closes an unused kept connection (persistence/connection_slots).
RELEASE_CONNECTION = "release-database-connection"
# The payload of the timer that tries a failed boot again, and the waits between tries (the
# last repeats until the boot succeeds).
RETRY_BOOT = "retry-boot"
BOOT_RETRY_SECONDS = (1, 2, 5, 10, 30)
# Messages kept while a boot is retried; beyond this many each further one is logged and
# dropped (a database down for long enough to fill it is an outage the operator sees).
HELD_MESSAGES = 10_000


class BotActor(ActorTypeDispatcher):  # type: ignore[misc]  # thespian ships no types
    # The few core actors always keep their database connection. The many others keep it
    # between messages only while they hold one of the host's slots, and let go when quiet:
    # a host with a thousand user actors would otherwise need a thousand connections.
    holds_connection = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.boot: Boot | None = None
        self.connection: KeptConnection | None = None
        self.ready = False
        self.boot_failures = 0
        self.held: list[tuple[Any, Any]] = []
        quiet_libraries()
        redact_at_source()

    @property
    def wiring(self) -> Boot:
        """The Boot this actor was started with: its settings and the actors it talks to."""
        if self.boot is None:
            raise RuntimeError(f"{type(self).__name__} used before Boot")
        return self.boot

    @property
    def settings(self) -> Settings:
        settings: Settings = self.wiring.settings  # Boot carries it untyped (messages/)
        return settings

    def receiveMessage(self, message: Any, sender: Any) -> Any:
        if isinstance(message, WakeupMessage) and message.payload == RELEASE_CONNECTION:
            if self.connection is not None:
                self.connection.check()
            return None
        with log_context(
            user_id=getattr(message, "telegram_id", None),
            correlation_id=getattr(message, "correlation_id", None),
        ):
            try:
                if self.booting(message, sender) or not self.admit(message):
                    return None
                return super().receiveMessage(message, sender)
            except Exception as error:
                log.exception(
                    "message failed",
                    extra={"actor": type(self).__name__, "message_type": type(message).__name__},
                )
                self.message_failed(message, sender, error)
                return None
            finally:
                if self.connection is not None:
                    self.connection.after_message()

    def receiveMsg_Boot(self, message: Boot, sender: Any) -> None:
        self.boot = message
        register_secret(*message.settings.secrets())
        if not self.holds_connection:
            database = message.settings.database
            slots = message.settings.storage.data_dir / "connection-slots"
            self.connection = KeptConnection(
                ConnectionSlots(slots, database.kept_connections),
                ConnectionSlots(slots, database.brief_connections, "brief"),
                database.release_seconds,
                lambda seconds: self.wakeupAfter(
                    timedelta(seconds=seconds), payload=RELEASE_CONNECTION
                ),
            )
        self._start()

    def _start(self) -> None:
        """Connect and boot; on failure, try again after a back-off; once booted, the messages
        kept meanwhile, in the order they came."""
        try:
            connect(self.settings.database.url, self.connection)
            self.booted()
        except Exception as error:
            self.boot_failures += 1
            delay = BOOT_RETRY_SECONDS[min(self.boot_failures, len(BOOT_RETRY_SECONDS)) - 1]
            log.warning(
                "boot failed, trying again in %d s: %s",
                delay,
                error,
                exc_info=self.boot_failures == 1,
                extra={"actor": type(self).__name__, "attempt": self.boot_failures},
            )
            self.wakeupAfter(timedelta(seconds=delay), payload=RETRY_BOOT)
            return
        self.ready = True
        if self.boot_failures:
            log.info(
                "booted after failed attempts",
                extra={"actor": type(self).__name__, "attempts": self.boot_failures},
            )
        held, self.held = self.held, []
        for message, sender in held:
            self.receiveMessage(message, sender)

    def booting(self, message: Any, sender: Any) -> bool:
        """True when the message was taken care of because the boot has not succeeded yet:
        the retry's timer tries again (unless a Boot since has succeeded), anything else goes
        to `before_boot`."""
        if isinstance(message, WakeupMessage) and message.payload == RETRY_BOOT:
            if not self.ready:
                self._start()
            return True
        if self.ready or self.boot is None or isinstance(message, (Boot, ActorExitRequest)):
            return False
        self.before_boot(message, sender)
        return True

    def before_boot(self, message: Any, sender: Any) -> None:
        """Kept for after the boot; an actor refuses here what must not wait (it answers)."""
        if len(self.held) >= HELD_MESSAGES:
            log.error(
                "message dropped: the actor has not booted and holds too many",
                extra={"actor": type(self).__name__, "message_type": type(message).__name__},
            )
            return
        self.held.append((message, sender))

    def receiveMsg_Rewire(self, message: Rewire, sender: Any) -> None:
        if self.boot is not None:
            before = self.boot
            self.boot = dataclasses.replace(
                self.boot,
                notifier=message.notifier,
                trigger_book=message.trigger_book,
                price_feed=message.price_feed,
                chart_maker=message.chart_maker,
                order_stream=message.order_stream,
            )
            self.rewired(before)

    def rewired(self, before: Boot) -> None:
        """Called after a core actor was replaced; its new address is in `self.boot`, the
        old ones in `before`."""

    def admit(self, message: Any) -> bool:
        """False refuses a message before any handler sees it (the refuser answers)."""
        return True

    def booted(self) -> None:
        """Called once the settings and the database are ready."""

    def message_failed(self, message: Any, sender: Any, error: Exception) -> None:
        """Tell someone, if the failed message deserves an answer."""
