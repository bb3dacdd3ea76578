"""The adapter's copy of each user's access token, kept encrypted.

The UserActor sends a new token sealed with AES-GCM (purpose access-token, bound to the
user's id); the adapter stores it still sealed (Redis when configured, so a restarted or
second adapter process keeps its users signed in; a 0600 file otherwise) and opens it only
to attach it to a command. It also remembers when the token was issued, to ask for a fresh
one before it runs out.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from config.files import private_directory
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault, VaultError

REDIS_PREFIX = "indodax-bot:adapter-token:"


@dataclass(frozen=True)
class Kept:
    sealed: str
    issued_at: float  # time.time() when the adapter received it


class SealedStore(Protocol):
    def put(self, telegram_id: int, kept: Kept, ttl_seconds: int) -> None: ...
    def get(self, telegram_id: int) -> Kept | None: ...
    def delete(self, telegram_id: int) -> None: ...
    def all(self) -> dict[int, Kept]: ...


class RedisSealedStore:
    def __init__(self, client: Any) -> None:
        self.client = client

    def put(self, telegram_id: int, kept: Kept, ttl_seconds: int) -> None:
        value = json.dumps({"sealed": kept.sealed, "issued_at": kept.issued_at})
        self.client.set(f"{REDIS_PREFIX}{telegram_id}", value, ex=ttl_seconds)

    def get(self, telegram_id: int) -> Kept | None:
        raw = self.client.get(f"{REDIS_PREFIX}{telegram_id}")
        return _kept(raw) if raw else None

    def delete(self, telegram_id: int) -> None:
        self.client.delete(f"{REDIS_PREFIX}{telegram_id}")

    def all(self) -> dict[int, Kept]:
        found = {}
        for key in self.client.scan_iter(match=f"{REDIS_PREFIX}*", count=500):
            raw = self.client.get(key)
            if raw:
                name = key.decode() if isinstance(key, bytes) else key
                found[int(name.removeprefix(REDIS_PREFIX))] = _kept(raw)
        return found


class FileSealedStore:
    """One JSON file, replaced atomically; for demo and single-host deployments."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[int, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        now = time.time()
        return {int(k): v for k, v in data.items() if v["expires_at"] > now}

    def _save(self, data: dict[int, dict[str, Any]]) -> None:
        private_directory(self.path.parent)
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump({str(k): v for k, v in data.items()}, handle)
        temporary.replace(self.path)

    def put(self, telegram_id: int, kept: Kept, ttl_seconds: int) -> None:
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
        data = self._load()
        if data.pop(telegram_id, None) is not None:
            self._save(data)

    def all(self) -> dict[int, Kept]:
        return {k: Kept(v["sealed"], v["issued_at"]) for k, v in self._load().items()}


def _kept(raw: bytes | str) -> Kept:
    data = json.loads(raw)
    return Kept(data["sealed"], float(data["issued_at"]))


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
