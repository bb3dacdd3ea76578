"""bin/rotate-key: move every stored secret to the current APP_SECRET_KEY.

Set APP_SECRET_KEY to the new key and APP_SECRET_KEY_PREVIOUS to the old one, run this,
then remove APP_SECRET_KEY_PREVIOUS. Safe to interrupt and run again. It moves the API
keys in the database and the sealed access tokens: the chat adapter's (Redis or DATA_DIR)
and those still waiting in the outbox. A row that does not open is named and skipped, the
rest move, and the exit status is 1. It reads only the settings it uses: database, Redis,
data directory, the two master keys.
"""

from __future__ import annotations

import argparse
import sys

from adapters.telegram.tokens import reseal_tokens, token_store
from config import load_settings
from config.cli import run_cli
from config.logs import setup_logging
from persistence.database import connect
from persistence.key_rotation import reseal_outbox_tokens, rotate_credentials
from persistence.migrate import apply_migrations
from persistence.vault import Vault

USED_SETTINGS = (
    "mode",
    "security.app_secret_key",
    "database.",
    "redis.",
    "storage.",
    "logging.",
)
EXIT_SKIPPED = 1


def main() -> int:
    parser = argparse.ArgumentParser(prog="bin/rotate-key", description=__doc__)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()

    settings = load_settings(only=USED_SETTINGS)
    setup_logging(settings.log_format, settings.logging.level, settings.secrets())
    vault = Vault(settings.security.app_secret_key, settings.security.app_secret_key_previous)
    database = connect(settings.database.url)
    apply_migrations(database)
    report = rotate_credentials(vault, args.batch_size)
    for row in report.skipped:
        print(
            f"credential row {row.row_id} (user row {row.user_id}) skipped: {row.reason}",
            file=sys.stderr,
        )
    print(
        f"re-encrypted {report.rotated} credentials under key {vault.key_id}; "
        f"{report.remaining} left under other keys"
    )
    tokens = reseal_tokens(token_store(settings), vault)
    for telegram_id in tokens.skipped:
        print(
            f"adapter token of telegram user {telegram_id} skipped: it opens under neither key "
            "(the user is asked to /link again at their next command)",
            file=sys.stderr,
        )
    print(f"re-sealed {tokens.resealed} chat adapter tokens; {len(tokens.skipped)} skipped")
    waiting = reseal_outbox_tokens(vault)
    for row_id in waiting.skipped:
        print(f"outbox row {row_id} skipped: its token opens under neither key", file=sys.stderr)
    print(
        f"re-sealed {waiting.resealed} tokens waiting in the outbox; {len(waiting.skipped)} skipped"
    )
    if report.skipped or tokens.skipped or waiting.skipped:
        print(
            "some rows were skipped: if they are under the old key, set APP_SECRET_KEY_PREVIOUS "
            "to it and run again; rows already moved stay moved.",
            file=sys.stderr,
        )
    moved_all = report.remaining == 0 and not tokens.skipped and not waiting.skipped
    return 0 if moved_all else EXIT_SKIPPED


if __name__ == "__main__":
    run_cli(main)
