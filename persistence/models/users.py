"""Users, their settings, and their linked exchange credentials (stored only encrypted)."""

from __future__ import annotations

from collections.abc import Iterable

import peewee

from messages.statuses import UserStatus
from persistence.models.base import BaseModel, UtcDateTimeField, utcnow

NOTIFICATION_KINDS = ("alert", "fill", "strategy", "system")
NOTIFY_LEVELS = ("on", "silent", "off")  # the order a tap on the setting's button cycles
# Safety messages ("your strategies were paused") must reach the user: never switched off.
ALWAYS_DELIVERED = "system"
COST_METHODS = ("average", "fifo")  # the profit-and-loss cost methods a user can choose


class User(BaseModel):
    telegram_id = peewee.BigIntegerField(unique=True)
    chat_id = peewee.BigIntegerField()
    language = peewee.CharField(max_length=8, default="id")
    mode = peewee.CharField(max_length=8, default="paper")  # demo | paper | live
    status = peewee.CharField(max_length=16, default=UserStatus.ACTIVE, index=True)
    updated_at = UtcDateTimeField(default=utcnow)
    # How each kind of Notification arrives: on | silent | off (see NOTIFY_LEVELS)
    notify_alert = peewee.CharField(max_length=8, default="on")
    notify_fill = peewee.CharField(max_length=8, default="on")
    notify_strategy = peewee.CharField(max_length=8, default="on")
    notify_system = peewee.CharField(max_length=8, default="on")
    # Whole rupiah a day's strategy results may lose before they are paused; None: off.
    daily_loss_limit = peewee.BigIntegerField(null=True)
    # How /portfolio costs the coins held: one of COST_METHODS; None: the first, average.
    cost_method = peewee.CharField(max_length=8, null=True)

    class Meta:
        table_name = "users"

    def notify_level(self, kind: str) -> str:
        """How a Notification of `kind` reaches this user; kinds without a setting: on."""
        if kind not in NOTIFICATION_KINDS:
            return "on"
        level = getattr(self, f"notify_{kind}")
        if level not in NOTIFY_LEVELS:
            return "on"
        return "silent" if kind == ALWAYS_DELIVERED and level == "off" else level


def next_notify_level(kind: str, level: str) -> str:
    """The level after `level` in the cycle; `system` skips off."""
    cycle = [lv for lv in NOTIFY_LEVELS if kind != ALWAYS_DELIVERED or lv != "off"]
    position = cycle.index(level) if level in cycle else -1
    return cycle[(position + 1) % len(cycle)]


def set_notify_level(user: User, kind: str, level: str) -> None:
    if kind not in NOTIFICATION_KINDS or level not in NOTIFY_LEVELS:
        raise ValueError(f"no notification setting {kind}={level}")
    field = getattr(User, f"notify_{kind}")
    User.update({field: level, User.updated_at: utcnow()}).where(User.id == user.id).execute()


def notification_settings(telegram_ids: Iterable[int]) -> dict[int, User]:
    """The settings of these users in one query (the Notifier asks once per delivery)."""
    ids = set(telegram_ids)
    if not ids:
        return {}
    query = User.select(
        User.telegram_id,
        User.notify_alert,
        User.notify_fill,
        User.notify_strategy,
        User.notify_system,
    ).where(User.telegram_id.in_(ids))
    return {user.telegram_id: user for user in query}


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


def set_user_status(user: User, status: UserStatus) -> None:
    User.update(status=status).where(User.id == user.id).execute()


def all_users() -> list[User]:
    return list(User.select().order_by(User.telegram_id))


def chats_of(telegram_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """Where to write to each of these users, and in which language, in one query."""
    query = User.select(User.telegram_id, User.chat_id, User.language).where(
        User.telegram_id.in_(set(telegram_ids))
    )
    return {user.telegram_id: (user.chat_id, user.language) for user in query}


def create_user(telegram_id: int, chat_id: int, language: str, mode: str) -> User:
    return User.create(telegram_id=telegram_id, chat_id=chat_id, language=language, mode=mode)


def reloaded(user: User) -> User:
    """The row as stored now, after an update that went past this copy."""
    return User.get_by_id(user.id)


def set_mode(user: User, mode: str) -> User:
    User.update(mode=mode, updated_at=utcnow()).where(User.id == user.id).execute()
    return reloaded(user)


def set_language(user: User, language: str) -> User:
    User.update(language=language).where(User.id == user.id).execute()
    return reloaded(user)


def set_daily_loss_limit(user: User, rupiah: int | None) -> User:
    User.update(daily_loss_limit=rupiah).where(User.id == user.id).execute()
    return reloaded(user)


def set_cost_method(user: User, method: str) -> User:
    if method not in COST_METHODS:
        raise ValueError(f"cost method must be one of {COST_METHODS}")
    User.update(cost_method=method).where(User.id == user.id).execute()
    return reloaded(user)


def credentials_not_under(key_id: str, after_id: int, limit: int) -> list[Credential]:
    """The next batch of credentials still encrypted under another master key."""
    return list(
        Credential.select()
        .where((Credential.vault_key_id != key_id) & (Credential.id > after_id))
        .order_by(Credential.id)
        .limit(limit)
    )
