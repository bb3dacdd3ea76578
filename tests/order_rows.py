"""An order row resting on the exchange, as the Supervisor's and the persistence tests find it."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from persistence.models import Order, User

_numbers = itertools.count(1)


def resting_order(owner: User, checked_at: datetime | None = None, state: str = "open") -> Order:
    """A limit buy of `owner`'s; `checked_at` None: never checked against the exchange."""
    return Order.create(
        user=owner,
        client_order_id=f"ib{owner.id}-rest{next(_numbers)}",
        pair="btc_idr",
        side="buy",
        order_type="limit",
        price=Decimal(900_000_000),
        amount=Decimal("0.001"),
        state=state,
        checked_at=checked_at,
    )
