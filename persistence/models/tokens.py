"""User access tokens: only a hash is stored, so a database dump grants no access.

A user has one token in use. Issuing a new one ends every older one at once, except the
token a rotation replaces: that one keeps a short grace period (GRACE_SECONDS), so a
command already on its way with it is not refused. A stolen older token therefore lives
no longer than the next rotation.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee

from messages.statuses import UserStatus
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


@dataclass(frozen=True)
class Standing:
    suspended: bool
    token: AccessToken | None  # the live token the command carried, None if it had none


# Written out rather than built by peewee: it runs on every command (see create_row).
_STANDING = (
    "SELECT u.status, t.id, t.created_at, t.expires_at FROM users u"
    " LEFT JOIN access_tokens t ON t.user_id = u.id AND t.token_hash = {param}"
    " AND t.revoked_at IS NULL AND t.expires_at > {param}"
    " WHERE u.id = {param}"
)


def command_standing(user: User, token: str | None, now: datetime | None = None) -> Standing:
    """Whether the user is suspended and the live row of the token their command carried,
    in one round trip: it is read on every command a user's actor takes, so a suspension or
    a revoked token takes effect at once, and a command costs one query instead of two."""
    when = AccessToken.expires_at.db_value(now or utcnow())
    row = db.execute_sql(
        _STANDING.format(param=db.param), (hash_token(token or ""), when, user.id)
    ).fetchone()
    if row is None:
        return Standing(suspended=False, token=None)
    status, token_id, created_at, expires_at = row
    live = None
    if token and token_id is not None:
        live = AccessToken(
            id=token_id,
            user=user,
            created_at=AccessToken.created_at.python_value(created_at),
            expires_at=AccessToken.expires_at.python_value(expires_at),
        )
    return Standing(suspended=status == UserStatus.SUSPENDED, token=live)


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
