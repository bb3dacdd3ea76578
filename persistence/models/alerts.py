"""Price alerts; the TriggerBook rebuilds its sorted structures from the active ones."""

from __future__ import annotations

import peewee

from messages.statuses import AlertStatus
from persistence.models.base import BaseModel, MoneyField, UtcDateTimeField
from persistence.models.users import User


class Alert(BaseModel):
    user = peewee.ForeignKeyField(User, backref="alerts", on_delete="CASCADE")
    pair = peewee.CharField(max_length=32)
    direction = peewee.CharField(max_length=8)  # above | below
    price = MoneyField()
    recurring = peewee.BooleanField(default=False)
    cooldown_seconds = peewee.IntegerField(default=0)
    expires_at = UtcDateTimeField(null=True)
    last_fired_at = UtcDateTimeField(null=True)
    status = peewee.CharField(max_length=16, default=AlertStatus.ACTIVE, index=True)

    class Meta:
        table_name = "alerts"
        indexes = ((("pair", "status"), False),)


def active_alerts(pair: str | None = None, with_owner: bool = False) -> list[Alert]:
    """`with_owner` loads each alert's user in the same query (no query per alert)."""
    query = Alert.select(Alert, User).join(User) if with_owner else Alert.select()
    query = query.where(Alert.status == AlertStatus.ACTIVE)
    if pair is not None:
        query = query.where(Alert.pair == pair)
    return list(query.order_by(Alert.id))
