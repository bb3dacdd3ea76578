"""Strategy timers that outlive their user's actor: one row per timer a strategy set.

A timer is saved before it counts (`add_timer`), so it survives the actor leaving when
idle and a restart of everything. It is due at `due_at` and marked handled only after the
strategy's `on_timer` returned (`mark_handled`): a crash in between hands it again, and the
strategy's own saved state makes handling it twice harmless. While its strategy runs, an
unhandled timer is pending; the UserActor arms its strategies' pending timers in memory,
and the Supervisor starts the actor of a user whose timer is due while no actor runs
(`owners_due`, `next_due_after`).
"""

from __future__ import annotations

from datetime import datetime

import peewee

from messages.statuses import StrategyStatus
from persistence.models.base import BaseModel, JsonField, UtcDateTimeField, utcnow
from persistence.models.strategies import Strategy
from persistence.models.users import User


class StrategyTimer(BaseModel):
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    strategy = peewee.ForeignKeyField(Strategy, backref="timers", on_delete="CASCADE")
    payload = JsonField()  # what `on_timer` is handed: the name the strategy gave it
    due_at = UtcDateTimeField()
    handled_at = UtcDateTimeField(null=True)
    # The foreign key's value, as peewee reads it without loading the row it names.
    strategy_id: int

    class Meta:
        table_name = "timers"
        indexes = ((("handled_at", "due_at"), False), (("strategy", "handled_at"), False))


def add_timer(strategy: Strategy, due_at: datetime, payload: str) -> StrategyTimer:
    timer: StrategyTimer = StrategyTimer.create(
        user=strategy.user_id, strategy=strategy, payload=payload, due_at=due_at
    )
    return timer


def pending_timers(strategy_id: int) -> list[StrategyTimer]:
    """The strategy's timers not handled yet, the soonest first."""
    return list(
        StrategyTimer.select()
        .where((StrategyTimer.strategy == strategy_id) & StrategyTimer.handled_at.is_null())
        .order_by(StrategyTimer.due_at, StrategyTimer.id)
    )


def unhandled_timer(timer_id: int) -> StrategyTimer | None:
    timer: StrategyTimer | None = StrategyTimer.get_or_none(
        (StrategyTimer.id == timer_id) & StrategyTimer.handled_at.is_null()
    )
    return timer


def mark_handled(timer_id: int) -> None:
    StrategyTimer.update(handled_at=utcnow()).where(
        (StrategyTimer.id == timer_id) & StrategyTimer.handled_at.is_null()
    ).execute()


def _of_running_strategies() -> peewee.ModelSelect:
    """Unhandled timers whose strategy runs: a paused or stopped one's wake nobody."""
    return (
        StrategyTimer.select()
        .join(Strategy)
        .where(StrategyTimer.handled_at.is_null() & (Strategy.status == StrategyStatus.RUNNING))
    )


def owners_due(now: datetime) -> set[int]:
    """The telegram ids of the users with a pending timer due at `now`."""
    query = (
        _of_running_strategies()
        .switch(StrategyTimer)
        .join(User)
        .where(StrategyTimer.due_at <= now)
        .select(User.telegram_id)
        .distinct()
    )
    return {row.user.telegram_id for row in query}


def next_due_after(now: datetime) -> datetime | None:
    """When the next pending timer after `now` is due; None when there is none."""
    timer = (
        _of_running_strategies()
        .where(StrategyTimer.due_at > now)
        .order_by(StrategyTimer.due_at)
        .first()
    )
    return None if timer is None else timer.due_at
