"""The SQL a piece of code sends, for tests that count round trips (peewee logs each
statement at DEBUG)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """The SQL sent to the database meanwhile."""
    statements: list[str] = []

    class Sent(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            statements.append(str(record.msg[0] if isinstance(record.msg, tuple) else record.msg))

    logger, handler = logging.getLogger("peewee"), Sent()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
