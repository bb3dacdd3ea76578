"""A PostgreSQL server at its connection limit (a thousand actor processes, most connecting
for one message) is waited for briefly instead of failing the message; any other refusal
still fails at once, and a server that stays full fails after the wait."""

from __future__ import annotations

import time

import peewee
import pytest

from config.secret import SecretUrl
from persistence import database as database_module
from persistence.database import open_database

FULL = "connection to server failed: FATAL:  sorry, too many clients already"


class OperationalError(Exception):
    """Named as the driver's is: peewee and the retry know it by that name."""


def refusing(monkeypatch: pytest.MonkeyPatch, messages: list[str]) -> list[float]:
    """The server refuses with each of `messages` in turn, then accepts; when it was asked."""
    real, asked = peewee.PostgresqlDatabase._connect, []

    def connect(self: peewee.PostgresqlDatabase) -> object:
        asked.append(time.monotonic())
        if messages:
            raise OperationalError(messages.pop(0))
        return real(self)

    monkeypatch.setattr(peewee.PostgresqlDatabase, "_connect", connect)
    return asked


def test_a_connection_refused_by_a_full_server_is_retried_until_there_is_room(
    postgres_server_url, monkeypatch
):
    asked = refusing(monkeypatch, [FULL, FULL])
    database = open_database(SecretUrl(postgres_server_url))

    database.connect()
    try:
        assert database.execute_sql("SELECT 1").fetchone() == (1,)
    finally:
        database.close()
    assert len(asked) == 3


def test_any_other_refusal_fails_at_once(postgres_server_url, monkeypatch):
    asked = refusing(monkeypatch, ['FATAL:  password authentication failed for user "bot"'])
    database = open_database(SecretUrl(postgres_server_url))

    with pytest.raises(peewee.OperationalError, match="password authentication failed"):
        database.connect()
    assert len(asked) == 1


def test_a_server_that_stays_full_fails_after_the_wait(postgres_server_url, monkeypatch):
    monkeypatch.setattr(database_module, "FULL_SERVER_WAIT_S", 0.3)
    asked = refusing(monkeypatch, [FULL] * 1000)
    database = open_database(SecretUrl(postgres_server_url))

    with pytest.raises(peewee.OperationalError, match="too many clients"):
        database.connect()
    assert asked[-1] - asked[0] >= 0.3
    assert 2 <= len(asked) < 50  # spaced out, not a busy loop
