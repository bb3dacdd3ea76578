"""Users and their linked exchange credentials (stored only encrypted)."""

from __future__ import annotations

import peewee

from persistence.models.base import BaseModel, UtcDateTimeField, utcnow


class User(BaseModel):
    telegram_id = peewee.BigIntegerField(unique=True)
    chat_id = peewee.BigIntegerField()
    language = peewee.CharField(max_length=8, default="id")
    mode = peewee.CharField(max_length=8, default="paper")  # demo | paper | live
    status = peewee.CharField(max_length=16, default="active", index=True)  # active|suspended
    updated_at = UtcDateTimeField(default=utcnow)

    class Meta:
        table_name = "users"


class Credential(BaseModel):
    """One API key per user. `vault_key_id` lets key rotation find rows still under an old key."""

    user = peewee.ForeignKeyField(User, backref="credentials", unique=True, on_delete="CASCADE")
    api_key_enc = peewee.TextField()
    api_secret_enc = peewee.TextField()
    key_fingerprint = peewee.CharField(max_length=64, index=True)
    vault_key_id = peewee.CharField(max_length=32, index=True)
    updated_at = UtcDateTimeField(default=utcnow)

    class Meta:
        table_name = "credentials"


def find_user(telegram_id: int) -> User | None:
    return User.get_or_none(User.telegram_id == telegram_id)


def credentials_not_under(key_id: str, after_id: int, limit: int) -> list[Credential]:
    """The next batch of credentials still encrypted under another master key."""
    return list(
        Credential.select()
        .where((Credential.vault_key_id != key_id) & (Credential.id > after_id))
        .order_by(Credential.id)
        .limit(limit)
    )
