"""The "Trade API 2.0" history endpoints that replaced tradeHistory/orderHistory (field
guide §2.4): `GET /api/v2/order/histories` and `GET /api/v2/myTrades`, signed with
HMAC-SHA512 over the raw query string, `X-APIKEY` header, errors as `{"code", "error"}`
with a real HTTP status. Windows default to the last 24 hours and span at most 7 days."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from aiohttp import web

from adapters.simulator.accounts import Account
from adapters.simulator.auth import AuthError, Failure, SignedRequest, authenticate
from adapters.simulator.catalog import Market
from adapters.simulator.engine import Fill, Order
from adapters.simulator.formats import json_reply, plain, quantity
from adapters.simulator.simulator import SIMULATOR, Simulator

DAY_MS = 24 * 60 * 60 * 1000
MAX_SPAN_MS = 7 * DAY_MS
MIN_LIMIT, MAX_LIMIT = 10, 1000
STATUS = {"filled": "FILLED", "cancelled": "CANCELLED"}

T = TypeVar("T")


@dataclass
class HistoryError(Exception):
    code: int
    message: str
    status: int = 400

    def reply(self) -> web.Response:
        return json_reply({"code": self.code, "error": self.message}, self.status)


_AUTH_ERRORS = {  # failure -> (code, message, HTTP status)
    Failure.KEY_MISSING: (1102, "API key not found in header", 401),
    Failure.SIGN_MISSING: (1101, "Sign not found in header", 401),
    Failure.UNKNOWN_KEY: (1001, "Invalid credentials", 401),
    Failure.BAD_SIGN: (1001, "Invalid credentials", 401),
    Failure.BAD_TIMESTAMP: (1002, "Timestamp for this request is outside of the recvWindow", 400),
}

routes = web.RouteTableDef()


@dataclass(frozen=True)
class Query:
    account: Account
    market: Market
    start_ms: int
    end_ms: int
    limit: int
    ascending: bool
    params: dict[str, str]

    def window(self, rows: Iterable[T], time_of: Callable[[T], int]) -> list[T]:
        chosen = sorted(
            (row for row in rows if self.start_ms <= time_of(row) <= self.end_ms),
            key=time_of,
            reverse=not self.ascending,
        )
        return chosen[: self.limit]


def _query(request: web.Request, sim: Simulator, default_limit: int) -> Query:
    raw = request.rel_url.raw_query_string
    params = dict(parse_qsl(raw, keep_blank_values=True))
    signed = SignedRequest(
        key=request.headers.get("X-APIKEY"),
        signature=request.headers.get("Sign"),
        payload=raw.encode(),
        params=params,
    )
    try:
        account = authenticate(sim.accounts, signed, sim.now_ms())
    except AuthError as error:
        if error.failure is Failure.BAD_NONCE:
            raise HistoryError(
                1003, f"Invalid nonce. Nonce must be greater than {error.last_nonce}"
            ) from None
        raise HistoryError(*_AUTH_ERRORS[error.failure]) from None
    if "view" not in account.permissions:
        raise HistoryError(1106, "No permission", 403)
    account.calls[request.path] += 1
    if not params.get("symbol"):
        raise HistoryError(1108, "Mandatory parameter 'symbol' was not sent")
    market = sim.catalog.by_path_id(params["symbol"])
    if market is None:
        raise HistoryError(1109, "Invalid Symbol")
    start, end = _window(params, sim.now_ms())
    limit = _whole(params, "limit")
    limit = default_limit if limit is None else limit
    if not MIN_LIMIT <= limit <= MAX_LIMIT:
        raise HistoryError(1109, f"limit must be between {MIN_LIMIT} and {MAX_LIMIT}")
    sort = params.get("sort", "desc").lower()
    if sort not in ("asc", "desc"):
        raise HistoryError(1109, "sort must be asc or desc")
    return Query(account, market, start, end, limit, sort == "asc", params)


def _window(params: dict[str, str], now_ms: int) -> tuple[int, int]:
    start = _whole(params, "startTime")
    end = _whole(params, "endTime")
    if end is None:
        end = now_ms if start is None else min(start + DAY_MS, now_ms)
    if start is None:
        start = end - DAY_MS
    if start > end:
        raise HistoryError(1109, "startTime must be before endTime")
    if end - start > MAX_SPAN_MS:
        raise HistoryError(1109, "range date can't more than 7 days")
    return start, end


def _whole(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name)
    if not raw:
        return None
    if not raw.isdigit():
        raise HistoryError(1109, f"Invalid parameter '{name}'")
    return int(raw)


@routes.get("/api/v2/order/histories")
async def order_histories(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    try:
        query = _query(request, sim, default_limit=100)
    except HistoryError as error:
        return error.reply()
    finished = [
        order
        for order in sim.engine.orders.values()
        if order.key == query.account.key
        and order.market == query.market
        and order.status in STATUS
    ]
    rows = query.window(finished, lambda order: order.submit_ms)
    return json_reply({"data": [_order_row(order) for order in rows]})


def _order_row(order: Order) -> dict[str, Any]:
    price = order.shown_price
    ordered = order.coins(order.amount) if price else order.bought_or_sold
    return {
        "orderId": order.full_id,
        "clientOrderId": order.client_order_id,
        "symbol": order.market.id,
        "side": order.side.upper(),
        "type": order.order_type.upper(),
        "status": STATUS[order.status],
        "price": plain(price),
        "oriQty": quantity(ordered),
        "executedQty": quantity(order.bought_or_sold),
        "submitTime": order.submit_ms,
        "finishTime": order.finish_ms,
    }


@routes.get("/api/v2/myTrades")
async def my_trades(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    try:
        query = _query(request, sim, default_limit=500)
    except HistoryError as error:
        return error.reply()
    wanted_id = query.params.get("orderId")
    wanted_client_id = query.params.get("clientOrderId")

    def chosen(order: Order) -> bool:
        return (
            order.key == query.account.key
            and order.market == query.market
            and wanted_id in (None, str(order.order_id), order.full_id)
            and wanted_client_id in (None, order.client_order_id)
        )

    fills = [fill for fill in sim.engine.fills if chosen(sim.engine.orders[fill.order_id])]
    rows = query.window(fills, lambda fill: fill.time_ms)
    return json_reply(
        {"data": [_trade_row(sim.engine.orders[fill.order_id], fill) for fill in rows]}
    )


def _trade_row(order: Order, fill: Fill) -> dict[str, Any]:
    return {
        "tradeId": str(fill.trade_id),
        "orderId": order.full_id,
        "clientOrderId": order.client_order_id,
        "symbol": order.market.id,
        "price": plain(fill.price),
        "qty": quantity(fill.quantity),
        "quoteQty": plain(fill.quote_quantity),
        "commission": plain(fill.fee),
        "commissionAsset": order.market.quote,
        "isBuyer": order.side == "buy",
        "isMaker": fill.is_maker,
        "time": fill.time_ms,
    }
