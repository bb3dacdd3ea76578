"""The Notifier's durable outbox."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    @migrator.create_model
    class OutboxMessage(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        correlation_id = pw.CharField(max_length=64, unique=True)
        chat_id = pw.BigIntegerField()
        payload = pw.TextField()
        delivered_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "outbox"
            indexes = ((("delivered_at", "id"), False),)


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.remove_model("outbox")
