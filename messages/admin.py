"""Operator messages to the Supervisor, from /admin in the chat or bin/admin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from messages.base import Message


@dataclass(frozen=True, kw_only=True)
class AdminCommand(Message):
    admin: str = "cli"  # "cli" or "telegram:<id>", for the audit log


@dataclass(frozen=True, kw_only=True)
class Status(AdminCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ListUsers(AdminCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class UserAdminCommand(AdminCommand):
    telegram_id: int


@dataclass(frozen=True, kw_only=True)
class RestartUser(UserAdminCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class PauseUser(UserAdminCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ResumeUser(UserAdminCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class RevokeToken(UserAdminCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class PauseAll(AdminCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ResumeAll(AdminCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class Shutdown(AdminCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class AdminReply(Message):
    ok: bool
    key: str
    data: dict[str, Any] = field(default_factory=dict)
