"""Actor tests on simpleSystemBase: one process, messages delivered inside ask/tell/listen."""

from __future__ import annotations

from pathlib import Path

import pytest
from thespian.actors import ActorSystem

from config.schema import DatabaseSettings, Settings, StorageSettings
from config.secret import SecretUrl
from persistence.database import connect, db
from persistence.migrate import apply_migrations


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
