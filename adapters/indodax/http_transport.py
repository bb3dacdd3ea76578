"""The one HTTP transport of the exchange clients: one kept-alive connection per host on the
standard library's http.client, and one TLS context for the whole process.

httpx's own transport (httpcore and h11) spends about a millisecond of CPU per request;
this one a quarter of that, on the path every order takes. Each user's actor sends its
requests one at a time, so a pool would hold one connection per host anyway. And httpx
would build a TLS context with the system's certificates for every client (~150 ms of CPU
and a few MiB per actor); here one is built once, before the actors are forked, and shared.

Errors keep httpx's meaning, which `public_client.send` relies on: ConnectError and
ConnectTimeout only when no byte of the request can have left; anything after that is a
WriteError, ReadError, RemoteProtocolError or ReadTimeout (the order may stand).
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
from functools import cache

import httpx

from config.fork_safety import discard_in_children, drop_descriptor

Origin = tuple[str, str, int]  # scheme, host, port


@cache
def tls_context() -> ssl.SSLContext:
    """Certificate-verifying, built once per process tree (call it before forking)."""
    return ssl.create_default_context()


class KeepAliveTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self._connections: dict[Origin, http.client.HTTPConnection] = {}
        discard_in_children(self, KeepAliveTransport._forget)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        url = request.url
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        connection = self._ready_connection(origin, request, timeouts.get("connect"))
        try:
            _time_limit(connection, timeouts.get("write"))
            connection.request(
                request.method,
                url.raw_path.decode("ascii"),
                body=request.read(),
                headers=dict(request.headers),
            )
        except TimeoutError as error:
            self._drop(origin)
            raise httpx.WriteTimeout(str(error), request=request) from error
        except OSError as error:
            self._drop(origin)
            raise httpx.WriteError(str(error), request=request) from error
        try:
            _time_limit(connection, timeouts.get("read"))
            response = connection.getresponse()
            body = response.read()
        except TimeoutError as error:
            self._drop(origin)
            raise httpx.ReadTimeout(str(error), request=request) from error
        except (http.client.HTTPException, ConnectionError) as error:
            self._drop(origin)
            message = str(error) or type(error).__name__
            raise httpx.RemoteProtocolError(message, request=request) from error
        except OSError as error:
            self._drop(origin)
            raise httpx.ReadError(str(error), request=request) from error
        if getattr(response, "will_close", True):  # vcrpy's recorded responses lack it
            self._drop(origin)
        return httpx.Response(
            response.status,
            headers=response.getheaders(),
            stream=httpx.ByteStream(body),
            extensions={"http_version": b"HTTP/1.1"},
        )

    def _ready_connection(
        self, origin: Origin, request: httpx.Request, timeout: float | None
    ) -> http.client.HTTPConnection:
        """The host's open connection, or a new one; one the server has closed (or that has
        bytes nobody asked for) is replaced before anything is written to it."""
        connection = self._connections.get(origin)
        if connection is not None and connection.sock is not None and _stale(connection.sock):
            self._drop(origin)
            connection = None
        if connection is None or connection.sock is None:
            connection = self._open(origin, request, timeout)
            self._connections[origin] = connection
        return connection

    def _open(
        self, origin: Origin, request: httpx.Request, timeout: float | None
    ) -> http.client.HTTPConnection:
        scheme, host, port = origin
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=tls_context()
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.connect()
        except TimeoutError as error:
            connection.close()
            raise httpx.ConnectTimeout(str(error), request=request) from error
        except OSError as error:  # refused, unreachable, DNS, TLS handshake
            connection.close()
            message = str(error) or type(error).__name__
            raise httpx.ConnectError(message, request=request) from error
        return connection  # http.client has set TCP_NODELAY

    def _drop(self, origin: Origin) -> None:
        connection = self._connections.pop(origin, None)
        if connection is not None:
            connection.close()

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def _forget(self) -> None:
        """In a forked child: the inherited sockets are the parent's. Each descriptor is
        pointed at /dev/null before it is closed, so nothing (not even a TLS close_notify)
        reaches the parent's peer."""
        for connection in self._connections.values():
            if connection.sock is not None:
                drop_descriptor(connection.sock.fileno())
                connection.close()
        self._connections.clear()


def _time_limit(connection: http.client.HTTPConnection, seconds: float | None) -> None:
    """For the next socket operation. (Under vcrpy's recorder there is no socket.)"""
    if connection.sock is not None:
        connection.sock.settimeout(seconds)


def _stale(sock: socket.socket) -> bool:
    """An idle kept-alive socket is readable only when the server closed it (or sent bytes
    out of turn): either way it is not to be reused."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    poll = select.poll()  # not select(): a descriptor above 1023 is fine
    poll.register(sock, select.POLLIN)
    return bool(poll.poll(0))
