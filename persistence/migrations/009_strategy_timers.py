"""Durable strategy timers: a strategy's timer is a row of `timers`, saved before it counts,
so it survives its user's actor leaving and a restart of everything, and is marked handled
once the strategy's handler returned (see persistence/models/timers.py).

Frozen like every migration: the foreign keys point at the tables as the earlier
migrations left them (`migrator.orm`).
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    user_model, strategy_model = migrator.orm["users"], migrator.orm["strategies"]

    @migrator.create_model
    class StrategyTimer(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=user_model, on_delete="CASCADE"
        )
        strategy = pw.ForeignKeyField(
            column_name="strategy_id", field="id", model=strategy_model, on_delete="CASCADE"
        )
        payload = pw.TextField()
        due_at = pw.DateTimeField()
        handled_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "timers"
            indexes = ((("handled_at", "due_at"), False), (("strategy", "handled_at"), False))


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.remove_model("timers")
