"""The clients replayed from vcrpy cassettes of real HTTP exchanges, with no network.

The cassettes were recorded from a local HTTP server that answers each documented endpoint
with its body from tests/fixtures/indodax/ (the exchange itself was never called): run
`INDODAX_RECORD_CASSETTES=1 .venv/bin/python -m pytest tests/indodax/test_cassettes.py` to
record them again. Recording rewrites the local server's address to the production hosts
and filters the `Key`, `Sign`, `X-APIKEY` headers and the nonce/timestamp fields, so replay
matches on everything else: method, host, path, query and the exact remaining body.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import vcr
import yaml
from test_private_client import Clock

from adapters.indodax.errors import BadSign, InsufficientBalance, InvalidPair, RateLimited
from adapters.indodax.pairs import Pair
from adapters.indodax.private_client import PrivateClient
from adapters.indodax.public_client import PublicClient
from adapters.indodax.ratelimit import PRIVATE_RATES, PUBLIC_RATES, RateLimiter
from config.secret import Secret
from persistence.local_nonce_store import LocalNonceStore

RECORD = os.environ.get("INDODAX_RECORD_CASSETTES") == "1"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "indodax"
CASSETTES = Path(__file__).parent / "cassettes"
PUBLIC = "https://indodax.com"
V2 = "https://tapi.indodax.com"
TEST_KEY = "CASSETTE-TESTKEY-7Q2M-9ZXW-4R8T"
TEST_SECRET = "cassette0secret0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccdd"
BTC = Pair("btc", "idr")
JSON = "application/json"
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"

Reply = tuple[int, str, bytes]


def fixture(name: str, status: int = 200) -> Reply:
    return status, JSON, (FIXTURES / name).read_bytes()


class FixtureServer(ThreadingHTTPServer):
    """Answers by TAPI method (POST /tapi), deadman path, or path; the last reply repeats."""

    routes: dict[str, list[Reply]]


class FixtureHandler(BaseHTTPRequestHandler):
    server: FixtureServer
    server_version = "fixture-indodax"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(urlsplit(self.path).path)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        path = urlsplit(self.path).path
        self._answer(dict(parse_qsl(body)).get("method", path) if path == "/tapi" else path)

    def _answer(self, route: str) -> None:
        queue = self.server.routes[route]
        status, content_type, content = queue.pop(0) if len(queue) > 1 else queue[0]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: object) -> None:
        return


class Recorder:
    """Where the clients send (the fixture server while recording, production otherwise) and
    the vcrpy configuration that records or replays each scenario."""

    def __init__(self, local: str | None, server: FixtureServer | None) -> None:
        self.local = local
        self.server = server
        self.public_url = local or PUBLIC
        self.v2_url = local or V2
        self.vcr = vcr.VCR(
            cassette_library_dir=str(CASSETTES),
            record_mode="all" if local else "none",
            match_on=("method", "scheme", "host", "port", "path", "query", "body"),
            filter_headers=["Key", "Sign", "X-APIKEY", "Host"],
            filter_query_parameters=["nonce", "timestamp", "n"],
            filter_post_data_parameters=["nonce", "timestamp"],
            before_record_request=self._production_origin,
        )

    def _production_origin(self, request: vcr.request.Request) -> vcr.request.Request:
        if self.local and request.uri.startswith(self.local):
            path = request.uri.removeprefix(self.local)
            origin = V2 if path.startswith("/api/v2/") else PUBLIC
            request.uri = origin + path
        return request

    def serve(self, routes: dict[str, Reply | list[Reply]]) -> None:
        """Routes are TAPI method names or paths; only the recording server needs them."""
        if self.server is not None:
            self.server.routes = {
                route: list(reply) if isinstance(reply, list) else [reply]
                for route, reply in routes.items()
            }


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    if not RECORD:
        yield Recorder(None, None)
        return
    server = FixtureServer(("127.0.0.1", 0), FixtureHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Recorder(f"http://127.0.0.1:{server.server_address[1]}", server)
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_wait() -> Clock:
    return Clock()


@pytest.fixture
def public(recorder: Recorder, no_wait: Clock) -> Iterator[PublicClient]:
    with PublicClient(
        recorder.public_url, limiter=RateLimiter(PUBLIC_RATES, no_wait, no_wait.sleep)
    ) as client:
        yield client


@pytest.fixture
def private(recorder: Recorder, no_wait: Clock, tmp_path: Path) -> Iterator[PrivateClient]:
    with PrivateClient(
        f"{recorder.public_url}/tapi",
        recorder.v2_url,
        Secret(TEST_KEY),
        Secret(TEST_SECRET),
        LocalNonceStore(tmp_path / "nonces"),
        limiter=RateLimiter(PRIVATE_RATES, no_wait, no_wait.sleep),
        sleep=no_wait.sleep,
    ) as client:
        yield client


def played(recorder: Recorder, name: str, run: Callable[[], object]) -> object:
    with recorder.vcr.use_cassette(name) as cassette:
        result = run()
    if not RECORD:
        assert cassette.all_played
    return result


def test_public_endpoints_replay(recorder, public):
    recorder.serve(
        {
            "/api/server_time": fixture("server_time.json"),
            "/api/pairs": fixture("pairs.json"),
            "/api/price_increments": fixture("price_increments.json"),
            "/api/summaries": fixture("summaries.json"),
            "/api/ticker/btcidr": fixture("ticker_btcidr.json"),
            "/api/ticker_all": fixture("ticker_all.json"),
            "/api/depth/btcidr": fixture("depth_btcidr.json"),
            "/api/trades/btcidr": fixture("trades_btcidr.json"),
            "/tradingview/history_v2": fixture("tradingview_history_v2_btcidr.json"),
            "/api/ticker/nopeidr": fixture("error_invalid_pair.json"),
        }
    )

    def run() -> dict[str, object]:
        results: dict[str, object] = {
            "server_time": public.server_time(),
            "pairs": public.pairs(),
            "increments": public.price_increments(),
            "summaries": public.summaries(),
            "ticker": public.ticker(BTC),
            "ticker_all": public.ticker_all(),
            "depth": public.depth(BTC),
            "trades": public.trades(BTC),
            "ohlc": public.ohlc(
                BTC,
                "15",
                datetime.fromtimestamp(1790130000, UTC),
                datetime.fromtimestamp(1790138528, UTC),
            ),
        }
        with pytest.raises(InvalidPair):
            public.ticker(Pair("nope", "idr"))
        return results

    results = played(recorder, "public.yaml", run)
    assert results["server_time"].server_time_ms == 1790138528123
    assert results["pairs"][0]["ticker_id"] == "btc_idr"
    assert results["increments"]["increments"]["btc_idr"] == "1000"
    assert results["summaries"].prices_24h["btcidr"] == Decimal("1535000000")
    assert results["ticker"].bid == Decimal("1549999000")
    assert results["ticker_all"][Pair("eth", "usdt")].last == Decimal("4412.3")
    assert len(results["depth"].bids) == 150
    assert results["trades"][0].trade_id == "44768500"
    assert results["ohlc"][0].high == Decimal(1551000000)


def test_private_endpoints_replay(recorder, private):
    recorder.serve(
        {
            "getInfo": fixture("tapi_getInfo.json"),
            "trade": [fixture("tapi_trade_buy.json"), fixture("tapi_trade_sell.json")],
            "openOrders": [
                fixture("tapi_openOrders_pair.json"),
                fixture("tapi_openOrders_all.json"),
            ],
            "getOrder": fixture("tapi_getOrder.json"),
            "cancelOrder": fixture("tapi_cancelOrder.json"),
            "cancelByClientOrderId": fixture("tapi_cancelOrder.json"),
            "withdrawFee": fixture("tapi_withdrawFee.json"),
            "/tapi/countdownCancelAll": fixture("deadman_countdownCancelAll.json"),
            "/api/v2/order/histories": fixture("v2_order_histories.json"),
        }
    )

    def run() -> dict[str, object]:
        return {
            "balances": private.get_info(),
            "buy": private.trade(
                BTC,
                "buy",
                "limit",
                client_order_id="bot-0001",
                price=Decimal(1500000000),
                quantity=Decimal("0.0001"),
            ),
            "sell": private.trade(
                BTC,
                "sell",
                "limit",
                client_order_id="bot-0009",
                price=Decimal(1600000000),
                quantity=Decimal("0.0001"),
            ),
            "open_btc": private.open_orders(BTC),
            "open_all": private.open_orders(),
            "order": private.get_order(BTC, "59639504"),
            "cancel": private.cancel_order(BTC, "666883", "sell"),
            "cancel_cid": private.cancel_by_client_order_id("bot-0002"),
            "fee": private.withdraw_fee("btc"),
            "deadman": private.countdown_cancel_all([BTC, Pair("eth", "idr")], 120000),
            "histories": private.order_histories(BTC),
        }

    results = played(recorder, "private.yaml", run)
    assert results["balances"].free["btc"] == Decimal("0.0012")
    assert results["buy"].order_id == "59632813"
    assert results["sell"].reply.remain == Decimal("0.0001")
    assert len(results["open_btc"]) == 2
    assert len(results["open_all"]) == 3
    assert results["order"].executed_base == Decimal("0.00022403")
    assert results["cancel"].order_id == results["cancel_cid"].order_id == "666883"
    assert results["fee"].fee == Decimal("0.0005")
    assert results["deadman"].countdown_ms == 120000
    assert results["histories"][0].status == "filled"


def test_the_history_import_endpoints_replay(recorder, private):
    recorder.serve(
        {
            "/api/v2/myTrades": fixture("v2_my_trades.json"),
            "transHistory": fixture("tapi_transHistory.json"),
        }
    )

    def run() -> dict[str, object]:
        return {
            "trades": private.my_trades(BTC, 1790000000000, 1790138528000, 1000),
            "oldest_first": private.my_trades(
                BTC, 1790000000000, 1790138528000, 1000, oldest_first=True
            ),
            "transfers": private.transfers(date(2026, 9, 17), date(2026, 9, 23)),
        }

    results = played(recorder, "history.yaml", run)
    sale, buy = results["trades"]
    assert (sale.trade_id, sale.is_buyer, sale.commission) == ("72057594037936571", False, 656)
    assert (buy.quantity, buy.quote_quantity, buy.commission_asset) == (
        Decimal("0.0001"),
        Decimal(150000),
        "idr",
    )
    deposit, withdrawal = results["transfers"]  # rupiah and the pending deposit left out
    assert (deposit.direction, deposit.currency, deposit.amount) == (
        "deposit",
        "btc",
        Decimal("0.001"),
    )
    assert (withdrawal.currency, withdrawal.amount, withdrawal.fee) == (
        "eth",
        Decimal("0.5"),
        Decimal("0.005"),
    )


def test_rejections_and_the_nonce_retry_replay(recorder, private):
    recorder.serve(
        {
            "trade": [
                fixture("error_invalid_nonce.json"),
                fixture("tapi_trade_buy.json"),
                fixture("error_insufficient_balance.json"),
                fixture("error_rate_limit_429.json", 429),
            ],
            "getInfo": fixture("error_bad_sign.json"),
        }
    )

    def buy(cid: str) -> object:
        return private.trade(
            BTC, "buy", "limit", client_order_id=cid, price=Decimal(1500000000), quantity=Decimal(1)
        )

    def run() -> object:
        placed = buy("retry-1")
        with pytest.raises(InsufficientBalance):
            buy("poor-1")
        with pytest.raises(RateLimited):
            buy("fast-1")
        with pytest.raises(BadSign):
            private.get_info()
        return placed

    assert played(recorder, "private_errors.yaml", run).order_id == "59632813"


def test_lost_trade_reply_replays_as_a_lookup(recorder, private, no_wait):
    recorder.serve(
        {
            "trade": (502, "text/html", HTML_502),
            "getOrderByClientOrderId": fixture("tapi_getOrder.json"),
        }
    )

    def run() -> object:
        return private.trade(
            BTC,
            "buy",
            "market",
            client_order_id="bot-0004",
            quote_amount=Decimal(336058),
        )

    outcome = played(recorder, "trade_lost_reply.yaml", run)
    assert outcome.reply is None
    assert outcome.status.client_order_id == "bot-0004"
    assert no_wait.sleeps == [0.5]


def test_cassettes_hold_no_secret_key_or_signature_header():
    files = [path for path in CASSETTES.rglob("*") if path.is_file()]
    assert len(files) == 5
    for path in files:
        text = path.read_text()
        assert TEST_SECRET not in text, path
        assert TEST_KEY not in text, path
        for interaction in yaml.safe_load(text)["interactions"]:
            sent = {name.lower() for name in interaction["request"]["headers"]}
            assert not sent & {"key", "sign", "x-apikey"}, path
            body = interaction["request"]["body"] or ""
            assert "nonce=" not in body and "timestamp=" not in body, path


def test_replay_never_reaches_the_network(recorder, public):
    if RECORD:
        pytest.skip("recording talks to the local fixture server")
    with (
        recorder.vcr.use_cassette("public.yaml"),
        pytest.raises(vcr.errors.CannotOverwriteExistingCassetteException),
    ):
        public.ticker(Pair("eth", "idr"))
