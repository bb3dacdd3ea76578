"""The private order stream: the signed token endpoint, the Centrifugo v3 socket at /pws/ws/,
and the `order_update` pushes, checked against what TAPI and the v2 history endpoints say
about the same orders and fills."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from decimal import ROUND_CEILING, Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import websocket

from adapters.indodax.signing import sign
from adapters.simulator.server import SimulatorServer
from tests.simulator.conftest import Trader, fixture, shape

TOKEN_PATH = "/api/private_ws/v1/generate_token"
DAY_SECONDS = 24 * 60 * 60
MAKER_FEE, TAKER_FEE, SALES_TAX = Decimal("0.001"), Decimal("0.002"), Decimal("0.0021")  # BTC/IDR


def generate_token(
    http: httpx.Client, key: str, secret: str, body: str | None = None, sign_with: str = ""
) -> dict[str, Any]:
    text = urlencode({"client": "tapi", "tapi_key": key}) if body is None else body
    reply = http.post(
        TOKEN_PATH,
        content=text,
        headers={
            "Sign": sign(sign_with or secret, text),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert reply.status_code == 200
    return reply.json()


class PrivateSocket:
    """Reads message by message, however the server packed them into frames."""

    def __init__(self, server: SimulatorServer) -> None:
        self.ws = websocket.create_connection(server.pws_url, timeout=5)
        self._lines: list[str] = []

    def send(self, *commands: dict[str, Any]) -> None:
        """Several commands go in one text message, one per line, as clients may send them."""
        self.ws.send("\n".join(json.dumps(command) for command in commands))

    def next(self) -> dict[str, Any]:
        while not self._lines:
            self._lines = [line for line in self.ws.recv().split("\n") if line]
        return json.loads(self._lines.pop(0))

    def join(self, http: httpx.Client, key: str, secret: str) -> None:
        """Connect and subscribe with a fresh token of the account."""
        granted = generate_token(http, key, secret)["return"]
        self.send(
            {"connect": {"token": granted["connToken"]}, "id": 1},
            {"subscribe": {"channel": granted["channel"]}, "id": 2},
        )
        assert "connect" in self.next()
        assert self.next() == {"id": 2, "subscribe": {}}

    def push(self) -> list[dict[str, Any]]:
        """The next push's order updates (the `order` objects)."""
        message = self.next()
        assert set(message) == {"push"}, message
        events = message["push"]["pub"]["data"]
        assert {event["eventType"] for event in events} == {"order_update"}
        return [event["order"] for event in events]

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def open_socket(server: SimulatorServer) -> Iterator[Callable[[], PrivateSocket]]:
    opened: list[PrivateSocket] = []

    def make() -> PrivateSocket:
        opened.append(PrivateSocket(server))
        return opened[-1]

    yield make
    for socket in opened:
        socket.close()


@pytest.fixture
def subscribed(public, open_socket):
    def make(key: str, secret: str) -> PrivateSocket:
        socket = open_socket()
        socket.join(public, key, secret)
        return socket

    return make


def my_trades(trader: Trader, **params: Any) -> list[dict[str, Any]]:
    query = urlencode({"symbol": "btcidr", "sort": "asc", **params, "nonce": trader.next_nonce()})
    reply = trader.http.get(
        f"/api/v2/myTrades?{query}",
        headers={"X-APIKEY": trader.key, "Sign": sign(trader.secret, query)},
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]


def test_a_good_key_and_sign_get_a_token_and_the_accounts_fixed_channel(server, public):
    first = generate_token(public, server.demo_key, server.demo_secret)
    second = generate_token(public, server.demo_key, server.demo_secret)
    assert shape(first) == shape(fixture("pws_generate_token.json"))
    assert first["success"] == 1
    assert re.fullmatch(r"pws:#[0-9a-f]{40}", first["return"]["channel"])
    assert first["return"]["channel"] == second["return"]["channel"]
    assert first["return"]["connToken"] != second["return"]["connToken"]


def test_token_requests_with_a_bad_sign_an_unknown_key_or_no_client_are_refused(server, public):
    assert generate_token(public, server.demo_key, server.demo_secret, sign_with="wrong") == {
        "success": 0,
        "error": "Invalid credentials. Bad sign.",
        "error_code": "bad_sign",
    }
    assert generate_token(public, "NO-SUCH-KEY", "whatever") == {
        "success": 0,
        "error": "Invalid TAPI key",
        "error_code": "invalid_tapi_key",
    }
    for body in (
        f"tapi_key={server.demo_key}",
        "client=tapi",
        f"client=web&tapi_key={server.demo_key}",
    ):
        assert generate_token(public, server.demo_key, server.demo_secret, body=body) == {
            "success": 0,
            "error": "Invalid credentials",
            "error_code": "invalid_credentials",
        }


def test_a_good_token_connects_subscribes_and_answers_pings(server, public, open_socket):
    granted = generate_token(public, server.demo_key, server.demo_secret)["return"]
    socket = open_socket()
    socket.send({"subscribe": {"channel": granted["channel"]}, "id": 1})
    assert socket.next() == {"id": 1, "error": {"code": 101, "message": "unauthorized"}}

    socket.send(
        {"connect": {"token": granted["connToken"]}, "id": 2},
        {"subscribe": {"channel": granted["channel"]}, "id": 3},
        {},
    )
    connected = socket.next()
    assert set(connected) == {"id", "connect"}
    assert connected["id"] == 2
    assert connected["connect"]["version"] == "5.2.0"
    assert connected["connect"]["expires"] is True
    assert DAY_SECONDS - 60 < connected["connect"]["ttl"] <= DAY_SECONDS
    assert re.fullmatch(r"[0-9a-f-]{36}", connected["connect"]["client"])
    assert socket.next() == {"id": 3, "subscribe": {}}
    assert socket.next() == {}


def test_a_channel_of_another_account_is_permission_denied(server, public, open_socket):
    server.add_account("OTHER-KEY", "other-secret", idr=10_000_000)
    mine = generate_token(public, server.demo_key, server.demo_secret)["return"]
    theirs = generate_token(public, "OTHER-KEY", "other-secret")["return"]
    assert mine["channel"] != theirs["channel"]
    socket = open_socket()
    socket.send(
        {"connect": {"token": mine["connToken"]}, "id": 1},
        {"subscribe": {"channel": theirs["channel"]}, "id": 2},
    )
    assert "connect" in socket.next()
    assert socket.next() == {"id": 2, "error": {"code": 103, "message": "permission denied"}}


def test_an_unknown_token_is_token_expired_and_the_socket_stays_open(server, public, open_socket):
    socket = open_socket()
    socket.send({"connect": {"token": "not-a-token"}, "id": 1})
    assert socket.next() == {"id": 1, "error": {"code": 109, "message": "token expired"}}
    granted = generate_token(public, server.demo_key, server.demo_secret)["return"]
    socket.send({"connect": {"token": granted["connToken"]}, "id": 2})
    assert set(socket.next()) == {"id", "connect"}


def test_a_token_older_than_24_hours_of_the_simulators_clock_is_expired(
    server, public, open_socket
):
    granted = generate_token(public, server.demo_key, server.demo_secret)["return"]
    connect = {"connect": {"token": granted["connToken"]}, "id": 1}

    def shift_clock(seconds: float) -> None:
        server.call(lambda sim: setattr(sim, "clock", lambda: time.time() + seconds))

    shift_clock(DAY_SECONDS - 60)
    nearly = open_socket()
    nearly.send(connect)
    assert nearly.next()["connect"]["ttl"] <= 60
    shift_clock(DAY_SECONDS)
    late = open_socket()
    late.send(connect)
    assert late.next() == {"id": 1, "error": {"code": 109, "message": "token expired"}}


@pytest.fixture
def other(server: SimulatorServer) -> Iterator[Trader]:
    """A second account trading on the same exchange."""
    server.add_account("OTHER-KEY", "other-secret", idr=10_000_000)
    trader = Trader(server.base_url, "OTHER-KEY", "other-secret")
    yield trader
    trader.close()


@pytest.fixture
def halves() -> Iterator[SimulatorServer]:
    """Resting orders fill half at a time."""
    with SimulatorServer(
        port=0, seed=11, tick_interval=0, history_minutes=90, fill_fraction=Decimal("0.5")
    ) as running:
        yield running


def test_a_resting_sell_filled_in_two_parts_pushes_new_fill_fill_done_matching_my_trades(
    halves,
):
    server = halves
    trader = Trader(server.base_url, server.demo_key, server.demo_secret)
    socket = PrivateSocket(server)
    try:
        socket.join(trader.http, server.demo_key, server.demo_secret)
        placed = trader.ok(
            "trade",
            pair="btc_idr",
            type="sell",
            order_type="limit",
            price="1600000000",
            btc="0.01",
            client_order_id="grid-7",
        )
        [new] = socket.push()
        assert new["orderId"] == f"btcidr-limit-{placed['order_id']}"
        assert (new["clientOrderId"], new["symbol"], new["description"]) == (
            "grid-7",
            "btcidr",
            "BTC/IDR",
        )
        assert (new["side"], new["status"], new["price"]) == ("SELL", "NEW", "1600000000")
        assert (new["origQty"], new["executedQty"], new["unfilledQty"]) == ("0.01", "0.0", "0.01")
        assert "tradeId" not in new
        assert "fillInformation" not in new

        server.set_price("btcidr", "1600000000")
        [first] = socket.push()
        server.set_price("btcidr", "1601000000")
        second, done = socket.push()
        trades = my_trades(trader, orderId=placed["order_id"])
    finally:
        socket.close()
        trader.close()

    assert [first["status"], second["status"], done["status"]] == ["FILL", "FILL", "DONE"]
    assert [first["tradeId"], second["tradeId"]] == [trade["tradeId"] for trade in trades]
    assert {first["orderId"], second["orderId"], done["orderId"]} == {trades[0]["orderId"]}
    assert [first["executedQty"], second["executedQty"], done["executedQty"]] == [
        "0.005",
        "0.01",
        "0.01",
    ]
    assert [first["unfilledQty"], second["unfilledQty"], done["unfilledQty"]] == [
        "0.005",
        "0.0",
        "0.0",
    ]
    assert first["transactionTime"] <= second["transactionTime"] <= done["transactionTime"]
    for update, trade in zip((first, second), trades, strict=True):
        fill = update["fillInformation"]
        assert fill["participant"] == "MAKER"
        assert (
            (fill["qty"], fill["price"])
            == (trade["qty"], trade["price"])
            == ("0.005", "1600000000")
        )
        assert fill["filledQty"] == update["executedQty"]
        assert (
            (fill["feeAsset"], fill["taxAsset"])
            == ("idr", "idr")
            == (trade["commissionAsset"],) * 2
        )
        assert (fill["feeRate"], fill["taxRate"]) == (float(MAKER_FEE), float(SALES_TAX))
        # 0.005 BTC at 1.6e9 is 8,000,000 IDR: a 0.1 % fee and the 0.21 % tax rounded up,
        # which myTrades reports together as the commission.
        value = Decimal(trade["quoteQty"])
        assert (Decimal(fill["fee"]), Decimal(fill["tax"])) == (
            value * MAKER_FEE,
            (value * SALES_TAX).to_integral_value(ROUND_CEILING),
        )
        assert Decimal(fill["fee"]) + Decimal(fill["tax"]) == Decimal(trade["commission"])
    assert "tradeId" not in done


def test_a_cancel_pushes_cancelled_and_other_accounts_orders_never_arrive(
    server, trader, subscribed, other
):
    mine = subscribed(server.demo_key, server.demo_secret)
    theirs = subscribed("OTHER-KEY", "other-secret")
    placed = trader.ok(
        "trade", pair="btc_idr", type="buy", order_type="limit", price="1400000000", btc="0.001"
    )
    assert [update["status"] for update in mine.push()] == ["NEW"]
    foreign = other.ok(
        "trade", pair="btc_idr", type="buy", order_type="limit", price="1400000000", btc="0.001"
    )
    other.ok("cancelOrder", pair="btc_idr", order_id=foreign["order_id"], type="buy")
    trader.ok("cancelOrder", pair="btc_idr", order_id=placed["order_id"], type="buy")
    [cancelled] = mine.push()
    assert [update["status"] for update in theirs.push()] == ["NEW"]
    assert [update["status"] for update in theirs.push()] == ["CANCELLED"]
    assert cancelled["orderId"] == f"btcidr-limit-{placed['order_id']}"
    assert (cancelled["status"], cancelled["executedQty"], cancelled["unfilledQty"]) == (
        "CANCELLED",
        "0.0",
        "0.001",
    )


def test_a_price_move_filling_two_accounts_gives_each_its_own_push(
    server, trader, subscribed, other
):
    mine = subscribed(server.demo_key, server.demo_secret)
    theirs = subscribed("OTHER-KEY", "other-secret")
    for who, socket in ((trader, mine), (other, theirs)):
        who.ok(
            "trade",
            pair="btc_idr",
            type="buy",
            order_type="limit",
            price="1400000000",
            btc="0.001",
        )
        socket.push()
    server.set_price("btcidr", "1400000000")
    my_updates, their_updates = mine.push(), theirs.push()
    assert [update["status"] for update in my_updates] == ["FILL", "DONE"]
    assert [update["status"] for update in their_updates] == ["FILL", "DONE"]
    assert my_updates[0]["orderId"] != their_updates[0]["orderId"]


def test_a_market_buy_pushes_new_fill_done_at_once_with_the_fill_price(
    server, public, trader, subscribed
):
    socket = subscribed(server.demo_key, server.demo_secret)
    placed = trader.ok("trade", pair="btc_idr", type="buy", order_type="market", idr=1_000_000)
    new, fill, done = socket.push()
    [trade] = my_trades(trader, orderId=placed["order_id"])
    assert [new["status"], fill["status"], done["status"]] == ["NEW", "FILL", "DONE"]
    assert fill["tradeId"] == trade["tradeId"]
    assert fill["orderId"] == trade["orderId"] == f"btcidr-market-{placed['order_id']}"
    assert fill["price"] == fill["fillInformation"]["price"] == trade["price"]
    assert fill["fillInformation"]["participant"] == "TAKER"
    assert fill["fillInformation"]["feeRate"] == float(TAKER_FEE)
    assert (fill["fillInformation"]["tax"], fill["fillInformation"]["taxRate"]) == ("0", 0)
    assert fill["fillInformation"]["fee"] == trade["commission"] == "2000"  # 0.2 % of 1,000,000
    assert fill["executedQty"] == done["executedQty"] == trade["qty"]
    assert (new["executedQty"], done["unfilledQty"]) == ("0.0", "0.0")


def test_the_private_socket_is_refused_while_down_and_cut_by_a_network_drop(
    server, public, subscribed
):
    socket = subscribed(server.demo_key, server.demo_secret)
    server.drop_sockets()
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        socket.send({})
        socket.next()
    server.set_faults(pws_down=True)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        PrivateSocket(server)
    assert refused.value.status_code == 503
    server.set_faults(pws_down=False)
    subscribed(server.demo_key, server.demo_secret)  # joins again once it is back up


def test_the_deadman_cancelling_every_order_pushes_one_cancelled_per_order_at_once(
    server, trader, subscribed
):
    socket = subscribed(server.demo_key, server.demo_secret)
    placed = [
        trader.ok("trade", pair="btc_idr", type="sell", price=price, btc="0.01")["order_id"]
        for price in ("1600000000", "1700000000")
    ]
    assert [update["status"] for update in socket.push() + socket.push()] == ["NEW", "NEW"]
    body = urlencode({"nonce": trader.next_nonce(), "pair": "btc_idr", "countdownTime": 100})
    assert trader.post("/tapi/countdownCancelAll", body).json() == {"success": 1}
    cancelled = socket.push()
    assert [(update["orderId"], update["status"]) for update in cancelled] == [
        (f"btcidr-limit-{order_id}", "CANCELLED") for order_id in placed
    ]
