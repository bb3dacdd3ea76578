"""How a paper order looks to its user: the parameters of its messages."""

from __future__ import annotations

from typing import Any

from adapters.indodax.pairs import parse_pair
from messages.statuses import OrderState
from persistence.models.paper import PaperOrder


def paper_params(order: PaperOrder) -> dict[str, Any]:
    """What the fill or the resting order looks like: fill price and coins once filled,
    the limit price and quantity while it rests."""
    pair = parse_pair(order.pair)
    filled = order.state == OrderState.FILLED
    return {
        "pair": pair.display,
        "side": order.side,
        "quantity": order.filled_amount if filled else order.amount or "",
        "price": order.fill_price if filled else order.price or "",
        "value": order.filled_value,
        "fee": order.fee,
        "base": pair.base.upper(),
        "quote": pair.quote.upper(),
        "order_id": order.exchange_order_id,
        "client_order_id": order.client_order_id,
        "state": order.state,
    }
