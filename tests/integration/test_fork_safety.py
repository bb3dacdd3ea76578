"""A forked child never shares its parent's database, Redis or exchange connection, and the
parent's connections survive the child."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import peewee
import pytest
from test_forks import connected_sockets

from adapters.indodax.public_client import HttpSession
from persistence.redis_client import redis_client


def socket_inodes() -> set[str]:
    """The sockets this process holds (the test process may hold others from earlier tests:
    each test compares only the sockets its own connection opened)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            inodes.add(target[8:-1])
    return inodes


def in_child(work: object) -> str:
    """Run `work()` in a forked child; its text comes back through a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            text = str(work())  # type: ignore[operator]
        except BaseException as error:  # the parent reports it
            text = f"child failed: {error!r}"
        os.write(write_end, text.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    return text


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_forked_child_opens_its_own_database_connection_and_leaves_the_parents(
    database: peewee.Database,
) -> None:
    database.close()
    before = socket_inodes()
    backend = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    inherited = socket_inodes() - before
    assert inherited  # the connection's own socket, which the child must not keep

    def child() -> str:
        held_at_fork = socket_inodes() & inherited
        own_backend = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        return f"{sorted(held_at_fork)} {own_backend != backend}"

    assert in_child(child) == "[] True"
    assert database.execute_sql("SELECT pg_backend_pid()").fetchone()[0] == backend
    timeout = database.execute_sql("SHOW statement_timeout").fetchone()[0]
    assert timeout == "30s"


def test_a_forked_child_drops_the_parents_redis_connections(redis_url: str) -> None:
    before = socket_inodes()
    client = redis_client(redis_url)
    client.ping()
    inherited = socket_inodes() - before
    assert inherited

    def child() -> str:
        held_at_fork = socket_inodes() & inherited
        return f"{sorted(held_at_fork)} {client.ping()}"

    assert in_child(child) == "[] True"
    assert client.ping()
    client.close()


class _KeepAlive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the connection stays open between requests

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_forked_child_drops_the_parents_kept_alive_exchange_connections(http_server: str):
    session = HttpSession(None)
    assert session._http.get(http_server).text == "ok"
    port = int(http_server.rstrip("/").rsplit(":", 1)[1])
    [client_end] = connected_sockets({port})  # the server's end is in this process too

    def child() -> str:
        held_at_fork = client_end in socket_inodes()
        return f"{held_at_fork} {session._http.get(http_server).text}"

    assert client_end in socket_inodes()
    assert in_child(child) == "False ok"
    assert session._http.get(http_server).text == "ok"
    assert client_end in socket_inodes()  # the parent kept its connection
    session.close()
