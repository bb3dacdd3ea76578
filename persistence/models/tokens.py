"""User access tokens: only a hash is stored, so a database dump grants no access."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import peewee

from persistence.models.base import BaseModel, UtcDateTimeField, utcnow
from persistence.models.users import User


class AccessToken(BaseModel):
    user = peewee.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    token_hash = peewee.CharField(max_length=64, unique=True)
    expires_at = UtcDateTimeField(index=True)
    revoked_at = UtcDateTimeField(null=True)

    class Meta:
        table_name = "access_tokens"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, ttl_seconds: int, now: datetime | None = None) -> str:
    """Create a token and return it once; only its hash is kept."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    AccessToken.create(
        user=user,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    return token


def valid_token(token: str, now: datetime | None = None) -> AccessToken | None:
    """The live token row for this value, or None if unknown, expired or revoked."""
    now = now or utcnow()
    return AccessToken.get_or_none(
        (AccessToken.token_hash == hash_token(token))
        & (AccessToken.revoked_at.is_null())
        & (AccessToken.expires_at > now)
    )


def revoke_tokens(user: User, now: datetime | None = None) -> int:
    """End every live token of the user at once (/unlink, admin revoke)."""
    return (
        AccessToken.update(revoked_at=now or utcnow())
        .where((AccessToken.user == user) & (AccessToken.revoked_at.is_null()))
        .execute()
    )
