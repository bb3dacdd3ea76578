"""Strategy definitions and progress, written before the strategy acts."""

from __future__ import annotations

from typing import Any

import peewee

from messages.statuses import StrategyStatus
from persistence.models.base import BaseModel, JsonField, UtcDateTimeField, utcnow
from persistence.models.prepared import update_columns
from persistence.models.users import User


class Strategy(BaseModel):
    user = peewee.ForeignKeyField(User, backref="strategies", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)  # dca | grid | tpsl | buy_once_below
    pair = peewee.CharField(max_length=32)
    params = JsonField(default=dict)
    state = JsonField(default=dict)
    status = peewee.CharField(max_length=16, default=StrategyStatus.RUNNING, index=True)
    updated_at = UtcDateTimeField(default=utcnow)

    class Meta:
        table_name = "strategies"


# What a user may do to a strategy in each status, and the status it leaves it in. A
# failed strategy is not resumed by a tap: it failed repeatedly; it can only be stopped.
TRANSITIONS: dict[tuple[str, str], StrategyStatus] = {
    (StrategyStatus.RUNNING, "pause"): StrategyStatus.PAUSED,
    (StrategyStatus.PAUSED, "resume"): StrategyStatus.RUNNING,
    (StrategyStatus.RUNNING, "stop"): StrategyStatus.STOPPED,
    (StrategyStatus.PAUSED, "stop"): StrategyStatus.STOPPED,
    (StrategyStatus.FAILED, "stop"): StrategyStatus.STOPPED,
}


def next_status(status: str, action: str) -> StrategyStatus | None:
    """The status after `action`, or None when the action makes no sense in `status`."""
    return TRANSITIONS.get((status, action))


def set_status(strategy_id: int, status: StrategyStatus) -> None:
    """Only the status column: the strategy's own actor writes its state concurrently."""
    Strategy.update(status=status, updated_at=utcnow()).where(Strategy.id == strategy_id).execute()


def save_progress(strategy: Strategy, status: StrategyStatus | None = None, **state: Any) -> None:
    """A running strategy's progress merged into its state (and its status, if given),
    written before the strategy acts on it: a restart resumes from here, never repeats."""
    strategy.state = {**strategy.state, **state}
    columns = ["state", "updated_at"]
    if status is not None:
        strategy.status = status
        columns.append("status")
    strategy.updated_at = utcnow()
    update_columns(strategy, columns)


def save_params(strategy_id: int, params: dict[str, Any]) -> None:
    """Only the parameters (an edit from the chat): the strategy's own writes to its state
    are not touched."""
    Strategy.update(params=params, updated_at=utcnow()).where(Strategy.id == strategy_id).execute()


def create_strategy(user: User, kind: str, pair: str, params: dict[str, Any]) -> Strategy:
    """A new running strategy with no progress yet: its user's actor builds it next."""
    row: Strategy = Strategy.create(user=user, kind=kind, pair=pair, params=params)
    return row


def strategies_of(user: User) -> list[Strategy]:
    return list(Strategy.select().where(Strategy.user == user).order_by(Strategy.id))


def strategy_of(user: User, strategy_id: int) -> Strategy | None:
    """The user's strategy with this id; another user's is as good as missing."""
    return Strategy.get_or_none((Strategy.id == strategy_id) & (Strategy.user == user))


def running_strategies(user: User | None = None) -> list[Strategy]:
    query = Strategy.select().where(Strategy.status == StrategyStatus.RUNNING)
    if user is not None:
        query = query.where(Strategy.user == user)
    return list(query.order_by(Strategy.id))


def strategy_by_id(strategy_id: int) -> Strategy | None:
    return Strategy.get_or_none(Strategy.id == strategy_id)


def pause_running(user: User) -> int:
    """Every running strategy of the user paused; how many were."""
    return (
        Strategy.update(status="paused")
        .where((Strategy.user == user) & (Strategy.status == "running"))
        .execute()
    )


def owners_of_paused() -> set[int]:
    """The Telegram ids of every user with a paused strategy."""
    query = (
        User.select(User.telegram_id)
        .join(Strategy)
        .where(Strategy.status == StrategyStatus.PAUSED)
        .distinct()
    )
    return {user.telegram_id for user in query}


def resume_paused(user: User) -> int:
    """Every paused strategy of the user running again; how many were."""
    return (
        Strategy.update(status="running")
        .where((Strategy.user == user) & (Strategy.status == "paused"))
        .execute()
    )
