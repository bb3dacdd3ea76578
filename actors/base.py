"""What every actor of ours does the same way: boot from settings, and contain failures.

A message that raises is the actor's failure, not the system's: it is caught here, logged
with the user id and correlation id, counted, and the actor carries on. (Letting it escape
would make Thespian retry the message, then answer with PoisonMessage.)
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

from thespian.actors import ActorTypeDispatcher, WakeupMessage

from config.logs import log_context, quiet_libraries, redact_at_source, register_secret
from config.schema import Settings
from messages.events import Boot, Rewire
from persistence.connection_slots import ConnectionSlots, KeptConnection
from persistence.database import connect

log = logging.getLogger(__name__)

# The payload of the timer that closes an unused kept connection (persistence/connection_slots).
RELEASE_CONNECTION = "release-database-connection"


class BotActor(ActorTypeDispatcher):  # type: ignore[misc]  # thespian ships no types
    # The few core actors always keep their database connection. The many others keep it
    # between messages only while they hold one of the host's slots, and let go when quiet:
    # a host with a thousand user actors would otherwise need a thousand connections.
    holds_connection = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.boot: Boot | None = None
        self.connection: KeptConnection | None = None
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
                if not self.admit(message):
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
        connect(message.settings.database.url, self.connection)
        self.booted()

    def receiveMsg_Rewire(self, message: Rewire, sender: Any) -> None:
        if self.boot is not None:
            before = self.boot
            self.boot = dataclasses.replace(
                self.boot,
                notifier=message.notifier,
                trigger_book=message.trigger_book,
                price_feed=message.price_feed,
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
