"""Outbound chat messages kept until the chat adapter confirms delivery, so a restart or a
Telegram outage loses nothing; one that cannot be rendered or sent however often it is
tried moves to the dead letters, for an operator to look at.

A photo's PNG waits beside its message (`outbox_photos`), not in the JSON row: a chart is
70 to 220 kB, and the outbox keeps its rows once delivered, so the bytes are deleted as
soon as the chat adapter has the photo or it is given up on; the row stays, as any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import peewee

from persistence.database import db
from persistence.models.base import (
    BaseModel,
    JsonField,
    UtcDateTimeField,
    insert_new_rows,
    utcnow,
)


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


class OutboxPhoto(BaseModel):
    """The PNG of an outbox message that is a photo, until it is delivered or given up on."""

    correlation_id = peewee.CharField(max_length=64, unique=True)
    png = peewee.BlobField()

    class Meta:
        table_name = "outbox_photos"


def store(rows: Iterable[dict[str, Any]], photos: Mapping[str, bytes] | None = None) -> None:
    """A message already stored (same id) is kept as it is, its photo too. `photos`: the PNG
    of each message that is a photo, by correlation id, stored in the same transaction."""
    messages = list(rows)
    if not photos:
        insert_new_rows(OutboxMessage, messages)
        return
    with db.atomic():
        insert_new_rows(OutboxMessage, messages)
        insert_new_rows(
            OutboxPhoto, [{"correlation_id": cid, "png": png} for cid, png in photos.items()]
        )


def photos(correlation_ids: Iterable[str]) -> dict[str, bytes]:
    """The PNGs still kept for these messages, by correlation id."""
    wanted = list(correlation_ids)
    if not wanted:
        return {}
    query = OutboxPhoto.select().where(OutboxPhoto.correlation_id.in_(wanted))
    return {row.correlation_id: bytes(row.png) for row in query}


# Written out: it runs for every message delivered (see base.create_row). Only
# placeholders are put into it; the values travel as parameters.
_MARK_DELIVERED = "UPDATE outbox SET delivered_at = {param} WHERE correlation_id IN ({marks})"
_FORGET_PHOTOS = "DELETE FROM outbox_photos WHERE correlation_id IN ({marks})"


def mark_delivered(correlation_ids: Sequence[str]) -> None:
    """Delivered, and the PNG of any photo among them deleted."""
    if not correlation_ids:
        return
    marks = ", ".join([db.param] * len(correlation_ids))
    db.execute_sql(
        _MARK_DELIVERED.format(param=db.param, marks=marks),
        [OutboxMessage.delivered_at.db_value(utcnow()), *correlation_ids],
    )
    db.execute_sql(_FORGET_PHOTOS.format(marks=marks), list(correlation_ids))


def count_failed_attempt(correlation_ids: Sequence[str]) -> list[OutboxMessage]:
    """One more failed render or send for each message still undelivered; those messages,
    with their new count."""
    undelivered_of_these = (
        OutboxMessage.correlation_id.in_(correlation_ids) & OutboxMessage.delivered_at.is_null()
    )
    (
        OutboxMessage.update(attempts=OutboxMessage.attempts + 1)
        .where(undelivered_of_these)
        .execute()
    )
    return list(OutboxMessage.select().where(undelivered_of_these))


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


def bury(row: OutboxMessage, *, telegram_id: int | None, key: str, reason: str) -> None:
    """The message moves to the dead letters, once: its outbox row (and its photo's PNG, of
    no use to an operator) goes in the same transaction."""
    with db.atomic():
        OutboxPhoto.delete().where(OutboxPhoto.correlation_id == row.correlation_id).execute()
        DeadLetter.insert(
            correlation_id=row.correlation_id,
            telegram_id=telegram_id,
            chat_id=row.chat_id,
            key=key,
            reason=reason,
            attempts=row.attempts,
            payload=row.payload,
        ).on_conflict_ignore().execute()
        row.delete_instance()
