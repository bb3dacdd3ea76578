"""Stand-ins for actors under test: a Collector keeps what it is sent."""

from __future__ import annotations

from typing import Any

from thespian.actors import Actor, ActorSystem

from actors.runtime.lifecycle import for_actors
from config.schema import Settings
from messages.events import BootUser
from persistence.vault import credential_keys


class Collector(Actor):
    """Stands in for any actor a test wants to watch: keeps what it is sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received: list[Any] = []

    def receiveMessage(self, message: Any, sender: Any) -> None:
        if message == "collected?":
            self.send(sender, list(self.received))
            self.received.clear()
        elif not isinstance(message, type) and type(message).__module__.startswith("messages"):
            self.received.append(message)


def collected(system: ActorSystem, collector: Any) -> list[Any]:
    return system.ask(collector, "collected?", 5)


def user_boot(settings: Settings, **addresses: Any) -> BootUser:
    """A UserActor's boot as the Supervisor sends it: the actors' view of the settings (no
    master key) and the vault's sub-keys."""
    return BootUser(
        settings=for_actors(settings),
        credential_keys=credential_keys(settings.security.app_secret_key),
        **addresses,
    )
