"""The real clients against the real local simulator, over HTTP and WebSocket on 127.0.0.1:
the order life cycle, the lost-reply path, and the market feed through a dropped socket."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapters.indodax.errors import OrderNotPlaced
from adapters.indodax.pairs import Pair
from adapters.indodax.private_client import PrivateClient
from adapters.indodax.public_client import PublicClient
from adapters.indodax.ws_feed import FeedTiming, MarketFeed
from adapters.indodax.ws_protocol import TICK_PREFIX, Tick
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.server import SimulatorServer
from config.secret import Secret
from persistence.local_nonce_store import LocalNonceStore

BTC = Pair("btc", "idr")
ACCOUNT = AccountSpec("LIFE-KEY", "life-secret-0123456789", {"idr": Decimal(100_000_000)})


@pytest.fixture(scope="module")
def simulator():
    server = SimulatorServer(
        port=0, seed=3, tick_interval=0, accounts=(ACCOUNT,), history_minutes=90
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(simulator, tmp_path: Path):
    simulator.set_faults(hang=None)
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    private = PrivateClient(
        simulator.tapi_url,
        simulator.base_url,
        Secret(ACCOUNT.key),
        Secret(ACCOUNT.secret),
        LocalNonceStore(tmp_path / "nonces"),
        timeout=httpx.Timeout(2.0),
        lookup_delays=(0.2, 0.2, 0.2),
    )
    yield private
    private.close()


def orders_with(simulator, client_order_id: str) -> list[dict]:
    return [
        o for o in simulator.trade_log(ACCOUNT.key) if o.get("client_order_id") == client_order_id
    ]


def test_limit_order_rests_then_fills_when_the_price_crosses(simulator, client):
    outcome = client.trade(
        BTC,
        "buy",
        "limit",
        client_order_id="life-limit-1",
        price=Decimal(990_000_000),
        quantity=Decimal("0.001"),
    )
    [resting] = [o for o in client.open_orders(BTC) if o.client_order_id == "life-limit-1"]
    assert resting.price == Decimal(990_000_000)
    simulator.set_price("btcidr", Decimal(985_000_000))
    status = client.get_order(BTC, outcome.order_id)
    assert status.status == "filled"
    assert not [o for o in client.open_orders(BTC) if o.client_order_id == "life-limit-1"]


def test_a_cancelled_order_leaves_the_book_and_frees_the_money(simulator, client):
    before = client.get_info().free["idr"]
    client.trade(
        BTC,
        "buy",
        "limit",
        client_order_id="life-cancel-1",
        price=Decimal(900_000_000),
        quantity=Decimal("0.001"),
    )
    assert client.get_info().free["idr"] < before
    client.cancel_by_client_order_id("life-cancel-1")
    assert client.get_info().free["idr"] == before
    assert client.get_order_by_client_order_id("life-cancel-1", BTC).status == "cancelled"


def test_market_buy_by_idr_spends_whole_rupiah(simulator, client):
    outcome = client.trade(
        BTC, "buy", "market", client_order_id="life-market-1", quote_amount=Decimal(250_000)
    )
    assert outcome.reply is not None
    assert outcome.reply.spent == Decimal(250_000)
    assert outcome.reply.received > 0


def test_a_trade_whose_reply_is_lost_is_looked_up_and_never_sent_twice(simulator, client):
    simulator.set_faults(hang={"methods": ["trade"], "count": 1})
    outcome = client.trade(
        BTC,
        "buy",
        "limit",
        client_order_id="life-lost-1",
        price=Decimal(950_000_000),
        quantity=Decimal("0.001"),
    )
    assert outcome.reply is None
    assert outcome.status is not None
    assert outcome.status.client_order_id == "life-lost-1"
    assert len(orders_with(simulator, "life-lost-1")) == 1


def test_a_trade_lost_before_it_reached_the_exchange_is_reported_not_placed(simulator, client):
    simulator.set_faults(hang={"methods": ["trade"], "count": 1, "execute": False})
    with pytest.raises(OrderNotPlaced):
        client.trade(
            BTC,
            "buy",
            "limit",
            client_order_id="life-lost-2",
            price=Decimal(950_000_000),
            quantity=Decimal("0.001"),
        )
    assert orders_with(simulator, "life-lost-2") == []


def test_the_market_feed_survives_a_dropped_socket(simulator):
    ticks: list[Tick] = []
    arrived = threading.Event()

    def on_event(event) -> None:
        if isinstance(event, Tick):
            ticks.append(event)
            arrived.set()

    timing = FeedTiming(
        app_ping_interval=1,
        socket_ping_interval=5,
        socket_ping_timeout=2,
        silence=30,
        poll_interval=1,
        backoff_base=0.05,
        backoff_max=0.5,
        stop_timeout=5,
    )
    feed = MarketFeed(on_event, list, url=simulator.ws_url, timing=timing)
    feed.subscribe([BTC.ws_channel(TICK_PREFIX)])
    feed.start()
    try:
        deadline = time.monotonic() + 20
        while feed.state != "live" and time.monotonic() < deadline:
            simulator.set_price("btcidr", Decimal(1_000_000_000 + len(ticks)))
            time.sleep(0.1)
        assert arrived.wait(10)
        simulator.drop_sockets()
        arrived.clear()
        deadline = time.monotonic() + 20
        while not arrived.is_set() and time.monotonic() < deadline:
            simulator.set_price("btcidr", Decimal(1_001_000_000))
            time.sleep(0.2)
        assert arrived.is_set()
        assert feed.stats().reconnects >= 1
        assert ticks[-1].price == Decimal(1_001_000_000)
    finally:
        feed.stop()


def test_the_public_client_reads_the_simulator_like_the_exchange(simulator):
    with PublicClient(simulator.base_url) as public:
        public.server_time()
        assert abs(public.offset_ms) < 5_000
        assert public.ticker(BTC).last > 0
        assert BTC in public.ticker_all()
        book = public.depth(BTC)
        assert book.bids[0].price < book.asks[0].price
