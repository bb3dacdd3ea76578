"""The public endpoints answer in the shapes and JSON types of the recorded fixtures."""

from __future__ import annotations

import time

import httpx
import pytest

from adapters.simulator.server import SimulatorServer
from tests.simulator.conftest import fixture, shape


def test_market_list_is_the_fixture_list_in_the_same_shape(public):
    served = public.get("/api/pairs").json()
    recorded = fixture("pairs.json")
    by_id = {row["id"]: row for row in served}
    for row in recorded:
        assert by_id[row["id"]] == row
    assert shape(by_id["ethidr"]) == shape(by_id["btcidr"])
    served_increments = public.get("/api/price_increments").json()["increments"]
    assert served_increments.items() >= fixture("price_increments.json")["increments"].items()


@pytest.mark.parametrize(
    ("path", "fixture_name"),
    [
        ("/api/ticker/btcidr", "ticker_btcidr.json"),
        ("/api/trades/btcidr", "trades_btcidr.json"),
        ("/api/server_time", "server_time.json"),
    ],
)
def test_public_replies_have_the_fixture_shape(public, path, fixture_name):
    assert shape(public.get(path).json()) == shape(fixture(fixture_name))


def test_ticker_all_and_summaries_rows_have_the_fixture_shape(public):
    tickers = public.get("/api/ticker_all").json()["tickers"]
    assert shape(tickers["btc_idr"]) == shape(fixture("ticker_all.json")["tickers"]["btc_idr"])
    assert set(tickers) == {"btc_idr", "eth_idr", "usdt_idr", "btc_usdt"}
    assert set(tickers["btc_usdt"]) >= {"vol_btc", "vol_usdt"}

    summaries = public.get("/api/summaries").json()
    recorded = fixture("summaries.json")
    assert shape(summaries["tickers"]["btc_idr"]) == shape(recorded["tickers"]["btc_idr"])
    assert summaries["tickers"]["btc_idr"]["name"] == "Bitcoin"
    assert isinstance(summaries["prices_24h"]["btcidr"], str)
    assert isinstance(summaries["prices_7d"]["ethidr"], str)


def test_depth_has_150_string_levels_a_side_best_first(public):
    depth = public.get("/api/depth/btcidr").json()
    assert len(depth["buy"]) == 150 == len(depth["sell"])
    assert shape(depth) == shape(fixture("depth_btcidr.json"))
    bids = [int(price) for price, _ in depth["buy"]]
    asks = [int(price) for price, _ in depth["sell"]]
    assert bids == sorted(bids, reverse=True)
    assert asks == sorted(asks)
    assert bids[0] < asks[0]
    assert all(price % 1000 == 0 for price in bids + asks)


def test_ticker_quotes_the_price_set_by_the_test_hook(server, public):
    server.set_price("btcidr", "1500000000")
    ticker = public.get("/api/ticker/btcidr").json()["ticker"]
    assert ticker["last"] == "1500000000"
    assert int(ticker["buy"]) < 1500000000 < int(ticker["sell"])
    assert abs(ticker["server_time"] - time.time()) < 60


def test_server_time_is_milliseconds(public):
    assert abs(public.get("/api/server_time").json()["server_time"] / 1000 - time.time()) < 60


def test_path_pair_is_case_insensitive_but_the_tapi_spelling_is_an_invalid_pair(public):
    assert "ticker" in public.get("/api/ticker/BTCIDR").json()
    for path in ("/api/ticker/btc_idr", "/api/trades/dogeidr"):
        reply = public.get(path)
        assert reply.status_code == 200
        assert reply.json() == fixture("error_invalid_pair.json")
    depth = public.get("/api/depth/btc_idr")
    assert depth.status_code == 200
    assert depth.json() == fixture("error_invalid_pair_depth.json")


def test_unknown_path_and_wrong_verb_get_the_exchange_bodies(public):
    missing = public.get("/api/no_such_thing")
    assert missing.status_code == 404
    assert missing.json() == fixture("error_api_method_not_found_404.json")
    for method, path in (("POST", "/api/ticker/btcidr"), ("GET", "/tapi")):
        wrong = public.request(method, path)
        assert wrong.status_code == 405
        assert wrong.json() == fixture("error_method_not_allowed_405.json")


def test_ohlc_history_has_the_fixture_shape_and_covers_the_range(public):
    now = int(time.time())
    query = {"from": now - 3600, "to": now, "tf": "15", "symbol": "BTCIDR"}
    bars = public.get("/tradingview/history_v2", params=query).json()
    assert bars
    assert shape(bars) == shape(fixture("tradingview_history_v2_btcidr.json"))
    times = [bar["Time"] for bar in bars]
    assert times == sorted(times)
    assert all(time_ % 900 == 0 for time_ in times)
    assert all(bar["Low"] <= min(bar["Open"], bar["Close"]) for bar in bars)
    assert all(bar["High"] >= max(bar["Open"], bar["Close"]) for bar in bars)


def test_ohlc_history_of_an_empty_range_is_an_empty_list(public):
    query = {"from": 1_000_000, "to": 1_000_600, "tf": "1", "symbol": "BTCIDR"}
    assert public.get("/tradingview/history_v2", params=query).json() == []


def test_ohlc_history_wants_the_upper_case_symbol_and_every_parameter(public):
    now = int(time.time())
    lower = {"from": now - 600, "to": now, "tf": "1", "symbol": "btcidr"}
    assert public.get("/tradingview/history_v2", params=lower).json() == fixture(
        "error_invalid_pair.json"
    )
    missing = public.get("/tradingview/history_v2", params={"symbol": "BTCIDR"})
    assert missing.status_code == 400
    assert "from" in missing.json()["error_description"]


def test_a_simulator_started_with_a_month_of_history_serves_all_of_it():
    month = 30 * 24 * 60
    with (
        SimulatorServer(port=0, seed=3, tick_interval=0, history_minutes=month) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        now = int(client.get("/api/server_time").json()["server_time"]) // 1000
        query = {"symbol": "BTCIDR", "tf": "60", "from": now - month * 60, "to": now}
        bars = client.get("/tradingview/history_v2", params=query).json()
    assert len(bars) >= 30 * 24 - 1  # hourly bars over the whole month, not the last week
