"""Container health: the settings load, the database answers, and its schema is current."""

from __future__ import annotations

from config import load_settings
from config.cli import run_cli
from config.errors import StartupError
from persistence.database import connect
from persistence.migrate import pending_migrations


def main() -> int:
    settings = load_settings()
    database = connect(settings.database.url)
    pending = pending_migrations(database)
    database.close()
    if pending:
        raise StartupError(f"unhealthy: migrations not applied: {', '.join(pending)}")
    print("healthy")
    return 0


if __name__ == "__main__":
    run_cli(main)
