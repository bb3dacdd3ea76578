"""The exchange clients' HTTP transport against a real socket server: kept-alive connections
reused, a connection the server closed replaced before a byte is written to it, and every
failure named as httpx names it (a connect failure means nothing was sent; a failure after
the request was written does not)."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from adapters.indodax.http_transport import KeepAliveTransport, tls_context

BODY = b'{"ok": true}'
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(BODY),
    BODY,
)


class RawServer:
    """Accepts connections and runs `serve(connection)` for each, counting them."""

    def __init__(self, serve: Callable[[socket.socket], None]) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self.serve = serve
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self.serve, args=(connection,), daemon=True).start()

    def url(self, path: str = "/api/x") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.listener.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    """Servers closed after the test: a listening socket left open would be inherited by
    every process forked later in the run (the actor systems of other tests)."""
    servers: list[RawServer] = []

    def start(handler: Callable[[socket.socket], None]) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    return data


def answer_forever(connection: socket.socket) -> None:
    while read_request(connection):
        connection.sendall(OK)


def answer_once_then_close(connection: socket.socket) -> None:
    read_request(connection)
    connection.sendall(OK)
    connection.close()


def hang_up_after_reading(connection: socket.socket) -> None:
    read_request(connection)
    connection.close()


def never_answer(connection: socket.socket) -> None:
    read_request(connection)
    threading.Event().wait(5)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(transport=KeepAliveTransport(), timeout=httpx.Timeout(2.0)) as http:
        yield http


def test_requests_to_one_host_share_one_kept_alive_connection(client, serve):
    server = serve(answer_forever)
    for _ in range(5):
        assert client.get(server.url()).json() == {"ok": True}
    assert server.accepted == 1


def test_a_connection_the_server_closed_is_replaced_before_the_next_request(client, serve):
    server = serve(answer_once_then_close)
    assert client.get(server.url()).json() == {"ok": True}
    threading.Event().wait(0.1)  # the server's close has arrived
    assert client.post(server.url(), content=b"method=trade").json() == {"ok": True}
    assert server.accepted == 2


def test_a_refused_connection_is_a_connect_error_nothing_was_sent(client):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.1:{port}/api/x")


def test_a_server_that_hangs_up_after_the_request_is_not_a_connect_error(client, serve):
    server = serve(hang_up_after_reading)
    with pytest.raises(httpx.TransportError) as raised:
        client.post(server.url("/tapi"), content=b"method=trade")
    assert not isinstance(raised.value, httpx.ConnectError | httpx.ConnectTimeout)


def test_a_reply_that_never_comes_is_a_read_timeout(serve):
    server = serve(never_answer)
    http = httpx.Client(transport=KeepAliveTransport(), timeout=httpx.Timeout(0.3))
    with http, pytest.raises(httpx.ReadTimeout):
        http.get(server.url())


def test_a_forked_child_drops_the_parents_connection_and_opens_its_own(client, serve):
    server = serve(answer_forever)
    assert client.get(server.url()).status_code == 200
    pid = os.fork()
    if pid == 0:  # the child: its inherited connection is gone, a request opens a new one
        answered = False
        try:
            answered = client.get(server.url()).status_code == 200
        finally:
            os._exit(0 if answered else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert client.get(server.url()).status_code == 200  # the parent's still works
    assert server.accepted == 2


def test_every_client_in_a_process_shares_one_tls_context():
    assert tls_context() is tls_context()
