"""Paper trading: a user's simulated balances and orders, priced by the real market.

Paper orders live in their own table rather than in `orders` with a flag. Every query on
`orders` (reconciling unresolved orders at start, looking an order up by client_order_id,
a strategy's orders) is about money on the exchange; a separate table means none of them
can ever pick up a simulated order by forgetting a filter. The columns an order history or
a PnL report reads carry the same names as on `Order` (pair, side, order_type, price,
amount, quote_amount, filled_amount, state, client_order_id, exchange_order_id), so such
code reads either kind; a paper order also keeps its own fill (price, value, fee), which a
live order gets from the exchange's trade history instead.
"""

from __future__ import annotations

from decimal import Decimal

import peewee

from persistence.models.base import BaseModel, MoneyField, UtcDateTimeField, utcnow
from persistence.models.prepared import Prepared, slot
from persistence.models.strategies import Strategy
from persistence.models.users import User

# Order states: open (resting, funds held), filled, cancelled, rejected (refused, nothing
# moved). There are no partial fills: a paper order fills whole or not at all.


class PaperBalance(BaseModel):
    """One currency of one user's paper account (`idr`, `btc`, `usdt`: the wire ids).
    `held` is what open orders have set aside; it is not spendable until they end."""

    user = peewee.ForeignKeyField(User, backref="paper_balances", on_delete="CASCADE")
    currency = peewee.CharField(max_length=16)
    free = MoneyField(default=Decimal(0))
    held = MoneyField(default=Decimal(0))
    updated_at = UtcDateTimeField(default=utcnow)

    class Meta:
        table_name = "paper_balances"
        indexes = ((("user", "currency"), True),)

    @property
    def total(self) -> Decimal:
        return self.free + self.held


class PaperOrder(BaseModel):
    """`price` is the limit price (None on a market order), `fill_price` what it filled at.
    `filled_value` is the trade's gross value in the quote currency: a buy spends it (the
    fee included), a sell receives it less the fee. `held` is what the order sets aside
    while open: quote currency for a buy, the coin for a sell."""

    user = peewee.ForeignKeyField(User, backref="paper_orders", on_delete="CASCADE")
    strategy = peewee.ForeignKeyField(
        Strategy, null=True, backref="paper_orders", on_delete="SET NULL"
    )
    client_order_id = peewee.CharField(max_length=36, unique=True)
    leg = peewee.TextField(null=True)  # the strategy's name for this order's part in its plan
    pair = peewee.CharField(max_length=32)
    side = peewee.CharField(max_length=4)
    order_type = peewee.CharField(max_length=8)
    price = MoneyField(null=True)
    amount = MoneyField(null=True)
    quote_amount = MoneyField(null=True)
    state = peewee.CharField(max_length=20)
    fill_price = MoneyField(null=True)
    filled_amount = MoneyField(default=Decimal(0))
    filled_value = MoneyField(default=Decimal(0))
    fee = MoneyField(default=Decimal(0))
    held = MoneyField(default=Decimal(0))
    error = peewee.TextField(null=True)
    updated_at = UtcDateTimeField(default=utcnow)
    # The foreign keys' values, as peewee reads them without loading the row they name.
    user_id: int
    strategy_id: int | None

    class Meta:
        table_name = "paper_orders"
        indexes = ((("user", "state"), False),)

    @property
    def exchange_order_id(self) -> str:
        """The id the user sees, shaped so it can never be taken for an exchange's."""
        return f"paper-{self.id}"


def paper_balances(user: User) -> list[PaperBalance]:
    """Every currency the paper account has held, by wire id."""
    query = PaperBalance.select().where(PaperBalance.user == user)
    return list(query.order_by(PaperBalance.currency))


def paper_balance(user: User, currency: str) -> PaperBalance | None:
    return PaperBalance.get_or_none(
        (PaperBalance.user == user) & (PaperBalance.currency == currency)
    )


def open_paper_account(user: User, start_idr: int) -> None:
    """The start balance, once: an account that has any row, even at zero, has started."""
    if not PaperBalance.select().where(PaperBalance.user == user).exists():
        PaperBalance.create(user=user, currency="idr", free=Decimal(start_idr))


def open_paper_orders(user: User) -> list[PaperOrder]:
    """The user's resting paper orders, oldest first."""
    query = PaperOrder.select().where((PaperOrder.user == user) & (PaperOrder.state == "open"))
    return list(query.order_by(PaperOrder.id))


def open_paper_orders_of_strategy(strategy_id: int) -> list[PaperOrder]:
    """A strategy's resting paper orders, oldest first."""
    query = PaperOrder.select().where(
        (PaperOrder.strategy == strategy_id) & (PaperOrder.state == "open")
    )
    return list(query.order_by(PaperOrder.id))


def users_with_resting_paper_orders() -> set[int]:
    """Telegram ids of the users with a paper order resting."""
    query = PaperOrder.select(User.telegram_id).join(User).where(PaperOrder.state == "open")
    return {telegram_id for (telegram_id,) in query.tuples()}


_paper_by_client_id: Prepared[PaperOrder] = Prepared(
    lambda: (
        PaperOrder.select()
        .where((PaperOrder.user == slot(0)) & (PaperOrder.client_order_id == slot(1)))
        .limit(1)
    )
)


def paper_order_by_client_id(user: User, client_order_id: str) -> PaperOrder | None:
    return _paper_by_client_id.first(user.id, client_order_id)


def open_paper_order(user: User, client_order_id: str) -> PaperOrder | None:
    return PaperOrder.get_or_none(
        (PaperOrder.user == user)
        & (PaperOrder.client_order_id == client_order_id)
        & (PaperOrder.state == "open")
    )
