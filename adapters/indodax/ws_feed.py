"""The market-data feed: Indodax's public WebSocket, with REST polling when it goes quiet.

Thespian actors must not be called from foreign threads, so the feed owns its threads and
hands every parsed event to a plain callback; the PriceFeedActor's callback puts events on a
queue and drains it in its own turn. Two threads:

* the socket thread runs websocket-client (which answers the server's protocol pings), sends
  connect first, subscribes, and after any drop reconnects with jittered exponential backoff,
  re-subscribing with `recover` from the last offset seen per channel, so the publications
  missed while down arrive in the subscribe reply instead of being lost;
* the watchdog thread sends the application ping and, when no push has arrived for `silence`
  seconds (socket down, or open but mute), calls `poll` at a bounded rate and emits what it
  returns, until the socket pushes again.
"""

from __future__ import annotations

import contextlib
import logging
import random
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import websocket

from adapters.indodax.ws_protocol import (
    CHANNEL_LIMIT,
    PUBLIC_TOKEN,
    PUBLIC_URL,
    CommandError,
    Event,
    Message,
    Push,
    Reply,
    StreamPosition,
    connect_command,
    parse_disconnect,
    parse_frame,
    parse_subscribe_result,
    ping_command,
    subscribe_command,
    unsubscribe_command,
)

log = logging.getLogger(__name__)

FeedState = Literal["connecting", "live", "fallback", "stopped"]
_CONNECT_ID = 1  # command ids restart on every socket, so the connect reply is always id 1
_jitter = random.SystemRandom()
_NORMAL_CLOSURE = struct.pack("!H", websocket.STATUS_NORMAL)


class TooManyChannels(ValueError):
    """Indodax refuses the 129th channel on one connection (error 106)."""


@dataclass(frozen=True)
class FeedTiming:
    """Seconds. The defaults suit the real exchange; tests shrink them.

    `poll_interval` bounds the REST fallback: the public API allows 180 requests a minute for
    everything the bot does, so one `poll` every 2 s leaves room even if `poll` makes two
    requests. `silence` must exceed the longest quiet spell of the subscribed channels
    (`market:summary-24h` pushes every few seconds; a quiet order book can be mute for
    minutes), or the feed will poll while the socket is healthy.
    """

    app_ping_interval: float = 20.0
    socket_ping_interval: float = 25.0
    socket_ping_timeout: float = 10.0
    silence: float = 10.0
    poll_interval: float = 2.0
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    stop_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.socket_ping_timeout >= self.socket_ping_interval:
            raise ValueError("socket_ping_timeout must be shorter than socket_ping_interval")
        if min(self.app_ping_interval, self.silence, self.poll_interval, self.backoff_base) <= 0:
            raise ValueError("feed intervals must be positive")
        if self.backoff_max < self.backoff_base:
            raise ValueError("backoff_max must be at least backoff_base")


@dataclass(frozen=True)
class FeedStats:
    state: FeedState
    frames: int  # text frames received (one may carry several messages)
    events: int  # events handed to on_event, from the socket and from polling
    ignored: int  # messages the parser could not use
    reconnects: int  # socket attempts after the first
    fallback_polls: int
    poll_errors: int
    last_event_age: float | None  # seconds since the last event, None before the first
    last_close: str | None  # code and reason of the last socket close


class MarketFeed:
    """`on_event(event)` is called from one of the feed's threads (never two at once); it must
    be quick and must not call into an actor. An exception from it is logged and dropped."""

    def __init__(
        self,
        on_event: Callable[[Event], None],
        poll: Callable[[], Iterable[Event]],
        *,
        url: str = PUBLIC_URL,
        token: str = PUBLIC_TOKEN,
        timing: FeedTiming | None = None,
    ) -> None:
        self._on_event = on_event
        self._poll = poll
        self._url = url
        self._token = token
        self._timing = timing or FeedTiming()
        self._lock = threading.Lock()  # guards every field below
        self._send_lock = threading.Lock()  # keeps connect ahead of subscribes on the wire
        self._emit_lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._positions: dict[str, StreamPosition | None] = {}  # subscribed channels
        self._pending: dict[int, str] = {}  # subscribe command id → channel
        self._app: websocket.WebSocketApp | None = None
        self._socket: websocket.WebSocket | None = None  # the current app's open socket
        self._session = False  # connect sent on the current socket: commands may follow
        self._command_id = 0
        self._failures = 0  # consecutive attempts that did not get a connect reply
        self._refused = False  # the server said "do not reconnect": retry only slowly
        self._state: FeedState = "stopped"
        self._last_push = 0.0
        self._last_event: float | None = None
        self._last_close: str | None = None
        self._frames = self._events = self._ignored = 0
        self._reconnects = self._fallback_polls = self._poll_errors = 0

    @property
    def state(self) -> FeedState:
        with self._lock:
            return self._state

    def stats(self) -> FeedStats:
        with self._lock:
            age = None if self._last_event is None else time.monotonic() - self._last_event
            return FeedStats(
                self._state,
                self._frames,
                self._events,
                self._ignored,
                self._reconnects,
                self._fallback_polls,
                self._poll_errors,
                age,
                self._last_close,
            )

    def subscribe(self, channels: Iterable[str]) -> None:
        """Takes effect at once on a connected socket, else on the next connect."""
        with self._send_lock:
            with self._lock:
                new = [
                    channel for channel in dict.fromkeys(channels) if channel not in self._positions
                ]
                total = len(self._positions) + len(new)
                if total > CHANNEL_LIMIT:
                    raise TooManyChannels(
                        f"{total} channels requested; Indodax allows {CHANNEL_LIMIT} per "
                        "connection (run a second feed for the rest)"
                    )
                for channel in new:
                    self._positions[channel] = None
                frames = [self._subscribe_frame(channel) for channel in new if self._session]
                app = self._app
            _send(app, frames)

    def unsubscribe(self, channels: Iterable[str]) -> None:
        with self._send_lock:
            with self._lock:
                gone = [
                    channel for channel in dict.fromkeys(channels) if channel in self._positions
                ]
                for channel in gone:
                    del self._positions[channel]
                frames = [
                    unsubscribe_command(self._next_id(), channel)
                    for channel in gone
                    if self._session
                ]
                app = self._app
            _send(app, frames)

    def start(self) -> None:
        with self._lock:
            if self._threads or self._stopping.is_set():
                raise RuntimeError("a feed starts once; create a new one after stop()")
            self._state = "connecting"
            self._last_push = time.monotonic()
            self._threads = [
                threading.Thread(target=self._run_socket, name="market-feed-socket", daemon=True),
                threading.Thread(target=self._watch, name="market-feed-watchdog", daemon=True),
            ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Closes the socket and joins both threads; safe to call more than once."""
        with self._lock:
            self._stopping.set()
            self._state = "stopped"
            app = self._app
        if app is not None:
            _hang_up(app)
        for thread in self._threads:
            if thread is threading.current_thread():  # stop() called from on_event
                continue
            thread.join(self._timing.stop_timeout)
            if thread.is_alive():
                log.warning("feed thread did not stop in time", extra={"feed_thread": thread.name})

    # --- socket thread ----------------------------------------------------------------------

    def _run_socket(self) -> None:
        first = True
        while True:
            app = websocket.WebSocketApp(
                self._url,
                on_open=self._opened,
                on_message=self._received,
                on_error=self._failed,
                on_close=self._closed,
            )
            with self._lock:
                if self._stopping.is_set():
                    return
                self._app = app
                if not first:
                    self._reconnects += 1
            first = False
            app.run_forever(
                suppress_origin=True,
                ping_interval=self._timing.socket_ping_interval,
                ping_timeout=self._timing.socket_ping_timeout,
            )
            with self._lock:
                opened, self._socket = self._socket, None
                self._app = None
                self._session = False
                self._pending.clear()
                if self._state == "live":
                    self._state = "connecting"
                delay = self._backoff()
            if opened is not None:  # after a server's close the library leaves the fd open
                opened.shutdown()
            log.info("market socket closed, reconnecting", extra={"delay_s": round(delay, 2)})
            if self._stopping.wait(delay):
                return

    def _backoff(self) -> float:
        """Jittered so that many bots cut off together do not return together. A server that
        refused us (bad token) is retried at the slowest pace rather than never: the cause may
        be on its side, and prices keep flowing from REST meanwhile."""
        timing = self._timing
        growing = timing.backoff_base * 2**self._failures
        ceiling = timing.backoff_max if self._refused else min(timing.backoff_max, growing)
        self._failures += 1
        return ceiling / 2 + _jitter.uniform(0, ceiling / 2)

    def _opened(self, app: websocket.WebSocketApp) -> None:
        if self._stopping.is_set():  # stop() raced the connect and missed this socket
            app.close()
            return
        with self._send_lock:
            with self._lock:
                self._socket = app.sock
                self._command_id = _CONNECT_ID
                frames = [connect_command(_CONNECT_ID, self._token)]
                frames += [self._subscribe_frame(channel) for channel in self._positions]
                self._session = True
            _send(app, frames)

    def _received(self, _app: websocket.WebSocketApp, text: str) -> None:
        with self._lock:
            self._frames += 1
        for message in parse_frame(text):
            self._handle(message)

    def _handle(self, message: Message) -> None:
        if isinstance(message, Push):
            self._deliver(message)
        elif isinstance(message, Reply):
            self._replied(message)
        elif isinstance(message, CommandError):
            with self._lock:
                channel = self._pending.pop(message.id, None)
            log.warning(
                "market socket refused a command",
                extra={"channel": channel, "code": message.code, "error": message.message},
            )
        else:
            self._count_ignored()

    def _replied(self, message: Reply) -> None:
        with self._lock:
            channel = self._pending.pop(message.id, None)
            if message.id == _CONNECT_ID:
                self._failures = 0
                self._refused = False
            if channel is None or channel not in self._positions:
                return
            asked = self._positions[channel]
        outcome = parse_subscribe_result(channel, message.result)
        if asked is not None and not outcome.recovered:
            log.warning(
                "market socket could not recover missed publications", extra={"channel": channel}
            )
        for published in outcome.publications:
            if isinstance(published, Push):
                self._deliver(published)
            else:
                self._count_ignored()
        with self._lock:
            if channel in self._positions:
                self._positions[channel] = _advance(self._positions[channel], outcome.position)

    def _deliver(self, message: Push) -> None:
        with self._lock:
            self._last_push = time.monotonic()
            if self._state != "stopped":
                self._state = "live"
            if message.channel not in self._positions:
                return
            seen = self._positions[message.channel]
            if seen is not None and message.offset is not None:
                if message.offset <= seen.offset:
                    return
                self._positions[message.channel] = StreamPosition(message.offset, seen.epoch)
        self._emit(message.events)

    def _failed(self, _app: websocket.WebSocketApp, error: Exception) -> None:
        log.warning("market socket error", extra={"error": repr(error)})

    def _closed(self, _app: websocket.WebSocketApp, code: int | None, reason: str | None) -> None:
        if code is None:
            return
        disconnect = parse_disconnect(code, reason)
        with self._lock:
            self._last_close = f"{disconnect.code} {disconnect.reason}"
            self._refused = not disconnect.reconnect
        log.warning(
            "market socket closed by server",
            extra={"code": disconnect.code, "reason": disconnect.reason},
        )

    # --- watchdog thread --------------------------------------------------------------------

    def _watch(self) -> None:
        timing = self._timing
        tick = min(timing.app_ping_interval, timing.silence, timing.poll_interval) / 4
        next_ping = time.monotonic() + timing.app_ping_interval
        next_poll = 0.0
        while not self._stopping.wait(tick):
            now = time.monotonic()
            if now >= next_ping:
                next_ping = now + timing.app_ping_interval
                self._ping()
            if now >= next_poll and self._should_poll(now):
                next_poll = now + timing.poll_interval
                self._poll_once()

    def _ping(self) -> None:
        with self._send_lock:
            with self._lock:
                frames = [ping_command(self._next_id())] if self._session else []
                app = self._app
            _send(app, frames)

    def _should_poll(self, now: float) -> bool:
        with self._lock:
            if self._state == "stopped" or now - self._last_push < self._timing.silence:
                return False
            if self._state != "fallback":
                log.warning("market socket silent, polling REST", extra={"state": self._state})
                self._state = "fallback"
            self._fallback_polls += 1
            return True

    def _poll_once(self) -> None:
        try:
            events = list(self._poll())
        except Exception:
            log.exception("market REST poll failed")
            with self._lock:
                self._poll_errors += 1
            return
        with self._lock:
            current = self._state == "fallback"  # a push meanwhile makes the poll stale
        if current:
            self._emit(events)

    # --- shared -----------------------------------------------------------------------------

    def _emit(self, events: Iterable[Event]) -> None:
        with self._emit_lock:
            for event in events:
                try:
                    self._on_event(event)
                except Exception:
                    log.exception("market event handler failed", extra={"event": repr(event)})
                with self._lock:
                    self._events += 1
                    self._last_event = time.monotonic()

    def _count_ignored(self) -> None:
        with self._lock:
            self._ignored += 1

    def _next_id(self) -> int:
        self._command_id += 1
        return self._command_id

    def _subscribe_frame(self, channel: str) -> str:
        command_id = self._next_id()
        self._pending[command_id] = channel
        return subscribe_command(command_id, channel, self._positions[channel])


def _advance(seen: StreamPosition | None, reported: StreamPosition | None) -> StreamPosition | None:
    """After a subscribe reply: the server's stream top, unless pushes already went past it.
    A new epoch means the stream restarted and old offsets mean nothing."""
    if seen is None or reported is None or seen.epoch != reported.epoch:
        return reported
    return StreamPosition(max(seen.offset, reported.offset), reported.epoch)


def _hang_up(app: websocket.WebSocketApp) -> None:
    """Ends a socket from outside its thread. `WebSocketApp.close()` would close the
    descriptor under the reader's select, which then sleeps for a whole ping timeout; a close
    frame and a shutdown wake the reader at once, and it tears down in its own thread.
    (`send_close()` is not used: it marks the socket disconnected, and the library's teardown
    then skips closing the descriptor.)"""
    app.keep_running = False
    sock = app.sock
    if sock is not None:
        with contextlib.suppress(websocket.WebSocketException, OSError):
            sock.send(_NORMAL_CLOSURE, websocket.ABNF.OPCODE_CLOSE)
        sock.abort()


def _send(app: websocket.WebSocketApp | None, frames: list[str]) -> None:
    """A send that fails means the socket is dying; the reconnect re-subscribes everything."""
    if app is None:
        return
    for frame in frames:
        try:
            app.send(frame)
        except (websocket.WebSocketException, OSError) as error:
            log.info("market socket send failed", extra={"error": repr(error)})
            return
