"""Who did what, when: an append-only trail for operators. Never holds a secret."""

from __future__ import annotations

from typing import Any

import peewee

from persistence.models.base import BaseModel, JsonField
from persistence.models.users import User


class AuditEntry(BaseModel):
    actor = peewee.CharField(max_length=64)  # "user:<telegram id>", "admin:<id>", "system"
    user = peewee.ForeignKeyField(User, null=True, backref="audit", on_delete="SET NULL")
    action = peewee.CharField(max_length=64, index=True)
    detail = JsonField(default=dict)
    correlation_id = peewee.CharField(max_length=64, null=True)

    class Meta:
        table_name = "audit_log"


def audit(
    actor: str,
    action: str,
    user: User | None = None,
    correlation_id: str | None = None,
    **detail: Any,
) -> AuditEntry:
    return AuditEntry.create(
        actor=actor, user=user, action=action, detail=detail, correlation_id=correlation_id
    )
