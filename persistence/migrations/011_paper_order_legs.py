"""A paper order's leg (`paper_orders.leg`), as live orders have had since 007: a
strategy running on paper tells its orders' parts apart (a DCA's buy from its take-profit,
a grid's levels) exactly as it does live.

Rows from before are left NULL, as a user's own orders are.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.add_fields("paper_orders", leg=pw.TextField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.remove_fields("paper_orders", "leg")
