"""User access tokens: only a hash is stored, so a database dump grants no access.

A user has one token in use. Issuing a new one ends every older one at once, except the
token a rotation replaces: that one keeps a short grace period (GRACE_SECONDS), so a
command already on its way with it is not refused. A stolen older token therefore lives
no longer than the next rotation.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import peewee

from persistence.database import db
from persistence.models.base import BaseModel, UtcDateTimeField, utcnow
from persistence.models.users import User

GRACE_SECONDS = 60


class AccessToken(BaseModel):
    user = peewee.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    token_hash = peewee.CharField(max_length=64, unique=True)
    expires_at = UtcDateTimeField(index=True)
    revoked_at = UtcDateTimeField(null=True)

    class Meta:
        table_name = "access_tokens"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _live(user: User, now: datetime) -> peewee.Expression:
    return (
        (AccessToken.user == user)
        & (AccessToken.revoked_at.is_null())
        & (AccessToken.expires_at > now)
    )


def issue_token(
    user: User,
    ttl_seconds: int,
    now: datetime | None = None,
    *,
    replacing: AccessToken | None = None,
) -> str:
    """Create a token and return it once; only its hash is kept. Every other live token of
    the user ends now; `replacing` (the token a rotation replaces) within GRACE_SECONDS."""
    now = now or utcnow()
    with db.atomic():
        others = _live(user, now)
        if replacing is not None:
            others &= AccessToken.id != replacing.id
            grace_end = min(replacing.expires_at, now + timedelta(seconds=GRACE_SECONDS))
            AccessToken.update(expires_at=grace_end).where(AccessToken.id == replacing.id).execute()
        AccessToken.update(revoked_at=now).where(others).execute()
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


def replaced(row: AccessToken, now: datetime | None = None) -> bool:
    """True for a token in its grace period: a newer one was issued, so this one must not
    be rotated again (that would end the newer token the adapter now holds)."""
    return (
        AccessToken.select()
        .where(_live(row.user, now or utcnow()) & (AccessToken.id > row.id))
        .exists()
    )


def revoke_tokens(user: User, now: datetime | None = None) -> int:
    """End every live token of the user at once (/unlink, admin revoke)."""
    return (
        AccessToken.update(revoked_at=now or utcnow())
        .where((AccessToken.user == user) & (AccessToken.revoked_at.is_null()))
        .execute()
    )
