"""The public REST client against the documented replies (tests/fixtures/indodax/),
served by httpx.MockTransport: paths, parameters, parsing, clock offset, limits, failures."""

from __future__ import annotations

import json
import logging
import random
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from test_private_client import Clock

from adapters.indodax.errors import (
    ExchangeUnavailable,
    ExchangeUnreachable,
    InvalidPair,
    MalformedReply,
)
from adapters.indodax.pairs import Pair
from adapters.indodax.public_client import PublicClient
from adapters.indodax.ratelimit import PUBLIC_RATES, RateLimiter
from adapters.indodax.wire import DepthLevel, parse_depth, parse_ticker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "indodax"
BTC = Pair("btc", "idr")
ETH_USDT = Pair("eth", "usdt")
BASE = "https://indodax.com"

ROUTES = {
    "/api/server_time": "server_time.json",
    "/api/pairs": "pairs.json",
    "/api/price_increments": "price_increments.json",
    "/api/summaries": "summaries.json",
    "/api/ticker/btcidr": "ticker_btcidr.json",
    "/api/ticker_all": "ticker_all.json",
    "/api/depth/btcidr": "depth_btcidr.json",
    "/api/trades/btcidr": "trades_btcidr.json",
    "/tradingview/history_v2": "tradingview_history_v2_btcidr.json",
    "/api/ticker/nopeidr": "error_invalid_pair.json",
}


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


class Exchange:
    """Serves the fixtures by path and remembers every request."""

    def __init__(self, routes: dict[str, str] | None = None) -> None:
        self.routes = routes or ROUTES
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        name = self.routes.get(request.url.path)
        if name is None:
            return httpx.Response(404, json=fixture("error_api_method_not_found_404.json"))
        return httpx.Response(200, content=(FIXTURES / name).read_bytes())


def client_for(handler, **kwargs) -> PublicClient:
    return PublicClient(BASE, http=httpx.Client(transport=httpx.MockTransport(handler)), **kwargs)


@pytest.fixture
def exchange() -> Exchange:
    return Exchange()


@pytest.fixture
def client(exchange: Exchange) -> PublicClient:
    return client_for(exchange)


def test_server_time_busts_the_cache_and_sets_the_clock_offset(exchange):
    local = iter([1790138520000, 1790138520200, 1790138530000, 1790138530000])
    client = client_for(exchange, wall_clock_ms=lambda: next(local))
    random.seed(7)

    reply = client.server_time()
    assert reply.server_time_ms == 1790138528123
    assert reply.timezone == "UTC"
    # The local time is taken halfway through the round trip.
    assert client.offset_ms == 1790138528123 - 1790138520100

    client.server_time()
    assert client.offset_ms == 1790138528123 - 1790138530000
    busters = [request.url.params["n"] for request in exchange.requests]
    assert len(set(busters)) == 2


def test_a_rate_limit_wait_does_not_skew_the_clock_offset(exchange):
    clock = Clock()
    start_ms = 1790138000000
    client = client_for(
        exchange,
        limiter=RateLimiter(PUBLIC_RATES, clock, clock.sleep),
        wall_clock_ms=lambda: start_ms + round(clock.now * 1000),
    )
    for _ in range(4):
        client.server_time()
    assert clock.sleeps == pytest.approx([1 / 3])
    assert client.offset_ms == 1790138528123 - (start_ms + 333)


def test_catalog_endpoints_return_the_raw_replies(client):
    assert client.pairs() == fixture("pairs.json")
    assert client.price_increments() == fixture("price_increments.json")


def test_ticker_reads_bid_ask_and_dynamic_volume_keys(client, exchange):
    ticker = client.ticker(BTC)
    assert exchange.requests[0].url.path == "/api/ticker/btcidr"
    assert (ticker.last, ticker.bid, ticker.ask) == (
        Decimal("1549999000"),
        Decimal("1549999000"),
        Decimal("1550000000"),
    )
    assert (ticker.high, ticker.low) == (Decimal("1562000000"), Decimal("1530150000"))
    assert ticker.base_volume == Decimal("41.20914366")
    assert ticker.quote_volume == Decimal("63672301185")
    assert ticker.server_time == datetime(2026, 9, 23, 4, 42, 8, tzinfo=UTC)


def test_ticker_server_time_may_arrive_as_a_string():
    payload = fixture("ticker_btcidr.json")
    payload["ticker"]["server_time"] = "1790138528"
    assert parse_ticker(payload, BTC).server_time == datetime(2026, 9, 23, 4, 42, 8, tzinfo=UTC)


def test_ticker_all_is_keyed_by_pair_with_each_pairs_volume_keys(client):
    tickers = client.ticker_all()
    assert set(tickers) == {BTC, ETH_USDT}
    assert tickers[ETH_USDT].base_volume == Decimal("12.5512")
    assert tickers[ETH_USDT].quote_volume == Decimal("55110.42")
    assert tickers[ETH_USDT].ask == Decimal("4413.0")


def test_summaries_hold_tickers_and_past_prices(client):
    summaries = client.summaries()
    assert summaries.tickers[BTC].last == Decimal("1549999000")
    assert summaries.prices_24h[BTC.id] == Decimal("1535000000")
    assert summaries.prices_7d["pepeidr"] == Decimal("0.163")


def test_depth_bids_descend_and_asks_ascend(client):
    book = client.depth(BTC)
    assert len(book.bids) == len(book.asks) == 150
    assert book.bids[0] == DepthLevel(Decimal("1549999000"), Decimal("1.08567915"))
    assert book.asks[0] == DepthLevel(Decimal("1550000000"), Decimal("0.87192550"))
    assert [level.price for level in book.bids] == sorted(
        (level.price for level in book.bids), reverse=True
    )
    assert [level.price for level in book.asks] == sorted(level.price for level in book.asks)


def test_depth_accepts_numbers_or_strings_in_any_order():
    payload = {
        "buy": [[1549998000, "0.5"], ["1549999000", 0.25]],
        "sell": [["1550001000", "1"], [1550000000, "2"]],
    }
    book = parse_depth(payload, BTC)
    assert [level.price for level in book.bids] == [Decimal(1549999000), Decimal(1549998000)]
    assert book.bids[0].quantity == Decimal("0.25")
    assert [level.price for level in book.asks] == [Decimal(1550000000), Decimal(1550001000)]


def test_trades_newest_first_as_typed_rows(client):
    trades = client.trades(BTC)
    assert [trade.trade_id for trade in trades] == ["44768500", "44768499"]
    assert trades[0].side == "buy"
    assert trades[0].quantity == Decimal("0.00009637")
    assert trades[1].time == datetime(2026, 9, 23, 4, 41, 41, tzinfo=UTC)


def test_ohlc_asks_history_v2_with_the_uppercase_symbol(client, exchange):
    start = datetime.fromtimestamp(1790130000, UTC)
    end = datetime.fromtimestamp(1790138528, UTC)
    candles = client.ohlc(BTC, "15", start, end)
    params = exchange.requests[0].url.params
    assert dict(params) == {
        "from": "1790130000",
        "to": "1790138528",
        "tf": "15",
        "symbol": "BTCIDR",
    }
    assert candles[0].open == Decimal(1549000000)
    assert candles[0].close == Decimal(1550000000)
    assert candles[0].volume == Decimal("1.23456789")
    assert candles[0].time == datetime.fromtimestamp(1790137800, UTC)


def test_ohlc_rejects_a_timeframe_the_exchange_lacks(client, exchange):
    with pytest.raises(ValueError, match="timeframe"):
        client.ohlc(BTC, "5", datetime.now(UTC), datetime.now(UTC))  # type: ignore[arg-type]
    assert exchange.requests == []


def test_ohlc_empty_range_is_no_candles():
    client = client_for(lambda request: httpx.Response(200, json=[]))
    assert client.ohlc(BTC, "1D", datetime.now(UTC), datetime.now(UTC)) == ()


def test_unknown_pair_with_http_200_is_invalid_pair(client):
    with pytest.raises(InvalidPair):
        client.ticker(Pair("nope", "idr"))


def test_a_reply_missing_a_field_is_malformed_not_a_key_error():
    payload = fixture("ticker_btcidr.json")
    del payload["ticker"]["vol_idr"]
    client = client_for(lambda request: httpx.Response(200, json=payload))
    with pytest.raises(MalformedReply, match="parse_ticker") as caught:
        client.ticker(BTC)
    assert "vol_btc" in caught.value.raw


def test_public_calls_stay_under_180_per_minute(exchange):
    clock = Clock()
    client = client_for(exchange, limiter=RateLimiter(PUBLIC_RATES, clock, clock.sleep))
    for _ in range(6):
        client.ticker(BTC)
    # Three go at once, then one every third of a second.
    assert clock.sleeps == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert len(exchange.requests) == 6


def test_timeout_is_exchange_unavailable():
    def timeout(request):
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(ExchangeUnavailable) as caught:
        client_for(timeout).ticker(BTC)
    assert not isinstance(caught.value, ExchangeUnreachable)


def test_refused_connection_is_unreachable():
    def refused(request):
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ExchangeUnreachable):
        client_for(refused).ticker(BTC)


def test_requests_carry_explicit_timeouts(client, exchange):
    client.ticker(BTC)
    timeout = exchange.requests[0].extensions["timeout"]
    assert timeout == {"connect": 5.0, "read": 10.0, "write": 10.0, "pool": 10.0}


def test_each_call_logs_one_line_with_latency_and_outcome(client, caplog):
    caplog.set_level(logging.DEBUG, logger="adapters.indodax.public_client")
    client.ticker(BTC)
    with pytest.raises(InvalidPair):
        client.ticker(Pair("nope", "idr"))
    records = [record for record in caplog.records if hasattr(record, "latency_ms")]
    assert [(r.call, r.pair, r.outcome) for r in records] == [
        ("GET /api/ticker/btcidr", "btc_idr", "ok"),
        ("GET /api/ticker/nopeidr", "nope_idr", "InvalidPair"),
    ]
    assert all(isinstance(record.latency_ms, int) for record in records)


def test_an_injected_http_client_is_left_open_for_its_owner(exchange):
    http = httpx.Client(transport=httpx.MockTransport(exchange))
    with PublicClient(BASE, http=http) as client:
        client.ticker(BTC)
    assert not http.is_closed
