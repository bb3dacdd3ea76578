"""Actor tests on simpleSystemBase: one process, messages delivered inside ask/tell/listen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from thespian.actors import Actor, ActorSystem

from config.schema import DatabaseSettings, Settings, StorageSettings
from config.secret import SecretUrl
from persistence.database import connect, db
from persistence.migrate import apply_migrations


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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    url = SecretUrl(f"sqlite:///{tmp_path}/actors.sqlite3")
    apply_migrations(connect(url))
    yield Settings(database=DatabaseSettings(url=url), storage=StorageSettings(data_dir=tmp_path))
    db.initialize(None)


@pytest.fixture
def actor_system():
    system = ActorSystem("simpleSystemBase", transientUnique=True)
    yield system
    system.shutdown()


def collected(system: ActorSystem, collector: Any) -> list[Any]:
    return system.ask(collector, "collected?", 5)
