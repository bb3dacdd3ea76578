"""Indodax replies as typed values: one frozen dataclass per reply, one pure parser each.

The wire is loose: the same number arrives as a JSON int, float or string, ids as int or
string, times as seconds (most v1 and public fields, often strings) or milliseconds
(`/api/server_time`, TAPI v2). Every number goes through `Decimal(str(x))` and every time
becomes an aware UTC datetime, so callers never guess a unit. A reply that does not fit
its documented shape raises MalformedReply instead of a KeyError deep in a caller.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, ParamSpec, TypeVar

from adapters.indodax.errors import MalformedReply
from adapters.indodax.pairs import Pair
from config.secret import Secret

Side = Literal["buy", "sell"]
OrderState = Literal["open", "filled", "cancelled"]
HistoryState = Literal["open", "filled", "cancelled", "rejected", "expired"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_IDR_ALIAS = "rp"  # TAPI v1 names some IDR fields `_rp` (spend_rp, order_rp, remain_rp)
_SIDES: Mapping[str, Side] = {"buy": "buy", "sell": "sell"}
_V1_STATES: Mapping[str, OrderState] = {
    "open": "open",
    "filled": "filled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}
_V2_STATES: Mapping[str, HistoryState] = {
    "NEW": "open",
    "PARTIALLY_FILLED": "open",
    "FILLED": "filled",
    "CANCELLED": "cancelled",
    "CANCELED": "cancelled",
    "REJECTED": "rejected",
    "EXPIRED": "expired",
}

P = ParamSpec("P")
R = TypeVar("R")


def parser(function: Callable[P, R]) -> Callable[P, R]:
    """Turns a shape mismatch anywhere in a parser into MalformedReply carrying the reply."""

    @functools.wraps(function)
    def parse(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except (
            AttributeError,
            KeyError,
            IndexError,
            TypeError,
            ValueError,
            ArithmeticError,
        ) as error:
            raw = json.dumps(args[0], default=str) if args else ""
            raise MalformedReply(
                f"{function.__name__}: unexpected reply shape ({type(error).__name__}: {error})",
                raw=raw,
            ) from error

    return parse


def dec(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    return Decimal(str(value))


def from_seconds(value: Any) -> datetime:
    return EPOCH + timedelta(seconds=int(dec(value)))


def from_millis(value: Any) -> datetime:
    return EPOCH + timedelta(milliseconds=int(dec(value)))


def _optional_seconds(value: Any) -> datetime | None:
    """v1 sends "0" (or nothing) as the finish time of an order that has not finished."""
    return from_seconds(value) if value not in (None, "", 0, "0") else None


def pair_of_ticker_id(ticker_id: str) -> Pair:
    base, quote = ticker_id.lower().rsplit("_", 1)
    return Pair(base, quote)


def envelope(payload: Any) -> dict[str, Any]:
    """The `return` object of a TAPI v1 success reply."""
    if payload.get("success") not in (1, "1") or not isinstance(payload.get("return"), dict):
        raise KeyError("success/return")
    return payload["return"]


def _quote_field(row: Mapping[str, Any], prefix: str, pair: Pair) -> Decimal:
    key = f"{prefix}_{_IDR_ALIAS}" if f"{prefix}_{_IDR_ALIAS}" in row else f"{prefix}_{pair.quote}"
    return dec(row[key])


def _sized(row: Mapping[str, Any], pair: Pair) -> tuple[str, Decimal, Decimal]:
    """(currency, amount, remaining) of a v1 order row, sized in the base coin or the quote."""
    sizes = ((pair.base, pair.base), (pair.quote, pair.quote), (pair.quote, _IDR_ALIAS))
    for currency, suffix in sizes:
        if f"order_{suffix}" in row:
            return currency, dec(row[f"order_{suffix}"]), dec(row[f"remain_{suffix}"])
    raise KeyError(f"order_{pair.base} / order_{pair.quote}")


def _side(value: Any) -> Side:
    return _SIDES[str(value).lower()]


def _optional_str(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    return None if value in (None, "") else str(value)


# Public REST


@dataclass(frozen=True)
class ServerTime:
    timezone: str
    server_time_ms: int


@dataclass(frozen=True)
class Ticker:
    pair: Pair
    last: Decimal
    bid: Decimal
    ask: Decimal
    high: Decimal
    low: Decimal
    base_volume: Decimal
    quote_volume: Decimal
    server_time: datetime


@dataclass(frozen=True)
class Summaries:
    """`prices_24h`/`prices_7d` stay keyed by `Pair.id` (`btcidr`): the exchange writes them
    without a separator, and splitting such ids needs the market catalog."""

    tickers: Mapping[Pair, Ticker]
    prices_24h: Mapping[str, Decimal]
    prices_7d: Mapping[str, Decimal]


@dataclass(frozen=True)
class DepthLevel:
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class DepthBook:
    pair: Pair
    bids: tuple[DepthLevel, ...]  # best (highest) first
    asks: tuple[DepthLevel, ...]  # best (lowest) first


@dataclass(frozen=True)
class PublicTrade:
    trade_id: str
    time: datetime
    price: Decimal
    quantity: Decimal  # base coin
    side: Side  # the taker's side


@dataclass(frozen=True)
class Candle:
    time: datetime  # start of the bar
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal  # base coin


@parser
def parse_server_time(payload: Any) -> ServerTime:
    return ServerTime(str(payload["timezone"]), int(dec(payload["server_time"])))


def _ticker(row: Mapping[str, Any], pair: Pair) -> Ticker:
    return Ticker(
        pair=pair,
        last=dec(row["last"]),
        bid=dec(row["buy"]),
        ask=dec(row["sell"]),
        high=dec(row["high"]),
        low=dec(row["low"]),
        base_volume=dec(row[f"vol_{pair.base}"]),
        quote_volume=dec(row[f"vol_{pair.quote}"]),
        server_time=from_seconds(row["server_time"]),
    )


@parser
def parse_ticker(payload: Any, pair: Pair) -> Ticker:
    return _ticker(payload["ticker"], pair)


def _tickers(rows: Mapping[str, Any]) -> dict[Pair, Ticker]:
    tickers = {}
    for ticker_id, row in rows.items():
        pair = pair_of_ticker_id(ticker_id)
        tickers[pair] = _ticker(row, pair)
    return tickers


@parser
def parse_ticker_all(payload: Any) -> dict[Pair, Ticker]:
    return _tickers(payload["tickers"])


@parser
def parse_summaries(payload: Any) -> Summaries:
    return Summaries(
        tickers=_tickers(payload["tickers"]),
        prices_24h={key: dec(value) for key, value in payload["prices_24h"].items()},
        prices_7d={key: dec(value) for key, value in payload["prices_7d"].items()},
    )


def _levels(rows: Any, descending: bool) -> tuple[DepthLevel, ...]:
    levels = (DepthLevel(dec(price), dec(quantity)) for price, quantity in rows)
    return tuple(sorted(levels, key=lambda level: level.price, reverse=descending))


@parser
def parse_depth(payload: Any, pair: Pair) -> DepthBook:
    return DepthBook(
        pair, _levels(payload["buy"], descending=True), _levels(payload["sell"], descending=False)
    )


@parser
def parse_trades(payload: Any) -> tuple[PublicTrade, ...]:
    return tuple(
        PublicTrade(
            trade_id=str(row["tid"]),
            time=from_seconds(row["date"]),
            price=dec(row["price"]),
            quantity=dec(row["amount"]),
            side=_side(row["type"]),
        )
        for row in payload
    )


@parser
def parse_candles(payload: Any) -> tuple[Candle, ...]:
    return tuple(
        Candle(
            time=from_seconds(row["Time"]),
            open=dec(row["Open"]),
            high=dec(row["High"]),
            low=dec(row["Low"]),
            close=dec(row["Close"]),
            volume=dec(row["Volume"]),
        )
        for row in payload
    )


# Private TAPI v1


@dataclass(frozen=True)
class Balances:
    """`withdraw_status` is the account's (1 = may withdraw), not the API key's permission;
    use PrivateClient.can_withdraw for the key."""

    free: Mapping[str, Decimal]
    hold: Mapping[str, Decimal]
    withdraw_status: int
    server_time: datetime


@dataclass(frozen=True)
class PlacedOrder:
    """The reply to `trade`. Buy: `spent`/`remain` in the quote, `received` in the base coin.
    Sell: `spent`/`remain` in the base coin, `received` in the quote."""

    pair: Pair
    side: Side
    order_id: str
    client_order_id: str
    spent: Decimal
    received: Decimal
    fee: Decimal
    remain: Decimal


@dataclass(frozen=True)
class TradeOutcome:
    """A trade the exchange holds. `reply` is its direct answer; when that answer was lost
    (timeout, dropped connection, 5xx, unreadable), `reply` is None and `status` is the order
    as found afterwards by client_order_id."""

    client_order_id: str
    order_id: str
    reply: PlacedOrder | None = None
    status: OrderStatus | None = None


@dataclass(frozen=True)
class OpenOrder:
    """`amount`/`remaining` are in `amount_currency`: the base coin, or the quote for orders
    sized in IDR."""

    pair: Pair
    order_id: str
    client_order_id: str | None
    side: Side
    order_type: str
    price: Decimal
    amount_currency: str
    amount: Decimal
    remaining: Decimal
    submit_time: datetime


@dataclass(frozen=True)
class OrderStatus:
    """`executed_base` is the base coin actually bought or sold; for a buy sized in IDR it is
    only known from `receive_<base>` (None while absent)."""

    pair: Pair
    order_id: str
    client_order_id: str | None
    side: Side
    status: OrderState
    price: Decimal
    amount_currency: str
    amount: Decimal
    remaining: Decimal
    executed_base: Decimal | None
    submit_time: datetime
    finish_time: datetime | None


@dataclass(frozen=True)
class CancelResult:
    pair: Pair
    order_id: str
    client_order_id: str | None
    side: Side
    balance: Mapping[str, Decimal]
    frozen: Mapping[str, Decimal]


@dataclass(frozen=True)
class WithdrawFee:
    currency: str
    fee: Decimal
    server_time: datetime


@dataclass(frozen=True)
class CountdownResult:
    """The deadman switch as armed: orders on `pairs` are cancelled if no new call arrives
    within `countdown_ms`; 0 disarms it."""

    pairs: tuple[Pair, ...]
    countdown_ms: int


@parser
def parse_balances(payload: Any) -> Balances:
    row = envelope(payload)
    return Balances(
        free={currency.lower(): dec(value) for currency, value in row["balance"].items()},
        hold={currency.lower(): dec(value) for currency, value in row["balance_hold"].items()},
        withdraw_status=int(row["withdraw_status"]),
        server_time=from_seconds(row["server_time"]),
    )


@parser
def parse_placed_order(payload: Any, pair: Pair, side: Side) -> PlacedOrder:
    row = envelope(payload)
    if side == "buy":
        spent = _quote_field(row, "spend", pair)
        received = dec(row[f"receive_{pair.base}"])
        remain = _quote_field(row, "remain", pair)
    else:
        spent = dec(row[f"sold_{pair.base}"])
        received = _quote_field(row, "receive", pair)
        remain = dec(row[f"remain_{pair.base}"])
    return PlacedOrder(
        pair=pair,
        side=side,
        order_id=str(row["order_id"]),
        client_order_id=str(row["client_order_id"]),
        spent=spent,
        received=received,
        fee=dec(row["fee"]),
        remain=remain,
    )


def _open_order(row: Mapping[str, Any], pair: Pair) -> OpenOrder:
    currency, amount, remaining = _sized(row, pair)
    return OpenOrder(
        pair=pair,
        order_id=str(row["order_id"]),
        client_order_id=_optional_str(row, "client_order_id"),
        side=_side(row["type"]),
        order_type=str(row.get("order_type", "limit")),
        price=dec(row["price"]),
        amount_currency=currency,
        amount=amount,
        remaining=remaining,
        submit_time=from_seconds(row["submit_time"]),
    )


@parser
def parse_open_orders(payload: Any, pair: Pair | None) -> tuple[OpenOrder, ...]:
    """With a pair the exchange sends a list; without, a map ticker_id → list; none: null."""
    orders = envelope(payload).get("orders")
    if not orders:
        return ()
    if isinstance(orders, dict):
        return tuple(
            _open_order(row, pair_of_ticker_id(ticker_id))
            for ticker_id, rows in orders.items()
            for row in rows or ()
        )
    if pair is None:
        raise ValueError("a list of open orders needs the pair it was asked for")
    return tuple(_open_order(row, pair) for row in orders)


@parser
def parse_order_status(payload: Any, pair: Pair) -> OrderStatus:
    row = envelope(payload)["order"]
    currency, amount, remaining = _sized(row, pair)
    received = row.get(f"receive_{pair.base}")
    if received is not None:
        executed: Decimal | None = dec(received)
    elif currency == pair.base:
        executed = amount - remaining
    else:
        executed = None
    return OrderStatus(
        pair=pair,
        order_id=str(row["order_id"]),
        client_order_id=_optional_str(row, "client_order_id"),
        side=_side(row["type"]),
        status=_V1_STATES[str(row["status"]).lower()],
        price=dec(row["price"]),
        amount_currency=currency,
        amount=amount,
        remaining=remaining,
        executed_base=executed,
        submit_time=from_seconds(row["submit_time"]),
        finish_time=_optional_seconds(row.get("finish_time")),
    )


@parser
def parse_cancel(payload: Any) -> CancelResult:
    row = envelope(payload)
    balance: dict[str, Decimal] = {}
    frozen: dict[str, Decimal] = {}
    for key, value in row["balance"].items():
        currency = key.lower()
        if currency.startswith("frozen_"):
            frozen[currency.removeprefix("frozen_")] = dec(value)
        else:
            balance[currency] = dec(value)
    return CancelResult(
        pair=pair_of_ticker_id(row["pair"]),
        order_id=str(row["order_id"]),
        client_order_id=_optional_str(row, "client_order_id"),
        side=_side(row["type"]),
        balance=balance,
        frozen=frozen,
    )


@parser
def parse_withdraw_fee(payload: Any) -> WithdrawFee:
    row = envelope(payload)
    return WithdrawFee(
        currency=str(row["currency"]).lower(),
        fee=dec(row["withdraw_fee"]),
        server_time=from_seconds(row["server_time"]),
    )


@parser
def parse_countdown(payload: Any, pairs: tuple[Pair, ...], countdown_ms: int) -> CountdownResult:
    """The reply is a bare `{"success": 1}`; anything else does not confirm the switch."""
    if payload.get("success") not in (1, "1"):
        raise KeyError("success")
    return CountdownResult(pairs, countdown_ms)


# Trade API 2.0 histories


@dataclass(frozen=True)
class HistoryOrder:
    pair: Pair
    order_id: str  # the full id, e.g. "btcidr-limit-6423"
    client_order_id: str | None
    side: Side
    order_type: str
    status: HistoryState
    price: Decimal
    quantity: Decimal
    executed_quantity: Decimal
    submit_time: datetime
    finish_time: datetime | None
    cancel_reason: str | None


@dataclass(frozen=True)
class MyTrade:
    pair: Pair
    trade_id: str
    order_id: str
    client_order_id: str | None
    price: Decimal
    quantity: Decimal  # base coin
    quote_quantity: Decimal
    commission: Decimal  # fee and tax together
    commission_asset: str
    is_buyer: bool
    is_maker: bool
    time: datetime


@parser
def parse_history_orders(payload: Any, pair: Pair) -> tuple[HistoryOrder, ...]:
    return tuple(
        HistoryOrder(
            pair=pair,
            order_id=str(row["orderId"]),
            client_order_id=_optional_str(row, "clientOrderId"),
            side=_side(row["side"]),
            order_type=str(row["type"]).lower(),
            status=_V2_STATES[str(row["status"]).upper()],
            price=dec(row["price"]),
            quantity=dec(row["oriQty"]),  # sic: not origQty on this endpoint
            executed_quantity=dec(row["executedQty"]),
            submit_time=from_millis(row["submitTime"]),
            finish_time=from_millis(row["finishTime"]) if row.get("finishTime") else None,
            cancel_reason=_optional_str(row, "cancelReason"),
        )
        for row in payload["data"] or ()
    )


@parser
def parse_my_trades(payload: Any, pair: Pair) -> tuple[MyTrade, ...]:
    return tuple(
        MyTrade(
            pair=pair,
            trade_id=str(row["tradeId"]),
            order_id=str(row["orderId"]),
            client_order_id=_optional_str(row, "clientOrderId"),
            price=dec(row["price"]),
            quantity=dec(row["qty"]),
            quote_quantity=dec(row["quoteQty"]),
            commission=dec(row["commission"]),
            commission_asset=str(row["commissionAsset"]).lower(),
            is_buyer=bool(row["isBuyer"]),
            is_maker=bool(row["isMaker"]),
            time=from_millis(row["time"]),
        )
        for row in payload["data"] or ()
    )


@dataclass(frozen=True)
class Transfer:
    """Coins that came into the account from elsewhere or left it (transHistory), done."""

    direction: Literal["deposit", "withdrawal"]
    currency: str
    transfer_id: str
    amount: Decimal  # coins that left or arrived, the network fee apart
    fee: Decimal  # coins a withdrawal paid the network, 0 for a deposit
    time: datetime


_TRANSFER_KINDS: Mapping[str, tuple[Literal["deposit", "withdrawal"], str]] = {
    "deposit": ("deposit", "deposit_id"),
    "withdraw": ("withdrawal", "withdraw_id"),
}


@parser
def parse_transfers(payload: Any) -> tuple[Transfer, ...]:
    """The coin rows that succeeded, oldest first. Rupiah rows are left out: rupiah has no
    cost to follow. A row's coins are under the coin's own name or `amount` (both seen);
    its time is `success_time`, unix seconds, as a string or a number."""
    found: list[Transfer] = []
    reply = envelope(payload)
    for field, (direction, id_field) in _TRANSFER_KINDS.items():
        for currency, rows in (reply.get(field) or {}).items():
            coin = currency.lower()
            if coin == "idr":
                continue
            for row in rows or ():
                if str(row.get("status", "")).lower() != "success":
                    continue
                found.append(
                    Transfer(
                        direction=direction,
                        currency=coin,
                        transfer_id=str(row[id_field]),
                        amount=dec(row[coin] if coin in row else row["amount"]),
                        fee=dec(row.get("fee") or 0) if direction == "withdrawal" else Decimal(0),
                        time=from_seconds(row.get("success_time") or row["submit_time"]),
                    )
                )
    return tuple(sorted(found, key=lambda transfer: transfer.time))


@dataclass(frozen=True)
class StreamToken:
    """A day's credential for the account's private order stream: it reads order updates
    and does nothing else, but it is still kept out of logs."""

    token: Secret
    channel: str


@parser
def parse_stream_token(payload: Any) -> StreamToken:
    row = envelope(payload)
    token, channel = str(row["connToken"]), str(row["channel"])
    if not token or not channel.startswith("pws:"):
        raise ValueError("not a private stream token")
    return StreamToken(Secret(token), channel)
