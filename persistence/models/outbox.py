"""Outbound chat messages kept until the chat adapter confirms delivery, so a restart or a
Telegram outage loses nothing; one that cannot be rendered or sent however often it is
tried moves to the dead letters, for an operator to look at."""

from __future__ import annotations

import peewee

from persistence.models.base import BaseModel, JsonField, UtcDateTimeField


class OutboxMessage(BaseModel):
    correlation_id = peewee.CharField(max_length=64, unique=True)
    chat_id = peewee.BigIntegerField()
    payload = JsonField()
    delivered_at = UtcDateTimeField(null=True)
    attempts = peewee.IntegerField(default=0)  # failed renders or sends the adapter reported

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


class DeadLetter(BaseModel):
    """An outbox message given up on: who it was for, which text, and why (the adapter's
    reason names the stage and the error type, never the text or its parameters)."""

    correlation_id = peewee.CharField(max_length=64, unique=True)
    telegram_id = peewee.BigIntegerField(null=True)
    chat_id = peewee.BigIntegerField()
    key = peewee.CharField(max_length=128)
    reason = peewee.CharField(max_length=200)
    attempts = peewee.IntegerField()
    payload = JsonField()

    class Meta:
        table_name = "dead_letters"


def dead_letters() -> int:
    return DeadLetter.select().count()
