"""bin/rotate-key: move every stored secret to the current APP_SECRET_KEY.

Set APP_SECRET_KEY to the new key and APP_SECRET_KEY_PREVIOUS to the old one, run this,
then remove APP_SECRET_KEY_PREVIOUS. Safe to interrupt and run again.
"""

from __future__ import annotations

import argparse

from config import load_settings
from config.cli import run_cli
from config.errors import StartupError
from config.logs import setup_logging
from persistence.database import connect
from persistence.key_rotation import rotate_credentials
from persistence.migrate import apply_migrations
from persistence.vault import Vault, VaultError


def main() -> int:
    parser = argparse.ArgumentParser(prog="bin/rotate-key", description=__doc__)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()

    settings = load_settings()
    setup_logging(settings.log_format, settings.logging.level, settings.secrets())
    vault = Vault(settings.security.app_secret_key, settings.security.app_secret_key_previous)
    database = connect(settings.database.url)
    apply_migrations(database)
    try:
        report = rotate_credentials(vault, args.batch_size)
    except VaultError as error:
        raise StartupError(
            f"key rotation stopped: {error}. Set APP_SECRET_KEY_PREVIOUS to the old key and run "
            "again; rows already moved stay moved."
        ) from None
    print(
        f"re-encrypted {report.rotated} credentials under key {vault.key_id}; "
        f"{report.remaining} left under other keys"
    )
    return 0 if report.remaining == 0 else 1


if __name__ == "__main__":
    run_cli(main)
