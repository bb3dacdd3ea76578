"""Injected trouble: rate limits, calls executed but never answered, 5xx pages, latency,
dropped sockets, and test hooks that refuse anyone but loopback."""

from __future__ import annotations

import asyncio
import json
import time
from unittest import mock

import httpx
import pytest
import websocket
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from adapters.simulator.control import loopback_only
from adapters.simulator.throttle import TRADE_LIMIT, Limit, Throttle
from tests.simulator.conftest import Trader, fixture

MARKET_BUY = {"pair": "btc_idr", "type": "buy", "order_type": "market", "idr": "20000"}


def test_a_trade_burst_over_the_limit_gets_429_and_blocks_that_pair(server, trader):
    server.set_faults(trade_limit={"count": 3, "window": 60, "block": 60})
    for _ in range(3):
        assert trader.call("trade", **MARKET_BUY)["success"] == 1
    refused = trader.raw("trade", **MARKET_BUY)
    assert refused.status_code == 429
    assert refused.json() == fixture("error_rate_limit_429.json")
    assert trader.raw("trade", **MARKET_BUY).status_code == 429  # blocked, not just counted
    other_pair = {**MARKET_BUY, "pair": "eth_idr"}
    assert trader.call("trade", **other_pair)["success"] == 1
    assert len(server.trade_log()) == 4


def test_a_cancel_burst_over_the_limit_gets_the_cancel_429(server, trader):
    placed = trader.ok("trade", pair="btc_idr", type="sell", price="1600000000", btc="0.01")
    server.set_faults(cancel_limit={"count": 1, "window": 60})
    unknown = trader.call("cancelOrder", pair="btc_idr", order_id="1", type="buy")
    assert unknown["error"] == "invalid order."  # refused, but it counts as a request
    refused = trader.raw("cancelOrder", pair="btc_idr", order_id=placed["order_id"], type="sell")
    assert refused.status_code == 429
    assert refused.json() == fixture("error_rate_limit_cancel_429.json")
    assert trader.ok("openOrders", pair="btc_idr")["orders"][0]["order_id"] == str(
        placed["order_id"]
    )


def test_the_throttle_blocks_for_its_block_time_then_counts_afresh():
    throttle = Throttle(Limit(count=2, window=1.0, block=5.0))
    assert throttle.allow("k", 100.0)
    assert throttle.allow("k", 100.1)
    assert not throttle.allow("k", 100.2)
    assert not throttle.allow("k", 104.9)  # still blocked though the window has moved on
    assert throttle.allow("k", 105.3)
    assert throttle.allow("other", 100.2)


def test_the_documented_trade_limit_is_twenty_a_second_then_five_seconds_out():
    throttle = Throttle(TRADE_LIMIT)
    assert all(throttle.allow(("key", "btcidr"), 50.0) for _ in range(20))
    assert not throttle.allow(("key", "btcidr"), 50.5)
    assert not throttle.allow(("key", "btcidr"), 55.4)
    assert throttle.allow(("key", "btcidr"), 55.6)


def test_the_throttle_window_slides_without_a_block():
    throttle = Throttle(Limit(count=1, window=1.0, block=0.0))
    assert throttle.allow("k", 10.0)
    assert not throttle.allow("k", 10.5)
    assert throttle.allow("k", 11.0)


def test_a_hung_trade_is_executed_once_and_never_answered(server, trader):
    server.set_faults(hang={"methods": ["trade"], "count": 1})
    impatient = Trader(
        server.base_url, server.demo_key, server.demo_secret, timeout=0.5, nonces=trader.nonces
    )
    with pytest.raises(httpx.ReadTimeout):
        impatient.call("trade", client_order_id="buy-42", **MARKET_BUY)
    impatient.close()
    [logged] = server.trade_log()
    assert (logged["client_order_id"], logged["status"]) == ("buy-42", "filled")
    found = trader.ok("getOrderByClientOrderId", client_order_id="buy-42")["order"]
    assert found["status"] == "filled"
    assert trader.call("trade", client_order_id="buy-43", **MARKET_BUY)["success"] == 1
    assert len(server.trade_log()) == 2


def test_a_lost_trade_never_reaches_the_engine(server, trader):
    server.set_faults(hang={"methods": ["trade"], "execute": False, "delay_ms": 100})
    lost = trader.raw("trade", client_order_id="buy-1", **MARKET_BUY)
    assert lost.status_code == 524
    assert "cloudflare" in lost.text.lower()
    assert server.trade_log() == []
    missing = trader.call("getOrderByClientOrderId", client_order_id="buy-1")
    assert missing["error"] == "invalid order."


def test_a_lost_reply_comes_back_as_a_gateway_page_though_the_trade_was_made(server, trader):
    server.set_faults(hang={"methods": ["trade"], "count": 1, "delay_ms": 0, "lose_reply": True})
    lost = trader.raw("trade", client_order_id="buy-7", **MARKET_BUY)
    assert lost.status_code == 524
    [logged] = server.trade_log()
    assert logged["client_order_id"] == "buy-7"
    found = trader.ok("getOrderByClientOrderId", client_order_id="buy-7")["order"]
    assert found["status"] == "filled"


def test_a_delayed_answer_still_carries_the_result(server, trader):
    server.set_faults(hang={"methods": ["getInfo"], "delay_ms": 300})
    started = time.monotonic()
    assert trader.ok("getInfo")["balance"]["idr"] == 100_000_000
    assert time.monotonic() - started >= 0.3


def test_the_next_calls_fail_with_a_cloudflare_page_then_recover(server, trader, public):
    server.set_faults(http_errors={"next": 2, "status": 502, "surfaces": ["tapi"]})
    for _ in range(2):
        failed = trader.raw("getInfo")
        assert failed.status_code == 502
        assert failed.headers["content-type"].startswith("text/html")
        assert "502: Bad gateway" in failed.text
    assert public.get("/api/ticker/btcidr").status_code == 200
    assert trader.call("getInfo")["success"] == 1


def test_5xx_errors_can_carry_json_and_hit_public_endpoints(server, public):
    server.set_faults(http_errors={"next": 1, "status": 503, "html": False})
    failed = public.get("/api/ticker/btcidr")
    assert failed.status_code == 503
    assert failed.json()["success"] == 0
    assert public.get("/api/ticker/btcidr").status_code == 200


def test_latency_delays_every_reply(server, public):
    server.set_faults(latency_ms=250)
    started = time.monotonic()
    assert public.get("/api/server_time").status_code == 200
    assert time.monotonic() - started >= 0.25
    server.set_faults(clear=True)
    assert server.state()["faults"]["latency_ms"] == 0


def test_the_control_endpoint_sets_faults_and_refuses_nonsense(server, public):
    applied = public.post("/_sim/faults", json={"latency_ms": 5, "hang": {"methods": ["trade"]}})
    assert applied.status_code == 200
    assert applied.json()["hang"]["methods"] == ["trade"]
    for bad in ({"latency_ms": -1}, {"http_errors": {"status": 404}}, {"bogus": 1}):
        assert public.post("/_sim/faults", json=bad).status_code == 400
    assert public.post("/_sim/faults", json={"clear": True}).json()["hang"] is None


@pytest.mark.parametrize("how", ["control-endpoint", "python-helper"])
def test_dropping_sockets_cuts_every_websocket(server, public, how):
    socket = websocket.create_connection(server.ws_url, timeout=5)
    try:
        socket.send(json.dumps(fixture("ws_connect_request.json")))
        assert json.loads(socket.recv())["id"] == 1
        if how == "python-helper":
            server.drop_sockets()
        else:
            assert public.post("/_sim/faults", json={"ws_drop": True}).status_code == 200
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            socket.send(json.dumps({"method": 7, "id": 2}))
            socket.recv()
    finally:
        socket.close()


@pytest.mark.parametrize(
    ("remote", "expected"), [("10.1.2.3", 403), ("127.0.0.1", 200), ("::1", 200)]
)
def test_control_hooks_refuse_callers_that_are_not_loopback(remote, expected):
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="reached")

    async def call() -> web.StreamResponse:
        transport = mock.Mock()
        transport.get_extra_info.return_value = (remote, 40000)
        request = make_mocked_request("GET", "/_sim/state", transport=transport)
        return await loopback_only(request, handler)

    assert asyncio.run(call()).status == expected
