"""What every benchmark needs of this machine: a free port, and a database of its own on a
PostgreSQL server, created for the run and dropped after it (never the test database)."""

from __future__ import annotations

import socket
import uuid

import psycopg2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _admin(server: str) -> psycopg2.extensions.connection:
    admin = psycopg2.connect(server)
    admin.autocommit = True
    return admin


def scratch_database(server: str) -> str:
    """The URL of a new, empty database on the server that `server` (any database URL on it)
    reaches."""
    name = f"indodax_bench_{uuid.uuid4().hex[:8]}"
    admin = _admin(server)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return f"{server.rsplit('/', 1)[0]}/{name}"


def drop_database(server: str, url: str) -> None:
    admin = _admin(server)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    admin.close()
