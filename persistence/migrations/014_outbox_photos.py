"""The PNG of each photo waiting in the Notifier's outbox, kept apart from its JSON row and
deleted once the photo is delivered or given up on."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    @migrator.create_model
    class OutboxPhoto(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        correlation_id = pw.CharField(max_length=64, unique=True)
        png = pw.BlobField()

        class Meta:
            table_name = "outbox_photos"


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.remove_model("outbox_photos")
