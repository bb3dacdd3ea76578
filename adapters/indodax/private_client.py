"""Indodax private Trade API: TAPI v1 (`POST /tapi`), the deadman switch, and the Trade API
2.0 history endpoints (`GET /api/v2/...`).

Every request is signed over the exact bytes sent: the urlencoded body (or query string) is
built once, in insertion order, signed with HMAC-SHA512, and that same string goes on the
wire. Freshness is either a nonce from the per-key NonceStore or a timestamp corrected by the
server clock offset plus recvWindow.

A UserActor calls this synchronously, one private call at a time, which keeps nonces in
order. Nothing here resends an order whose fate is unknown: see `PrivateClient.trade`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode

import httpx

from adapters.indodax.errors import (
    ExchangeUnavailable,
    ExchangeUnreachable,
    IndodaxError,
    InvalidNonce,
    MalformedReply,
    OrderNotFound,
    OrderNotPlaced,
    OrderOutcomeUnknown,
    PermissionDenied,
    RateLimited,
)
from adapters.indodax.numbers import wire_decimal
from adapters.indodax.pairs import Pair
from adapters.indodax.public_client import DEFAULT_TIMEOUT, HttpSession, send
from adapters.indodax.ratelimit import PRIVATE_RATES, RateLimiter
from adapters.indodax.signing import sign
from adapters.indodax.wire import (
    Balances,
    CancelResult,
    CountdownResult,
    HistoryOrder,
    MyTrade,
    OpenOrder,
    OrderStatus,
    Side,
    StreamToken,
    TradeOutcome,
    Transfer,
    WithdrawFee,
    parse_balances,
    parse_cancel,
    parse_countdown,
    parse_history_orders,
    parse_my_trades,
    parse_open_orders,
    parse_order_status,
    parse_placed_order,
    parse_stream_token,
    parse_transfers,
    parse_withdraw_fee,
)
from config.logs import register_secret
from config.secret import Secret
from persistence.nonce_store import AskedNonce, NonceStore
from persistence.vault import fingerprint

log = logging.getLogger(__name__)

AuthMode = Literal["nonce", "timestamp"]
OrderType = Literal["limit", "market"]
TimeInForce = Literal["GTC", "MOC"]

CLIENT_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
FORM = "application/x-www-form-urlencoded"
HISTORY_WINDOW = timedelta(days=7)
HISTORY_LIMITS = range(10, 1001)
# Waits before each lookup of a trade whose reply was lost: the order may still be in flight.
LOOKUP_DELAYS = (0.5, 1.0, 2.0)
# Any currency works for the probe; a key without withdraw permission is refused for all.
_WITHDRAW_PROBE_CURRENCY = "btc"


def validate_client_order_id(client_order_id: str) -> str:
    if not CLIENT_ORDER_ID.match(client_order_id):
        raise ValueError("client_order_id must be 1-36 characters of A-Z, a-z, 0-9, _ and -")
    return client_order_id


def trade_params(
    pair: Pair,
    side: Side,
    order_type: OrderType,
    *,
    client_order_id: str,
    price: Decimal | None = None,
    quantity: Decimal | None = None,
    quote_amount: Decimal | None = None,
    time_in_force: TimeInForce | None = None,
) -> list[tuple[str, str]]:
    """The `trade` parameters, checked against the documented rules before anything is sent.

    A market buy is sized in the quote (`idr=` on IDR pairs, which must be whole rupiah);
    every other order in the base coin, under the coin's own name (`eth=0.5`). A limit buy
    sized in IDR is rejected by the exchange, and fills short besides.
    """
    validate_client_order_id(client_order_id)
    by_quote = side == "buy" and order_type == "market"
    if by_quote != (quote_amount is not None) or by_quote == (quantity is not None):
        raise ValueError("a market buy is sized by quote_amount, every other order by quantity")
    if (order_type == "limit") != (price is not None):
        raise ValueError("a limit order needs a price and a market order takes none")
    if time_in_force is not None and order_type != "limit":
        raise ValueError("time_in_force applies to limit orders only")
    if any(value is not None and value <= 0 for value in (price, quantity, quote_amount)):
        raise ValueError("price and amounts must be positive")
    params = [("pair", pair.ticker_id), ("type", side)]
    if price is not None:
        params.append(("price", wire_decimal(price)))
    if quote_amount is not None:
        if pair.quote == "idr" and quote_amount != quote_amount.to_integral_value():
            raise ValueError("IDR amounts must be whole rupiah")
        params.append((pair.quote, wire_decimal(quote_amount)))
    if quantity is not None:
        params.append((pair.base, wire_decimal(quantity)))
    params += [("order_type", order_type), ("client_order_id", client_order_id)]
    if time_in_force is not None:
        params.append(("time_in_force", time_in_force))
    return params


ORDER_STREAM_AUTH_PATH = "/api/private_ws/v1/generate_token"


class PrivateClient(HttpSession):
    def __init__(
        self,
        tapi_url: str,
        v2_base_url: str,
        api_key: Secret,
        api_secret: Secret,
        nonces: NonceStore,
        *,
        auth_mode: AuthMode = "nonce",
        recv_window_ms: int = 5000,
        clock_offset: Callable[[], int] = lambda: 0,
        http: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
        wall_clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        sleep: Callable[[float], None] = time.sleep,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        lookup_delays: Sequence[float] = LOOKUP_DELAYS,
        rest_base_url: str = "https://indodax.com",
    ) -> None:
        """`clock_offset` returns server minus local ms (PublicClient.offset_ms); only
        timestamp mode uses it. `limiter` is per account: give each account its own."""
        super().__init__(http)
        register_secret(api_key, api_secret)
        self._tapi_url = tapi_url.rstrip("/")
        self._v2_base_url = v2_base_url.rstrip("/")
        self._key = api_key
        self._secret = api_secret
        self._key_id = fingerprint(api_key.reveal())
        self._nonces = nonces
        self._auth_mode = auth_mode
        self._recv_window_ms = recv_window_ms
        self._clock_offset = clock_offset
        self._limiter = limiter or RateLimiter(PRIVATE_RATES)
        self._now_ms = wall_clock_ms
        self._sleep = sleep
        self._timeout = timeout
        self._lookup_delays = tuple(lookup_delays)
        self._stream_token_url = rest_base_url.rstrip("/") + ORDER_STREAM_AUTH_PATH
        self._asked: AskedNonce | None = None

    # Requests

    @contextmanager
    def nonce_asked_ahead(self) -> Iterator[None]:
        """Around work that must finish before the next call is sent (an order's intent
        committed before the order goes): the call's nonce is asked for on entering, so
        the store's round trip overlaps that work instead of following it. Only this
        client signs with the key in between, so the nonce is still the key's newest when
        it is used; one not used is dropped on leaving."""
        if self._auth_mode != "nonce":
            yield
            return
        self._asked = self._nonces.ask(self._key_id)
        try:
            yield
        finally:
            asked, self._asked = self._asked, None
            if asked is not None:
                asked.drop()

    def build_tapi_request(self, method: str, params: Sequence[tuple[str, str]]) -> httpx.Request:
        """A signed `POST /tapi` with a fresh nonce or timestamp."""
        body = urlencode([("method", method), *self._freshness(), *params])
        return self._signed_post(self._tapi_url, body, FORM)

    def _freshness(self) -> list[tuple[str, str]]:
        if self._auth_mode == "timestamp":
            timestamp = self._now_ms() + self._clock_offset()
            return [("timestamp", str(timestamp)), ("recvWindow", str(self._recv_window_ms))]
        asked, self._asked = self._asked, None
        nonce = asked.value() if asked is not None else self._nonces.next(self._key_id)
        return [("nonce", str(nonce))]

    def _signed_post(self, url: str, body: str, content_type: str) -> httpx.Request:
        content = body.encode()
        headers = {
            "Content-Type": content_type,
            "Accept": "application/json",
            "Key": self._key.reveal(),
            "Sign": sign(self._secret.reveal(), content),
        }
        return self._http.build_request(
            "POST", url, content=content, headers=headers, timeout=self._timeout
        )

    def _v2_request(self, path: str, params: Sequence[tuple[str, str]]) -> httpx.Request:
        """Trade API 2.0: the query string is what is signed, so it is built here, once."""
        query = urlencode([*params, *self._freshness()])
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-APIKEY": self._key.reveal(),
            "Sign": sign(self._secret.reveal(), query),
        }
        return self._http.build_request(
            "GET", f"{self._v2_base_url}{path}?{query}", headers=headers, timeout=self._timeout
        )

    def _call(
        self, call: str, build: Callable[[], httpx.Request], limit: str, pair: Pair | None
    ) -> Any:
        """One private call; a rejected nonce is retried once, with a fresh nonce.

        The retry is safe even for `trade`: the exchange checks the nonce before anything
        else and refuses the whole request, so the first attempt did nothing. The store is
        first moved past the nonce the exchange quoted, so the fresh one is accepted even
        when another program used the key with larger nonces.
        """
        try:
            return self._send(call, build, limit, pair)
        except InvalidNonce as error:
            if self._auth_mode != "nonce":
                raise
            if error.last is not None:
                self._nonces.advance_past(self._key_id, error.last)
            log.warning("indodax nonce rejected, retrying once", extra={"call": call})
            return self._send(call, build, limit, pair)

    def _send(
        self, call: str, build: Callable[[], httpx.Request], limit: str, pair: Pair | None
    ) -> Any:
        self._limiter.acquire(limit)
        try:
            return send(self._http, build(), call, pair)
        except RateLimited as error:
            self._limiter.block_for(limit, error.retry_after_seconds)
            raise

    def _tapi(
        self,
        method: str,
        params: Sequence[tuple[str, str]] = (),
        limit: str = "private",
        pair: Pair | None = None,
    ) -> Any:
        return self._call(method, lambda: self.build_tapi_request(method, params), limit, pair)

    def _v2(self, path: str, params: Sequence[tuple[str, str]], pair: Pair) -> Any:
        return self._call(f"GET {path}", lambda: self._v2_request(path, params), "private", pair)

    # TAPI v1

    def get_info(self) -> Balances:
        return parse_balances(self._tapi("getInfo"))

    def order_stream_token(self) -> StreamToken:
        """A day's token for the account's private order stream (field guide §5.2): the
        body is signed like TAPI's but carries the key itself and no nonce, and no `Key`
        header goes with it."""
        body = urlencode([("client", "tapi"), ("tapi_key", self._key.reveal())]).encode()
        headers = {
            "Content-Type": FORM,
            "Accept": "application/json",
            "Sign": sign(self._secret.reveal(), body),
        }

        def request() -> httpx.Request:
            return self._http.build_request(
                "POST", self._stream_token_url, content=body, headers=headers, timeout=self._timeout
            )

        token = parse_stream_token(self._call("generate_token", request, "private", None))
        register_secret(token.token)
        return token

    def trade(
        self,
        pair: Pair,
        side: Side,
        order_type: OrderType,
        *,
        client_order_id: str,
        price: Decimal | None = None,
        quantity: Decimal | None = None,
        quote_amount: Decimal | None = None,
        time_in_force: TimeInForce | None = None,
    ) -> TradeOutcome:
        """Places an order, POSTing it exactly once.

        When no readable answer comes back (timeout, dropped connection, 5xx, HTML, a
        success reply that cannot be read), the order may or may not exist, so it is looked
        up by client_order_id instead of sent again: found → TradeOutcome with `status`; the
        exchange has no such order → OrderNotPlaced; the lookups fail too →
        OrderOutcomeUnknown. A connection that could not be opened raises
        ExchangeUnreachable (nothing was sent). A refusal from the exchange raises its
        ExchangeRejected subclass; a 429 blocks this pair for as long as the exchange says
        (5 s) and raises RateLimited.
        """
        params = trade_params(
            pair,
            side,
            order_type,
            client_order_id=client_order_id,
            price=price,
            quantity=quantity,
            quote_amount=quote_amount,
            time_in_force=time_in_force,
        )
        try:
            reply = parse_placed_order(
                self._tapi("trade", params, f"trade:{pair.ticker_id}", pair), pair, side
            )
        except ExchangeUnreachable:
            raise
        except (ExchangeUnavailable, MalformedReply) as error:
            return self._find_placed(pair, client_order_id, error)
        return TradeOutcome(client_order_id, reply.order_id, reply=reply)

    def _find_placed(self, pair: Pair, client_order_id: str, cause: IndodaxError) -> TradeOutcome:
        """Every lookup is made unless one finds the order, because an order still in flight
        is not found at first; the verdict follows the last answer."""
        log.warning(
            "indodax trade reply lost, looking the order up",
            extra={"pair": pair.ticker_id, "client_order_id": client_order_id},
        )
        last = cause
        for delay in self._lookup_delays:
            self._sleep(delay)
            try:
                status = self.get_order_by_client_order_id(client_order_id, pair)
            except IndodaxError as error:
                last = error
            else:
                return TradeOutcome(client_order_id, status.order_id, status=status)
        if isinstance(last, OrderNotFound):
            raise OrderNotPlaced(client_order_id, last) from cause
        raise OrderOutcomeUnknown(client_order_id, last) from cause

    def open_orders(self, pair: Pair | None = None) -> tuple[OpenOrder, ...]:
        params = [("pair", pair.ticker_id)] if pair else []
        return parse_open_orders(self._tapi("openOrders", params, pair=pair), pair)

    def get_order(self, pair: Pair, order_id: str) -> OrderStatus:
        params = [("pair", pair.ticker_id), ("order_id", order_id)]
        return parse_order_status(self._tapi("getOrder", params, pair=pair), pair)

    def get_order_by_client_order_id(self, client_order_id: str, pair: Pair) -> OrderStatus:
        """`pair` is not sent; the reply names its amounts after the base coin, so parsing
        needs it (the caller has it from the order it placed)."""
        params = [("client_order_id", validate_client_order_id(client_order_id))]
        return parse_order_status(self._tapi("getOrderByClientOrderId", params, pair=pair), pair)

    def cancel_order(self, pair: Pair, order_id: str, side: Side) -> CancelResult:
        params = [("pair", pair.ticker_id), ("order_id", order_id), ("type", side)]
        return parse_cancel(self._tapi("cancelOrder", params, "cancel", pair))

    def cancel_by_client_order_id(self, client_order_id: str) -> CancelResult:
        params = [("client_order_id", validate_client_order_id(client_order_id))]
        return parse_cancel(self._tapi("cancelByClientOrderId", params, "cancel"))

    def transfers(self, start: date, end: date) -> tuple[Transfer, ...]:
        """Coin deposits and withdrawals done from `start` to `end` (days, both in), at
        most 7 days apart (transHistory)."""
        if not timedelta(0) <= end - start <= HISTORY_WINDOW:
            raise ValueError("transfers needs start <= end, at most 7 days apart")
        params = [("start", start.isoformat()), ("end", end.isoformat())]
        return parse_transfers(self._tapi("transHistory", params))

    def withdraw_fee(self, currency: str) -> WithdrawFee:
        return parse_withdraw_fee(self._tapi("withdrawFee", [("currency", currency.lower())]))

    def can_withdraw(self) -> bool:
        """Whether this key holds the withdraw permission (the bot refuses such keys).

        withdrawFee needs exactly that permission and moves nothing, so it is the probe.
        """
        try:
            self.withdraw_fee(_WITHDRAW_PROBE_CURRENCY)
        except PermissionDenied:
            return False
        return True

    def countdown_cancel_all(self, pairs: Sequence[Pair], countdown_ms: int) -> CountdownResult:
        """Arms the exchange's deadman switch: unless called again within `countdown_ms`,
        it cancels every open order on `pairs`. 0 disarms it."""
        if not pairs or countdown_ms < 0:
            raise ValueError("countdown_cancel_all needs pairs and a countdown of 0 or more ms")
        chosen = tuple(pairs)

        def build() -> httpx.Request:
            body = urlencode(
                [
                    ("pair", ",".join(pair.ticker_id for pair in chosen)),
                    ("countdownTime", str(countdown_ms)),
                    *self._freshness(),
                ]
            )
            return self._signed_post(f"{self._tapi_url}/countdownCancelAll", body, "text/plain")

        payload = self._call("countdownCancelAll", build, "deadman", None)
        return parse_countdown(payload, chosen, countdown_ms)

    # Trade API 2.0 histories

    def order_histories(
        self, pair: Pair, start_ms: int | None = None, end_ms: int | None = None, limit: int = 100
    ) -> tuple[HistoryOrder, ...]:
        """Finished orders (the exchange defaults to the last 24 h; 7 days at most)."""
        params = _history_params(pair, start_ms, end_ms, limit)
        return parse_history_orders(self._v2("/api/v2/order/histories", params, pair), pair)

    def my_trades(
        self,
        pair: Pair,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        oldest_first: bool = False,
    ) -> tuple[MyTrade, ...]:
        """The account's trades on `pair` in the window, newest first unless `oldest_first`
        (the first `limit` of them either way: reading on from the last one pages)."""
        filters = [("orderId", order_id), ("clientOrderId", client_order_id)]
        params = _history_params(pair, start_ms, end_ms, limit)
        params[1:1] = [(name, value) for name, value in filters if value is not None]
        if oldest_first:
            params.append(("sort", "asc"))
        return parse_my_trades(self._v2("/api/v2/myTrades", params, pair), pair)


def _history_params(
    pair: Pair, start_ms: int | None, end_ms: int | None, limit: int
) -> list[tuple[str, str]]:
    if limit not in HISTORY_LIMITS:
        raise ValueError("limit must be between 10 and 1000")
    window_ms = HISTORY_WINDOW // timedelta(milliseconds=1)
    if start_ms is not None and end_ms is not None and not 0 <= end_ms - start_ms <= window_ms:
        raise ValueError("the history window is start <= end, at most 7 days")
    params = [("symbol", pair.id)]
    params += [
        (name, str(value))
        for name, value in (("startTime", start_ms), ("endTime", end_ms))
        if value is not None
    ]
    params.append(("limit", str(limit)))
    return params
