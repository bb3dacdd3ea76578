"""One database handle for the process, chosen by DATABASE_URL: SQLite (WAL) or PostgreSQL.

The handle never crosses a fork (config.fork_safety): a forked actor drops its parent's
connection and opens its own. And no query waits forever: PostgreSQL ends a statement
after STATEMENT_TIMEOUT_MS and gives up on a server that stops acknowledging after
TCP_USER_TIMEOUT_MS; SQLite waits at most its busy timeout for a lock.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import peewee

from config.errors import StartupError
from config.files import private_file
from config.fork_safety import discard_in_children, drop_descriptor
from config.logs import register_secret
from config.secret import SecretUrl

log = logging.getLogger(__name__)

db = peewee.DatabaseProxy()

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 30_000
TCP_USER_TIMEOUT_MS = 30_000

# SQLite would store DECIMAL with REAL affinity and round money; TEXT keeps every digit.
_SQLITE_FIELD_TYPES = {"DECIMAL": "TEXT"}
_SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
}


class DatabaseUnavailable(StartupError):
    """The database named by DATABASE_URL cannot be opened; the text says which and why."""


# A server at its connection limit says so in these words (SQLSTATE 53300, which libpq does
# not hand to the client for a refused connection).
_SERVER_FULL = ("too many clients", "remaining connection slots are reserved")
FULL_SERVER_WAIT_S = 10.0


class ConnectionGate(Protocol):
    """Asked before a connection opens (it may wait for room) and told when it has closed:
    how the processes of one host share the server's connections
    (persistence/connection_slots.py)."""

    def entering(self) -> None: ...

    def left(self) -> None: ...


class PostgresDatabase(peewee.PostgresqlDatabase):
    """A server at its connection limit is waited for, up to FULL_SERVER_WAIT_S.

    A thousand actor processes share the server's connections: most connect for one
    message and let go (persistence/connection_slots.py), so a burst of them (a restore,
    a price crossing many users' levels at once) can find it full for a moment. Refusing
    that message would lose a boot or an order's intent; a few tens of milliseconds later
    there is room. Any other failure is raised at once."""

    gate: ConnectionGate | None = None

    def _connect(self) -> Any:
        if self.gate is None:
            return self._connect_when_there_is_room()
        self.gate.entering()
        try:
            return self._connect_when_there_is_room()
        except BaseException:
            self.gate.left()
            raise

    def _close(self, conn: Any) -> None:
        try:
            super()._close(conn)
        finally:
            if self.gate is not None:
                self.gate.left()

    def _connect_when_there_is_room(self) -> Any:
        deadline = time.monotonic() + FULL_SERVER_WAIT_S
        waited = 0
        while True:
            try:
                return super()._connect()
            except Exception as error:  # the driver's own; peewee maps it later, by its name
                full = type(error).__name__ == "OperationalError" and any(
                    words in str(error) for words in _SERVER_FULL
                )
                if not full or time.monotonic() >= deadline:
                    raise
                waited += 1
                if waited == 1:
                    log.warning("database server at its connection limit; waiting for room")
                time.sleep(random.uniform(0.02, 0.2))  # noqa: S311  (jitter: spread the retries out)


def open_database(url: SecretUrl, gate: ConnectionGate | None = None) -> peewee.Database:
    """Build (but do not connect) the database object for a validated DATABASE_URL. `gate`
    admits each PostgreSQL connection (SQLite has no connection limit)."""
    register_secret(url)
    parts = urlsplit(url.reveal())
    if parts.scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them.
        path = Path(unquote(parts.path[1:]))
        _private_sqlite_files(path)
        database: peewee.Database = peewee.SqliteDatabase(
            str(path), pragmas=_SQLITE_PRAGMAS, field_types=_SQLITE_FIELD_TYPES
        )
    else:
        database = PostgresDatabase(
            unquote(parts.path.lstrip("/")),
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            host=parts.hostname,
            port=parts.port or 5432,
            connect_timeout=CONNECT_TIMEOUT_S,
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            tcp_user_timeout=TCP_USER_TIMEOUT_MS,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )
        database.gate = gate
    discard_in_children(database, _forget_parent_connection)
    return database


def _private_sqlite_files(path: Path) -> None:
    """The database file is made 0600 before SQLite opens it: SQLite gives its -wal and -shm
    files the mode of the database file, so all three stay the owner's."""
    private_file(path)
    for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        if companion.exists():
            private_file(companion)


def connect(url: SecretUrl, gate: ConnectionGate | None = None) -> peewee.Database:
    """Open the database, bind the models to it, and prove it answers."""
    database = open_database(url, gate)
    try:
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1")
    except peewee.DatabaseError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        raise DatabaseUnavailable(
            f"database error: cannot open {url.redacted()} (DATABASE_URL): {first_line}"
        ) from None
    db.initialize(database)
    return database


# Inherited SQLite handles: SQLite forbids touching them in the child, closing included.
_inherited_sqlite: list[object] = []


def _forget_parent_connection(database: peewee.Database) -> None:
    """In a forked child: libpq says goodbye to the server when a connection closes, so
    the descriptor is swapped for /dev/null first and the parent's session lives on."""
    if database.is_closed():
        return
    connection = database._state.conn
    if isinstance(database, peewee.PostgresqlDatabase):
        drop_descriptor(connection.fileno())
        connection.close()
    else:
        _inherited_sqlite.append(connection)
    database._state.reset()
