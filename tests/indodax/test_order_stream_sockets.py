"""Accounts' order streams held in one thread, against the local simulator: a token from
the private client, the pushes of an order's life, a dropped socket resumed and said so,
a refused token said and not retried, and one account's pushes never another's."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapters.indodax.errors import IndodaxError
from adapters.indodax.order_stream import (
    OrderStreams,
    Pushed,
    Refused,
    StreamEvent,
    StreamTiming,
    Subscribed,
)
from adapters.indodax.pairs import Pair
from adapters.indodax.private_client import PrivateClient
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.server import SimulatorServer
from config.secret import Secret
from persistence.local_nonce_store import LocalNonceStore

BTC = Pair("btc", "idr")
ALICE = AccountSpec("STREAM-A", "stream-a-secret-0123456789", {"idr": Decimal(100_000_000)})
BOB = AccountSpec("STREAM-B", "stream-b-secret-0123456789", {"idr": Decimal(100_000_000)})
WAIT = 10.0


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    server = SimulatorServer(port=0, seed=5, tick_interval=0, accounts=(ALICE, BOB))
    server.start()
    yield server
    server.stop()


def client_for(simulator: SimulatorServer, account: AccountSpec, nonces: Path) -> PrivateClient:
    return PrivateClient(
        simulator.tapi_url,
        simulator.base_url,
        Secret(account.key),
        Secret(account.secret),
        LocalNonceStore(nonces),
        timeout=httpx.Timeout(2.0),
        rest_base_url=simulator.base_url,
    )


@pytest.fixture
def events(simulator: SimulatorServer) -> Iterator[tuple[OrderStreams, queue.Queue[StreamEvent]]]:
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    told: queue.Queue[StreamEvent] = queue.Queue()
    streams = OrderStreams(simulator.pws_url, told.put, StreamTiming(backoff_first=0.1))
    streams.start()
    yield streams, told
    streams.stop()


def next_of(told: queue.Queue[StreamEvent], kind: type) -> StreamEvent:
    while True:
        event = told.get(timeout=WAIT)
        if isinstance(event, kind):
            return event


def test_an_orders_life_is_pushed_to_its_account_and_no_other(simulator, events, tmp_path):
    streams, told = events
    alice, bob = (client_for(simulator, a, tmp_path / a.key) for a in (ALICE, BOB))
    for telegram_id, client in ((1, alice), (2, bob)):
        token = client.order_stream_token()
        streams.follow(telegram_id, token.token, token.channel)
        assert next_of(told, Subscribed) == Subscribed(telegram_id, resumed=False)

    alice.trade(
        BTC,
        "buy",
        "limit",
        client_order_id="alice-1",
        price=Decimal(990_000_000),
        quantity=Decimal("0.001"),
    )
    placed = next_of(told, Pushed)
    simulator.set_price("btcidr", Decimal(989_000_000))
    filled = next_of(told, Pushed)

    assert isinstance(placed, Pushed) and isinstance(filled, Pushed)
    assert (placed.telegram_id, [o.status for o in placed.push.orders]) == (1, ["NEW"])
    assert (filled.telegram_id, [o.status for o in filled.push.orders]) == (1, ["FILL", "DONE"])
    [trade] = alice.my_trades(BTC, client_order_id="alice-1")
    fill = filled.push.orders[0].fill
    assert fill is not None
    assert (fill.trade_id, fill.quantity, fill.fee + fill.tax) == (
        trade.trade_id,
        trade.quantity,
        trade.commission,
    )
    assert told.empty()  # nothing for bob


def test_a_dropped_socket_is_subscribed_again_and_said_to_have_resumed(simulator, events, tmp_path):
    streams, told = events
    token = client_for(simulator, ALICE, tmp_path / "a").order_stream_token()
    streams.follow(1, token.token, token.channel)
    next_of(told, Subscribed)
    simulator.drop_sockets()
    assert next_of(told, Subscribed) == Subscribed(1, resumed=True)


def test_a_refused_token_is_said_once_and_the_account_left(simulator, events):
    streams, told = events
    streams.follow(3, Secret("not-a-token"), "pws:#nothing")
    refused = next_of(told, Refused)
    assert isinstance(refused, Refused) and refused.code == 109
    assert streams.following() == 0


def test_a_token_for_a_wrong_secret_is_refused_by_the_exchange(simulator, tmp_path):
    wrong = AccountSpec(ALICE.key, "not-alices-secret-0123456789", {})
    with pytest.raises(IndodaxError):
        client_for(simulator, wrong, tmp_path / "w").order_stream_token()


def test_more_than_a_hundred_accounts_are_followed_at_once(simulator, events):
    """aiohttp caps a session at 100 connections unless told otherwise."""
    streams, told = events
    accounts = 120
    for number in range(accounts):
        key = f"MANY-{number}"
        simulator.add_account(key, f"many-secret-{number}-0123456789", idr=1)
        token, channel = simulator.call(lambda sim, key=key: sim.private_hub.issue(key))
        streams.follow(1000 + number, Secret(token), channel)
    subscribed = {next_of(told, Subscribed).telegram_id for _ in range(accounts)}
    assert len(subscribed) == accounts
