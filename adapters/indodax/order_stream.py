"""Many accounts' private order streams (field guide §5.2) in one thread's event loop.

One socket per account that has orders resting, each subscribed to the account's own
channel with a token its UserActor asked for (the token is the only credential here: the
API key and secret never leave the user's actor). A thousand sockets cost one thread and
about a hundred kB each, not a thread or a process per user.

What a socket tells goes to `tell` on this thread: the owner (OrderStreamActor) queues it
for its own thread. A socket that drops is connected again with back-off and, once
subscribed again, reported as resumed: pushes may have been missed in between, so the
owner's orders are checked against the exchange. A token the exchange refuses is
reported as `Refused` and not retried: a new one must come from the user's actor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.indodax.order_stream_wire import (
    StreamPush,
    StreamReply,
    connect_frame,
    parse_frames,
    subscribe_frame,
)
from config.logs import register_secret
from config.secret import Secret

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)

CONNECT_ID = 1
SUBSCRIBE_ID = 2
PING = "{}"
_jitter = random.SystemRandom()


@dataclass(frozen=True)
class StreamTiming:
    connect_timeout: float = 10.0
    # Our own pings, to drop a peer that stopped answering; the server pings every ~25 s
    # and those are answered on their own. Seldom, as a thousand sockets ping a thousand
    # times per period.
    heartbeat: float = 60.0
    backoff_first: float = 1.0
    backoff_max: float = 60.0


@dataclass(frozen=True)
class Pushed:
    telegram_id: int
    push: StreamPush


@dataclass(frozen=True)
class Subscribed:
    """`resumed`: subscribed again after the socket dropped, so pushes may have been missed."""

    telegram_id: int
    resumed: bool


@dataclass(frozen=True)
class Refused:
    """The exchange refused the token or the channel: a new token is needed."""

    telegram_id: int
    code: int
    message: str


@dataclass(frozen=True)
class Unreadable:
    """Frames or events that could not be read (counted, never raised)."""

    telegram_id: int
    count: int


StreamEvent = Pushed | Subscribed | Refused | Unreadable


class OrderStreams:
    def __init__(
        self, url: str, tell: Callable[[StreamEvent], None], timing: StreamTiming = StreamTiming()
    ) -> None:
        self._url = url
        self._tell = tell
        self._timing = timing
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="order-streams", daemon=True)
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            self._call(self._close_all()).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def follow(self, telegram_id: int, token: Secret, channel: str) -> None:
        """The account's stream with this token from now on (a socket it had is replaced)."""
        register_secret(token)
        self._call(self._follow(telegram_id, token, channel))

    def leave(self, telegram_id: int) -> None:
        self._call(self._leave(telegram_id))

    def following(self) -> int:
        return len(self._tasks)

    def _call(self, coroutine: object) -> Future[None]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)  # type: ignore[arg-type]

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def _follow(self, telegram_id: int, token: Secret, channel: str) -> None:
        # Imported here, in the OrderStreamActor's process: the Supervisor imports this
        # module to name the actor, and every user actor is forked from the Supervisor.
        import aiohttp  # noqa: PLC0415

        await self._leave(telegram_id)
        if self._session is None:
            # No cap on connections: aiohttp's default of 100 would leave every account
            # after the hundredth waiting for a socket that never comes.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0),
                timeout=aiohttp.ClientTimeout(sock_connect=self._timing.connect_timeout),
            )
        self._tasks[telegram_id] = asyncio.create_task(
            self._stream(self._session, telegram_id, token, channel)
        )

    async def _leave(self, telegram_id: int) -> None:
        task = self._tasks.pop(telegram_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _close_all(self) -> None:
        for telegram_id in list(self._tasks):
            await self._leave(telegram_id)
        if self._session is not None:
            await self._session.close()

    async def _stream(
        self, session: aiohttp.ClientSession, telegram_id: int, token: Secret, channel: str
    ) -> None:
        import aiohttp  # noqa: PLC0415

        failures = 0
        subscribed_before = False
        while True:
            try:
                async with session.ws_connect(
                    self._url, heartbeat=self._timing.heartbeat, autoping=True
                ) as socket:
                    await socket.send_str(connect_frame(token.reveal(), CONNECT_ID))
                    await socket.send_str(subscribe_frame(channel, SUBSCRIBE_ID))
                    async for message in socket:
                        if message.type != aiohttp.WSMsgType.TEXT:
                            continue
                        if message.data.strip() == PING:
                            await socket.send_str(PING)
                            continue
                        outcome = self._read(telegram_id, message.data)
                        if outcome == "refused":
                            return
                        if outcome == "subscribed":
                            failures = 0
                            self._tell(Subscribed(telegram_id, resumed=subscribed_before))
                            subscribed_before = True
            except asyncio.CancelledError:
                raise
            except (TimeoutError, aiohttp.ClientError, OSError) as error:
                log.info(
                    "order stream dropped",
                    extra={"user_id": telegram_id, "error": type(error).__name__},
                )
            failures += 1
            await asyncio.sleep(self._backoff(failures))

    def _read(self, telegram_id: int, text: str) -> str | None:
        """'subscribed', 'refused' or None, after telling what the message carried."""
        frames, unreadable = parse_frames(text)
        skipped = unreadable + sum(f.skipped for f in frames if isinstance(f, StreamPush))
        if skipped:
            self._tell(Unreadable(telegram_id, skipped))
        outcome = None
        for frame in frames:
            if isinstance(frame, StreamReply):
                if frame.error is not None:
                    self._tasks.pop(telegram_id, None)  # left before anyone hears of it
                    self._tell(Refused(telegram_id, frame.error, frame.message))
                    return "refused"
                if frame.command_id == SUBSCRIBE_ID:
                    outcome = "subscribed"
            elif frame.orders:
                self._tell(Pushed(telegram_id, frame))
        return outcome

    def _backoff(self, failures: int) -> float:
        """Jittered, so that many sockets cut off together do not come back together."""
        ceiling = min(self._timing.backoff_max, self._timing.backoff_first * 2 ** (failures - 1))
        return _jitter.uniform(ceiling / 2, ceiling)
