"""The price process: replayable from a seed or a tick file, on the tick, kept as candles,
and published to the WebSocket hub as ticks, books and 24-hour summaries."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
import websocket

from adapters.simulator.accounts import AccountSpecError, parse_account_spec
from adapters.simulator.history import Candles
from adapters.simulator.market import TickFileError
from adapters.simulator.simulator import Simulator, SimulatorConfig
from tests.simulator.conftest import fixture

NOW = 1_790_138_528.0


def price_path(seed: int, steps: int = 30) -> list[Decimal]:
    sim = Simulator(SimulatorConfig(seed=seed, history_minutes=30), clock=lambda: NOW)
    path = []
    for _ in range(steps):
        sim.step(1.0)
        path.append(sim.market["btcidr"].last)
    return path


def test_the_same_seed_replays_the_same_market():
    assert price_path(5) == price_path(5)
    assert price_path(5) != price_path(6)


def test_random_walk_prices_stay_on_the_tick_and_positive():
    assert all(price > 0 and price % 1000 == 0 for price in price_path(9, steps=200))


def test_a_seed_also_fixes_the_demo_key():
    first = Simulator(SimulatorConfig(seed=1, history_minutes=0), clock=lambda: NOW)
    second = Simulator(SimulatorConfig(seed=1, history_minutes=0), clock=lambda: NOW)
    assert (first.demo.key, first.demo.secret) == (second.demo.key, second.demo.secret)
    assert len(first.demo.secret) == 80
    assert [len(group) for group in first.demo.key.split("-")] == [8] * 5


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "ticks.csv",
            "ts,pair,price\n1,btcidr,1500000000\n1,eth_idr,70000000\n2,BTC/IDR,1510000400\n",
        ),
        (
            "ticks.jsonl",
            '{"ts": 1, "pair": "btcidr", "price": "1500000000"}\n'
            '{"ts": 1, "pair": "eth_idr", "price": 70000000}\n'
            '{"ts": 2, "pair": "BTC/IDR", "price": "1510000400"}\n',
        ),
    ],
)
def test_a_tick_file_is_replayed_group_by_group_then_prices_hold(tmp_path, name, text):
    ticks = tmp_path / name
    ticks.write_text(text)
    sim = Simulator(SimulatorConfig(seed=1, ticks_file=ticks, history_minutes=0), clock=lambda: NOW)
    assert sim.market["btcidr"].last == Decimal(1500000000)
    sim.step(1.0)
    assert sim.market["ethidr"].last == Decimal(70000000)
    sim.step(1.0)
    assert sim.market["btcidr"].last == Decimal(1510000000)  # snapped to the 1000 tick
    sim.step(1.0)
    assert sim.market["btcidr"].last == Decimal(1510000000)
    sim.reset()
    assert sim.market["btcidr"].last == Decimal(1500000000)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1,btcidr,1500000000\n1,btcidr,abc\n", ":2: expected ts,pair,price"),
        ("1,dogeidr,5\n", "not in the market list"),
        ("1,btcidr,-5\n", "must be positive"),
        ("ts,pair,price\n", "no ticks"),
    ],
)
def test_a_bad_tick_file_names_the_file_and_line(tmp_path, text, problem):
    ticks = tmp_path / "ticks.csv"
    ticks.write_text(text)
    with pytest.raises(TickFileError, match=problem) as raised:
        Simulator(SimulatorConfig(ticks_file=ticks, history_minutes=0))
    assert str(ticks) in str(raised.value)


def test_candles_aggregate_into_timeframes_and_remember_old_prices():
    candles = Candles()
    start = 1_790_136_000  # on a 15-minute boundary
    for minute, price in enumerate([100, 105, 95, 102, 110, 108]):
        candles.record(start + minute * 300, Decimal(price), Decimal(1))
    bars = candles.bars(start, start + 3600, 900)
    assert [(bar.time, bar.open, bar.high, bar.low, bar.close) for bar in bars] == [
        (start, 100, 105, 95, 95),
        (start + 900, 102, 110, 102, 108),
    ]
    assert [bar.volume for bar in bars] == [3, 3]
    assert candles.price_at(start + 650, Decimal(0)) == 95
    assert candles.price_at(start - 1, Decimal(0)) == 100
    day = candles.day_stats(start + 1800, Decimal(0))
    assert (day.high, day.low, day.volume) == (110, 95, 6)


@pytest.mark.parametrize(
    ("text", "idr", "permissions"),
    [
        ("K:S", 0, {"view", "trade"}),
        ("K:S:5000000", 5_000_000, {"view", "trade"}),
        ("K:S:0:view,trade,withdraw", 0, {"view", "trade", "withdraw"}),
    ],
)
def test_account_specs_from_the_command_line(text, idr, permissions):
    spec = parse_account_spec(text)
    assert (spec.key, spec.secret, spec.balances["idr"]) == ("K", "S", idr)
    assert spec.permissions == permissions


@pytest.mark.parametrize("text", ["K", ":S", "K:S:12.5", "K:S:lots", "K:S:0:admin", "a:b:1:v:x"])
def test_bad_account_specs_are_refused(text):
    with pytest.raises(AccountSpecError):
        parse_account_spec(text)


def test_price_moves_are_pushed_to_websocket_subscribers(server):
    socket = websocket.create_connection(server.ws_url, timeout=5)
    try:
        socket.send(json.dumps(fixture("ws_connect_request.json")))
        channels = ["chart:tick-btcidr", "market:order-book-btcidr", "market:summary-24h"]
        for number, channel in enumerate(channels, start=2):
            socket.send(json.dumps({"method": 1, "params": {"channel": channel}, "id": number}))
        pushes = _read(socket, until=lambda seen: {2, 3, 4} <= {m.get("id") for m in seen})
        assert all("error" not in message for message in pushes)

        server.set_price("btcidr", "1500000000")
        pushes = _read(socket, until=lambda seen: len(_by_channel(seen)) == 3)
    finally:
        socket.close()
    by_channel = _by_channel(pushes)
    [[ts, _, price, volume]] = by_channel["chart:tick-btcidr"]
    assert (price, abs(ts - time.time()) < 60, isinstance(volume, str)) == (1500000000, True, True)
    book = by_channel["market:order-book-btcidr"]
    assert book["pair"] == "btcidr"
    assert len(book["ask"]) == 50 == len(book["bid"])
    assert int(book["bid"][0]["price"]) < 1500000000 < int(book["ask"][0]["price"])
    [row] = by_channel["market:summary-24h"]
    assert (row[0], row[2]) == ("btcidr", 1500000000)


def _read(socket: websocket.WebSocket, until) -> list[dict]:
    seen: list[dict] = []
    deadline = time.monotonic() + 10
    while not until(seen):
        assert time.monotonic() < deadline, seen
        seen += [json.loads(line) for line in socket.recv().split("\n") if line]
    return seen


def _by_channel(messages: list[dict]) -> dict[str, object]:
    return {
        message["result"]["channel"]: message["result"]["data"]["data"]
        for message in messages
        if "channel" in message.get("result", {})
    }
