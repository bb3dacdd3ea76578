"""Indodax's public market-data socket speaks Centrifugo v2 JSON (field guide §5.1).

All knowledge of that wire lives here, in both directions, as pure functions: the feed builds
commands and parses replies and pushes; the simulator's hub parses commands and builds replies
and pushes from the same shapes, so the two cannot drift apart. Nothing here does I/O, and no
parser raises: a message it cannot read becomes `Ignored` plus a log line, because one odd
message from the exchange must never take the price feed down.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum
from typing import Any

from adapters.indodax.pairs import Pair, parse_pair

log = logging.getLogger(__name__)

PUBLIC_URL = "wss://ws3.indodax.com/ws/"
# Not a secret: published in the official docs, shared by every client; expires 2031-09-08.
PUBLIC_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE5NDY2MTg0MTV9"  # noqa: S105
    ".UR1lBM6Eqh0yWz-PVirw1uPCxe60FdchR8eNVdsskeo"
)
TICK_PREFIX = "chart:tick-"
BOOK_PREFIX = "market:order-book-"
SUMMARY_CHANNEL = "market:summary-24h"
CHANNEL_LIMIT = 128  # per connection; the 129th subscribe is refused with error 106
_IDR_STEP = Decimal(1)
_COIN_STEP = Decimal("1e-8")
_FLOAT_DIGITS = 15
_BAD_PAYLOAD = (ArithmeticError, KeyError, TypeError, ValueError)


class Method(IntEnum):
    """Centrifugo v2 command numbers; a command without `method` is a connect."""

    CONNECT = 0
    SUBSCRIBE = 1
    UNSUBSCRIBE = 2
    PING = 7


class ErrorCode(IntEnum):
    UNKNOWN_CHANNEL = 102
    METHOD_NOT_FOUND = 104
    ALREADY_SUBSCRIBED = 105
    LIMIT_EXCEEDED = 106

    @property
    def message(self) -> str:
        return self.name.lower().replace("_", " ")


@dataclass(frozen=True)
class Disconnect:
    """A close the server initiates; the reason travels as JSON with a `reconnect` hint."""

    code: int
    reason: str
    reconnect: bool

    def close_message(self) -> str:
        return _encode({"reason": self.reason, "reconnect": self.reconnect})


INVALID_TOKEN = Disconnect(3002, "invalid token", reconnect=False)
BAD_REQUEST = Disconnect(3003, "bad request", reconnect=False)
SHUTDOWN = Disconnect(3001, "shutdown", reconnect=True)


def parse_disconnect(code: int | None, text: str | None) -> Disconnect:
    """A close without Centrifugo's JSON reason (a dropped TCP link, a proxy) is worth a retry."""
    try:
        reason = json.loads(text or "")
        return Disconnect(code or 0, str(reason["reason"]), bool(reason["reconnect"]))
    except (ValueError, TypeError, KeyError):
        return Disconnect(code or 0, text or "connection lost", reconnect=True)


# --- market events --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    """One trade print from `chart:tick-<pair>`; `seq` is the exchange's trade id."""

    pair: Pair
    ts_seconds: int
    seq: int
    price: Decimal
    volume: Decimal


@dataclass(frozen=True)
class Summary:
    """One row of `market:summary-24h`: only pairs that changed are pushed."""

    pair: Pair
    ts: int
    last: Decimal
    low: Decimal
    high: Decimal
    price_24h_ago: Decimal
    quote_volume: Decimal
    base_volume: Decimal


@dataclass(frozen=True)
class Level:
    price: Decimal
    base_volume: Decimal
    quote_volume: Decimal


@dataclass(frozen=True)
class Book:
    """The full book (every push replaces it): bids best-first descending, asks ascending."""

    pair: Pair
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]


Event = Tick | Summary | Book


def book_level(pair: Pair, price: Decimal, base_volume: Decimal) -> Level:
    """The quote volume Indodax shows for a level: price * volume rounded to the nearest
    whole rupiah on IDR markets (1549999000 * 1.08567915 is "1682801597" in the sample)."""
    step = _IDR_STEP if pair.quote == "idr" else _COIN_STEP
    return Level(price, base_volume, (price * base_volume).quantize(step, rounding=ROUND_HALF_UP))


def sorted_book(pair: Pair, bids: Iterable[Level], asks: Iterable[Level]) -> Book:
    """Order guaranteed whatever the source: consumers read `bids[0]` as the best bid."""
    return Book(
        pair,
        tuple(sorted(bids, key=_price, reverse=True)),
        tuple(sorted(asks, key=_price)),
    )


def _price(level: Level) -> Decimal:
    return level.price


# --- client -> server ----------------------------------------------------------------------


@dataclass(frozen=True)
class StreamPosition:
    """Where a client is in a channel's stream, to ask for what it missed after a reconnect."""

    offset: int
    epoch: str


def connect_command(command_id: int, token: str) -> str:
    return _encode({"params": {"token": token}, "id": command_id})


def subscribe_command(command_id: int, channel: str, since: StreamPosition | None = None) -> str:
    params: dict[str, Any] = {"channel": channel}
    if since is not None:
        params |= {"recover": True, "offset": since.offset, "epoch": since.epoch}
    return _encode({"method": Method.SUBSCRIBE, "params": params, "id": command_id})


def unsubscribe_command(command_id: int, channel: str) -> str:
    return _encode({"method": Method.UNSUBSCRIBE, "params": {"channel": channel}, "id": command_id})


def ping_command(command_id: int) -> str:
    """The id is not optional: the server closes an id-less command with 3003."""
    return _encode({"method": Method.PING, "id": command_id})


@dataclass(frozen=True)
class Command:
    id: int | None
    method: int
    params: dict[str, Any]


def parse_command(message: str) -> Command | None:
    """What the server reads; None is a message no Centrifugo server would accept."""
    try:
        command = json.loads(message)
        method = int(command.get("method", Method.CONNECT))
        params = command.get("params", {})
        raw_id = command.get("id")
    except (ValueError, TypeError, AttributeError):
        return None
    if not isinstance(params, dict):
        return None
    command_id = raw_id if isinstance(raw_id, int) and raw_id > 0 else None
    return Command(command_id, method, params)


# --- server -> client ----------------------------------------------------------------------


def reply(command_id: int, result: dict[str, Any] | None = None) -> str:
    """A ping's reply carries no result at all: `{"id":n}`."""
    body: dict[str, Any] = {"id": command_id}
    if result is not None:
        body["result"] = result
    return _encode(body)


def error_reply(command_id: int, code: ErrorCode) -> str:
    return _encode({"id": command_id, "error": {"code": code, "message": code.message}})


def connect_result(client_id: str, version: str) -> dict[str, Any]:
    return {"client": client_id, "version": version}


def subscribe_result(
    epoch: str,
    offset: int,
    recovery: tuple[list[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """`offset` is left out at 0 (a channel without history), as Centrifugo's omitempty does;
    `recovery` is (publications after the client's offset, whether that covers the gap)."""
    result: dict[str, Any] = {"recoverable": True, "epoch": epoch}
    if offset:
        result["offset"] = offset
    if recovery is not None:
        publications, recovered = recovery
        if publications:
            result["publications"] = publications
        result["recovered"] = recovered
    return result


def publication(payload: Any, offset: int) -> dict[str, Any]:
    return {"data": payload, "offset": offset}


def push(channel: str, published: dict[str, Any]) -> str:
    return _encode({"result": {"channel": channel, "data": published}})


def tick_payload(ticks: Iterable[Tick]) -> list[list[Any]]:
    return [[tick.ts_seconds, tick.seq, _number(tick.price), _text(tick.volume)] for tick in ticks]


def summary_payload(summaries: Iterable[Summary]) -> list[list[Any]]:
    return [
        [
            row.pair.id,
            row.ts,
            _number(row.last),
            _number(row.low),
            _number(row.high),
            _number(row.price_24h_ago),
            _text(row.quote_volume),
            _text(row.base_volume),
        ]
        for row in summaries
    ]


def book_payload(book: Book) -> dict[str, Any]:
    base_key, quote_key = _volume_keys(book.pair)

    def side(levels: tuple[Level, ...]) -> list[dict[str, str]]:
        return [
            {
                "price": _text(level.price),
                base_key: _text(level.base_volume),
                quote_key: _text(level.quote_volume),
            }
            for level in levels
        ]

    return {"pair": book.pair.id, "ask": side(book.asks), "bid": side(book.bids)}


# --- parsing what the server sends ---------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """The answer to one of our commands (connect, subscribe, unsubscribe, ping)."""

    id: int
    result: dict[str, Any]


@dataclass(frozen=True)
class CommandError:
    id: int
    code: int
    message: str


@dataclass(frozen=True)
class Push:
    """A publication on a channel. `offset` grows by one per publication and is what a
    reconnecting client hands back to recover what it missed."""

    channel: str
    offset: int | None
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Ignored:
    reason: str
    message: str


Message = Reply | CommandError | Push | Ignored


def split_frame(text: str) -> list[str]:
    """The server packs several messages into one text frame, one per line."""
    return [line for line in text.split("\n") if line.strip()]


def parse_frame(text: str) -> list[Message]:
    return [parse_message(line) for line in split_frame(text)]


def parse_message(message: str) -> Message:
    try:
        body = json.loads(message)
    except ValueError:
        return _ignore("not JSON", message)
    if not isinstance(body, dict):
        return _ignore("not a JSON object", message)
    command_id = body.get("id")
    if isinstance(command_id, int) and command_id > 0:
        return _parse_reply(command_id, body, message)
    result = body.get("result")
    if isinstance(result, dict) and isinstance(result.get("channel"), str):
        if result.get("type", 0) != 0:
            return _ignore(f"push type {result.get('type')!r}", message, level=logging.DEBUG)
        return parse_publication(result["channel"], result.get("data"))
    return _ignore("neither a reply nor a push", message)


def _parse_reply(command_id: int, body: dict[str, Any], message: str) -> Message:
    error = body.get("error")
    if error is not None:
        if not isinstance(error, dict):
            return _ignore("error is not an object", message)
        return CommandError(
            command_id, _int_or_none(error.get("code")) or 0, str(error.get("message"))
        )
    result = body.get("result", {})
    if not isinstance(result, dict):
        return _ignore("result is not an object", message)
    return Reply(command_id, result)


def parse_publication(channel: str, published: Any) -> Push | Ignored:
    """One publication, from a live push or from the `publications` of a recovering subscribe."""
    if not isinstance(published, dict):
        return _ignore("publication is not an object", repr(published))
    parser = _parser_for(channel)
    if parser is None:
        return _ignore(f"no parser for {channel}", repr(published), level=logging.DEBUG)
    try:
        offset = published.get("offset")
        events = parser(channel, published["data"])
        return Push(channel, None if offset is None else int(offset), events)
    except _BAD_PAYLOAD as error:
        return _ignore(f"bad {channel} payload: {error!r}", repr(published))


@dataclass(frozen=True)
class Subscribed:
    """A subscribe reply read for one channel. `position` is None when the channel is not
    recoverable; `publications` are what a recovering subscribe brought back, oldest first."""

    position: StreamPosition | None
    recovered: bool
    publications: tuple[Push | Ignored, ...]


def parse_subscribe_result(channel: str, result: dict[str, Any]) -> Subscribed:
    epoch = result.get("epoch")
    offset = _int_or_none(result.get("offset", 0))
    position = (
        StreamPosition(offset, epoch)
        if result.get("recoverable") and isinstance(epoch, str) and offset is not None
        else None
    )
    published = result.get("publications")
    items = published if isinstance(published, list) else []
    publications = tuple(parse_publication(channel, item) for item in items)
    return Subscribed(position, bool(result.get("recovered", False)), publications)


@functools.lru_cache(maxsize=2048)
def pair_from_wire(wire_id: str) -> Pair:
    """`btcidr` → BTC/IDR. The id must end in a known quote: `parse_pair` alone would read an
    unknown spelling as a coin against IDR. Cached: a summary push names hundreds of pairs,
    always the same ones."""
    pair = parse_pair(wire_id)
    if pair.id != wire_id:
        raise ValueError(f"{wire_id!r} is not a pair id")
    return pair


def _parser_for(channel: str) -> Callable[[str, Any], tuple[Event, ...]] | None:
    if channel == SUMMARY_CHANNEL:
        return _summaries
    if channel.startswith(TICK_PREFIX):
        return _ticks
    if channel.startswith(BOOK_PREFIX):
        return _book
    return None


def _ticks(channel: str, payload: Any) -> tuple[Event, ...]:
    pair = pair_from_wire(channel.removeprefix(TICK_PREFIX))
    return tuple(
        Tick(pair, int(ts), int(seq), _decimal(price), _decimal(volume))
        for ts, seq, price, volume in _rows(payload)
    )


def _summaries(_channel: str, payload: Any) -> tuple[Event, ...]:
    return tuple(
        Summary(
            pair_from_wire(wire_id),
            int(ts),
            *(_decimal(value) for value in (last, low, high, ago, quote_volume, base_volume)),
        )
        for wire_id, ts, last, low, high, ago, quote_volume, base_volume in _rows(payload)
    )


def _book(channel: str, payload: Any) -> tuple[Event, ...]:
    pair = pair_from_wire(channel.removeprefix(BOOK_PREFIX))
    base_key, quote_key = _volume_keys(pair)

    def side(name: str) -> list[Level]:
        return [
            Level(_decimal(row["price"]), _decimal(row[base_key]), _decimal(row[quote_key]))
            for row in _rows(payload[name])
        ]

    return (sorted_book(pair, side("bid"), side("ask")),)


def _volume_keys(pair: Pair) -> tuple[str, str]:
    return f"{pair.base}_volume", f"{pair.quote}_volume"


def _rows(payload: Any) -> list[Any]:
    if not isinstance(payload, list):
        raise TypeError(f"expected a list, got {type(payload).__name__}")
    return payload


def _decimal(value: Any) -> Decimal:
    """`Decimal(str(x))` for the wire's strings, ints and floats; the hot path of parsing."""
    kind = type(value)
    if kind is int:
        return Decimal(value)
    if kind is not str and kind is not float:
        raise TypeError(f"not a number: {value!r}")
    number = Decimal(value if kind is str else repr(value))
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ignore(reason: str, message: str, level: int = logging.WARNING) -> Ignored:
    log.log(level, "ignored market socket message", extra={"reason": reason, "ws": message[:200]})
    return Ignored(reason, message)


def _number(value: Decimal) -> int | float:
    """Prices travel as JSON numbers. The encoder cannot write a Decimal, and a float keeps
    only 15 significant digits exactly: plenty for any price on a tick (integers stay exact
    at any size), so a price needing more is refused rather than silently changed."""
    if value == value.to_integral_value():
        return int(value)
    if len(value.normalize().as_tuple().digits) > _FLOAT_DIGITS:
        raise ValueError(f"{value} has too many digits to travel as a JSON number")
    return float(value)


def _text(value: Decimal) -> str:
    return format(value, "f")


def _encode(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))
