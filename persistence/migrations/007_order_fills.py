"""Orders followed to their end: every change of an order (a fill, its cancel or rejection)
is a row of `fills`, written before it is delivered and marked once delivered (see
persistence/models/fills.py); and an order's leg, the strategy's name for it.

Frozen like every migration: the foreign keys point at the tables as the earlier
migrations left them (`migrator.orm`), and the money columns repeat 001's shape.
"""

from decimal import Decimal

import peewee as pw
from peewee_migrate import Migrator

MONEY = {"max_digits": 38, "decimal_places": 18, "auto_round": False}


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    order_model, paper_model = migrator.orm["orders"], migrator.orm["paper_orders"]
    migrator.add_fields("orders", leg=pw.TextField(null=True))

    @migrator.create_model
    class Fill(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        order = pw.ForeignKeyField(
            column_name="order_id", field="id", model=order_model, null=True, on_delete="CASCADE"
        )
        paper_order = pw.ForeignKeyField(
            column_name="paper_order_id",
            field="id",
            model=paper_model,
            null=True,
            on_delete="CASCADE",
        )
        sequence = pw.IntegerField()
        trade_id = pw.CharField(max_length=64, null=True)
        kind = pw.CharField(max_length=10)
        quantity = pw.DecimalField(default=Decimal(0), **MONEY)
        filled = pw.DecimalField(default=Decimal(0), **MONEY)
        price = pw.DecimalField(null=True, **MONEY)
        fee = pw.DecimalField(default=Decimal(0), **MONEY)
        delivered_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "fills"
            indexes = (
                (("order", "sequence"), True),
                (("paper_order", "sequence"), True),
                (("order", "trade_id"), True),
                (("delivered_at",), False),
            )


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.remove_model("fills")
    migrator.remove_fields("orders", "leg")
