"""A user's daily loss limit (`users.daily_loss_limit`, whole rupiah, NULL: off) and what
their strategies realised (`strategy_results`): each profit or loss once, under the name of
the order update that realised it, on the day (WIB) it was realised. When a day's results
come to a loss of the limit or more, the user's strategies are paused.

Frozen like every migration: the foreign keys point at the tables as the earlier
migrations left them (`migrator.orm`).
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    user_model, strategy_model = migrator.orm["users"], migrator.orm["strategies"]
    migrator.add_fields("users", daily_loss_limit=pw.BigIntegerField(null=True))

    @migrator.create_model
    class StrategyResult(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=user_model, on_delete="CASCADE"
        )
        strategy = pw.ForeignKeyField(
            column_name="strategy_id", field="id", model=strategy_model, on_delete="CASCADE"
        )
        source = pw.CharField(max_length=80, unique=True)
        amount = pw.DecimalField(max_digits=38, decimal_places=18, auto_round=False)
        day = pw.DateField()

        class Meta:
            table_name = "strategy_results"
            indexes = ((("user", "day"), False),)


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.remove_model("strategy_results")
    migrator.remove_fields("users", "daily_loss_limit")
