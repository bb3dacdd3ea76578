"""The /_sim/ test hooks over HTTP: set a price, read the trade log, add keys, step the
market, reset everything."""

from __future__ import annotations

from decimal import Decimal

from tests.simulator.conftest import Trader


def test_setting_a_price_over_http_fills_what_it_crosses(public, trader):
    placed = trader.ok(
        "trade", pair="btc_idr", type="sell", order_type="limit", price="1600000000", btc="0.01"
    )
    reply = public.post("/_sim/price", json={"pair": "btcidr", "price": "1600000000"})
    assert reply.status_code == 200
    [fill] = reply.json()["fills"]
    assert (fill["order_id"], fill["price"], fill["quantity"]) == (
        placed["order_id"],
        "1600000000",
        "0.01",
    )
    assert public.get("/api/ticker/btcidr").json()["ticker"]["last"] == "1600000000"


def test_a_price_off_the_tick_or_for_an_unknown_pair_is_refused(public):
    for body in (
        {"pair": "btcidr", "price": "1600000500"},
        {"pair": "dogeidr", "price": "1000"},
        {"pair": "btcidr", "price": "lots"},
    ):
        reply = public.post("/_sim/price", json=body)
        assert reply.status_code == 400
        assert reply.json()["error"]


def test_the_trade_log_lists_every_accepted_order_and_filters_by_key(server, public, trader):
    server.add_account("SECOND", "second-secret", idr=1_000_000)
    other = Trader(server.base_url, "SECOND", "second-secret")
    trader.ok("trade", pair="btc_idr", type="buy", order_type="market", idr="20000")
    other.ok("trade", pair="eth_idr", type="buy", order_type="market", idr="30000")
    trader.call("trade", pair="btc_idr", type="buy", order_type="market", idr="1")  # refused
    other.close()
    log = public.get("/_sim/orders").json()
    assert [(row["key"], row["pair"], row["amount"]) for row in log] == [
        (server.demo_key, "btcidr", "20000"),
        ("SECOND", "ethidr", "30000"),
    ]
    assert [row["key"] for row in public.get("/_sim/orders", params={"key": "SECOND"}).json()] == [
        "SECOND"
    ]


def test_accounts_added_over_http_can_sign_requests(server, public):
    created = public.post(
        "/_sim/accounts",
        json={"key": "K2", "secret": "s2", "balances": {"idr": 5_000_000, "btc": "0.1"}},
    )
    assert created.status_code == 200
    assert created.json()["balance"]["btc"] == "0.1"
    client = Trader(server.base_url, "K2", "s2")
    assert client.ok("getInfo")["balance"] == {
        "idr": 5_000_000,
        "btc": "0.10000000",
        "eth": "0.00000000",
        "usdt": "0.00000000",
    }
    client.close()
    assert public.post("/_sim/accounts", json={"key": "K2", "secret": "x"}).status_code == 400
    assert public.post("/_sim/accounts", json={"secret": "x"}).status_code == 400


def test_stepping_moves_prices_and_reset_brings_back_the_start(server, public, trader):
    start = server.state()["prices"]["btcidr"]["last"]
    trader.ok(
        "trade", pair="btc_idr", type="sell", order_type="limit", price="1700000000", btc="0.01"
    )
    assert public.post("/_sim/step", json={"seconds": 60}).status_code == 200
    moved = server.state()["prices"]["btcidr"]["last"]
    assert moved != start
    server.step(60)
    assert server.state()["prices"]["btcidr"]["last"] != moved
    assert public.post("/_sim/step", json={"seconds": -1}).status_code == 400

    assert public.post("/_sim/reset").json() == {"reset": True}
    state = server.state()
    assert state["prices"]["btcidr"]["last"] == start
    assert state["open_orders"] == 0
    [demo] = [row for row in state["accounts"] if row["key"] == server.demo_key]
    assert (demo["balance"]["btc"], demo["hold"]["btc"], demo["last_nonce"]) == ("0.05", "0", 0)
    assert server.balances()["balance"]["btc"] == Decimal("0.05")
    assert server.trade_log() == []
    fresh = Trader(server.base_url, server.demo_key, server.demo_secret)
    assert fresh.ok("getInfo")["balance"]["idr"] == 100_000_000  # nonce 1 accepted again
    fresh.close()


def test_coins_deposited_over_http_are_credited_and_listed_by_trans_history(server, public, trader):
    before = Decimal(trader.ok("getInfo")["balance"]["eth"])
    reply = public.post(
        "/_sim/deposit", json={"key": server.demo_key, "currency": "eth", "amount": "0.25"}
    )
    assert reply.status_code == 200
    assert Decimal(trader.ok("getInfo")["balance"]["eth"]) == before + Decimal("0.25")
    [row] = trader.ok("transHistory")["deposit"]["eth"]
    assert (row["status"], row["eth"], row["deposit_id"]) == ("success", "0.25000000", 1)
    for body in (
        {"key": "NOBODY", "currency": "eth", "amount": "1"},
        {"key": server.demo_key, "currency": "doge", "amount": "1"},
        {"key": server.demo_key, "currency": "eth", "amount": "-1"},
    ):
        assert public.post("/_sim/deposit", json=body).status_code == 400
