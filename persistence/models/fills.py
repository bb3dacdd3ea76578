"""The updates of followed orders: each fill, and the end of an order that did not fill
(cancelled, rejected), one row each, numbered per order (`sequence`).

A row is written, together with the order's new state, in one transaction before anyone
is told; `delivered_at` is set only once the update was handed to its owner (the user's
notification, or the strategy). So a crash between the two tells it again at the next
boot, and the receiver recognises it by (client_order_id, sequence); a crash before the
write finds the difference again on the exchange. A live order's rows hang on `orders`,
a paper order's on `paper_orders` (see persistence/models/paper.py for why two tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import peewee

from messages.statuses import OrderChange
from persistence.database import db
from persistence.models.base import BaseModel, MoneyField, UtcDateTimeField, create_row, utcnow
from persistence.models.orders import Order, users_with_open_orders
from persistence.models.paper import PaperOrder, users_with_resting_paper_orders
from persistence.models.prepared import Prepared, slot, update_columns
from persistence.models.users import User

Followed = Order | PaperOrder


class Fill(BaseModel):
    order = peewee.ForeignKeyField(Order, null=True, backref="fills", on_delete="CASCADE")
    paper_order = peewee.ForeignKeyField(
        PaperOrder, null=True, backref="fills", on_delete="CASCADE"
    )
    sequence = peewee.IntegerField()
    trade_id = peewee.CharField(max_length=64, null=True)  # the exchange's, for a live fill
    kind = peewee.CharField(max_length=10)  # OrderChange
    quantity = MoneyField(default=Decimal(0))  # base coin traded by this fill (0: an end)
    filled = MoneyField(default=Decimal(0))  # base coin traded by the order so far
    price = MoneyField(null=True)
    fee = MoneyField(default=Decimal(0))  # quote currency
    delivered_at = UtcDateTimeField(null=True)

    class Meta:
        table_name = "fills"
        indexes = (
            (("order", "sequence"), True),
            (("paper_order", "sequence"), True),
            (("delivered_at",), False),
        )

    @property
    def followed(self) -> Followed:
        row: Followed = self.order if self.order_id is not None else self.paper_order
        return row


@dataclass(frozen=True)
class Change:
    """One update to record: what traded (quantity 0 for an end), at what price and fee."""

    kind: OrderChange
    quantity: Decimal = Decimal(0)
    price: Decimal | None = None
    fee: Decimal = Decimal(0)
    trade_id: str | None = None


# The column of a fill that names its order, for each kind of order.
_OWNER_COLUMNS: dict[type[BaseModel], peewee.ForeignKeyField] = {
    Order: Fill.order,
    PaperOrder: Fill.paper_order,
}

_fills_of: dict[type[BaseModel], Prepared[Fill]] = {
    model: Prepared(
        lambda column=column: Fill.select().where(column == slot(0)).order_by(Fill.sequence)
    )
    for model, column in _OWNER_COLUMNS.items()
}
# Per kind of order, with the order joined (its owner hears which order it was).
_undelivered_of: list[Prepared[Fill]] = [
    Prepared(
        lambda model=model: (
            Fill.select(Fill, model)
            .join(model)
            .where((model.user == slot(0)) & Fill.delivered_at.is_null())
        )
    )
    for model in _OWNER_COLUMNS
]


# A live order with its updates joined (none: one row whose fill columns are all NULL).
_order_with_fills: Prepared[Order] = Prepared(
    lambda: (
        Order.select(Order, Fill)
        .join(Fill, peewee.JOIN.LEFT_OUTER, attr="recorded")
        .where(Order.client_order_id == slot(0))
        .order_by(Fill.sequence)
    )
)


def fills_of(row: Followed) -> list[Fill]:
    """Every update recorded for the order, in sequence."""
    return _fills_of[type(row)].rows(row.id)


def order_with_fills(client_order_id: str) -> tuple[Order | None, list[Fill]]:
    """The live order under the id and every update recorded for it, in sequence, in one
    round trip: a pushed fill needs both, on the way to a grid's opposite order."""
    rows = _order_with_fills.rows(client_order_id)
    if not rows:
        return None, []
    recorded = (getattr(row, "recorded", None) for row in rows)
    return rows[0], [fill for fill in recorded if fill is not None and fill.id is not None]


@dataclass(frozen=True)
class Tally:
    """How far an order's recorded updates go: the last one's number and the coin they
    filled together (summed here: SQLite's SUM would go through a float)."""

    sequence: int = 0
    filled: Decimal = Decimal(0)


def tally_of(fills: Sequence[Fill]) -> Tally:
    return Tally(fills[-1].sequence if fills else 0, sum((f.quantity for f in fills), Decimal(0)))


def paper_trades(user: User) -> list[Fill]:
    """The paper account's fills that traded, in the order they were made, each with its
    order (a paper order fills whole, at once)."""
    query = (
        Fill.select(Fill, PaperOrder)
        .join(PaperOrder)
        .where((PaperOrder.user == user) & (Fill.quantity > 0))
        .order_by(Fill.id)
    )
    return list(query)


@dataclass(frozen=True)
class Trade:
    """One fill of the user's orders as a chart marks it."""

    at: datetime  # when the fill was recorded
    price: Decimal
    side: str  # buy | sell


def trades_on(
    user: User, pair: str, since: datetime, strategy_id: int | None = None, most: int = 200
) -> list[Trade]:
    """The fills that traded of the user's orders on `pair` (a ticker id) recorded since
    `since`, live and paper, only one strategy's when given: the latest `most`, oldest
    first."""
    found: list[Trade] = []
    for model in _OWNER_COLUMNS:
        query = (
            Fill.select(Fill.created_at, Fill.price, model.side)
            .join(model)
            .where(
                (model.user == user)
                & (model.pair == pair)
                & (Fill.quantity > 0)
                & Fill.price.is_null(False)
                & (Fill.created_at >= since)
            )
            .order_by(Fill.created_at.desc())
            .limit(most)
        )
        if strategy_id is not None:
            query = query.where(model.strategy == strategy_id)
        found += [Trade(at, price, side) for at, price, side in query.tuples()]
    return sorted(found, key=lambda trade: trade.at)[-most:]


def record_changes(
    row: Followed,
    changes: list[Change],
    told: bool = False,
    tally: Tally | None = None,
    **order_changes: object,
) -> list[Fill]:
    """The updates and the order's new columns, in one transaction: both or neither.
    `told`: the updates are delivered already (in the reply to the placement). `tally`: the
    order's updates as the caller has just read them, which spares reading them again (the
    order's actor is their one writer; a second writer would still meet the unique
    (order, sequence) index and write nothing)."""
    column = _OWNER_COLUMNS[type(row)]
    with db.atomic():
        so_far = tally if tally is not None else tally_of(fills_of(row))
        filled = so_far.filled
        recorded = []
        for sequence, change in enumerate(changes, start=so_far.sequence + 1):
            filled += change.quantity
            recorded.append(
                create_row(
                    Fill,
                    **{column.name: row},
                    sequence=sequence,
                    kind=change.kind,
                    quantity=change.quantity,
                    filled=filled,
                    price=change.price,
                    fee=change.fee,
                    trade_id=change.trade_id,
                    delivered_at=utcnow() if told else None,
                )
            )
        for name, value in order_changes.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        update_columns(row, [*order_changes, "updated_at"])
    return recorded


def undelivered(user: User) -> list[Fill]:
    """The user's updates not yet handed to their owner, oldest first (live and paper)."""
    found = [fill for query in _undelivered_of for fill in query.rows(user.id)]
    return sorted(found, key=lambda fill: fill.id)


def mark_delivered(fill: Fill) -> None:
    fill.delivered_at = utcnow()
    update_columns(fill, ["delivered_at"])


def users_with_orders_to_follow() -> set[int]:
    """Telegram ids of users with an order to follow (open live or resting paper) or an
    update still to deliver: their actors are started with the bot."""
    ids = users_with_open_orders() | users_with_resting_paper_orders()
    for model in _OWNER_COLUMNS:
        query = Fill.select(User.telegram_id).join(model).join(User)
        ids.update(
            telegram_id for (telegram_id,) in query.where(Fill.delivered_at.is_null()).tuples()
        )
    return ids
