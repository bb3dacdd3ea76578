"""bin/rotate-key as an operator runs it: the old key in APP_SECRET_KEY_PREVIOUS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from config.secret import Secret, SecretUrl
from persistence.credentials import ApiKeyPair, load_credentials, store_credentials
from persistence.database import connect, db
from persistence.migrate import apply_migrations
from persistence.models import User
from persistence.vault import Vault

ROOT = Path(__file__).resolve().parents[2]
OLD = "old-operator-key-" + "o" * 30
NEW = "new-operator-key-" + "n" * 30


def run_entry(name: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {
        "PATH": os.environ["PATH"],
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3",
        **env,
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "bin" / "entry" / name)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def seed_credentials(tmp_path: Path) -> None:
    handle = connect(SecretUrl(f"sqlite:///{tmp_path}/bot.sqlite3"))
    apply_migrations(handle)
    for number in range(3):
        user = User.create(telegram_id=number + 1, chat_id=number + 1)
        store_credentials(
            Vault(Secret(OLD)),
            user,
            ApiKeyPair(Secret(f"KEY-{number}"), Secret(f"SECRET-{number}")),
        )
    handle.close()
    db.initialize(None)


def test_rotate_key_moves_every_credential_to_the_new_key(tmp_path):
    seed_credentials(tmp_path)
    result = run_entry("rotate_key.py", tmp_path, APP_SECRET_KEY=NEW, APP_SECRET_KEY_PREVIOUS=OLD)
    assert result.returncode == 0, result.stderr
    assert "re-encrypted 3 credentials" in result.stdout
    assert "0 left under other keys" in result.stdout
    assert OLD not in result.stdout + result.stderr
    assert NEW not in result.stdout + result.stderr

    handle = connect(SecretUrl(f"sqlite:///{tmp_path}/bot.sqlite3"))
    try:
        user = User.get(User.telegram_id == 2)
        assert load_credentials(Vault(Secret(NEW)), user).api_secret.reveal() == "SECRET-1"
    finally:
        handle.close()
        db.initialize(None)


def test_rotate_key_without_the_old_key_says_what_to_set(tmp_path):
    seed_credentials(tmp_path)
    result = run_entry("rotate_key.py", tmp_path, APP_SECRET_KEY=NEW)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "Set APP_SECRET_KEY_PREVIOUS to the old key" in line
    assert "Traceback" not in result.stderr


def test_healthcheck_reports_healthy_once_migrated_and_unhealthy_before(tmp_path):
    before = run_entry("healthcheck.py", tmp_path)
    assert before.returncode == 2
    assert "migrations not applied: 001_initial, 002_outbox" in before.stderr
    seed_credentials(tmp_path)
    after = run_entry("healthcheck.py", tmp_path)
    assert after.returncode == 0
    assert after.stdout.strip() == "healthy"
