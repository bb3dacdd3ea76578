"""Orders through TAPI v1: holds, fills when the price crosses, fees, cancels, the
exchange's order rules with their exact texts, and the trade log."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest

from adapters.simulator.server import SimulatorServer
from tests.simulator.conftest import Trader, fixture, shape

SATOSHI = Decimal("0.00000001")
START_IDR = 100_000_000
START_BTC = Decimal("0.05")


def quotes(public) -> tuple[int, int]:
    ticker = public.get("/api/ticker/btcidr").json()["ticker"]
    return int(ticker["buy"]), int(ticker["sell"])


def balances(trader: Trader) -> tuple[dict, dict]:
    info = trader.ok("getInfo")
    return info["balance"], info["balance_hold"]


def test_limit_buy_rests_then_fills_when_the_price_comes_down(server, trader):
    placed = trader.call(
        "trade",
        pair="btc_idr",
        type="buy",
        price="1500000000",
        btc="0.001",
        order_type="limit",
        client_order_id="bot-0001",
    )
    assert shape(placed) == shape(fixture("tapi_trade_buy.json"))
    assert placed["return"]["remain_rp"] == 1_500_000
    assert placed["return"]["client_order_id"] == "bot-0001"
    order_id = str(placed["return"]["order_id"])

    [row] = trader.ok("openOrders", pair="btc_idr")["orders"]
    assert shape(row) == shape(fixture("tapi_openOrders_pair.json")["return"]["orders"][0])
    assert row["order_id"] == order_id
    assert (row["order_btc"], row["remain_btc"]) == ("0.00100000", "0.00100000")
    assert list(trader.ok("openOrders")["orders"]) == ["btc_idr"]
    free, held = balances(trader)
    assert (free["idr"], held["idr"]) == (START_IDR - 1_500_000, 1_500_000)

    assert server.set_price("btcidr", "1500001000") == []
    assert trader.ok("getOrder", pair="btc_idr", order_id=order_id)["order"]["status"] == "open"

    [fill] = server.set_price("btcidr", "1500000000")
    assert fill["is_maker"] is True
    order = trader.ok("getOrder", pair="btc_idr", order_id=order_id)["order"]
    assert order["status"] == "filled"
    assert order["remain_btc"] == "0.00000000"
    # 1,500,000 IDR at 1.5e9, maker fee 0.1 % = 1,500 IDR, out of the value.
    assert order["receive_btc"] == "0.00099900"
    assert int(order["finish_time"]) >= int(order["submit_time"])
    free, held = balances(trader)
    assert free["idr"] == START_IDR - 1_500_000
    assert held["idr"] == 0
    assert Decimal(free["btc"]) == START_BTC + Decimal("0.000999")
    assert trader.ok("openOrders")["orders"] is None


def test_cancelling_a_resting_sell_gives_the_coins_back(trader):
    placed = trader.call("trade", pair="btc_idr", type="sell", price="1600000000", btc="0.01")
    assert shape(placed) == shape(fixture("tapi_trade_sell.json"))
    assert placed["return"]["sold_btc"] == 0
    order_id = placed["return"]["order_id"]
    assert placed["return"]["client_order_id"] == f"btcidr-limit-{order_id}"
    free, held = balances(trader)
    assert (Decimal(free["btc"]), Decimal(held["btc"])) == (Decimal("0.04"), Decimal("0.01"))

    missing_type = trader.call("cancelOrder", pair="btc_idr", order_id=order_id)
    assert missing_type["success"] == 0
    cancelled = trader.call("cancelOrder", pair="btc_idr", order_id=order_id, type="sell")
    assert shape(cancelled) == shape(fixture("tapi_cancelOrder.json"))
    assert cancelled["return"]["balance"] == {
        "idr": "100000000",
        "btc": "0.05000000",
        "frozen_idr": "0",
        "frozen_btc": "0.00000000",
    }
    order = trader.ok("getOrder", pair="btc_idr", order_id=order_id)["order"]
    assert order["status"] == "cancelled"
    again = trader.call("cancelOrder", pair="btc_idr", order_id=order_id, type="sell")
    assert again["error"] == "invalid order."


def test_market_buy_by_idr_fills_at_the_ask_with_the_taker_fee(public, trader):
    _, ask = quotes(public)
    bought = trader.ok("trade", pair="btc_idr", type="buy", order_type="market", idr=1_000_000)
    fee = 2_000  # 0.2 % taker
    coins = (Decimal(1_000_000 - fee) / ask).quantize(SATOSHI, rounding=ROUND_DOWN)
    assert (bought["spend_rp"], bought["fee"], bought["remain_rp"]) == (1_000_000, fee, 0)
    assert bought["receive_btc"] == f"{coins:f}"
    free, held = balances(trader)
    assert free["idr"] == START_IDR - 1_000_000
    assert Decimal(free["btc"]) == START_BTC + coins
    assert held["idr"] == 0


def test_market_sell_fills_at_the_bid_and_pays_idr_after_fees_and_the_sales_tax(public, trader):
    bid, _ = quotes(public)
    sold = trader.ok("trade", pair="btc_idr", type="sell", order_type="market", btc="0.01")
    proceeds = int(Decimal("0.01") * bid)
    fee = int((proceeds * Decimal("0.002")).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    fee += int((proceeds * Decimal("0.0021")).quantize(Decimal(1), rounding=ROUND_CEILING))
    assert (sold["sold_btc"], sold["receive_rp"], sold["fee"]) == (
        "0.01000000",
        proceeds - fee,
        fee,
    )
    free, _ = balances(trader)
    assert free["idr"] == START_IDR + proceeds - fee
    assert Decimal(free["btc"]) == START_BTC - Decimal("0.01")


def test_a_limit_buy_above_the_ask_takes_the_ask_and_returns_the_unused_hold(public, trader):
    _, ask = quotes(public)
    bought = trader.ok(
        "trade", pair="btc_idr", type="buy", order_type="limit", price="1600000000", btc="0.001"
    )
    value = int((Decimal("0.001") * ask).to_integral_value(rounding="ROUND_CEILING"))
    fee = int((value * Decimal("0.002")).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    coins = (Decimal(value - fee) / ask).quantize(SATOSHI, rounding=ROUND_DOWN)
    assert (bought["spend_rp"], bought["fee"], bought["remain_rp"]) == (value, fee, 0)
    assert bought["receive_btc"] == f"{coins:f}"
    free, held = balances(trader)
    assert (free["idr"], held["idr"]) == (START_IDR - value, 0)


def test_maker_only_order_that_would_cross_is_refused(public, trader):
    _, ask = quotes(public)
    crossing = trader.call(
        "trade",
        pair="btc_idr",
        type="buy",
        order_type="limit",
        price=str(ask),
        btc="0.001",
        time_in_force="MOC",
    )
    assert crossing == fixture("error_not_maker.json")
    resting = trader.call(
        "trade",
        pair="btc_idr",
        type="buy",
        order_type="limit",
        price=str(ask - 1000),
        btc="0.001",
        time_in_force="MOC",
    )
    assert resting["success"] == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "buy", "order_type": "market", "idr": "5000"}, fixture("error_min_order.json")),
        (
            {"type": "buy", "order_type": "limit", "price": "0", "btc": "0.001"},
            fixture("error_min_price.json"),
        ),
        ({"type": "buy", "order_type": "limit", "btc": "0.001"}, fixture("error_min_price.json")),
        (
            {"type": "buy", "order_type": "market", "idr": "10000.5"},
            fixture("error_amount_decimal.json"),
        ),
        (
            {"type": "buy", "order_type": "limit", "price": "1500000000", "btc": "1"},
            fixture("error_insufficient_balance.json"),
        ),
        # The legacy call without order_type sizes buys by `idr`; without it: ccxt #23618.
        ({"type": "buy", "price": "1500000000", "btc": "0.001"}, fixture("error_min_order.json")),
        (
            {"type": "sell", "order_type": "limit", "price": "1600000000", "btc": "0.00001"},
            {"success": 0, "error": "Minimum order 0.0001 BTC", "error_code": ""},
        ),
    ],
    ids=[
        "min-value",
        "zero-price",
        "no-price",
        "decimal-idr",
        "balance",
        "legacy-no-idr",
        "min-qty",
    ],
)
def test_order_rules_answer_with_the_exchange_texts(server, trader, params, expected):
    assert trader.call("trade", pair="btc_idr", **params) == expected
    assert server.trade_log() == []


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"price": "1500000500", "btc": "0.001", "order_type": "limit"}, "multiple of 1000"),
        ({"price": "1500000000", "idr": "20000", "order_type": "limit"}, "not idr"),
        ({"price": "1500000000", "btc": "0.001", "order_type": "stop"}, "order type"),
    ],
    ids=["off-tick", "limit-buy-by-idr", "unknown-type"],
)
def test_malformed_buys_are_refused_and_never_reach_the_book(server, trader, params, fragment):
    reply = trader.call("trade", pair="btc_idr", type="buy", **params)
    assert reply["success"] == 0
    assert fragment in reply["error"]
    assert server.trade_log() == []


def test_the_tapi_pair_must_be_the_ticker_id(trader):
    reply = trader.call("trade", pair="btcidr", type="buy", order_type="market", idr=20_000)
    assert reply == {"success": 0, "error": "Invalid pair", "error_code": "invalid_pair"}


def test_legacy_idr_sized_limit_buy_shows_idr_rows_and_reports_coins_received(server, trader):
    placed = trader.ok("trade", pair="btc_idr", type="buy", price="1500000000", idr="20000")
    [row] = trader.ok("openOrders", pair="btc_idr")["orders"]
    recorded = fixture("tapi_openOrders_pair.json")["return"]["orders"][1]
    assert shape(row) == shape(recorded)
    assert (row["price"], row["order_idr"]) == ("1500000000.00000000", "20000.00000000")
    server.set_price("btcidr", "1500000000")
    order = trader.call("getOrder", pair="btc_idr", order_id=placed["order_id"])
    assert shape(order) == shape(fixture("tapi_getOrder.json"))
    # 20,000 IDR less the 20 IDR maker fee, at 1.5e9 IDR per coin.
    assert (order["return"]["order"]["order_rp"], order["return"]["order"]["remain_rp"]) == (
        "20000",
        "0",
    )
    assert order["return"]["order"]["receive_btc"] == "0.00001332"


def test_a_repeated_client_order_id_is_refused_and_only_one_order_exists(server, trader):
    order = {"pair": "btc_idr", "type": "buy", "order_type": "limit", "price": "1500000000"}
    assert trader.call("trade", btc="0.001", client_order_id="bot-7", **order)["success"] == 1
    again = trader.call("trade", btc="0.002", client_order_id="bot-7", **order)
    assert again == {"success": 0, "error": "client order id bot-7 already exists"}
    [logged] = server.trade_log()
    assert (logged["client_order_id"], logged["amount"]) == ("bot-7", "0.001")


def test_orders_are_found_by_client_order_id_and_cancelled_by_it(trader):
    trader.ok(
        "trade",
        pair="btc_idr",
        type="sell",
        price="1600000000",
        btc="0.01",
        client_order_id="exit-1",
    )
    found = trader.call("getOrderByClientOrderId", client_order_id="exit-1")
    order = found["return"]["order"]
    assert set(shape(order).values()) == {"str"}
    assert (order["status"], order["order_btc"], order["receive_rp"]) == ("open", "0.01000000", "0")
    cancelled = trader.ok("cancelByClientOrderId", client_order_id="exit-1")
    assert cancelled["client_order_id"] == "exit-1"
    assert (
        trader.call("getOrderByClientOrderId", client_order_id="nope")["error"] == "invalid order."
    )


def test_open_orders_is_null_when_nothing_is_open(trader):
    assert trader.call("openOrders") == fixture("tapi_openOrders_none.json")
    assert trader.ok("openOrders", pair="btc_idr")["orders"] is None


def test_resting_orders_fill_in_parts_when_partial_fills_are_on():
    with SimulatorServer(
        port=0, seed=3, tick_interval=0, history_minutes=10, fill_fraction=Decimal("0.5")
    ) as server:
        trader = Trader(server.base_url, server.demo_key, server.demo_secret)
        placed = trader.ok(
            "trade",
            pair="btc_idr",
            type="buy",
            order_type="limit",
            price="1500000000",
            btc="0.001",
        )
        server.set_price("btcidr", "1500000000")
        half = trader.ok("getOrder", pair="btc_idr", order_id=placed["order_id"])["order"]
        assert (half["status"], half["remain_btc"]) == ("open", "0.00050000")
        assert balances(trader)[1]["idr"] == 750_000
        server.set_price("btcidr", "1500000000")
        done = trader.ok("getOrder", pair="btc_idr", order_id=placed["order_id"])["order"]
        assert (done["status"], done["receive_btc"]) == ("filled", "0.00099900")
        assert balances(trader)[1]["idr"] == 0
        trader.close()


def test_a_price_fills_the_reached_orders_of_its_own_pair_oldest_first_and_only_those(
    server, trader, public
):
    """Each trade looks at its own pair's open orders: another pair's, and orders that
    filled or were cancelled, are never touched again."""
    eth_bid = int(public.get("/api/ticker/ethidr").json()["ticker"]["buy"])
    eth = trader.ok(
        "trade",
        pair="eth_idr",
        type="buy",
        order_type="limit",
        price=str(eth_bid // 2 // 100_000 * 100_000),
        eth="0.01",
        client_order_id="eth-low",
    )
    placed = [
        trader.ok(
            "trade",
            pair="btc_idr",
            type="buy",
            order_type="limit",
            price=price,
            btc="0.001",
            client_order_id=f"btc-{n}",
        )["order_id"]
        for n, price in enumerate(("1500000000", "1510000000", "1400000000"))
    ]
    fills = server.set_price("btcidr", "1500000000")
    assert [str(fill["order_id"]) for fill in fills] == [str(placed[0]), str(placed[1])]
    assert server.set_price("btcidr", "1500000000") == []  # filled once, never again

    listed = trader.ok("openOrders")["orders"]
    assert {pair: [row["order_id"] for row in rows] for pair, rows in listed.items()} == {
        "btc_idr": [str(placed[2])],
        "eth_idr": [str(eth["order_id"])],
    }
    trader.ok("cancelOrder", pair="btc_idr", order_id=placed[2], type="buy")
    assert server.set_price("btcidr", "1400000000") == []
    assert list(trader.ok("openOrders")["orders"]) == ["eth_idr"]
