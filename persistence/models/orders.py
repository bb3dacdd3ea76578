"""Orders the bot placed. The row is written before the order is sent (client_order_id first),
so an order whose outcome is unknown can always be looked up, never sent twice.

`outcome_owed` marks an order whose outcome its user has not heard yet: one whose reply was
lost, or one a crash left pending. It is cleared once the user is told, so a restart of the
user's actor neither repeats the outcome nor forgets it.

`checked_at` is when the exchange last told the bot the order's state (its answer to the
placement, a lookup, a sweep that listed it). The Supervisor starts the actor of a user
whose resting order has gone unchecked for long enough, though nothing else wakes it:
orders also end where the market never reaches their price, by a cancel on the exchange's
site or a fill whose tick the feed missed."""

from __future__ import annotations

import re
import secrets
import string
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee

from messages.statuses import OrderState, UserStatus
from persistence.database import db
from persistence.models.base import BaseModel, MoneyField, UtcDateTimeField, create_row, utcnow
from persistence.models.paper import PaperOrder, paper_order_by_client_id
from persistence.models.prepared import Prepared, slot, update_columns
from persistence.models.strategies import Strategy
from persistence.models.users import Credential, User

# An order in one of these has an outcome the user has yet to learn.
UNRESOLVED_STATES = (OrderState.PENDING, OrderState.UNKNOWN)
# An order in one of these rests on the exchange: it is followed until it ends.
RESTING_STATES = (OrderState.OPEN, OrderState.PARTIALLY_FILLED)


class Order(BaseModel):
    user = peewee.ForeignKeyField(User, backref="orders", on_delete="CASCADE")
    strategy = peewee.ForeignKeyField(Strategy, null=True, backref="orders", on_delete="SET NULL")
    client_order_id = peewee.CharField(max_length=36, unique=True)
    exchange_order_id = peewee.CharField(max_length=64, null=True, index=True)
    pair = peewee.CharField(max_length=32)
    side = peewee.CharField(max_length=4)
    order_type = peewee.CharField(max_length=8)
    price = MoneyField(null=True)
    amount = MoneyField(null=True)
    quote_amount = MoneyField(null=True)  # what a market buy spends, in the quote currency
    filled_amount = MoneyField(default=0)
    state = peewee.CharField(max_length=20, default=OrderState.PENDING)  # OrderState
    error = peewee.TextField(null=True)
    outcome_owed = peewee.BooleanField(default=False)
    leg = peewee.TextField(null=True)  # the strategy's name for this order's part in its plan
    updated_at = UtcDateTimeField(default=utcnow)
    checked_at = UtcDateTimeField(null=True)  # NULL: never checked (or placed before 010)
    # The foreign keys' values, as peewee reads them without loading the row they name.
    user_id: int
    strategy_id: int | None

    class Meta:
        table_name = "orders"
        indexes = ((("user", "state"), False), (("state", "checked_at"), False))


_by_client_id: Prepared[Order] = Prepared(
    lambda: Order.select().where(Order.client_order_id == slot(0)).limit(1)
)


# The error of an order whose request never reached the exchange: a lookup by its
# client_order_id found nothing once any request still on its way would have arrived.
NOT_ON_THE_EXCHANGE = "not found on the exchange"


def order_by_client_id(client_order_id: str) -> Order | None:
    return _by_client_id.first(client_order_id)


# Which book holds an order under the id: 1 live, 2 the user's paper book (live first).
_BOOK_OF = (
    "SELECT 1 FROM {live} WHERE client_order_id = {param}"
    " UNION ALL SELECT 2 FROM {paper} WHERE user_id = {param} AND client_order_id = {param}"
    " ORDER BY 1 LIMIT 1"
)


def any_order_by_client_id(user: User, client_order_id: str) -> Order | PaperOrder | None:
    """The live order under the id, else the user's paper order under it. Asked before a
    strategy's every order, where the answer is nearly always neither: one round trip for
    both books then, the row read only when there is one."""
    sql = _BOOK_OF.format(
        live=Order._meta.table_name, paper=PaperOrder._meta.table_name, param=db.param
    )
    found = db.execute_sql(sql, (client_order_id, user.id, client_order_id)).fetchone()
    if found is None:
        return None
    if found[0] == 1:
        return order_by_client_id(client_order_id)
    return paper_order_by_client_id(user, client_order_id)


def _owed() -> peewee.Expression:
    """A pending row is always owed: only a crash during its trade call leaves one behind."""
    return (Order.outcome_owed == True) | (Order.state == OrderState.PENDING)  # noqa: E712


def pairs_ordered(user: User) -> set[str]:
    """Every pair (ticker id) the bot placed an order on for the user."""
    query = Order.select(Order.pair).where(Order.user == user).distinct().tuples()
    return {pair for (pair,) in query}


def owed_outcomes(user: User) -> list[Order]:
    """This user's orders whose outcome the user has yet to hear, oldest first."""
    return list(Order.select().where((Order.user == user) & _owed()).order_by(Order.id))


def users_owed_outcomes() -> set[int]:
    """Telegram ids of the users with an outcome to follow up or tell, so their actors are
    started with the bot rather than at the user's next message."""
    return {
        row.user.telegram_id
        for row in Order.select(Order.id, User.telegram_id).join(User).where(_owed())
    }


def resting_orders(user: User) -> list[Order]:
    """This user's orders resting on the exchange, oldest first."""
    query = Order.select().where((Order.user == user) & Order.state.in_(RESTING_STATES))
    return list(query.order_by(Order.id))


def resting_orders_of_strategy(strategy_id: int) -> list[Order]:
    """A strategy's orders resting on the exchange, oldest first."""
    query = Order.select().where((Order.strategy == strategy_id) & Order.state.in_(RESTING_STATES))
    return list(query.order_by(Order.id))


def users_with_open_orders() -> set[int]:
    """Telegram ids of the users with an order resting on the exchange."""
    query = Order.select(User.telegram_id).join(User).where(Order.state.in_(RESTING_STATES))
    return {telegram_id for (telegram_id,) in query.tuples()}


def mark_checked(order_ids: Collection[int]) -> None:
    """The exchange has just told these orders' state: a sweep listed them unchanged, or a
    lookup read them."""
    if order_ids:
        Order.update(checked_at=utcnow()).where(Order.id.in_(list(order_ids))).execute()


def _resting_to_check() -> peewee.ModelSelect:
    """Resting orders a sweep can check: their user has a key and is not suspended (a
    suspended user's actor is started by an admin, not by a clock)."""
    return (
        Order.select()
        .join(User)
        .join(Credential, on=(Credential.user == User.id))
        .where(Order.state.in_(RESTING_STATES) & (User.status != UserStatus.SUSPENDED))
    )


def owners_of_orders_unchecked_since(moment: datetime) -> set[int]:
    """Telegram ids of the users with a resting order the exchange has not been asked about
    since `moment` (or never)."""
    query = (
        _resting_to_check()
        .where(Order.checked_at.is_null() | (Order.checked_at <= moment))
        .select(User.telegram_id)
        .distinct()
    )
    return {telegram_id for (telegram_id,) in query.tuples()}


def first_check_after(moment: datetime) -> datetime | None:
    """The earliest check of a resting order after `moment`; None when there is none. An
    order comes due one interval after its check, so this says when the next one will."""
    row = (
        _resting_to_check()
        .where(Order.checked_at > moment)
        .select(Order.checked_at)
        .order_by(Order.checked_at)
        .first()
    )
    return None if row is None else row.checked_at


def new_client_order_id(user_id: int) -> str:
    """Ours, unique, and within Indodax's limit (36 characters of [A-Za-z0-9_-])."""
    return f"ib{user_id}-{uuid.uuid4().hex[:24]}"


# A strategy's name for one part of its plan ("entry", "tp_1"): short, so the id it goes
# into stays within Indodax's limit.
LEG = re.compile(r"[A-Za-z0-9_]{1,10}")
SALT = 6  # characters of [a-z0-9] a strategy draws once for all its orders' ids


def new_order_salt() -> str:
    """Drawn once per strategy and saved with its first intent: a database started afresh
    (whose strategy ids begin at 1 again) does not reuse an id the account has seen."""
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(SALT))


def strategy_client_order_id(strategy_id: int, salt: str, leg: str, sequence: int) -> str:
    """A strategy's order id, derived from what it asked for (`s<id>-<salt>-<leg>-<n>`, the
    n-th order of that leg), so a restart re-derives the same id for the same intent.
    Unique across users and strategies as strategy ids are; never like a manual order's
    (`ib…`); within Indodax's limit (36 characters of [A-Za-z0-9_-])."""
    if not LEG.fullmatch(leg):
        raise ValueError(f"a leg is 1 to 10 characters of [A-Za-z0-9_], not {leg!r}")
    client_order_id = f"s{strategy_id}-{salt}-{leg}-{sequence}"
    if len(client_order_id) > 36:
        raise ValueError("strategy order id longer than Indodax allows")
    return client_order_id


@dataclass(frozen=True)
class OrderOwner:
    """The strategy an order is for, and the id and leg it chose for it."""

    strategy_id: int
    client_order_id: str
    leg: str


def record_intended_order(
    user: User, fields: dict[str, Any], owner: OrderOwner | None = None, **columns: Any
) -> Order:
    """Written and committed before the order is sent: a crash after sending still leaves
    the client_order_id to look the order up by. `columns`: the state (pending) and error of
    an order refused before it could be sent."""
    return create_row(
        Order,
        user=user,
        strategy=owner.strategy_id if owner else None,
        client_order_id=owner.client_order_id if owner else new_client_order_id(user.id),
        leg=owner.leg if owner else None,
        **{"state": OrderState.PENDING, **columns},
        **fields,
    )


def settle_order(order: Order, **changes: Any) -> Order:
    """Only the changed columns are written (and updated_at)."""
    for name, value in changes.items():
        setattr(order, name, value)
    order.updated_at = utcnow()
    update_columns(order, [*changes, "updated_at"])
    return order
