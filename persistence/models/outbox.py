"""Outbound chat messages kept until the chat adapter confirms delivery, so a restart or a
Telegram outage loses nothing."""

from __future__ import annotations

import peewee

from persistence.models.base import BaseModel, JsonField, UtcDateTimeField


class OutboxMessage(BaseModel):
    correlation_id = peewee.CharField(max_length=64, unique=True)
    chat_id = peewee.BigIntegerField()
    payload = JsonField()
    delivered_at = UtcDateTimeField(null=True)

    class Meta:
        table_name = "outbox"
        indexes = ((("delivered_at", "id"), False),)


def undelivered(limit: int = 1000) -> list[OutboxMessage]:
    return list(
        OutboxMessage.select()
        .where(OutboxMessage.delivered_at.is_null())
        .order_by(OutboxMessage.id)
        .limit(limit)
    )


def backlog() -> int:
    return OutboxMessage.select().where(OutboxMessage.delivered_at.is_null()).count()


def holds(correlation_id: str) -> bool:
    """Whether the Notifier has stored a message under this id (delivered or not yet)."""
    return OutboxMessage.select().where(OutboxMessage.correlation_id == correlation_id).exists()
