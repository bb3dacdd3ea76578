"""What the bot writes on disk is its owner's alone, whatever umask the shell had: another
user of the host must not read the SQLite database, the demo key, nonces or tokens."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from bot_process import bot_env, run_bot

from config.files import private_directory, private_file
from config.secret import SecretUrl
from persistence.database import connect, db
from persistence.local_nonce_store import LocalNonceStore
from persistence.migrate import apply_migrations


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def lax_umask() -> Iterator[None]:
    """The umask of a careless shell: new files readable by everyone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_data_folder_and_its_missing_parents_are_private(tmp_path, lax_umask):
    data = private_directory(tmp_path / "srv" / "bot" / "var")
    assert mode(data) == 0o700
    assert mode(tmp_path / "srv") == mode(tmp_path / "srv" / "bot") == 0o700


def test_an_existing_shared_folder_is_left_as_it_is(tmp_path, lax_umask):
    tmp_path.chmod(0o755)
    private_directory(tmp_path / "var")
    assert mode(tmp_path) == 0o755


def test_sqlite_database_wal_and_shm_are_owner_only(tmp_path, lax_umask):
    path = tmp_path / "var" / "bot.sqlite3"
    database = connect(SecretUrl(f"sqlite:///{path}"))
    try:
        apply_migrations(database)
        database.execute_sql("SELECT count(*) FROM sqlite_master")
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(file.exists() for file in files)
        assert {file.name: mode(file) for file in files} == {file.name: 0o600 for file in files}
        assert mode(path.parent) == 0o700
    finally:
        database.close()
        db.initialize(None)


def test_a_world_readable_database_left_by_an_older_version_is_closed_on_open(tmp_path):
    path = tmp_path / "bot.sqlite3"
    for file in (path, Path(f"{path}-wal")):
        file.touch()
        file.chmod(0o644)
    database = connect(SecretUrl(f"sqlite:///{path}"))
    database.close()
    db.initialize(None)
    assert mode(path) == mode(Path(f"{path}-wal")) == 0o600


def test_private_file_keeps_what_the_file_holds(tmp_path):
    path = tmp_path / "kept"
    path.write_text("content")
    path.chmod(0o666)
    private_file(path)
    assert path.read_text() == "content"
    assert mode(path) == 0o600


def test_nonce_counters_are_owner_only(tmp_path, lax_umask):
    store = LocalNonceStore(tmp_path / "var" / "nonces")
    store.next("fingerprint-1")
    assert mode(tmp_path / "var") == mode(tmp_path / "var" / "nonces") == 0o700
    assert mode(tmp_path / "var" / "nonces" / "fingerprint-1") == 0o600


def test_bin_run_makes_the_data_folder_and_demo_key_private_under_any_umask(tmp_path):
    env = bot_env(tmp_path)
    result = run_bot(env, "--check", preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0, result.stderr
    data = Path(env["DATA_DIR"])
    assert mode(data) == 0o700
    assert mode(data / "app_secret.key") == 0o600


def test_bin_run_sets_a_private_umask_before_anything_else():
    lines = (Path(__file__).resolve().parents[2] / "bin" / "run").read_text().splitlines()
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands[:2] == ["set -euo pipefail", "umask 077"]
