"""Paper trading: each user's simulated balances and orders (see persistence/models/paper.py).

Frozen like every migration: the foreign keys point at the users and strategies tables as
the earlier migrations left them (`migrator.orm`), never at today's models, and the money
columns repeat 001's exact-decimal shape.
"""

from decimal import Decimal

import peewee as pw
from peewee_migrate import Migrator

MONEY = {"max_digits": 38, "decimal_places": 18, "auto_round": False}


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    user_model, strategy_model = migrator.orm["users"], migrator.orm["strategies"]

    @migrator.create_model
    class PaperBalance(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=user_model, on_delete="CASCADE"
        )
        currency = pw.CharField(max_length=16)
        free = pw.DecimalField(default=Decimal(0), **MONEY)
        held = pw.DecimalField(default=Decimal(0), **MONEY)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "paper_balances"
            indexes = ((("user", "currency"), True),)

    @migrator.create_model
    class PaperOrder(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=user_model, on_delete="CASCADE"
        )
        strategy = pw.ForeignKeyField(
            column_name="strategy_id",
            field="id",
            model=strategy_model,
            null=True,
            on_delete="SET NULL",
        )
        client_order_id = pw.CharField(max_length=36, unique=True)
        pair = pw.CharField(max_length=32)
        side = pw.CharField(max_length=4)
        order_type = pw.CharField(max_length=8)
        price = pw.DecimalField(null=True, **MONEY)
        amount = pw.DecimalField(null=True, **MONEY)
        quote_amount = pw.DecimalField(null=True, **MONEY)
        state = pw.CharField(max_length=20)
        fill_price = pw.DecimalField(null=True, **MONEY)
        filled_amount = pw.DecimalField(default=Decimal(0), **MONEY)
        filled_value = pw.DecimalField(default=Decimal(0), **MONEY)
        fee = pw.DecimalField(default=Decimal(0), **MONEY)
        held = pw.DecimalField(default=Decimal(0), **MONEY)
        error = pw.TextField(null=True)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "paper_orders"
            indexes = ((("user", "state"), False),)


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    for table in ("paper_orders", "paper_balances"):
        migrator.remove_model(table)
