"""When the exchange last told the bot a live order's state (`orders.checked_at`): the
Supervisor starts the actor of a user whose resting order has not been checked for
ORDER_RECONCILE_DORMANT_SECONDS, so an order that ends without the market reaching its
price (cancelled on Indodax's site, a fill whose tick was missed) is found while its
user's actor is out of memory (see persistence/models/orders.py).

Rows from before are left NULL: never checked, so due at the first look.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.add_fields("orders", checked_at=pw.DateTimeField(null=True))
    migrator.add_index("orders", "state", "checked_at")


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.drop_index("orders", "state", "checked_at")
    migrator.remove_fields("orders", "checked_at")
