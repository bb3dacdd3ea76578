"""The first schema: users, credentials, access tokens, strategies, orders, alerts, audit log.

Migrations are frozen snapshots: they declare their own fields and never import the models,
so a later change to a model cannot rewrite history.
"""

from decimal import Decimal

import peewee as pw
from peewee_migrate import Migrator

MONEY = {"max_digits": 38, "decimal_places": 18, "auto_round": False}


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        telegram_id = pw.BigIntegerField(unique=True)
        chat_id = pw.BigIntegerField()
        language = pw.CharField(default="id", max_length=8)
        mode = pw.CharField(default="paper", max_length=8)
        status = pw.CharField(default="active", index=True, max_length=16)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "users"

    @migrator.create_model
    class Credential(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=User, on_delete="CASCADE", unique=True
        )
        api_key_enc = pw.TextField()
        api_secret_enc = pw.TextField()
        key_fingerprint = pw.CharField(index=True, max_length=64)
        vault_key_id = pw.CharField(index=True, max_length=32)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "credentials"

    @migrator.create_model
    class AccessToken(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=User, on_delete="CASCADE"
        )
        token_hash = pw.CharField(max_length=64, unique=True)
        expires_at = pw.DateTimeField(index=True)
        revoked_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "access_tokens"

    @migrator.create_model
    class Strategy(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=User, on_delete="CASCADE"
        )
        kind = pw.CharField(max_length=16)
        pair = pw.CharField(max_length=32)
        params = pw.TextField()
        state = pw.TextField()
        status = pw.CharField(default="running", index=True, max_length=16)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "strategies"

    @migrator.create_model
    class Order(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=User, on_delete="CASCADE"
        )
        strategy = pw.ForeignKeyField(
            column_name="strategy_id", field="id", model=Strategy, null=True, on_delete="SET NULL"
        )
        client_order_id = pw.CharField(max_length=36, unique=True)
        exchange_order_id = pw.CharField(index=True, max_length=64, null=True)
        pair = pw.CharField(max_length=32)
        side = pw.CharField(max_length=4)
        order_type = pw.CharField(max_length=8)
        price = pw.DecimalField(null=True, **MONEY)
        amount = pw.DecimalField(null=True, **MONEY)
        quote_amount = pw.DecimalField(null=True, **MONEY)
        filled_amount = pw.DecimalField(default=Decimal(0), **MONEY)
        state = pw.CharField(default="pending", max_length=20)
        error = pw.TextField(null=True)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "orders"
            indexes = ((("user", "state"), False),)

    @migrator.create_model
    class Alert(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=User, on_delete="CASCADE"
        )
        pair = pw.CharField(max_length=32)
        direction = pw.CharField(max_length=8)
        price = pw.DecimalField(**MONEY)
        recurring = pw.BooleanField(default=False)
        cooldown_seconds = pw.IntegerField(default=0)
        expires_at = pw.DateTimeField(null=True)
        last_fired_at = pw.DateTimeField(null=True)
        status = pw.CharField(default="active", index=True, max_length=16)

        class Meta:
            table_name = "alerts"
            indexes = ((("pair", "status"), False),)

    @migrator.create_model
    class AuditEntry(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField(index=True)
        actor = pw.CharField(max_length=64)
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=User, null=True, on_delete="SET NULL"
        )
        action = pw.CharField(index=True, max_length=64)
        detail = pw.TextField()
        correlation_id = pw.CharField(max_length=64, null=True)

        class Meta:
            table_name = "audit_log"


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    for table in (
        "audit_log",
        "alerts",
        "orders",
        "strategies",
        "access_tokens",
        "credentials",
        "users",
    ):
        migrator.remove_model(table)
