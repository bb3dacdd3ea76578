"""Per-API-key nonces: strictly increasing, never below the clock in ms, never back.

Indodax remembers the last nonce of each key and rejects anything not greater, so one
counter per key is shared by every process and host that signs with that key.
"""

from __future__ import annotations

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


def nonce_store_for(settings: Settings) -> NonceStore:
    """Redis when REDIS_URL is set (shared by every host), else durable local files."""
    if settings.redis.url:
        from persistence.redis_nonce_store import RedisNonceStore  # noqa: PLC0415

        return RedisNonceStore.from_url(settings.redis.url.reveal())
    from persistence.local_nonce_store import LocalNonceStore  # noqa: PLC0415

    return LocalNonceStore(Path(settings.storage.data_dir) / "nonces")
