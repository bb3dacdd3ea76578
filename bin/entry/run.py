"""bin/run: validate settings, migrate the database, then start what is built so far."""

from __future__ import annotations

import argparse
import logging

from config import load
from config.cli import describe, run_cli
from config.logs import setup_logging
from persistence.database import connect
from persistence.migrate import apply_migrations

log = logging.getLogger("bin.run")

NOT_BUILT_YET = (
    "Not built yet: the Indodax clients and simulator, the actor system and the chat "
    "adapters. This start validated the settings and the database only; nothing trades."
)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bin/run", description=__doc__)
    parser.add_argument("--check", action="store_true", help="validate settings and exit")
    args = parser.parse_args()

    loaded = load()
    settings = loaded.settings
    setup_logging(settings.log_format, settings.logging.level, settings.secrets())
    print(f"indodax-bot: {settings.mode} mode, effective settings:")
    print("\n".join(describe(loaded)))
    if args.check:
        return 0
    database = connect(settings.database.url)
    applied = apply_migrations(database)
    print(
        f"database {settings.database.url.redacted()}: "
        f"{'applied ' + ', '.join(applied) if applied else 'schema up to date'}"
    )
    print(NOT_BUILT_YET)
    database.close()
    return 0


if __name__ == "__main__":
    run_cli(main)
