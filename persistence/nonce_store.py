"""Per-API-key nonces: strictly increasing, never below the clock in ms, never back.

Indodax remembers the last nonce of each key and rejects anything not greater, so one
counter per key is shared by every process and host that signs with that key.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

from config.schema import Settings


class NonceStore(Protocol):
    def next(self, key_id: str) -> int:
        """The next nonce for the key: max(now in ms, last + 1), recorded before it is returned."""
        ...

    def advance_past(self, key_id: str, value: int) -> None:
        """Never hand out `value` or less again (the exchange said it has seen `value`)."""
        ...

    def ask(self, key_id: str) -> AskedNonce:
        """A draw started now whose value is read later, so a caller with something else to
        wait for first (the order's intent committed) waits for both at once. A store
        whose draw costs no round trip keeps this one: it draws at once."""
        return DrawnNonce(self.next(key_id))


class AskedNonce(Protocol):
    def value(self) -> int:
        """The drawn nonce, recorded as used before it is returned."""
        ...

    def drop(self) -> None:
        """Not needed after all: the draw is finished and its value skipped (harmless:
        nonces need only increase)."""
        ...


class DrawnNonce:
    """A draw already made."""

    def __init__(self, value: int) -> None:
        self._value = value

    def value(self) -> int:
        return self._value

    def drop(self) -> None:
        return None


def next_nonce(last: int) -> int:
    """The rule every store follows: the clock in ms, or one past the last if that is ahead."""
    return max(time.time_ns() // 1_000_000, last + 1)


class ProvisionalNonces(NonceStore):
    """Nonces for a key not yet accepted (the /link probe), kept in memory: a wrong key or a
    key that can withdraw leaves no counter behind in the files or in Redis. `keep()` hands
    the last one to the real store once the key is accepted, so it goes on past them."""

    def __init__(self, store: NonceStore) -> None:
        self._store = store
        self._last: dict[str, int] = {}

    def next(self, key_id: str) -> int:
        self._last[key_id] = next_nonce(self._last.get(key_id, 0))
        return self._last[key_id]

    def advance_past(self, key_id: str, value: int) -> None:
        self._last[key_id] = max(self._last.get(key_id, 0), value)

    def keep(self) -> None:
        for key_id, last in self._last.items():
            self._store.advance_past(key_id, last)


def preload_nonce_store(settings: Settings) -> None:
    """Import the store's module now (redis costs ~0.3 s of CPU to import): a process that
    forks actors afterwards hands it to each of them instead of each importing it on its
    first private call."""
    if settings.redis.url:
        import persistence.redis_nonce_store  # noqa: F401, PLC0415


def nonce_store_for(settings: Settings) -> NonceStore:
    """Redis when REDIS_URL is set (shared by every host), else durable local files."""
    if settings.redis.url:
        from persistence.redis_nonce_store import RedisNonceStore  # noqa: PLC0415

        return RedisNonceStore.from_url(settings.redis.url.reveal())
    from persistence.local_nonce_store import LocalNonceStore  # noqa: PLC0415

    return LocalNonceStore(Path(settings.storage.data_dir) / "nonces")
