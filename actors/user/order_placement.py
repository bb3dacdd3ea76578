"""Placing one order with the money rules: recorded first, sent once, never resent.

The row (with its client_order_id) is committed before anything goes to the exchange.
A reply that is lost is resolved by looking the order up by client_order_id (the private
client does that); an order whose fate stays unknown is marked so, owed to its user, and
followed up in the background (actors/user/order_followup.py), never sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from actors.user.order_changes import placement_fill, placement_traded
from adapters.indodax.errors import (
    ExchangeRejected,
    IndodaxError,
    InsufficientBalance,
    MinimumOrder,
    MinimumPrice,
    NotMaker,
    OrderNotPlaced,
    OrderOutcomeUnknown,
    RateLimited,
)
from adapters.indodax.order_rules import TapiOrder
from adapters.indodax.private_client import PrivateClient
from adapters.indodax.wire import OrderStatus, TradeOutcome
from messages.statuses import OrderState
from persistence.models.base import utcnow
from persistence.models.fills import record_changes
from persistence.models.orders import (
    NOT_ON_THE_EXCHANGE,
    Order,
    OrderOwner,
    record_intended_order,
    settle_order,
)
from persistence.models.users import User

log = logging.getLogger(__name__)

# Exchange refusals the user can act on, each with its own message key.
_REJECTION_KEYS: tuple[tuple[type[IndodaxError], str], ...] = (
    (InsufficientBalance, "order.rejected.insufficient_balance"),
    (MinimumOrder, "order.rejected.minimum_order"),
    (MinimumPrice, "order.rejected.minimum_price"),
    (NotMaker, "order.rejected.not_maker"),
    (RateLimited, "order.rejected.rate_limited"),
)


@dataclass(frozen=True)
class Placement:
    order: Order
    key: str  # the message key telling the user what happened
    # Why the trade call failed, though the order may stand (its reply was lost and the
    # lookup found it): the dead-man switch counts it. None when the exchange answered.
    failure: str | None = None


def rejection_key(error: IndodaxError) -> str:
    for cls, key in _REJECTION_KEYS:
        if isinstance(error, cls):
            return key
    return "order.rejected.other"


def order_fields(order: TapiOrder) -> dict[str, Any]:
    """An order's columns in the orders table."""
    return {
        "pair": order.pair.ticker_id,
        "side": order.side,
        "order_type": order.order_type,
        "price": order.price,
        "amount": order.quantity,
        "quote_amount": order.quote_amount,
    }


def place(
    client: PrivateClient, user: User, order: TapiOrder, owner: OrderOwner | None = None
) -> Placement:
    """`owner`: the strategy that chose the order's id (a user's order gets a new one)."""
    with client.nonce_asked_ahead():
        row = record_intended_order(user, order_fields(order), owner)
        try:
            outcome = client.trade(
                order.pair,
                order.side,
                order.order_type,
                client_order_id=row.client_order_id,
                price=order.price,
                quantity=order.quantity,
                quote_amount=order.quote_amount,
            )
        except OrderOutcomeUnknown as error:
            log.error("order outcome unknown", extra={"client_order_id": row.client_order_id})
            settle_order(row, state=OrderState.UNKNOWN, error=str(error)[:500], outcome_owed=True)
            return Placement(row, "order.unknown", type(error).__name__)
        except OrderNotPlaced as error:
            settle_order(row, state=OrderState.REJECTED, error=str(error)[:500])
            return Placement(row, "order.not_placed", type(error).__name__)
        except RateLimited as error:
            # The exchange ran nothing. A strategy's order is told as never sent, so its
            # strategy asks for the same intent again (the client waits out the pair's block);
            # a user is told to try again.
            why = NOT_ON_THE_EXCHANGE if owner is not None else str(error)[:500]
            settle_order(row, state=OrderState.REJECTED, error=why)
            return Placement(row, rejection_key(error), type(error).__name__)
        except ExchangeRejected as error:
            settle_order(row, state=OrderState.REJECTED, error=str(error)[:500])
            return Placement(row, rejection_key(error), type(error).__name__)
        except IndodaxError as error:
            # Refused before it reached the order book (credentials, nonce, unreachable host).
            settle_order(row, state=OrderState.REJECTED, error=str(error)[:500])
            raise
    lost = outcome.status is not None  # found by client_order_id after the reply was lost
    return Placement(apply_outcome(row, outcome), "order.placed", "ReplyLost" if lost else None)


def apply_outcome(row: Order, outcome: TradeOutcome) -> Order:
    """The exchange's answer to the placement; it counts as a check of the order."""
    if outcome.status is not None:
        return apply_status(row, outcome.status)
    reply = outcome.reply
    assert reply is not None  # no status: the exchange answered
    executed = placement_traded(reply)
    state = OrderState.FILLED if reply.remain == 0 else OrderState.OPEN
    if state == OrderState.OPEN and executed > 0:
        state = OrderState.PARTIALLY_FILLED
    columns: dict[str, Any] = {
        "exchange_order_id": outcome.order_id,
        "state": state,
        "filled_amount": executed,
        "checked_at": utcnow(),
    }
    fill = placement_fill(reply)
    if fill is None:
        return settle_order(row, **columns)
    record_changes(row, [fill], **columns)  # with the row, in one transaction
    return row


def apply_status(row: Order, status: OrderStatus) -> Order:
    state = {
        "open": OrderState.OPEN,
        "filled": OrderState.FILLED,
        "cancelled": OrderState.CANCELLED,
    }[status.status]
    if state == OrderState.OPEN and status.remaining < status.amount:
        state = OrderState.PARTIALLY_FILLED
    filled = status.executed_base if status.executed_base is not None else Decimal(0)
    return settle_order(
        row,
        exchange_order_id=status.order_id,
        state=state,
        filled_amount=filled,
        checked_at=utcnow(),
    )
