"""The Trade API 2.0 history endpoints: signed query strings, the fixture shapes, and the
numeric error codes with their HTTP statuses."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from adapters.indodax.signing import sign
from tests.simulator.conftest import fixture, shape


@pytest.fixture
def history(server, public, trader):
    def get(path: str, secret: str | None = None, **params) -> tuple[int, dict]:
        query = urlencode({**params, "nonce": trader.next_nonce()})
        signature = sign(secret or server.demo_secret, query)
        reply = public.get(
            f"{path}?{query}", headers={"X-APIKEY": server.demo_key, "Sign": signature}
        )
        return reply.status_code, reply.json()

    return get


def test_filled_and_cancelled_orders_appear_in_order_histories(server, trader, history):
    bought = trader.ok(
        "trade",
        pair="btc_idr",
        type="buy",
        order_type="limit",
        price="1500000000",
        btc="0.001",
        client_order_id="dca-1",
    )
    sold = trader.ok("trade", pair="btc_idr", type="sell", price="1600000000", btc="0.01")
    trader.ok("cancelOrder", pair="btc_idr", order_id=sold["order_id"], type="sell")
    trader.ok("trade", pair="btc_idr", type="sell", price="1700000000", btc="0.01")  # still open
    server.set_price("btcidr", "1500000000")

    status, body = history("/api/v2/order/histories", symbol="btcidr", sort="asc")
    assert status == 200
    assert shape(body) == shape(fixture("v2_order_histories.json"))
    first, second = body["data"]
    assert first["orderId"] == f"btcidr-limit-{bought['order_id']}"
    assert (first["clientOrderId"], first["side"], first["status"]) == ("dca-1", "BUY", "FILLED")
    assert (first["oriQty"], first["executedQty"], first["price"]) == (
        "0.001",
        "0.000999",
        "1500000000",
    )
    assert first["finishTime"] >= first["submitTime"] > (time.time() - 60) * 1000
    assert (second["status"], second["executedQty"]) == ("CANCELLED", "0.0")


def test_my_trades_lists_the_fills_with_their_commission(server, trader, history):
    placed = trader.ok(
        "trade", pair="btc_idr", type="buy", order_type="limit", price="1500000000", btc="0.001"
    )
    server.set_price("btcidr", "1500000000")
    status, body = history("/api/v2/myTrades", symbol="BTCIDR", orderId=placed["order_id"])
    assert status == 200
    [trade] = body["data"]
    assert trade["orderId"] == f"btcidr-limit-{placed['order_id']}"
    assert (trade["price"], trade["qty"], trade["quoteQty"]) == (
        "1500000000",
        "0.000999",
        "1498500",
    )
    assert (trade["commission"], trade["commissionAsset"]) == ("1500", "idr")
    assert (trade["isBuyer"], trade["isMaker"]) == (True, True)
    assert isinstance(trade["time"], int)
    _, other = history("/api/v2/myTrades", symbol="btcidr", clientOrderId="someone-else")
    assert other == {"data": []}


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"symbol": "btc_idr"}, 400, 1109),
        ({}, 400, 1108),
        ({"symbol": "btcidr", "startTime": 0, "endTime": 8 * 86_400_000}, 400, 1109),
        ({"symbol": "btcidr", "limit": 5}, 400, 1109),
    ],
    ids=["ticker-id-symbol", "no-symbol", "eight-day-window", "limit-below-10"],
)
def test_bad_history_queries_get_the_documented_codes(history, params, status, code):
    got_status, body = history("/api/v2/order/histories", **params)
    assert (got_status, body["code"]) == (status, code)
    assert shape(body) == shape(fixture("v2_history_error_invalid_symbol.json"))


def test_invalid_symbol_is_the_fixture_body(history):
    assert history("/api/v2/myTrades", symbol="dogeidr") == (
        400,
        fixture("v2_history_error_invalid_symbol.json"),
    )


def test_history_requests_are_signed_over_the_query_string(server, public, history):
    status, body = history("/api/v2/order/histories", secret="not-the-secret", symbol="btcidr")
    assert (status, body["code"]) == (401, 1001)
    unsigned = public.get("/api/v2/myTrades?symbol=btcidr&nonce=1")
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, 1102)
    query = "symbol=btcidr&nonce=900"
    headers = {"X-APIKEY": server.demo_key, "Sign": sign(server.demo_secret, query)}
    assert public.get(f"/api/v2/myTrades?{query}", headers=headers).status_code == 200
    replay = public.get(f"/api/v2/myTrades?{query}", headers=headers)
    assert (replay.status_code, replay.json()["code"]) == (400, 1003)
