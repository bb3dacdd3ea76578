"""The adapter's copy of each user's access token, kept encrypted.

The UserActor sends a new token sealed with AES-GCM (purpose access-token, bound to the
user's id); the adapter stores it still sealed (Redis when configured, so a restarted or
second adapter process keeps its users signed in; a 0600 file otherwise) and opens it only
to attach it to a command. It also remembers when the token was issued, to ask for a fresh
one before it runs out.

The seal is the vault's (a key derived from APP_SECRET_KEY), so bin/rotate-key re-seals
the stored copies too (`reseal_tokens`): without that, removing APP_SECRET_KEY_PREVIOUS
would sign every user out.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from config.files import private_directory
from config.schema import Settings
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault, VaultError, key_id_of

log = logging.getLogger(__name__)

REDIS_PREFIX = "indodax-bot:adapter-token:"
# Set the new value only if the key still holds the one read, keeping its expiry.
_COMPARE_AND_SET = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('set', KEYS[1], ARGV[2], 'KEEPTTL') and 1
end
return 0
"""


@dataclass(frozen=True)
class Kept:
    sealed: str
    issued_at: float  # time.time() when the adapter received it


class SealedStore(Protocol):
    def put(self, telegram_id: int, kept: Kept, ttl_seconds: int) -> None: ...
    def get(self, telegram_id: int) -> Kept | None: ...
    def delete(self, telegram_id: int) -> None: ...
    def all(self) -> dict[int, Kept]: ...
    def replace(self, telegram_id: int, old: Kept, sealed: str) -> bool: ...


class RedisSealedStore:
    def __init__(self, client: Any, prefix: str = REDIS_PREFIX) -> None:
        self.client = client
        self.prefix = prefix

    def put(self, telegram_id: int, kept: Kept, ttl_seconds: int) -> None:
        value = json.dumps({"sealed": kept.sealed, "issued_at": kept.issued_at})
        self.client.set(f"{self.prefix}{telegram_id}", value, ex=ttl_seconds)

    def get(self, telegram_id: int) -> Kept | None:
        raw = self.client.get(f"{self.prefix}{telegram_id}")
        return _kept(raw) if raw else None

    def delete(self, telegram_id: int) -> None:
        self.client.delete(f"{self.prefix}{telegram_id}")

    def all(self) -> dict[int, Kept]:
        found = {}
        for key in self.client.scan_iter(match=f"{self.prefix}*", count=500):
            raw = self.client.get(key)
            if raw:
                name = key.decode() if isinstance(key, bytes) else key
                found[int(name.removeprefix(self.prefix))] = _kept(raw)
        return found

    def replace(self, telegram_id: int, old: Kept, sealed: str) -> bool:
        """`sealed` instead of `old`, unless the adapter has written a newer token since."""
        key = f"{self.prefix}{telegram_id}"
        raw = self.client.get(key)
        if not raw or _kept(raw) != old:
            return False
        value = json.dumps({"sealed": sealed, "issued_at": old.issued_at})
        return bool(self.client.eval(_COMPARE_AND_SET, 1, key, raw, value))


class FileSealedStore:
    """One JSON file, replaced atomically; for demo and single-host deployments. Writers
    (the adapter, bin/rotate-key) take a lock around read-change-write, so neither loses
    the other's change."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _locked(self) -> Iterator[None]:
        private_directory(self.path.parent)
        descriptor = os.open(self.path.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def _load(self) -> dict[int, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        now = time.time()
        return {int(k): v for k, v in data.items() if v["expires_at"] > now}

    def _save(self, data: dict[int, dict[str, Any]]) -> None:
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump({str(k): v for k, v in data.items()}, handle)
        temporary.replace(self.path)

    def put(self, telegram_id: int, kept: Kept, ttl_seconds: int) -> None:
        with self._locked():
            data = self._load()
            data[telegram_id] = {
                "sealed": kept.sealed,
                "issued_at": kept.issued_at,
                "expires_at": kept.issued_at + ttl_seconds,
            }
            self._save(data)

    def get(self, telegram_id: int) -> Kept | None:
        entry = self._load().get(telegram_id)
        return Kept(entry["sealed"], entry["issued_at"]) if entry else None

    def delete(self, telegram_id: int) -> None:
        with self._locked():
            data = self._load()
            if data.pop(telegram_id, None) is not None:
                self._save(data)

    def all(self) -> dict[int, Kept]:
        return {k: Kept(v["sealed"], v["issued_at"]) for k, v in self._load().items()}

    def replace(self, telegram_id: int, old: Kept, sealed: str) -> bool:
        """`sealed` instead of `old`, unless the adapter has written a newer token since."""
        with self._locked():
            data = self._load()
            entry = data.get(telegram_id)
            if entry is None or Kept(entry["sealed"], entry["issued_at"]) != old:
                return False
            entry["sealed"] = sealed
            self._save(data)
            return True


def _kept(raw: bytes | str) -> Kept:
    data = json.loads(raw)
    return Kept(data["sealed"], float(data["issued_at"]))


def token_store(settings: Settings) -> SealedStore:
    """Redis when configured (shared by adapter restarts and hosts), else a local file."""
    if settings.redis.url:
        from persistence.redis_client import redis_client  # noqa: PLC0415 (only with Redis)

        return RedisSealedStore(redis_client(settings.redis.url.reveal()))
    return FileSealedStore(Path(settings.storage.data_dir) / "adapter_tokens.json")


@dataclass(frozen=True)
class ResealReport:
    resealed: int
    skipped: tuple[int, ...]  # telegram ids whose token opened under neither key


def reseal_tokens(store: SealedStore, vault: Vault) -> ResealReport:
    """Every stored token sealed again under the current master key; one that does not open
    is named and left as it is (the adapter forgets it at its next use), the rest go on."""
    resealed, skipped = 0, []
    for telegram_id, kept in store.all().items():
        try:
            if key_id_of(kept.sealed) == vault.key_id:
                continue
            fresh = vault.reencrypt(kept.sealed, purpose=PURPOSE_ACCESS_TOKEN, owner=telegram_id)
        except VaultError:
            skipped.append(telegram_id)
            log.warning("adapter token not re-sealed", extra={"user_id": telegram_id})
            continue
        # Not replaced: the adapter stored a newer token meanwhile, under the current key.
        if store.replace(telegram_id, kept, fresh):
            resealed += 1
    return ResealReport(resealed, tuple(skipped))


class TokenKeeper:
    """Reads come from memory (this adapter is the only writer), writes go through to the
    store, so a command never waits on Redis or the file and a restart loses nothing."""

    def __init__(
        self, store: SealedStore, vault: Vault, ttl_seconds: int, refresh_threshold_seconds: int
    ) -> None:
        self.store, self.vault = store, vault
        self.ttl, self.refresh_threshold = ttl_seconds, refresh_threshold_seconds
        self._kept: dict[int, Kept] | None = None

    @property
    def kept(self) -> dict[int, Kept]:
        if self._kept is None:
            self._kept = self.store.all()
        return self._kept

    def keep(self, telegram_id: int, sealed: str) -> None:
        kept = Kept(sealed, time.time())
        self.store.put(telegram_id, kept, self.ttl)
        self.kept[telegram_id] = kept

    def token_for(self, telegram_id: int) -> str | None:
        kept = self.kept.get(telegram_id)
        if kept is None:
            return None
        if kept.issued_at + self.ttl <= time.time():
            self.forget(telegram_id)
            return None
        try:
            return self.vault.decrypt(kept.sealed, purpose=PURPOSE_ACCESS_TOKEN, owner=telegram_id)
        except VaultError:
            self.forget(telegram_id)  # sealed under a key we no longer hold
            return None

    def forget(self, telegram_id: int) -> None:
        self.store.delete(telegram_id)
        self.kept.pop(telegram_id, None)

    def due_for_refresh(self, now: float | None = None) -> list[int]:
        """Users whose token has less than the refresh threshold left."""
        moment = time.time() if now is None else now
        return [
            telegram_id
            for telegram_id, kept in self.kept.items()
            if kept.issued_at + self.ttl - moment < self.refresh_threshold
        ]
