"""The simulator's market-data socket, speaking the Centrifugo v2 JSON protocol of
ws3.indodax.com (field guide §5.1) so the real `MarketFeed` runs against it unchanged —
including the parts a client gets wrong: messages packed into one frame, recovery of what was
missed during a drop, the 128-channel limit, and the close codes for a bad first frame.

Mount `handle` at `/ws/`. Everything runs on the simulator's event loop: the publish calls
only queue text for each subscriber, and one writer task per socket sends whatever has queued
up as a single frame, lines joined by `\\n`, as the real server does under load.

`SocketHub` is that socket machinery without the protocol; the private order stream
(`private_hub.py`) speaks Centrifugo v3 over the same machinery.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import WSMsgType, web

from adapters.indodax.pairs import Pair
from adapters.indodax.ws_protocol import (
    BAD_REQUEST,
    BOOK_PREFIX,
    CHANNEL_LIMIT,
    INVALID_TOKEN,
    PUBLIC_TOKEN,
    SHUTDOWN,
    SUMMARY_CHANNEL,
    TICK_PREFIX,
    Command,
    Disconnect,
    ErrorCode,
    Method,
    Summary,
    Tick,
    book_level,
    book_payload,
    connect_result,
    error_reply,
    parse_command,
    publication,
    push,
    reply,
    sorted_book,
    split_frame,
    subscribe_result,
    summary_payload,
    tick_payload,
)

log = logging.getLogger(__name__)

SERVER_VERSION = "2.8.7"
_NAMESPACES = ("chart:", "market:")  # any other namespace is error 102 "unknown channel"


@dataclass(eq=False)
class Client:
    """One socket. Only its writer task writes to it, the closing frame included, so a close
    always follows the replies queued before it."""

    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    outbox: asyncio.Queue[str | Disconnect] = field(default_factory=asyncio.Queue)
    channels: set[str] = field(default_factory=set)
    connected: bool = False
    own_channel: str | None = None  # private socket: the one channel its token may read
    writer: asyncio.Task[None] | None = None


@dataclass(eq=False)
class _Stream:
    """One channel: its offset counter, the recent publications for `recover`, its readers."""

    history: deque[dict[str, Any]]
    offset: int = 0


class SocketHub(abc.ABC):
    """Sockets, their writer tasks, who reads which channel, the simulated network cut and
    the shutdown; a subclass answers the commands (`_execute`)."""

    def __init__(self, heartbeat: float | None) -> None:
        self._heartbeat = heartbeat  # the real servers ping every ~25 s and drop the silent
        self._clients: set[Client] = set()
        self._subscribers: dict[str, set[Client]] = {}
        self._closed = False

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=self._heartbeat)
        await ws.prepare(request)
        if self._closed:
            await _close(ws, SHUTDOWN)
            return ws
        client = Client(ws, request.transport)
        self._clients.add(client)
        client.writer = writer = asyncio.create_task(_pump(client))
        disconnect = None
        try:
            disconnect = await self._serve(client)
            if disconnect is not None:
                self._end(client, disconnect)
        finally:
            self._forget(client)
            if disconnect is None:
                writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    def subscribers(self, channel: str) -> int:
        """How many sockets read a channel: a publisher can skip building what nobody
        watches, and tests can wait for a subscription instead of sleeping."""
        return len(self._subscribers.get(channel, ()))

    async def drop_all(self) -> None:
        """Fault injection: every socket dies at once without a close frame, like a network
        cut. What a hub remembers stays, so reconnecting clients can recover what they missed."""
        clients, self._clients = self._clients, set()
        for client in clients:
            self._forget(client)
            if client.transport is not None:
                client.transport.abort()

    async def close(self) -> None:
        """Refuse new sockets and close open ones with Centrifugo's "shutdown" (reconnect)."""
        self._closed = True
        clients = list(self._clients)
        for client in clients:
            self._end(client, SHUTDOWN)
        writers = [client.writer for client in clients if client.writer is not None]
        await asyncio.gather(*writers, return_exceptions=True)

    async def _serve(self, client: Client) -> Disconnect | None:
        async for frame in client.ws:
            if frame.type != WSMsgType.TEXT:
                return BAD_REQUEST
            for line in split_frame(frame.data):
                disconnect = self._execute(client, line)
                if disconnect is not None:
                    return disconnect
        return None

    @abc.abstractmethod
    def _execute(self, client: Client, line: str) -> Disconnect | None:
        """Answer one command (queue the reply on `client.outbox`), or end the socket."""

    def _join(self, client: Client, channel: str) -> None:
        client.channels.add(channel)
        self._subscribers.setdefault(channel, set()).add(client)

    def _leave(self, client: Client, channel: str) -> None:
        client.channels.discard(channel)
        self._subscribers.get(channel, set()).discard(client)

    def _send(self, channel: str, text: str) -> None:
        for client in self._subscribers.get(channel, ()):
            client.outbox.put_nowait(text)

    def _end(self, client: Client, disconnect: Disconnect) -> None:
        """Nothing more is queued for the socket; its writer sends what is, then closes."""
        self._forget(client)
        client.outbox.put_nowait(disconnect)

    def _forget(self, client: Client) -> None:
        self._clients.discard(client)
        for channel in list(client.channels):
            self._leave(client, channel)


class CentrifugoHub(SocketHub):
    def __init__(
        self,
        token: str = PUBLIC_TOKEN,
        history_size: int = 1000,
        heartbeat: float | None = 25.0,
    ) -> None:
        super().__init__(heartbeat)
        self._token = token
        self._history_size = history_size
        self.epoch = str(int(time.time()))  # a new hub is a new stream: offsets restart
        self._streams: dict[str, _Stream] = {}
        self._trade_seq: dict[Pair, int] = {}

    def publish_tick(self, pair: Pair, ts: int, price: Decimal, volume: Decimal) -> None:
        """One trade print; the hub numbers the prints of each pair like the exchange's ids."""
        seq = self._trade_seq.get(pair, 0) + 1
        self._trade_seq[pair] = seq
        tick = Tick(pair, ts, seq, price, volume)
        self._publish(pair.ws_channel(TICK_PREFIX), tick_payload([tick]))

    def publish_summary(self, rows: Iterable[Summary]) -> None:
        """The changed pairs only, like the exchange; an empty batch publishes nothing."""
        payload = summary_payload(rows)
        if payload:
            self._publish(SUMMARY_CHANNEL, payload)

    def publish_book(
        self,
        pair: Pair,
        bids: Iterable[tuple[Decimal, Decimal]],
        asks: Iterable[tuple[Decimal, Decimal]],
    ) -> None:
        """The whole book as (price, base volume) levels, in any order; it goes out sorted,
        with the quote volume of each level, as every Indodax book push does."""
        book = sorted_book(
            pair,
            (book_level(pair, price, volume) for price, volume in bids),
            (book_level(pair, price, volume) for price, volume in asks),
        )
        self._publish(pair.ws_channel(BOOK_PREFIX), book_payload(book))

    def _execute(self, client: Client, line: str) -> Disconnect | None:
        command = parse_command(line)
        if command is None or command.id is None:
            return BAD_REQUEST
        if not client.connected:
            return self._connect(client, command.id, command)
        if command.method in (Method.SUBSCRIBE, Method.UNSUBSCRIBE):
            channel = command.params.get("channel")
            if not isinstance(channel, str) or not channel:
                return BAD_REQUEST
            client.outbox.put_nowait(
                self._subscribe(client, command.id, channel, command.params)
                if command.method == Method.SUBSCRIBE
                else self._unsubscribe(client, command.id, channel)
            )
        elif command.method == Method.PING:
            client.outbox.put_nowait(reply(command.id))
        elif command.method == Method.CONNECT:
            return BAD_REQUEST
        else:
            client.outbox.put_nowait(error_reply(command.id, ErrorCode.METHOD_NOT_FOUND))
        return None

    def _connect(self, client: Client, command_id: int, command: Command) -> Disconnect | None:
        """The first command must be a connect with the token; anything else ends the socket."""
        if command.method != Method.CONNECT:
            return BAD_REQUEST
        if command.params.get("token") != self._token:
            return INVALID_TOKEN
        client.connected = True
        client.outbox.put_nowait(
            reply(command_id, connect_result(str(uuid.uuid4()), SERVER_VERSION))
        )
        return None

    def _subscribe(
        self, client: Client, command_id: int, channel: str, params: dict[str, Any]
    ) -> str:
        """Atomic on the loop: the reply (with any recovered publications) is queued before
        the next push on the channel, and nothing published in between is lost."""
        if not channel.startswith(_NAMESPACES):
            return error_reply(command_id, ErrorCode.UNKNOWN_CHANNEL)
        if channel in client.channels:
            return error_reply(command_id, ErrorCode.ALREADY_SUBSCRIBED)
        if len(client.channels) >= CHANNEL_LIMIT:
            return error_reply(command_id, ErrorCode.LIMIT_EXCEEDED)
        stream = self._stream(channel)
        self._join(client, channel)
        recovery = self._recovery(stream, params) if params.get("recover") else None
        return reply(command_id, subscribe_result(self.epoch, stream.offset, recovery))

    def _unsubscribe(self, client: Client, command_id: int, channel: str) -> str:
        self._leave(client, channel)
        return reply(command_id, {})

    def _recovery(
        self, stream: _Stream, params: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], bool]:
        since = params.get("offset", 0)
        if params.get("epoch") != self.epoch or not isinstance(since, int):
            return [], False
        missed = [item for item in stream.history if item["offset"] > since]
        complete = since >= stream.offset or (bool(missed) and missed[0]["offset"] == since + 1)
        return missed, complete

    def _publish(self, channel: str, payload: Any) -> None:
        stream = self._stream(channel)
        stream.offset += 1
        published = publication(payload, stream.offset)
        stream.history.append(published)
        self._send(channel, push(channel, published))

    def _stream(self, channel: str) -> _Stream:
        if channel not in self._streams:
            self._streams[channel] = _Stream(deque(maxlen=self._history_size))
        return self._streams[channel]


async def _pump(client: Client) -> None:
    """Whatever queued while the last frame was being written goes out as one frame; a
    Disconnect is always the last item queued (see `_end`)."""
    while True:
        batch = [await client.outbox.get()]
        while not client.outbox.empty():
            batch.append(client.outbox.get_nowait())
        lines = [item for item in batch if isinstance(item, str)]
        try:
            if lines:
                await client.ws.send_str("\n".join(lines))
            if isinstance(batch[-1], Disconnect):
                await _close(client.ws, batch[-1])
                return
        except ConnectionError:
            return


async def _close(ws: web.WebSocketResponse, disconnect: Disconnect) -> None:
    await ws.close(code=disconnect.code, message=disconnect.close_message().encode())
