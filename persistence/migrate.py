"""Apply schema migrations at start: idempotent, and safe when several processes start at once."""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path

import peewee
from peewee_migrate import Router

log = logging.getLogger(__name__)
# The router narrates every step at INFO; it reports to the library's logger, kept at WARNING.
_router_log = logging.getLogger("peewee_migrate.router")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any fixed 64-bit number: the PostgreSQL advisory lock that serialises migrating processes.
_PG_LOCK_ID = 0x1D0DA7B07


def apply_migrations(database: peewee.Database) -> list[str]:
    """Run every migration not yet recorded; return the names applied (empty when current)."""
    with _migration_lock(database):
        router = Router(database, migrate_dir=MIGRATIONS_DIR, logger=_router_log)
        applied = router.run()
    if applied:
        log.info("applied migrations", extra={"migrations": applied})
    return applied


def pending_migrations(database: peewee.Database) -> list[str]:
    return list(Router(database, migrate_dir=MIGRATIONS_DIR, logger=_router_log).diff)


@contextlib.contextmanager
def _migration_lock(database: peewee.Database) -> Iterator[None]:
    if isinstance(database, peewee.PostgresqlDatabase):
        # Waiting for another process's migration, and a migration itself, may take longer
        # than the statement timeout every other query keeps.
        database.execute_sql("SET statement_timeout = 0")
        database.execute_sql("SELECT pg_advisory_lock(%s)", (_PG_LOCK_ID,))
        try:
            yield
        finally:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_ID,))
            database.execute_sql("RESET statement_timeout")
        return
    lock_path = Path(f"{database.database}.migrate-lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
