"""Shared fixtures: a fresh database of each kind, a Redis connection, a clean environment.

PostgreSQL and Redis are used for real. When one is not reachable, its tests are skipped
with the reason in the summary (bin/test starts the services it can first).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import peewee
import psycopg2
import pytest
import redis
from unrenderable import UNRENDERABLE

from config.secret import SecretUrl
from persistence.database import connect, db
from persistence.migrate import apply_migrations
from persistence.models import ALL_MODELS

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _postgres_problem() -> str | None:
    try:
        psycopg2.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg2.Error as error:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {str(error).strip()}"
    return None


def _redis_problem() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis not reachable at {REDIS_URL}: {error}"
    return None


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session, dropped at the end."""
    problem = _postgres_problem()
    if problem:
        pytest.skip(f"SKIPPED LOUDLY: {problem}")
    name = f"indodax_test_{uuid.uuid4().hex[:10]}"
    _as_admin(f'CREATE DATABASE "{name}"')
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    _as_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_admin(statement: str) -> None:
    """On a connection of its own, closed at once: an actor system started by a test forks
    from this process, and must find no connection here that is not ours to discard."""
    admin = psycopg2.connect(POSTGRES_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(statement)
    finally:
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> SecretUrl:
    if request.param == "sqlite":
        return SecretUrl(f"sqlite:///{tmp_path}/bot.sqlite3")
    return SecretUrl(request.getfixturevalue("postgres_server_url"))


@pytest.fixture
def database(database_url: SecretUrl) -> Iterator[peewee.Database]:
    """A migrated, empty database of each kind, bound to the models."""
    handle = connect(database_url)
    apply_migrations(handle)
    yield handle
    with handle.atomic():
        for model in reversed(ALL_MODELS):
            model.delete().execute()
    handle.close()
    db.initialize(None)


@pytest.fixture
def redis_url() -> str:
    problem = _redis_problem()
    if problem:
        pytest.skip(f"SKIPPED LOUDLY: {problem}")
    return REDIS_URL


@pytest.fixture
def clean_environ(tmp_path: Path) -> dict[str, str]:
    """An environment with none of the bot's variables, and a private data directory."""
    return {"DATA_DIR": str(tmp_path / "data"), "PATH": os.environ.get("PATH", "")}


@pytest.fixture
def unrenderable_number(monkeypatch: pytest.MonkeyPatch) -> str:
    """A number the formatter overflows on. Rendering is hardened against every value we know
    of, so the failure a future template or value could cause is made here, for the tests of
    what happens to a reply that cannot be shown."""
    from adapters.i18n import money  # noqa: PLC0415 (only the tests that ask patch it)

    shown = money.number

    def number(text: str, language: str) -> str:
        if text == UNRENDERABLE:
            raise OverflowError(text)
        return shown(text, language)

    monkeypatch.setattr(money, "number", number)
    return UNRENDERABLE
