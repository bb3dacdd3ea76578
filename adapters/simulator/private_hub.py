"""The private order stream of pws.indodax.com (field guide §5.2): connection tokens that
last 24 hours of the simulator's clock, the Centrifugo v3+ object protocol (a different
dialect from the public socket's v2), and an `order_update` push per engine action to the
sockets reading the account's channel.

Every number in an `order` is one a REST surface also reports for the same order, so a
client can match the stream against them: `orderId` is the v2 order id, `tradeId`, `qty`,
`fee` + `tax` are the v2 myTrades `tradeId`, `qty` and `commission` of the fill, and
`executedQty` is what v2 order histories calls `executedQty` (coins received, for a buy
after its fee). `unfilledQty` is the part of the order not yet matched, so on a buy
`executedQty + unfilledQty` falls short of `origQty` by the coins the fee took.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from adapters.indodax.ws_protocol import BAD_REQUEST, Disconnect
from adapters.simulator.engine import Fill, Order, OrderEvent, tax_rate
from adapters.simulator.formats import number, plain, quantity
from adapters.simulator.ws_hub import Client, SocketHub

SERVER_VERSION = "5.2.0"
TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000
CHANNEL_PREFIX = "pws:#"
PING = "{}"  # Centrifugo v3+ pings and pongs are empty objects


class Refusal(IntEnum):
    """Centrifugo's client error codes; the message is the name in lower case."""

    UNAUTHORIZED = 101
    PERMISSION_DENIED = 103
    METHOD_NOT_FOUND = 104
    ALREADY_SUBSCRIBED = 105
    TOKEN_EXPIRED = 109


@dataclass(frozen=True)
class _Grant:
    channel: str
    expires_ms: int


def channel_of(key: str) -> str:
    """Fixed per account, so a client can keep it across tokens."""
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()
    return f"{CHANNEL_PREFIX}{digest}"


class PrivateHub(SocketHub):
    def __init__(self, now_ms: Callable[[], int], heartbeat: float | None = 25.0) -> None:
        super().__init__(heartbeat)
        self._now_ms = now_ms
        self._grants: dict[str, _Grant] = {}

    def issue(self, key: str) -> tuple[str, str]:
        """A new connection token and the account's channel; older tokens stay valid until
        they expire, as on the exchange, which answers every (re)connect with a new one."""
        now = self._now_ms()
        self._grants = {
            token: grant for token, grant in self._grants.items() if grant.expires_ms > now
        }
        token = secrets.token_urlsafe(32)
        grant = _Grant(channel_of(key), now + TOKEN_LIFETIME_MS)
        self._grants[token] = grant
        return token, grant.channel

    def publish(self, events: Sequence[OrderEvent]) -> None:
        """One engine action: each account whose orders it touched gets one push with its
        own events, in the order the engine made them."""
        by_channel: dict[str, list[OrderEvent]] = {}
        for event in events:
            by_channel.setdefault(channel_of(event.order.key), []).append(event)
        for channel, mine in by_channel.items():
            if self.subscribers(channel):
                data = [order_update(event) for event in mine]
                self._send(channel, _encode({"push": {"channel": channel, "pub": {"data": data}}}))

    def _execute(self, client: Client, line: str) -> Disconnect | None:
        command = _parse(line)
        if command is None:
            return BAD_REQUEST
        if not command:
            client.outbox.put_nowait(PING)
            return None
        command_id = command.get("id")
        if isinstance(command_id, bool) or not isinstance(command_id, int):
            return BAD_REQUEST
        if "connect" in command:
            return self._connect(client, command_id, command["connect"])
        if "subscribe" in command:
            return self._subscribe(client, command_id, command["subscribe"])
        client.outbox.put_nowait(_error(command_id, Refusal.METHOD_NOT_FOUND))
        return None

    def _connect(self, client: Client, command_id: int, params: Any) -> Disconnect | None:
        """A refused token leaves the socket open and unconnected: the client decides."""
        if client.connected or not isinstance(params, dict):
            return BAD_REQUEST
        grant = self._grants.get(str(params.get("token", "")))
        now = self._now_ms()
        if grant is None or grant.expires_ms <= now:
            client.outbox.put_nowait(_error(command_id, Refusal.TOKEN_EXPIRED))
            return None
        client.connected = True
        client.own_channel = grant.channel
        result = {
            "client": str(uuid.uuid4()),
            "version": SERVER_VERSION,
            "expires": True,
            "ttl": (grant.expires_ms - now) // 1000,
        }
        client.outbox.put_nowait(_encode({"id": command_id, "connect": result}))
        return None

    def _subscribe(self, client: Client, command_id: int, params: Any) -> Disconnect | None:
        if not isinstance(params, dict) or not isinstance(params.get("channel"), str):
            return BAD_REQUEST
        channel = params["channel"]
        if not client.connected:
            refusal: Refusal | None = Refusal.UNAUTHORIZED
        elif channel != client.own_channel:
            refusal = Refusal.PERMISSION_DENIED
        elif channel in client.channels:
            refusal = Refusal.ALREADY_SUBSCRIBED
        else:
            refusal = None
            self._join(client, channel)
        answer = {"id": command_id, "subscribe": {}}
        client.outbox.put_nowait(
            _encode(answer) if refusal is None else _error(command_id, refusal)
        )
        return None


def order_update(event: OrderEvent) -> dict[str, Any]:
    order, fill = event.order, event.fill
    price = fill.price if fill is not None and order.price is None else order.shown_price
    body: dict[str, Any] = {
        "orderId": order.full_id,
        "clientOrderId": order.client_order_id,
        "symbol": order.market.id,
        "description": order.market.pair.display,
        "side": order.side.upper(),
        "origQty": quantity(order.coins(order.amount)),
        "executedQty": quantity(event.executed),
        "unfilledQty": quantity(order.coins(event.remaining)),
        "price": plain(price),
        "status": event.change.value,
        "transactionTime": event.time_ms,
    }
    if fill is not None:
        body["tradeId"] = str(fill.trade_id)
        body["fillInformation"] = _fill_information(order, fill, event)
    return {"eventType": "order_update", "order": body}


def _fill_information(order: Order, fill: Fill, event: OrderEvent) -> dict[str, Any]:
    """`price` is the simulator's addition: the exchange's docs list no fill price."""
    market = order.market
    return {
        "participant": "MAKER" if fill.is_maker else "TAKER",
        "filledQty": quantity(event.executed),
        "qty": quantity(fill.quantity),
        "price": plain(fill.price),
        "feeAsset": market.quote,
        "feeRate": number(market.fee_rate(fill.is_maker)),
        "fee": plain(fill.fee - fill.tax),
        "taxAsset": market.quote,
        "taxRate": number(tax_rate(order.side)),
        "tax": plain(fill.tax),
    }


def _parse(line: str) -> dict[str, Any] | None:
    try:
        command = json.loads(line)
    except ValueError:
        return None
    return command if isinstance(command, dict) else None


def _error(command_id: int, refusal: Refusal) -> str:
    message = refusal.name.lower().replace("_", " ")
    return _encode({"id": command_id, "error": {"code": refusal.value, "message": message}})


def _encode(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))
