"""Actors hold only the secrets they use: no actor is told APP_SECRET_KEY; a UserActor gets
the vault's sub-keys for credentials and access tokens, which open what the master sealed."""

from __future__ import annotations

import pickle

import pytest

from actors.runtime.lifecycle import for_actors
from config.schema import (
    ActorSettings,
    DatabaseSettings,
    InternalSettings,
    RedisSettings,
    SecuritySettings,
    Settings,
    TelegramSettings,
)
from config.secret import Secret, SecretUrl
from persistence.vault import (
    PURPOSE_ACCESS_TOKEN,
    PURPOSE_API_SECRET,
    Vault,
    VaultError,
    credential_keys,
)

MASTER = Secret("m" * 40)
PREVIOUS = Secret("p" * 40)
SETTINGS = Settings(
    security=SecuritySettings(app_secret_key=MASTER, app_secret_key_previous=PREVIOUS),
    telegram=TelegramSettings(bot_token=Secret("123:bot-token"), webhook_secret=Secret("hook")),
    internal=InternalSettings(core_api_token=Secret("c" * 30)),
    actors=ActorSettings(transport_secret=Secret("t" * 40)),
    database=DatabaseSettings(url=SecretUrl("postgresql://bot:pw@db:5432/bot")),
    redis=RedisSettings(url=SecretUrl("redis://:pw@redis:6379/0")),
)


def test_actors_are_told_no_secret_but_the_connection_urls_they_use():
    told = for_actors(SETTINGS)
    assert [s.reveal() for s in told.secrets() if s] == [
        "postgresql://bot:pw@db:5432/bot",
        "redis://:pw@redis:6379/0",
    ]
    wire = pickle.dumps(told)
    for secret in ("m" * 40, "p" * 40, "123:bot-token", "c" * 30, "t" * 40):
        assert secret.encode() not in wire
    assert told.security.user_token_ttl_seconds == SETTINGS.security.user_token_ttl_seconds


def test_a_user_actors_sub_keys_open_what_the_master_sealed_and_seal_for_the_adapter():
    master_vault = Vault(MASTER)
    stored = master_vault.encrypt("api-secret", purpose=PURPOSE_API_SECRET, owner=7)
    keys = credential_keys(MASTER)
    actor_vault = Vault(keys.current, keys.previous)
    assert actor_vault.decrypt(stored, purpose=PURPOSE_API_SECRET, owner=7) == "api-secret"
    token = actor_vault.encrypt("token", purpose=PURPOSE_ACCESS_TOKEN, owner=7)
    assert master_vault.decrypt(token, purpose=PURPOSE_ACCESS_TOKEN, owner=7) == "token"
    assert MASTER.reveal().encode() not in pickle.dumps(keys)


def test_during_rotation_the_sub_keys_of_the_previous_master_still_open_old_rows():
    old_row = Vault(PREVIOUS).encrypt("api-secret", purpose=PURPOSE_API_SECRET, owner=7)
    keys = credential_keys(MASTER, PREVIOUS)
    assert Vault(keys.current, keys.previous).decrypt(
        old_row, purpose=PURPOSE_API_SECRET, owner=7
    ) == ("api-secret")


def test_sub_keys_open_nothing_beyond_their_purposes():
    keys = credential_keys(MASTER)
    with pytest.raises(VaultError, match="holds no key for"):
        Vault(keys.current).encrypt("x", purpose="something.else", owner=7)
    assert "m" * 40 not in repr(keys)
