"""Per-user notification settings: one column per kind, each on | silent | off.

Columns rather than one JSON document so the Notifier reads exactly the four values it
needs for a whole batch of users in one indexed query. Existing users start with every
kind on, which is what they received before.
"""

import peewee as pw
from peewee_migrate import Migrator

KINDS = ("alert", "fill", "strategy", "system")


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.add_fields(
        "users",
        **{f"notify_{kind}": pw.CharField(default="on", max_length=8) for kind in KINDS},
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.remove_fields("users", *(f"notify_{kind}" for kind in KINDS))
