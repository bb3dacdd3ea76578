"""The private Trade API client through httpx.MockTransport: exact signed bytes (the doc's
vectors where they apply), both auth modes, the nonce retry, rate limits on a fake clock,
every documented reply shape, and the lost-trade-reply lookup that never resends."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from adapters.indodax.errors import (
    ExchangeUnreachable,
    InsufficientBalance,
    InvalidCredentials,
    InvalidNonce,
    InvalidPair,
    InvalidTimestamp,
    MalformedReply,
    OrderNotPlaced,
    OrderOutcomeUnknown,
    RateLimited,
)
from adapters.indodax.pairs import Pair
from adapters.indodax.private_client import PrivateClient, trade_params
from adapters.indodax.ratelimit import PRIVATE_RATES, RateLimiter, TokenBucket
from config.logs import JsonFormatter, secrets_registry
from config.secret import Secret
from persistence.nonce_store import NonceStore
from persistence.vault import fingerprint

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "indodax"
# The official docs' example key and secrets (../shared/docs/indodax-api.md §2.1, §2.6).
DOC_KEY = "AEDHIGAT-QATEGWOX-OPCSCPQX-2E00B1L7-VJBXXKMA"
DOC_SECRET = "f60617a68fcce028f0a90bc9eb765d17379eb548cc935c01a7ee3186eecf870e9b68f27a31bcfe8d"
DEADMAN_SECRET = "da78a39e9dda31c399bcc293d997a347dc7fd0408cb5151931243a302b273ec3238510ea61e11f7c"
DOC_TIME_MS = 1578304294000
DOC_RECV_WINDOW = 1578303937000  # the docs' examples put a timestamp here; kept to match them
TAPI = "https://indodax.com/tapi"
V2 = "https://tapi.indodax.com"
BTC = Pair("btc", "idr")
ETH = Pair("eth", "idr")
BTC_USDT = Pair("btc", "usdt")
FORM = "application/x-www-form-urlencoded"

Reply = Callable[[httpx.Request], httpx.Response]


def hmac512(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha512).hexdigest()


def ok(name: str, status: int = 200) -> Reply:
    return lambda request: httpx.Response(status, content=(FIXTURES / name).read_bytes())


def body(payload: dict, status: int = 200) -> Reply:
    return lambda request: httpx.Response(status, json=payload)


def html(status: int) -> Reply:
    page = b"<html><body><h1>502 Bad gateway</h1>cloudflare</body></html>"
    return lambda request: httpx.Response(
        status, content=page, headers={"Content-Type": "text/html"}
    )


def raising(error: type[httpx.TransportError]) -> Reply:
    def reply(request: httpx.Request) -> httpx.Response:
        raise error("simulated", request=request)

    return reply


def form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode()))


class Exchange:
    """Answers by TAPI method (or last path segment) from a script; the last reply repeats."""

    def __init__(self, **script: Reply | list[Reply]) -> None:
        self.script = {name: list(r) if isinstance(r, list) else [r] for name, r in script.items()}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.script[self.name_of(request)]
        return (queue.pop(0) if len(queue) > 1 else queue[0])(request)

    @staticmethod
    def name_of(request: httpx.Request) -> str:
        return form(request).get("method") or request.url.path.rsplit("/", 1)[-1]

    def calls(self, name: str) -> list[httpx.Request]:
        return [request for request in self.requests if self.name_of(request) == name]


class MemoryNonces(NonceStore):
    def __init__(self, start: int = 1000) -> None:
        self.last = start - 1
        self.keys: set[str] = set()

    def next(self, key_id: str) -> int:
        self.keys.add(key_id)
        self.last += 1
        return self.last

    def advance_past(self, key_id: str, value: int) -> None:
        self.last = max(self.last, value)


class Clock:
    """Monotonic time that moves only when someone sleeps (test_public_client and
    test_cassettes use it too)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def nonces() -> MemoryNonces:
    return MemoryNonces()


@pytest.fixture
def make(clock, nonces):
    def make(
        exchange: Exchange, secret: str = DOC_SECRET, store: MemoryNonces | None = None, **options
    ) -> PrivateClient:
        options.setdefault("limiter", RateLimiter(PRIVATE_RATES, clock, clock.sleep))
        options.setdefault("sleep", clock.sleep)
        return PrivateClient(
            TAPI,
            V2,
            Secret(DOC_KEY),
            Secret(secret),
            store or nonces,
            http=httpx.Client(transport=httpx.MockTransport(exchange)),
            **options,
        )

    return make


def timestamp_mode(recv_window_ms: int = DOC_RECV_WINDOW, now_ms: int = DOC_TIME_MS) -> dict:
    return {
        "auth_mode": "timestamp",
        "recv_window_ms": recv_window_ms,
        "wall_clock_ms": lambda: now_ms,
    }


def buy_limit(client: PrivateClient, cid: str = "bot-0001"):
    return client.trade(
        BTC,
        "buy",
        "limit",
        client_order_id=cid,
        price=Decimal(1500000000),
        quantity=Decimal("0.0001"),
    )


# Signing and auth modes


def test_nonce_mode_signs_the_exact_body_with_the_doc_vector(make, nonces):
    exchange = Exchange(getInfo=ok("tapi_getInfo.json"))
    make(exchange).get_info()
    request = exchange.requests[0]
    assert request.method == "POST"
    assert str(request.url) == TAPI
    assert request.content == b"method=getInfo&nonce=1000"
    assert request.headers["Sign"] == (
        "fb3c6726ca923e55de14e15de3e808b55db35d4c26b7bfb109bc7b6a7f492594"
        "09f31e3fee482534d83a10b1695b33d59f903c608d710474d217da883d7071bd"
    )
    assert request.headers["Key"] == DOC_KEY
    assert request.headers["Content-Type"] == FORM
    assert nonces.keys == {fingerprint(DOC_KEY)}


def test_timestamp_mode_signs_the_exact_body_with_the_doc_vector(make, nonces):
    exchange = Exchange(getInfo=ok("tapi_getInfo.json"))
    make(exchange, **timestamp_mode()).get_info()
    request = exchange.requests[0]
    assert request.content == b"method=getInfo&timestamp=1578304294000&recvWindow=1578303937000"
    assert request.headers["Sign"] == (
        "bab004e5a518740d7a33b38b44dbebecd3fb39f40b42391af39fcce06edabff5"
        "233b3e8064a07c528d1c751a6923d5116026c7786e01b22e2d35277a098cae99"
    )
    assert nonces.keys == set()


def test_timestamp_mode_adds_the_server_clock_offset(make):
    exchange = Exchange(getInfo=ok("tapi_getInfo.json"))
    make(
        exchange, **timestamp_mode(5000, now_ms=1_790_000_000_000), clock_offset=lambda: -1250
    ).get_info()
    assert form(exchange.requests[0])["timestamp"] == "1789999998750"
    assert form(exchange.requests[0])["recvWindow"] == "5000"


def test_trade_body_follows_the_doc_order_and_is_signed_as_sent(make):
    exchange = Exchange(trade=ok("tapi_trade_buy.json"))
    client = make(exchange, **timestamp_mode(5000))
    client.trade(
        BTC,
        "buy",
        "limit",
        client_order_id="bot-0001",
        price=Decimal("100000000"),
        quantity=Decimal("0.001"),
    )
    request = exchange.requests[0]
    # The doc's trade regression vector, then our client_order_id.
    assert request.content == (
        b"method=trade&timestamp=1578304294000&recvWindow=5000&pair=btc_idr&type=buy"
        b"&price=100000000&btc=0.001&order_type=limit&client_order_id=bot-0001"
    )
    assert request.headers["Sign"] == hmac512(DOC_SECRET, request.content)


def test_doc_trade_vector_is_what_the_client_signs_without_a_client_order_id():
    params = trade_params(
        BTC, "buy", "limit", client_order_id="x", price=Decimal("1E+8"), quantity=Decimal("0.00100")
    )
    body = "&".join(
        f"{k}={v}"
        for k, v in [
            ("method", "trade"),
            ("timestamp", "1578304294000"),
            ("recvWindow", "5000"),
            *params[:-1],
        ]
    )
    assert hmac512(DOC_SECRET, body.encode()) == (
        "dfbc21875213b56dc3f84abf67b159cf847964bddbf051eadaffeffe25af0ecb"
        "ef2bd5145872aeb0c2e8fd1163ec7e5b6504ee30fa0a0409d60e65e130aa24b2"
    )


# Trade parameters


def test_sell_names_the_amount_after_the_base_coin():
    sent = dict(
        trade_params(
            ETH,
            "sell",
            "limit",
            client_order_id="s-1",
            price=Decimal(75000000),
            quantity=Decimal("0.50"),
        )
    )
    assert sent["eth"] == "0.5"
    assert sent["type"] == "sell"
    assert "idr" not in sent


def test_market_buy_is_sized_in_whole_rupiah(make):
    exchange = Exchange(trade=ok("tapi_trade_buy.json"))
    client = make(exchange)
    client.trade(BTC, "buy", "market", client_order_id="m-1", quote_amount=Decimal("150000.00"))
    sent = form(exchange.requests[0])
    assert sent["idr"] == "150000"
    assert "price" not in sent
    assert sent["order_type"] == "market"


def test_market_buy_on_a_usdt_pair_is_sized_in_usdt():
    params = dict(
        trade_params(
            Pair("btc", "usdt"), "buy", "market", client_order_id="u", quote_amount=Decimal("12.50")
        )
    )
    assert params["usdt"] == "12.5"


def test_maker_only_limit_order_sends_time_in_force(make):
    exchange = Exchange(trade=ok("tapi_trade_buy.json"))
    make(exchange).trade(
        BTC,
        "buy",
        "limit",
        client_order_id="moc-1",
        price=Decimal(1500000000),
        quantity=Decimal("0.0001"),
        time_in_force="MOC",
    )
    assert form(exchange.requests[0])["time_in_force"] == "MOC"


@pytest.mark.parametrize(
    ("side", "order_type", "options", "message"),
    [
        ("buy", "limit", {"quantity": Decimal(1)}, "needs a price"),
        ("sell", "market", {"quantity": Decimal(1), "price": Decimal(5)}, "takes none"),
        ("buy", "market", {"quantity": Decimal(1)}, "quote_amount"),
        ("buy", "limit", {"quote_amount": Decimal(150000), "price": Decimal(5)}, "quote_amount"),
        ("sell", "limit", {"price": Decimal(5)}, "quantity"),
        ("buy", "market", {"quote_amount": Decimal("150000.5")}, "whole rupiah"),
        ("sell", "market", {"quantity": Decimal(1), "time_in_force": "MOC"}, "limit orders only"),
        ("sell", "limit", {"quantity": Decimal(0), "price": Decimal(5)}, "positive"),
    ],
)
def test_malformed_orders_are_refused_before_sending(make, side, order_type, options, message):
    exchange = Exchange(trade=ok("tapi_trade_buy.json"))
    with pytest.raises(ValueError, match=message):
        make(exchange).trade(BTC, side, order_type, client_order_id="bad-1", **options)
    assert exchange.requests == []


@pytest.mark.parametrize("cid", ["", "x" * 37, "has space", "semi;colon", "ümlaut"])
def test_client_order_id_must_fit_the_exchange_rules(make, cid):
    exchange = Exchange(trade=ok("tapi_trade_buy.json"))
    with pytest.raises(ValueError, match="client_order_id"):
        buy_limit(make(exchange), cid)
    assert exchange.requests == []


def test_a_36_character_client_order_id_is_accepted():
    cid = "A-z_9" + "x" * 31
    assert ("client_order_id", cid) in trade_params(
        BTC, "sell", "market", client_order_id=cid, quantity=Decimal(1)
    )


# Nonce retry


def test_rejected_nonce_moves_the_store_past_it_and_retries_once(make, nonces):
    exchange = Exchange(trade=[ok("error_invalid_nonce.json"), ok("tapi_trade_buy.json")])
    outcome = buy_limit(make(exchange))
    first, second = exchange.requests
    assert form(first)["nonce"] == "1000"
    assert form(second)["nonce"] == "1790138528001"
    assert second.headers["Sign"] == hmac512(DOC_SECRET, second.content)
    assert outcome.reply is not None
    assert outcome.order_id == "59632813"


def test_a_second_rejected_nonce_is_raised(make):
    exchange = Exchange(getInfo=ok("error_invalid_nonce.json"))
    with pytest.raises(InvalidNonce):
        make(exchange).get_info()
    assert len(exchange.requests) == 2


class Asked:
    """A draw started ahead: what its holder did with it."""

    def __init__(self, value: int) -> None:
        self.number = value
        self.read = 0
        self.dropped = 0

    def value(self) -> int:
        self.read += 1
        return self.number

    def drop(self) -> None:
        self.dropped += 1


class AskingNonces(MemoryNonces):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[Asked] = []

    def ask(self, key_id: str) -> Asked:
        self.asked.append(Asked(self.next(key_id)))
        return self.asked[-1]


def test_the_call_after_a_nonce_was_asked_ahead_signs_with_that_nonce(make):
    store = AskingNonces()
    exchange = Exchange(trade=ok("tapi_trade_buy.json"), getInfo=ok("tapi_getInfo.json"))
    client = make(exchange, store=store)
    with client.nonce_asked_ahead():
        buy_limit(client)
        client.get_info()
    (asked,) = store.asked
    trade, info = exchange.requests
    assert form(trade)["nonce"] == str(asked.number)
    assert int(form(info)["nonce"]) > asked.number
    assert (asked.read, asked.dropped) == (1, 0)


def test_a_nonce_asked_ahead_and_not_used_is_dropped(make):
    store = AskingNonces()
    client = make(Exchange(), store=store)
    with pytest.raises(RuntimeError), client.nonce_asked_ahead():
        raise RuntimeError("the order's intent could not be written")
    (asked,) = store.asked
    assert (asked.read, asked.dropped) == (0, 1)


def test_timestamp_mode_asks_no_nonce_ahead(make):
    store = AskingNonces()
    exchange = Exchange(getInfo=ok("tapi_getInfo.json"))
    client = make(exchange, store=store, **timestamp_mode())
    with client.nonce_asked_ahead():
        client.get_info()
    assert store.asked == []
    assert "timestamp" in form(exchange.requests[0])


def test_timestamp_mode_does_not_retry_a_stale_timestamp(make):
    exchange = Exchange(
        getInfo=body(
            {
                "success": 0,
                "error": "Timestamp outside recvWindow",
                "error_code": "invalid_timestamp",
            }
        )
    )
    with pytest.raises(InvalidTimestamp):
        make(exchange, **timestamp_mode(5000)).get_info()
    assert len(exchange.requests) == 1


# Rate limits


def test_trade_429_blocks_that_pair_for_the_time_the_exchange_says(make, clock):
    exchange = Exchange(trade=[ok("error_rate_limit_429.json", 429), ok("tapi_trade_buy.json")])
    client = make(exchange)
    with pytest.raises(RateLimited) as caught:
        buy_limit(client)
    assert caught.value.retry_after_seconds == 5.0
    assert len(exchange.requests) == 1  # a 429 is not retried by the client

    client.trade(
        BTC_USDT,
        "buy",
        "limit",
        client_order_id="other-pair",
        price=Decimal(1),
        quantity=Decimal(1),
    )
    assert clock.sleeps == []  # another pair is not blocked
    buy_limit(client, "bot-0002")
    assert clock.sleeps == [5.0]


def test_cancel_429_blocks_cancels_only(make, clock):
    exchange = Exchange(
        cancelOrder=[ok("error_rate_limit_cancel_429.json", 429), ok("tapi_cancelOrder.json")],
        getInfo=ok("tapi_getInfo.json"),
    )
    client = make(exchange)
    with pytest.raises(RateLimited):
        client.cancel_order(BTC, "666883", "sell")
    client.get_info()
    assert clock.sleeps == []
    client.cancel_order(BTC, "666883", "sell")
    assert clock.sleeps == [5.0]


def test_trades_on_one_pair_never_number_more_than_20_in_any_second(make, clock):
    """Indodax counts trades per account and pair in any second: 20 go at once, the 21st
    waits until the first is more than a second old (with 50 ms to spare), and so on. (A
    token bucket of 20 and 20 a second let 40 through within one second.)"""
    exchange = Exchange(trade=ok("tapi_trade_buy.json"))
    client = make(exchange)
    moments = []
    for number in range(45):
        buy_limit(client, f"burst-{number}")
        moments.append(clock.now)
    assert clock.sleeps == pytest.approx([1.05, 1.05])  # before the 21st, and the 41st
    assert all(later - moments[i] >= 1.05 for i, later in enumerate(moments[20:]))


def test_token_bucket_is_fair_after_a_block(clock):
    bucket = TokenBucket(PRIVATE_RATES["deadman"], clock, clock.sleep)
    assert bucket.acquire() == 0
    bucket.block_for(3)
    assert bucket.acquire() == pytest.approx(3)
    assert bucket.acquire() == pytest.approx(1)


# Lost trade replies


def test_timed_out_trade_is_looked_up_and_found_without_resending(make, clock):
    exchange = Exchange(
        trade=raising(httpx.ReadTimeout), getOrderByClientOrderId=ok("tapi_getOrder.json")
    )
    outcome = buy_limit(make(exchange), "bot-0004")
    assert len(exchange.calls("trade")) == 1
    lookup = exchange.calls("getOrderByClientOrderId")
    assert len(lookup) == 1
    assert form(lookup[0])["client_order_id"] == "bot-0004"
    assert outcome.reply is None
    assert outcome.status is not None
    assert outcome.status.status == "filled"
    assert (outcome.order_id, outcome.client_order_id) == ("59639504", "bot-0004")
    assert clock.sleeps == [0.5]


def test_trade_lost_behind_a_502_and_never_found_is_not_placed(make, clock):
    exchange = Exchange(
        trade=html(502), getOrderByClientOrderId=body({"success": 0, "error": "invalid order."})
    )
    with pytest.raises(OrderNotPlaced) as caught:
        buy_limit(make(exchange), "bot-0007")
    assert caught.value.client_order_id == "bot-0007"
    assert len(exchange.calls("trade")) == 1
    assert len(exchange.calls("getOrderByClientOrderId")) == 3
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_an_order_still_in_flight_is_found_on_a_later_lookup(make):
    exchange = Exchange(
        trade=raising(httpx.RemoteProtocolError),
        getOrderByClientOrderId=[
            body({"success": 0, "error": "invalid order."}),
            ok("tapi_getOrder.json"),
        ],
    )
    outcome = buy_limit(make(exchange), "bot-0004")
    assert outcome.status is not None
    assert len(exchange.calls("trade")) == 1


def test_trade_whose_lookups_fail_too_has_an_unknown_outcome(make):
    exchange = Exchange(
        trade=raising(httpx.ReadTimeout), getOrderByClientOrderId=raising(httpx.ReadTimeout)
    )
    with pytest.raises(OrderOutcomeUnknown) as caught:
        buy_limit(make(exchange), "bot-0008")
    assert caught.value.client_order_id == "bot-0008"
    assert len(exchange.calls("trade")) == 1
    assert len(exchange.calls("getOrderByClientOrderId")) == 3


def test_not_found_then_failing_lookup_is_still_unknown(make):
    exchange = Exchange(
        trade=html(504),
        getOrderByClientOrderId=[
            body({"success": 0, "error": "invalid order."}),
            raising(httpx.ReadTimeout),
        ],
    )
    with pytest.raises(OrderOutcomeUnknown):
        buy_limit(make(exchange))


def test_unreadable_success_reply_is_looked_up_too(make):
    exchange = Exchange(
        trade=body({"success": 1, "return": {"order_id": 5}}),
        getOrderByClientOrderId=ok("tapi_getOrder.json"),
    )
    outcome = buy_limit(make(exchange), "bot-0004")
    assert outcome.status is not None
    assert len(exchange.calls("trade")) == 1


def test_a_trade_that_could_not_connect_was_never_sent_and_is_not_looked_up(make):
    exchange = Exchange(trade=raising(httpx.ConnectError))
    with pytest.raises(ExchangeUnreachable):
        buy_limit(make(exchange))
    assert exchange.calls("getOrderByClientOrderId") == []


def test_a_refused_trade_is_raised_without_a_lookup(make):
    exchange = Exchange(trade=ok("error_insufficient_balance.json"))
    with pytest.raises(InsufficientBalance):
        buy_limit(make(exchange))
    assert len(exchange.requests) == 1


# Reply shapes


def test_get_info_reads_free_and_held_balances(make):
    balances = make(Exchange(getInfo=ok("tapi_getInfo.json"))).get_info()
    assert balances.free["idr"] == Decimal(1523000)
    assert balances.free["btc"] == Decimal("0.00120000")
    assert balances.hold["idr"] == Decimal(250000)
    assert balances.withdraw_status == 1
    assert balances.server_time == datetime.fromtimestamp(1790138528, UTC)


def test_buy_reply_spends_rupiah_and_receives_coin(make):
    outcome = buy_limit(make(Exchange(trade=ok("tapi_trade_buy.json"))))
    reply = outcome.reply
    assert reply is not None
    assert (reply.spent, reply.received, reply.fee, reply.remain) == (
        Decimal(0),
        Decimal(0),
        Decimal(0),
        Decimal(150000),
    )
    assert (reply.order_id, reply.client_order_id) == ("59632813", "bot-0001")


def test_sell_reply_spends_coin_and_receives_rupiah(make):
    client = make(Exchange(trade=ok("tapi_trade_sell.json")))
    reply = client.trade(
        BTC, "sell", "limit", client_order_id="s", price=Decimal(1), quantity=Decimal("0.0001")
    ).reply
    assert reply is not None
    assert reply.remain == Decimal("0.0001")
    assert reply.spent == reply.received == Decimal(0)
    assert reply.client_order_id == "btcidr-limit-310130"


def test_open_orders_for_one_pair_in_coin_and_rupiah_sizes(make):
    exchange = Exchange(openOrders=ok("tapi_openOrders_pair.json"))
    orders = make(exchange).open_orders(BTC)
    assert form(exchange.requests[0])["pair"] == "btc_idr"
    sell, buy = orders
    assert (sell.side, sell.amount_currency, sell.amount, sell.remaining) == (
        "sell",
        "btc",
        Decimal("0.02"),
        Decimal("0.0013345"),
    )
    assert (buy.side, buy.amount_currency, buy.remaining) == ("buy", "idr", Decimal("1266293"))
    assert buy.price == Decimal(1500000000)
    assert buy.submit_time == datetime.fromtimestamp(1790130100, UTC)


def test_open_orders_of_all_pairs_come_keyed_by_ticker_id(make):
    exchange = Exchange(openOrders=ok("tapi_openOrders_all.json"))
    orders = make(exchange).open_orders()
    assert "pair" not in form(exchange.requests[0])
    assert [(order.pair, order.order_id) for order in orders] == [
        (BTC, "172"),
        (BTC, "173"),
        (ETH, "174"),
    ]
    assert orders[2].amount_currency == "eth"


@pytest.mark.parametrize("orders", [None, [], {}])
def test_no_open_orders_is_empty(make, orders):
    client = make(Exchange(openOrders=body({"success": 1, "return": {"orders": orders}})))
    assert client.open_orders(BTC) == ()


def test_filled_rupiah_buy_reports_the_coin_received(make):
    exchange = Exchange(getOrder=ok("tapi_getOrder.json"))
    order = make(exchange).get_order(BTC, "59639504")
    assert form(exchange.requests[0]) == {
        "method": "getOrder",
        "nonce": "1000",
        "pair": "btc_idr",
        "order_id": "59639504",
    }
    assert order.status == "filled"
    assert (order.amount_currency, order.amount, order.remaining) == (
        "idr",
        Decimal(336058),
        Decimal(0),
    )
    assert order.executed_base == Decimal("0.00022403")
    assert order.finish_time == datetime.fromtimestamp(1790130400, UTC)


def test_open_coin_sized_order_executed_is_amount_less_remaining(make):
    row = {
        "order_id": "9",
        "price": "1",
        "type": "sell",
        "order_btc": "1.5",
        "remain_btc": "0.5",
        "submit_time": "1790130000",
        "finish_time": "0",
        "status": "open",
    }
    order = make(Exchange(getOrder=body({"success": 1, "return": {"order": row}}))).get_order(
        BTC, "9"
    )
    assert order.executed_base == Decimal(1)
    assert order.finish_time is None
    assert order.client_order_id is None


def test_cancel_sends_the_side_and_reads_balances(make):
    exchange = Exchange(cancelOrder=ok("tapi_cancelOrder.json"))
    result = make(exchange).cancel_order(BTC, "666883", "sell")
    sent = form(exchange.requests[0])
    assert (sent["pair"], sent["order_id"], sent["type"]) == ("btc_idr", "666883", "sell")
    assert (result.pair, result.order_id, result.side) == (BTC, "666883", "sell")
    assert result.balance == {"idr": Decimal(33605800), "btc": Decimal("0.02")}
    assert result.frozen == {"idr": Decimal(0), "btc": Decimal(0)}


def test_cancel_by_client_order_id(make):
    exchange = Exchange(cancelByClientOrderId=ok("tapi_cancelOrder.json"))
    result = make(exchange).cancel_by_client_order_id("bot-0002")
    assert form(exchange.requests[0])["client_order_id"] == "bot-0002"
    assert result.client_order_id == "bot-0002"


def test_withdraw_fee_and_withdraw_permission_probe(make):
    client = make(Exchange(withdrawFee=ok("tapi_withdrawFee.json")))
    fee = client.withdraw_fee("BTC")
    assert (fee.currency, fee.fee) == ("btc", Decimal("0.0005"))
    assert client.can_withdraw() is True

    refused = make(Exchange(withdrawFee=body({"success": 0, "error": "No permission"})))
    assert refused.can_withdraw() is False


def test_withdraw_probe_does_not_hide_a_bad_key(make):
    client = make(Exchange(withdrawFee=ok("error_invalid_credentials.json")))
    with pytest.raises(InvalidCredentials):
        client.can_withdraw()


def test_transfers_window_is_checked_before_sending(make):
    exchange = Exchange(
        transHistory=body({"success": 1, "return": {"withdraw": {}, "deposit": {}}})
    )
    client = make(exchange)
    assert client.transfers(date(2026, 9, 16), date(2026, 9, 23)) == ()
    assert form(exchange.requests[0])["start"] == "2026-09-16"
    with pytest.raises(ValueError, match="7 days"):
        client.transfers(date(2026, 9, 15), date(2026, 9, 23))
    with pytest.raises(ValueError):
        client.transfers(date(2026, 9, 23), date(2026, 9, 22))
    assert len(exchange.requests) == 1


def test_transfers_are_the_coin_rows_that_succeeded_oldest_first(make):
    reply = {
        "withdraw": {
            "eth": [
                {
                    "status": "success",
                    "eth": "0.50000000",
                    "fee": "0.00500000",
                    "withdraw_id": "77",
                    "submit_time": "1790130000",
                    "success_time": "1790130600",
                },
                {
                    "status": "pending",
                    "eth": "9.0",
                    "fee": "0",
                    "withdraw_id": "78",
                    "submit_time": "1790130000",
                },
            ],
            "idr": [
                {
                    "status": "success",
                    "rp": "100000",
                    "withdraw_id": "5",
                    "success_time": "1790000000",
                }
            ],
        },
        "deposit": {
            "btc": [
                {
                    "status": "success",
                    "amount": "0.01000000",
                    "deposit_id": 31,
                    "success_time": 1790000000,
                }
            ],
        },
    }
    client = make(Exchange(transHistory=body({"success": 1, "return": reply})))
    deposit, withdrawal = client.transfers(date(2026, 9, 16), date(2026, 9, 23))
    assert (deposit.direction, deposit.currency, deposit.transfer_id) == ("deposit", "btc", "31")
    assert (deposit.amount, deposit.fee) == (Decimal("0.01"), 0)
    assert (withdrawal.direction, withdrawal.currency) == ("withdrawal", "eth")
    assert (withdrawal.amount, withdrawal.fee) == (Decimal("0.5"), Decimal("0.005"))
    assert withdrawal.time.timestamp() == 1790130600


# Deadman switch


def test_countdown_is_signed_with_the_deadman_doc_vector(make):
    exchange = Exchange(countdownCancelAll=ok("deadman_countdownCancelAll.json"))
    client = make(exchange, DEADMAN_SECRET, **timestamp_mode(now_ms=1578304294001))
    result = client.countdown_cancel_all([BTC, ETH], 10000)
    request = exchange.requests[0]
    assert str(request.url) == f"{TAPI}/countdownCancelAll"
    assert request.headers["Content-Type"] == "text/plain"
    assert request.content == (
        b"pair=btc_idr%2Ceth_idr&countdownTime=10000&timestamp=1578304294001"
        b"&recvWindow=1578303937000"
    )
    assert request.headers["Sign"] == (
        "29ff89378b9f33954b0f5319488190078f091c7723d886c5c2a4a0b06ef793d7"
        "d3b99155d63410203a21355e5e2757cb4e566adbd67ec37b8257a68d8c72877c"
    )
    assert (result.pairs, result.countdown_ms) == ((BTC, ETH), 10000)


def test_countdown_without_success_is_not_a_confirmation(make):
    client = make(Exchange(countdownCancelAll=body({})))
    with pytest.raises(MalformedReply):
        client.countdown_cancel_all([BTC], 120000)


def test_countdown_heartbeats_are_held_to_one_per_second(make, clock):
    client = make(Exchange(countdownCancelAll=ok("deadman_countdownCancelAll.json")))
    client.countdown_cancel_all([BTC], 120000)
    client.countdown_cancel_all([BTC], 0)
    assert clock.sleeps == [1.0]


# Trade API 2.0 histories


def test_order_histories_sign_the_query_with_the_doc_vector(make):
    exchange = Exchange(histories=ok("v2_order_histories.json"))
    orders = make(exchange, **timestamp_mode()).order_histories(BTC)
    request = exchange.requests[0]
    assert request.method == "GET"
    assert request.url.path == "/api/v2/order/histories"
    assert request.url.host == "tapi.indodax.com"
    assert (
        request.url.query
        == b"symbol=btcidr&limit=100&timestamp=1578304294000&recvWindow=1578303937000"
    )
    assert request.headers["X-APIKEY"] == DOC_KEY
    assert "Key" not in request.headers
    assert request.headers["Sign"] == (
        "9f8c7120bd79b4d7d64145c926fab31e131e40c24e539b399d98955a24538721"
        "ef3192607d3a39469db82c8f9b91c93a081998cd25d647fd04ef012768229932"
    )
    (order,) = orders
    assert (order.order_id, order.status, order.side) == ("btcidr-limit-6423", "filled", "buy")
    assert (order.quantity, order.executed_quantity) == (Decimal("0.0001"), Decimal("0.0001"))
    assert order.submit_time == datetime.fromtimestamp(1790130000, UTC)
    assert order.finish_time == datetime.fromtimestamp(1790130400, UTC)


def test_my_trades_filters_by_order_and_window(make):
    trade = {
        "tradeId": "72057594037936570",
        "orderId": "btcidr-limit-6423",
        "clientOrderId": "bot-1",
        "symbol": "btcidr",
        "price": "1500000000",
        "qty": "0.0001",
        "quoteQty": "150000",
        "commission": "450",
        "commissionAsset": "idr",
        "isBuyer": True,
        "isMaker": False,
        "time": 1790130400123,
    }
    exchange = Exchange(myTrades=body({"data": [trade]}))
    (mine,) = make(exchange).my_trades(
        BTC, 1790000000000, 1790130400999, order_id="btcidr-limit-6423"
    )
    sent = dict(exchange.requests[0].url.params)
    assert list(sent)[:5] == ["symbol", "orderId", "startTime", "endTime", "limit"]
    assert sent["limit"] == "500"
    assert (mine.quantity, mine.quote_quantity, mine.commission) == (
        Decimal("0.0001"),
        Decimal(150000),
        Decimal(450),
    )
    assert (mine.is_buyer, mine.is_maker) == (True, False)
    assert mine.time == datetime(2026, 9, 23, 2, 26, 40, 123000, tzinfo=UTC)
    assert "sort" not in sent
    make(exchange).my_trades(BTC, oldest_first=True)
    assert dict(exchange.requests[1].url.params)["sort"] == "asc"


@pytest.mark.parametrize(
    ("start", "end", "limit"),
    [(None, None, 5), (None, None, 1001), (0, 8 * 86_400_000, 100), (10, 5, 100)],
)
def test_history_limits_and_windows_are_checked_before_sending(make, start, end, limit):
    exchange = Exchange(histories=ok("v2_order_histories.json"))
    with pytest.raises(ValueError):
        make(exchange).order_histories(BTC, start, end, limit)
    assert exchange.requests == []


def test_history_error_shape_maps_to_invalid_pair(make):
    client = make(Exchange(histories=ok("v2_history_error_invalid_symbol.json", 400)))
    with pytest.raises(InvalidPair):
        client.order_histories(Pair("nope", "idr"))


# Secrets and logs


def test_secret_and_key_are_registered_for_redaction(make):
    make(Exchange())
    assert secrets_registry.redact(f"{DOC_SECRET} {DOC_KEY}") == "*** ***"


def test_one_log_line_per_call_and_no_secret_key_or_sign_in_it(make, caplog):
    caplog.set_level(logging.DEBUG)
    exchange = Exchange(
        trade=[ok("error_invalid_nonce.json"), ok("tapi_trade_buy.json")],
        getInfo=ok("error_bad_sign.json"),
    )
    client = make(exchange)
    buy_limit(client)
    with pytest.raises(InvalidCredentials) as caught:
        client.get_info()
    calls = [record for record in caplog.records if hasattr(record, "latency_ms")]
    assert [(r.call, r.pair, r.outcome) for r in calls] == [
        ("trade", "btc_idr", "InvalidNonce"),
        ("trade", "btc_idr", "ok"),
        ("getInfo", None, "BadSign"),
    ]
    formatter = JsonFormatter()
    text = "\n".join(formatter.format(record) for record in caplog.records)
    text += "\n".join(json.dumps(vars(record), default=str) for record in caplog.records)
    text += str(caught.value) + caught.value.raw
    forbidden = [DOC_SECRET, DOC_KEY] + [request.headers["Sign"] for request in exchange.requests]
    forbidden += [request.content.decode() for request in exchange.requests]
    assert not [value for value in forbidden if value in text]
