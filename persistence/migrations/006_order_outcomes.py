"""Orders whose outcome their user is still owed (see persistence/models/orders.py).

Orders already left in the unknown state were answered "we will check" and never checked:
they are owed their outcome now, so the first start after this migration follows them up.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.add_fields("orders", outcome_owed=pw.BooleanField(default=False))
    migrator.sql("UPDATE orders SET outcome_owed = TRUE WHERE state = 'unknown'")


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.remove_fields("orders", "outcome_owed")
