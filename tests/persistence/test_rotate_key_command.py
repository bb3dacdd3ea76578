"""bin/rotate-key as an operator runs it: the old key in APP_SECRET_KEY_PREVIOUS."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import redis

from adapters.telegram.tokens import (
    REDIS_PREFIX,
    FileSealedStore,
    Kept,
    RedisSealedStore,
    SealedStore,
    TokenKeeper,
)
from config.secret import Secret, SecretUrl
from persistence.credentials import ApiKeyPair, load_credentials, store_credentials
from persistence.database import connect, db
from persistence.migrate import apply_migrations
from persistence.models import Credential, User
from persistence.vault import PURPOSE_ACCESS_TOKEN, PURPOSE_API_SECRET, Vault

ROOT = Path(__file__).resolve().parents[2]
# Keys an operator would generate: strong enough for a live deployment.
OLD = "Qft-z6QZf0wrNb1U4779GMsOd8mZf-HzObL-2Jw1GFNA95J5"
NEW = "w-ZQlEtVnbnhkgqT35SiR24pL8IBW39lYnUEr6uM7H2hIlet"


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


def test_rotate_key_without_the_old_key_names_every_row_and_says_what_to_set(tmp_path):
    seed_credentials(tmp_path)
    result = run_entry("rotate_key.py", tmp_path, APP_SECRET_KEY=NEW)
    assert result.returncode == 1
    for row_id in (1, 2, 3):
        assert f"credential row {row_id} " in result.stderr
    assert "set APP_SECRET_KEY_PREVIOUS to it and run again" in result.stderr
    assert "Traceback" not in result.stderr
    assert "3 left under other keys" in result.stdout


def test_a_row_that_does_not_open_is_reported_and_the_others_still_move(tmp_path):
    seed_credentials(tmp_path)
    handle = connect(SecretUrl(f"sqlite:///{tmp_path}/bot.sqlite3"))
    damaged = Credential.get(Credential.user == User.get(User.telegram_id == 2))
    damaged.api_secret_enc = Vault(Secret("nobody-has-this-key-" + "q" * 30)).encrypt(
        "SECRET-1", purpose=PURPOSE_API_SECRET, owner=damaged.user_id
    )
    damaged.save()
    handle.close()
    db.initialize(None)

    result = run_entry("rotate_key.py", tmp_path, APP_SECRET_KEY=NEW, APP_SECRET_KEY_PREVIOUS=OLD)

    assert result.returncode == 1
    [skipped] = [line for line in result.stderr.splitlines() if line.startswith("credential")]
    assert skipped.startswith(f"credential row {damaged.id} (user row {damaged.user_id})")
    assert "re-encrypted 2 credentials" in result.stdout
    assert "1 left under other keys" in result.stdout
    handle = connect(SecretUrl(f"sqlite:///{tmp_path}/bot.sqlite3"))
    try:
        for telegram_id in (1, 3):
            user = User.get(User.telegram_id == telegram_id)
            assert load_credentials(Vault(Secret(NEW)), user).api_key.reveal().startswith("KEY-")
    finally:
        handle.close()
        db.initialize(None)


def test_rotate_key_in_a_live_deployment_needs_no_telegram_or_internal_token(tmp_path):
    seed_credentials(tmp_path)
    result = run_entry(
        "rotate_key.py",
        tmp_path,
        BOT_MODE="live",
        APP_SECRET_KEY=NEW,
        APP_SECRET_KEY_PREVIOUS=OLD,
        TELEGRAM_WEBHOOK_PORT="not-a-port",  # an unrelated setting, even a broken one
    )
    assert result.returncode == 0, result.stderr
    assert "re-encrypted 3 credentials" in result.stdout


def seal_adapter_tokens(store: SealedStore) -> None:
    """What the running Telegram adapter left: tokens sealed under the old key."""
    keeper = TokenKeeper(store, Vault(Secret(OLD)), ttl_seconds=3600, refresh_threshold_seconds=60)
    for telegram_id in (1, 2):
        sealed = Vault(Secret(OLD)).encrypt(
            f"token-of-{telegram_id}", purpose=PURPOSE_ACCESS_TOKEN, owner=telegram_id
        )
        keeper.keep(telegram_id, sealed)
    store.put(3, Kept("v1:ffffffffffff:AAAA", time.time()), 3600)  # opens under no key


def assert_tokens_open_under_the_new_key_alone(store: SealedStore) -> None:
    after = TokenKeeper(store, Vault(Secret(NEW)), ttl_seconds=3600, refresh_threshold_seconds=60)
    assert [after.token_for(telegram_id) for telegram_id in (1, 2)] == [
        "token-of-1",
        "token-of-2",
    ]


def test_rotate_key_reseals_the_adapter_tokens_kept_in_the_data_directory(tmp_path):
    seed_credentials(tmp_path)
    store = FileSealedStore(tmp_path / "data" / "adapter_tokens.json")
    seal_adapter_tokens(store)
    result = run_entry("rotate_key.py", tmp_path, APP_SECRET_KEY=NEW, APP_SECRET_KEY_PREVIOUS=OLD)
    assert "re-sealed 2 chat adapter tokens; 1 skipped" in result.stdout
    assert "adapter token of telegram user 3 skipped" in result.stderr
    assert result.returncode == 1
    assert_tokens_open_under_the_new_key_alone(store)


def test_rotate_key_reseals_the_adapter_tokens_kept_in_redis(tmp_path, redis_url):
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{REDIS_PREFIX}*"):
        client.delete(key)
    seed_credentials(tmp_path)
    store = RedisSealedStore(client)
    seal_adapter_tokens(store)
    client.delete(f"{REDIS_PREFIX}3")
    try:
        result = run_entry(
            "rotate_key.py",
            tmp_path,
            APP_SECRET_KEY=NEW,
            APP_SECRET_KEY_PREVIOUS=OLD,
            REDIS_URL=redis_url,
        )
        assert result.returncode == 0, result.stderr
        assert "re-sealed 2 chat adapter tokens; 0 skipped" in result.stdout
        assert_tokens_open_under_the_new_key_alone(store)
        assert 0 < client.ttl(f"{REDIS_PREFIX}1") <= 3600  # the expiry is kept
    finally:
        for key in client.scan_iter(match=f"{REDIS_PREFIX}*"):
            client.delete(key)


def test_healthcheck_reports_healthy_once_migrated_and_unhealthy_before(tmp_path):
    before = run_entry("healthcheck.py", tmp_path)
    assert before.returncode == 2
    assert "migrations not applied: 001_initial, 002_outbox" in before.stderr
    seed_credentials(tmp_path)
    after = run_entry("healthcheck.py", tmp_path)
    assert after.returncode == 0
    assert after.stdout.strip() == "healthy"
