"""A live account's history as imported from the exchange (migration 013): its trades on
IDR markets, its coin deposits and withdrawals, and how far each source has been read.

Rows are keyed by the exchange's own ids, so reading a window twice (an import resumed
after a crash, overlapping windows, a page boundary) stores each trade once. The bot's own
orders' trades come in the same way: the exchange's history is the one record of what the
account did, whoever placed the order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import peewee

from persistence.database import db
from persistence.models.base import BaseModel, MoneyField, UtcDateTimeField
from persistence.models.fills import Fill
from persistence.models.orders import Order
from persistence.models.users import User

TRANSFERS = "transfers"  # the cursor source of the deposits and withdrawals
_CHUNK = 200  # rows per INSERT: well under SQLite's bound-variable limit


class AccountTrade(BaseModel):
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    pair = peewee.CharField(max_length=32)  # ticker id, btc_idr
    trade_id = peewee.CharField(max_length=64)
    order_id = peewee.CharField(max_length=64)
    client_order_id = peewee.CharField(max_length=64, null=True)
    side = peewee.CharField(max_length=4)
    price = MoneyField()
    quantity = MoneyField()  # base coin
    quote_quantity = MoneyField()
    commission = MoneyField()  # fee and tax together, as reported
    commission_asset = peewee.CharField(max_length=16)
    is_maker = peewee.BooleanField()
    time = UtcDateTimeField()

    class Meta:
        table_name = "account_trades"
        indexes = ((("user", "pair", "trade_id"), True), (("user", "time"), False))


class AccountTransfer(BaseModel):
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    direction = peewee.CharField(max_length=10)  # deposit | withdrawal
    currency = peewee.CharField(max_length=16)
    transfer_id = peewee.CharField(max_length=64)
    amount = MoneyField()
    fee = MoneyField()
    cost = MoneyField(null=True)  # rupiah the user says a deposit cost; None: unknown
    time = UtcDateTimeField()

    class Meta:
        table_name = "account_transfers"
        indexes = ((("user", "direction", "currency", "transfer_id"), True),)


class HistoryCursor(BaseModel):
    """Everything of `source` from `back` to `front` is stored; the import reads on toward
    `horizon` (the oldest it looks for) and up to now."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    source = peewee.CharField(max_length=32)  # a pair's ticker id, or TRANSFERS
    back = UtcDateTimeField()
    front = UtcDateTimeField()
    horizon = UtcDateTimeField()

    class Meta:
        table_name = "history_cursors"
        indexes = ((("user", "source"), True),)


def add_trades(user: User, rows: Iterable[Mapping[str, Any]]) -> None:
    """Each trade once: one seen before (same pair and trade id) is left as it is."""
    _insert(AccountTrade, user, rows)


def add_transfers(user: User, rows: Iterable[Mapping[str, Any]]) -> None:
    """Each transfer once; a cost the user gave an earlier copy stays."""
    _insert(AccountTransfer, user, rows)


def _insert(model: type[BaseModel], user: User, rows: Iterable[Mapping[str, Any]]) -> None:
    batch = [{**row, "user": user.id} for row in rows]
    with db.atomic():
        for start in range(0, len(batch), _CHUNK):
            model.insert_many(batch[start : start + _CHUNK]).on_conflict_ignore().execute()


def cursors_of(user: User) -> dict[str, HistoryCursor]:
    return {
        cursor.source: cursor for cursor in HistoryCursor.select().where(HistoryCursor.user == user)
    }


def open_cursor(user: User, source: str, now: datetime, horizon: datetime) -> HistoryCursor:
    """A source not read yet: nothing stored, from now back to `horizon` still to read."""
    HistoryCursor.insert(
        user=user.id, source=source, back=now, front=now, horizon=horizon
    ).on_conflict_ignore().execute()
    return HistoryCursor.get(HistoryCursor.user == user, HistoryCursor.source == source)


def move_cursor(
    cursor: HistoryCursor, *, back: datetime | None = None, front: datetime | None = None
) -> None:
    """Only after the rows of the window read are stored: a crash between the two reads
    the window again, which stores nothing twice."""
    if back is not None:
        cursor.back = back
    if front is not None:
        cursor.front = front
    cursor.save(only=[HistoryCursor.back, HistoryCursor.front])


TradeRow = tuple[str, str, Decimal, Decimal, Decimal, str, datetime]


def trades_of(user: User) -> list[TradeRow]:
    """(pair, side, price, quantity, commission, commission asset, time), oldest first:
    plain tuples, as a portfolio of thousands of trades is read at every /portfolio."""
    query = (
        AccountTrade.select(
            AccountTrade.pair,
            AccountTrade.side,
            AccountTrade.price,
            AccountTrade.quantity,
            AccountTrade.commission,
            AccountTrade.commission_asset,
            AccountTrade.time,
        )
        .where(AccountTrade.user == user)
        .order_by(AccountTrade.time, AccountTrade.id)
        .tuples()
    )
    return list(query)


def own_fills_not_imported(user: User) -> list[TradeRow]:
    """The bot's fills of the user's live orders whose trades the import has not brought yet
    (an order is either all from the bot's fills or all from the import: its trades come in
    the window that holds them), in the shape of `trades_of`, in the order they were made."""
    imported = AccountTrade.select(AccountTrade.client_order_id).where(
        (AccountTrade.user == user) & AccountTrade.client_order_id.is_null(False)
    )
    query = (
        Fill.select(
            Order.pair,
            Order.side,
            Fill.price,
            Fill.quantity,
            Fill.fee,
            peewee.Value("idr"),
            Fill.created_at,
        )
        .join(Order)
        .where((Order.user == user) & (Fill.quantity > 0) & Order.client_order_id.not_in(imported))
        .order_by(Fill.id)
        .tuples()
    )
    return list(query)


def transfers_of(user: User) -> list[AccountTransfer]:
    query = AccountTransfer.select().where(AccountTransfer.user == user)
    return list(query.order_by(AccountTransfer.time, AccountTransfer.id))


def forget_history(user: User) -> None:
    """Another key may be another account: its history is not this one's."""
    with db.atomic():
        for model in (AccountTrade, AccountTransfer, HistoryCursor):
            model.delete().where(model.user == user).execute()
