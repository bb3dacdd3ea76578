"""The adapter keeps each user's access token sealed, and asks for a new one in time."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest
import redis

from adapters.telegram.tokens import (
    REDIS_PREFIX,
    FileSealedStore,
    RedisSealedStore,
    TokenKeeper,
    reseal_tokens,
)
from config.secret import Secret
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault

VAULT_KEY = Secret("adapter-token-test-key-" + "z" * 20)
VAULT = Vault(VAULT_KEY)
TOKEN = "tok_live_0123456789abcdef"


def sealed(owner: int, token: str = TOKEN) -> str:
    return VAULT.encrypt(token, purpose=PURPOSE_ACCESS_TOKEN, owner=owner)


@pytest.fixture(params=["file", "redis"])
def keeper(request: pytest.FixtureRequest, tmp_path: Path) -> TokenKeeper:
    if request.param == "file":
        store = FileSealedStore(tmp_path / "tokens.json")
    else:
        url = request.getfixturevalue("redis_url")
        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        for key in client.scan_iter(match=f"{REDIS_PREFIX}*"):
            client.delete(key)
        store = RedisSealedStore(client)
    return TokenKeeper(store, VAULT, ttl_seconds=3600, refresh_threshold_seconds=600)


def test_a_kept_token_opens_only_for_its_own_user(keeper: TokenKeeper):
    keeper.keep(7, sealed(7))
    keeper.keep(8, sealed(7))  # someone else's sealed token cannot be opened as user 8's
    assert keeper.token_for(7) == TOKEN
    assert keeper.token_for(8) is None
    assert keeper.token_for(9) is None


def test_a_forgotten_token_is_gone(keeper: TokenKeeper):
    keeper.keep(7, sealed(7))
    keeper.forget(7)
    assert keeper.token_for(7) is None


def test_tokens_close_to_their_end_are_due_for_refresh(keeper: TokenKeeper):
    keeper.keep(7, sealed(7))
    assert keeper.due_for_refresh() == []
    assert keeper.due_for_refresh(now=time.time() + 3600 - 300) == [7]


def test_the_token_file_holds_no_plain_token_and_only_its_owner_can_read_it(tmp_path: Path):
    path = tmp_path / "tokens.json"
    TokenKeeper(FileSealedStore(path), VAULT, 3600, 600).keep(7, sealed(7))
    assert TOKEN not in path.read_text()
    assert json.loads(path.read_text())["7"]["sealed"].startswith("v1:")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_restarted_adapter_still_holds_the_tokens_it_kept(keeper: TokenKeeper):
    keeper.keep(7, sealed(7))
    again = TokenKeeper(keeper.store, VAULT, ttl_seconds=3600, refresh_threshold_seconds=600)
    assert again.token_for(7) == TOKEN


def test_a_reseal_never_overwrites_a_token_the_adapter_stored_meanwhile(keeper: TokenKeeper):
    old_key = Vault(Secret("adapter-token-old-key-" + "o" * 20))
    keeper.keep(7, old_key.encrypt("old-token", purpose=PURPOSE_ACCESS_TOKEN, owner=7))
    read_by_rotation = keeper.store.get(7)
    keeper.keep(7, sealed(7, "newer-token"))  # the running adapter got a fresh token
    assert read_by_rotation is not None
    assert not keeper.store.replace(7, read_by_rotation, sealed(7, "old-token"))
    again = TokenKeeper(keeper.store, VAULT, ttl_seconds=3600, refresh_threshold_seconds=600)
    assert again.token_for(7) == "newer-token"


def test_a_reseal_moves_old_tokens_and_leaves_current_ones(keeper: TokenKeeper):
    old_key = Vault(Secret("adapter-token-old-key-" + "o" * 20))
    keeper.keep(7, old_key.encrypt("old-token", purpose=PURPOSE_ACCESS_TOKEN, owner=7))
    keeper.keep(8, sealed(8))
    rotating = Vault(VAULT_KEY, previous=Secret("adapter-token-old-key-" + "o" * 20))
    report = reseal_tokens(keeper.store, rotating)
    assert (report.resealed, report.skipped) == (1, ())
    again = TokenKeeper(keeper.store, VAULT, ttl_seconds=3600, refresh_threshold_seconds=600)
    assert (again.token_for(7), again.token_for(8)) == ("old-token", TOKEN)
