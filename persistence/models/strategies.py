"""Strategy definitions and progress, written before the strategy acts."""

from __future__ import annotations

import peewee

from persistence.models.base import BaseModel, JsonField, UtcDateTimeField, utcnow
from persistence.models.users import User


class Strategy(BaseModel):
    user = peewee.ForeignKeyField(User, backref="strategies", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)  # dca | grid | tpsl | buy_once_below
    pair = peewee.CharField(max_length=32)
    params = JsonField(default=dict)
    state = JsonField(default=dict)
    status = peewee.CharField(
        max_length=16, default="running", index=True
    )  # running|paused|stopped|failed
    updated_at = UtcDateTimeField(default=utcnow)

    class Meta:
        table_name = "strategies"


def running_strategies(user: User | None = None) -> list[Strategy]:
    query = Strategy.select().where(Strategy.status == "running")
    if user is not None:
        query = query.where(Strategy.user == user)
    return list(query.order_by(Strategy.id))
