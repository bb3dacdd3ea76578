"""What a user's strategies realised, day by day (WIB): the ledger the daily loss limit
is measured on. Each result is recorded once under the name of the order update that
realised it, so a strategy that handles an update again after a crash counts it once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import peewee

from persistence.models.base import BaseModel, MoneyField
from persistence.models.strategies import Strategy
from persistence.models.users import User


class StrategyResult(BaseModel):
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    strategy = peewee.ForeignKeyField(Strategy, on_delete="CASCADE")
    source = peewee.CharField(max_length=80, unique=True)  # "<client_order_id>:<sequence>"
    amount = MoneyField()  # rupiah, a loss negative
    day = peewee.DateField()  # in WIB

    class Meta:
        table_name = "strategy_results"
        indexes = ((("user", "day"), False),)


def record_result(strategy: Strategy, source: str, amount: Decimal, day: date) -> None:
    """Once per source: a result told again is ignored."""
    StrategyResult.insert(
        user=strategy.user_id, strategy=strategy.id, source=source, amount=amount, day=day
    ).on_conflict_ignore().execute()


def results_by_strategy(user: User, since: date | None) -> list[tuple[Strategy, Decimal]]:
    """What each strategy of the user realised from `since` (a WIB day; None: ever), each
    with its strategy, oldest strategy first; those with nothing recorded are left out."""
    total = peewee.fn.SUM(StrategyResult.amount)
    query = (
        Strategy.select(Strategy, total.alias("total"))
        .join(StrategyResult)
        .where(StrategyResult.user == user)
        .group_by(Strategy.id)
        .order_by(Strategy.id)
    )
    if since is not None:
        query = query.where(StrategyResult.day >= since)
    return [(row, Decimal(row.total)) for row in query]


def result_on(user: User, day: date) -> Decimal:
    """What the user's strategies realised on `day`, together (a loss negative)."""
    total = (
        StrategyResult.select(peewee.fn.SUM(StrategyResult.amount))
        .where(StrategyResult.user == user, StrategyResult.day == day)
        .scalar()
    )
    return Decimal(total or 0)


def results_by_day(user: User) -> list[tuple[date, Decimal]]:
    """What the user's strategies realised on each WIB day, together, oldest day first; days
    with nothing recorded are left out. Summed here, exactly: SQLite's SUM goes through a
    float."""
    query = (
        StrategyResult.select(StrategyResult.day, StrategyResult.amount)
        .where(StrategyResult.user == user)
        .order_by(StrategyResult.day)
        .tuples()
    )
    days: dict[date, Decimal] = {}
    for day, amount in query:
        days[day] = days.get(day, Decimal(0)) + amount
    return list(days.items())
