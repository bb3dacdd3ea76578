"""Price alerts; the TriggerBook rebuilds its sorted structures from the active ones."""

from __future__ import annotations

from decimal import Decimal

import peewee

from messages.statuses import AlertStatus
from persistence.database import db
from persistence.models.base import BaseModel, MoneyField, UtcDateTimeField, utcnow
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


def create_alert(user: User, pair: str, direction: str, price: Decimal, recurring: bool) -> Alert:
    return Alert.create(user=user, pair=pair, direction=direction, price=price, recurring=recurring)


def alerts_of(user: User) -> list[Alert]:
    """The user's active alerts, oldest first."""
    query = Alert.select().where((Alert.user == user) & (Alert.status == "active"))
    return list(query.order_by(Alert.id))


def active_alert_of(user: User, alert_id: int) -> Alert | None:
    """Another user's alert, or one no longer active, is as good as missing."""
    return Alert.get_or_none(
        (Alert.id == alert_id) & (Alert.user == user) & (Alert.status == "active")
    )


def delete_alert(alert: Alert) -> None:
    """Kept as deleted, not removed: the history shows it."""
    Alert.update(status="deleted").where(Alert.id == alert.id).execute()


def mark_fired(alert_ids: list[int], one_shot: list[int]) -> None:
    """Every fired alert stamped, and the one-shot ones ended, in one transaction of two
    statements (a burst of alerts on one tick costs one round trip)."""
    with db.atomic():
        Alert.update(last_fired_at=utcnow()).where(Alert.id.in_(alert_ids)).execute()
        if one_shot:
            Alert.update(status=AlertStatus.FIRED).where(Alert.id.in_(one_shot)).execute()
