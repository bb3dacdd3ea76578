"""Dead letters: outbox messages the chat adapter failed to render or send too often, and
the count of failures on each outbox message."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.add_fields("outbox", attempts=pw.IntegerField(default=0))

    @migrator.create_model
    class DeadLetter(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        correlation_id = pw.CharField(max_length=64, unique=True)
        telegram_id = pw.BigIntegerField(null=True)
        chat_id = pw.BigIntegerField()
        key = pw.CharField(max_length=128)
        reason = pw.CharField(max_length=200)
        attempts = pw.IntegerField()
        payload = pw.TextField()

        class Meta:
            table_name = "dead_letters"


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.remove_model("dead_letters")
    migrator.remove_fields("outbox", "attempts")
