"""The market feed against the simulator's Centrifugo hub on 127.0.0.1: what the hub says on
the wire, and how the feed survives drops, silence and a refused token."""

from __future__ import annotations

import asyncio
import json
import queue
import struct
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import websocket
from aiohttp import web

from adapters.indodax.pairs import Pair
from adapters.indodax.ws_feed import FeedTiming, MarketFeed, TooManyChannels
from adapters.indodax.ws_protocol import (
    PUBLIC_TOKEN,
    Event,
    Summary,
    Tick,
    connect_command,
    parse_frame,
    ping_command,
    subscribe_command,
    unsubscribe_command,
)
from adapters.simulator.ws_hub import CentrifugoHub

BTC = Pair("btc", "idr")
ETH = Pair("eth", "idr")
BTC_TICKS = BTC.ws_channel("chart:tick-")
ETH_TICKS = ETH.ws_channel("chart:tick-")
WAIT = 15.0  # generous: a loaded 2-core machine must not fail these
FAST = FeedTiming(
    app_ping_interval=30.0,
    socket_ping_interval=20.0,
    socket_ping_timeout=10.0,
    silence=30.0,
    poll_interval=0.05,
    backoff_base=0.05,
    backoff_max=0.2,
)
POLLED = Summary(
    BTC,
    1790138528,
    *(Decimal(v) for v in ("1549999000", "1530150000", "1562000000")),
    Decimal("1535000000"),
    Decimal("63672301185"),
    Decimal("41.20914366"),
)


class HubServer:
    """A CentrifugoHub served by aiohttp in its own thread and event loop, as the simulator
    runs it; the test thread reaches it only through `call`."""

    def __init__(self, token: str = PUBLIC_TOKEN) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="test-hub", daemon=True)
        self.thread.start()
        self.hub = CentrifugoHub(token=token)
        app = web.Application()
        app.router.add_get("/ws/", self.hub.handle)
        self.runner = web.AppRunner(app)
        self.call(self.runner.setup())
        self.port = 0
        self.site: web.TCPSite | None = None
        self.published: dict[Pair, int] = {}  # ticks per pair = the seq of the last one
        self.go_up()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(WAIT)

    def on_loop(self, action: Callable[[], Any]) -> Any:
        async def run() -> Any:
            return action()

        return self.call(run())

    def go_up(self) -> None:
        self.site = web.TCPSite(self.runner, "127.0.0.1", self.port)
        self.call(self.site.start())
        self.port = self.runner.addresses[0][1]

    def go_down(self) -> None:
        """No listener and no open socket: the feed can only retry and wait."""
        self.call(self.site.stop())
        self.call(self.hub.drop_all())

    def wait_subscribed(self, channel: str, count: int = 1) -> None:
        wait_until(lambda: self.on_loop(lambda: self.hub.subscribers(channel)) == count)

    def ticks(self, pair: Pair, count: int, first_ts: int = 1790138528) -> None:
        """Published in one turn of the loop: nothing else can happen in between."""

        def publish() -> None:
            for n in range(count):
                self.hub.publish_tick(pair, first_ts + n, Decimal("1550000000") + n, Decimal("0.5"))

        self.on_loop(publish)
        self.published[pair] = self.published.get(pair, 0) + count

    def close(self) -> None:
        self.call(self.hub.close())
        self.call(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)
        self.loop.close()


class Collector:
    def __init__(self) -> None:
        self.events: queue.Queue[Event] = queue.Queue()

    def __call__(self, event: Event) -> None:
        self.events.put(event)

    def take(self, count: int) -> list[Event]:
        return [self.events.get(timeout=WAIT) for _ in range(count)]

    def ticks_until(self, seq: int) -> list[int]:
        """Every tick seq received up to and including `seq`, other events skipped."""
        seen: list[int] = []
        while not seen or seen[-1] < seq:
            event = self.events.get(timeout=WAIT)
            if isinstance(event, Tick):
                seen.append(event.seq)
        return seen


class Poller:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> list[Event]:
        self.calls += 1
        return [POLLED]


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


@pytest.fixture
def server() -> Iterator[HubServer]:
    hub_server = HubServer()
    yield hub_server
    hub_server.close()


@pytest.fixture
def feeds() -> Iterator[list[MarketFeed]]:
    started: list[MarketFeed] = []
    yield started
    for feed in started:
        feed.stop()


def start_feed(
    feeds: list[MarketFeed],
    url: str,
    channels: list[str],
    *,
    timing: FeedTiming = FAST,
    token: str = PUBLIC_TOKEN,
    poll: Callable[[], list[Event]] | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> tuple[MarketFeed, Collector]:
    collector = Collector()
    feed = MarketFeed(on_event or collector, poll or Poller(), url=url, token=token, timing=timing)
    feed.subscribe(channels)
    feeds.append(feed)
    feed.start()
    return feed, collector


# --- the hub, seen from a raw socket ----------------------------------------------------------


@pytest.fixture
def ws(server: HubServer) -> Iterator[websocket.WebSocket]:
    """A bare client socket; shut down at the end even when the server closed it first."""
    client = websocket.create_connection(server.url, suppress_origin=True, timeout=WAIT)
    yield client
    client.shutdown()


def next_messages(ws: websocket.WebSocket) -> list[dict[str, Any]]:
    return [json.loads(line) for line in ws.recv().split("\n")]


def close_of(ws: websocket.WebSocket) -> tuple[int, dict[str, Any]]:
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    return struct.unpack("!H", data[:2])[0], json.loads(data[2:])


@pytest.mark.parametrize(
    ("frames", "code", "reason"),
    [
        ([connect_command(1, "not-the-token")], 3002, "invalid token"),
        ([ping_command(1)], 3003, "bad request"),
        (["{not json"], 3003, "bad request"),
        ([connect_command(1, PUBLIC_TOKEN), '{"method":7}'], 3003, "bad request"),
    ],
)
def test_hub_closes_sockets_that_break_the_protocol(ws, frames, code, reason):
    for frame in frames:
        ws.send(frame)
    if len(frames) > 1:
        assert next_messages(ws)[0]["id"] == 1
    assert close_of(ws) == (code, {"reason": reason, "reconnect": False})


def test_hub_shutdown_asks_clients_to_come_back(server, ws):
    ws.send(connect_command(1, PUBLIC_TOKEN))
    assert next_messages(ws)[0]["id"] == 1
    closing = asyncio.run_coroutine_threadsafe(server.hub.close(), server.loop)
    assert close_of(ws) == (3001, {"reason": "shutdown", "reconnect": True})
    closing.result(WAIT)


def test_hub_answers_commands_as_documented(server, ws):
    ws.send(connect_command(1, PUBLIC_TOKEN))
    [connected] = next_messages(ws)
    assert connected["id"] == 1
    assert set(connected["result"]) == {"client", "version"}
    replies = []
    for frame in (
        subscribe_command(2, BTC_TICKS),
        subscribe_command(3, BTC_TICKS),
        subscribe_command(4, "nowhere:at-all"),
        ping_command(5),
        unsubscribe_command(6, BTC_TICKS),
    ):
        ws.send(frame)
        replies += next_messages(ws)
    assert replies == [
        {"id": 2, "result": {"recoverable": True, "epoch": server.hub.epoch}},
        {"id": 3, "error": {"code": 105, "message": "already subscribed"}},
        {"id": 4, "error": {"code": 102, "message": "unknown channel"}},
        {"id": 5},
        {"id": 6, "result": {}},
    ]


def test_hub_refuses_the_129th_channel(ws):
    commands = [connect_command(1, PUBLIC_TOKEN)]
    commands += [subscribe_command(n + 2, f"chart:tick-c{n}idr") for n in range(129)]
    ws.send("\n".join(commands))
    replies: list[dict[str, Any]] = []
    while len(replies) < 130:
        replies += next_messages(ws)
    assert all("result" in item for item in replies[:129])
    assert replies[129] == {"id": 130, "error": {"code": 106, "message": "limit exceeded"}}


def test_hub_packs_pushes_queued_together_into_one_frame(server, ws):
    ws.send(connect_command(1, PUBLIC_TOKEN) + "\n" + subscribe_command(2, BTC_TICKS))
    replies: list[dict[str, Any]] = []
    while len(replies) < 2:
        replies += next_messages(ws)
    server.ticks(BTC, 3)
    frame = ws.recv()
    assert [message.offset for message in parse_frame(frame)] == [1, 2, 3]


# --- the feed ---------------------------------------------------------------------------------


def test_feed_subscribes_and_delivers_exact_ticks(server, feeds):
    feed, collector = start_feed(feeds, server.url, [BTC_TICKS])
    server.wait_subscribed(BTC_TICKS)
    server.ticks(BTC, 2)
    assert collector.take(2) == [
        Tick(BTC, 1790138528, 1, Decimal("1550000000"), Decimal("0.5")),
        Tick(BTC, 1790138529, 2, Decimal("1550000001"), Decimal("0.5")),
    ]
    assert feed.state == "live"


def test_feed_unpacks_every_message_of_a_packed_frame(server, feeds):
    feed, collector = start_feed(feeds, server.url, [BTC_TICKS])
    server.wait_subscribed(BTC_TICKS)
    server.ticks(BTC, 1)
    collector.take(1)
    frames_before = feed.stats().frames
    server.ticks(BTC, 3)
    assert [event.seq for event in collector.take(3)] == [2, 3, 4]
    assert feed.stats().frames == frames_before + 1


def test_feed_recovers_publications_missed_during_a_drop(server, feeds):
    feed, collector = start_feed(feeds, server.url, [BTC_TICKS])
    server.wait_subscribed(BTC_TICKS)
    server.ticks(BTC, 3)
    assert collector.ticks_until(3) == [1, 2, 3]

    async def cut_then_publish() -> None:
        await server.hub.drop_all()
        for n in range(5):  # while the feed is away: only `recover` can bring these back
            server.hub.publish_tick(BTC, 1790139000 + n, Decimal("1551000000"), Decimal(1))

    server.call(cut_then_publish())
    assert collector.ticks_until(8) == [4, 5, 6, 7, 8]
    server.ticks(BTC, 2)
    assert collector.ticks_until(10) == [9, 10]
    assert feed.stats().reconnects >= 1
    assert feed.state == "live"


def test_rest_poller_covers_a_dead_socket_and_hands_back_when_it_pushes_again(server, feeds):
    poller = Poller()
    timing = FeedTiming(
        app_ping_interval=30.0,
        silence=1.0,
        poll_interval=0.05,
        backoff_base=0.05,
        backoff_max=0.2,
    )
    feed, collector = start_feed(feeds, server.url, [BTC_TICKS], timing=timing, poll=poller)
    server.wait_subscribed(BTC_TICKS)
    server.ticks(BTC, 1)
    assert collector.ticks_until(1) == [1]
    assert poller.calls == 0

    server.go_down()
    while collector.events.get(timeout=WAIT) != POLLED:
        pass
    assert feed.state == "fallback"

    server.go_up()
    server.wait_subscribed(BTC_TICKS)
    while feed.state != "live":
        server.ticks(BTC, 1)
        time.sleep(0.02)
    polls_at_handback = feed.stats().fallback_polls
    last = server.published[BTC]
    for _ in range(10):
        server.ticks(BTC, 1)
        time.sleep(0.02)
    tail = collector.ticks_until(last + 10)
    assert tail[-10:] == list(range(last + 1, last + 11))
    assert feed.state == "live"
    assert feed.stats().fallback_polls == polls_at_handback


def test_wrong_token_falls_back_to_rest_and_retries_only_slowly(feeds):
    refusing = HubServer(token="the-real-token")
    try:
        timing = FeedTiming(silence=0.3, poll_interval=0.05, backoff_base=0.05, backoff_max=60)
        feed, collector = start_feed(feeds, refusing.url, [BTC_TICKS], timing=timing)
        assert collector.take(1) == [POLLED]
        stats = feed.stats()
        assert stats.state == "fallback"
        assert stats.last_close == "3002 invalid token"
        assert stats.reconnects == 0
    finally:
        feed.stop()
        refusing.close()


def test_unsubscribed_channel_stops_delivering(server, feeds):
    feed, collector = start_feed(feeds, server.url, [BTC_TICKS, ETH_TICKS])
    server.wait_subscribed(ETH_TICKS)
    feed.unsubscribe([BTC_TICKS])
    server.wait_subscribed(BTC_TICKS, count=0)
    server.ticks(BTC, 1)
    server.ticks(ETH, 1)
    [event] = collector.take(1)
    assert event.pair == ETH


def test_feed_pings_the_server_and_reads_the_replies(server, feeds):
    timing = FeedTiming(app_ping_interval=0.05, poll_interval=0.05, backoff_base=0.05)
    feed, _ = start_feed(feeds, server.url, [BTC_TICKS], timing=timing)
    wait_until(lambda: feed.stats().frames >= 5)
    assert feed.stats().ignored == 0


def test_a_failing_event_handler_does_not_stop_the_feed(server, feeds):
    received = Collector()

    def fragile(event: Event) -> None:
        received(event)
        if isinstance(event, Tick) and event.seq == 1:
            raise RuntimeError("handler bug")

    start_feed(feeds, server.url, [BTC_TICKS], on_event=fragile)
    server.wait_subscribed(BTC_TICKS)
    server.ticks(BTC, 2)
    assert [event.seq for event in received.take(2)] == [1, 2]


def test_more_than_128_channels_is_refused_up_front():
    feed = MarketFeed(Collector(), Poller(), url="ws://127.0.0.1:9/ws/")
    feed.subscribe(f"chart:tick-c{n}idr" for n in range(100))
    with pytest.raises(TooManyChannels, match="128 per connection"):
        feed.subscribe(f"chart:tick-d{n}idr" for n in range(29))
    feed.subscribe(f"chart:tick-d{n}idr" for n in range(28))


def test_stop_leaves_no_thread_alive_and_is_idempotent(server):
    before = set(threading.enumerate())
    feed = MarketFeed(Collector(), Poller(), url=server.url, timing=FAST)
    feed.subscribe([BTC_TICKS])
    feed.start()
    server.wait_subscribed(BTC_TICKS)
    feed.stop()
    feed.stop()
    assert feed.state == "stopped"
    assert set(threading.enumerate()) - before == set()
    server.wait_subscribed(BTC_TICKS, count=0)
