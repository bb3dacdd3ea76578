"""The private order stream's wire (field guide §5.2): Centrifugo v3+ object frames, and the
`order_update` events they push, parsed into typed values.

Pure: no sockets here (order_stream.py holds them). A frame that is not JSON, or an event
that lacks what it must carry, is skipped and counted by the caller, never raised: one
garbled push must not end a user's stream. Numbers are read from strings or JSON numbers
alike (the documented samples mix them) and never through float.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from adapters.indodax.pairs import Pair, parse_pair

Status = Literal["NEW", "FILL", "DONE", "CANCELLED", "REJECTED"]
_STATUSES: dict[str, Status] = {
    "NEW": "NEW",
    "FILL": "FILL",
    "FILLED": "FILL",  # the field table's spelling; the samples say FILL
    "DONE": "DONE",
    "CANCELLED": "CANCELLED",
    "CANCELED": "CANCELLED",
    "REJECTED": "REJECTED",
}

# Centrifugo's error codes the stream acts on.
TOKEN_EXPIRED = 109
PERMISSION_DENIED = 103
UNAUTHORIZED = 101


@dataclass(frozen=True)
class StreamFill:
    """One trade of the order. `price` is None when the exchange does not say it (the
    documented fields have none); a maker's fill then traded at the order's own price."""

    trade_id: str
    quantity: Decimal  # base coin, this trade
    filled: Decimal  # base coin, the order's trades so far
    price: Decimal | None
    maker: bool
    fee: Decimal
    fee_asset: str
    tax: Decimal
    tax_asset: str


@dataclass(frozen=True)
class StreamedOrder:
    pair: Pair
    order_id: str
    client_order_id: str | None
    side: Literal["buy", "sell"]
    status: Status
    price: Decimal
    quantity: Decimal  # base coin ordered
    executed: Decimal  # base coin traded so far
    time_ms: int
    fill: StreamFill | None


@dataclass(frozen=True)
class StreamReply:
    """The answer to a command of ours: `error` is Centrifugo's code, None on success."""

    command_id: int
    error: int | None
    message: str


@dataclass(frozen=True)
class StreamPush:
    channel: str
    orders: tuple[StreamedOrder, ...]
    skipped: int  # events that were not order updates, or could not be read


Frame = StreamReply | StreamPush


def connect_frame(token: str, command_id: int) -> str:
    return json.dumps({"connect": {"token": token}, "id": command_id})


def subscribe_frame(channel: str, command_id: int) -> str:
    return json.dumps({"subscribe": {"channel": channel}, "id": command_id})


def parse_frames(text: str) -> tuple[list[Frame], int]:
    """Every frame in one socket message (Centrifugo joins several with newlines), and how
    many could not be read. Pings (`{}`) and frames of no interest are neither."""
    frames: list[Frame] = []
    unreadable = 0
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            frame = _frame(json.loads(line, parse_float=Decimal))
        except (ValueError, TypeError, KeyError, AttributeError):
            unreadable += 1
            continue
        if frame is not None:
            frames.append(frame)
    return frames, unreadable


def _frame(raw: Any) -> Frame | None:
    if not isinstance(raw, dict):
        raise ValueError("frame is not an object")
    if "push" in raw:
        push = raw["push"]
        events = push.get("pub", {}).get("data", [])
        if not isinstance(events, list):
            events = [events]
        orders = [_order(event) for event in events]
        read = tuple(order for order in orders if order is not None)
        return StreamPush(str(push.get("channel", "")), read, len(orders) - len(read))
    if "id" in raw:
        command_id = raw["id"]
        if not isinstance(command_id, int) or isinstance(command_id, bool):
            raise ValueError("a reply's id is a whole number")
        error = raw.get("error")
        if isinstance(error, dict):
            return StreamReply(command_id, int(error.get("code", 0)), str(error.get("message")))
        return StreamReply(command_id, None, "")
    return None


def _order(event: Any) -> StreamedOrder | None:
    """None for an event that is not an order update or lacks a field it needs."""
    try:
        if event.get("eventType") != "order_update":
            return None
        order = event["order"]
        status = _STATUSES[str(order["status"]).upper()]
        pair = parse_pair(str(order["symbol"]))
        executed = _decimal(order["executedQty"])
        fill = None
        if status == "FILL":
            fill = _fill(order.get("tradeId"), order.get("fillInformation"))
            if fill is None:
                return None
        side = str(order["side"]).lower()
        if side not in ("buy", "sell"):
            return None
        return StreamedOrder(
            pair=pair,
            order_id=str(order["orderId"]),
            client_order_id=_optional(order.get("clientOrderId")),
            side="buy" if side == "buy" else "sell",
            status=status,
            price=_decimal(order["price"]),
            quantity=_decimal(order["origQty"]),
            executed=executed,
            time_ms=int(order["transactionTime"]),
            fill=fill,
        )
    except (KeyError, ValueError, TypeError, AttributeError, InvalidOperation):
        return None


def _fill(trade_id: Any, info: Any) -> StreamFill | None:
    if trade_id in (None, "") or not isinstance(info, dict):
        return None
    price = info.get("price")
    return StreamFill(
        trade_id=str(trade_id),
        quantity=_decimal(info["qty"]),
        filled=_decimal(info["filledQty"]),
        price=None if price in (None, "") else _decimal(price),
        maker=str(info.get("participant", "")).upper() == "MAKER",
        fee=_decimal(info.get("fee", 0)),
        fee_asset=str(info.get("feeAsset", "")).lower(),
        tax=_decimal(info.get("tax", 0)),
        tax_asset=str(info.get("taxAsset", "")).lower(),
    )


def _decimal(value: Any) -> Decimal:
    """A finite, non-negative amount; a bool, a float's text of NaN or infinity, or a
    negative value is not one."""
    if isinstance(value, bool) or value is None:
        raise ValueError("not an amount")
    number = Decimal(str(value))
    if not number.is_finite() or number < 0:
        raise ValueError("not an amount")
    return number


def _optional(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
