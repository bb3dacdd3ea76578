"""A number of exchange calls a minute shared by every process of the bot, for calls that
can wait: the history import's. Indodax counts its v2 history limit per IP (300 calls a
minute), so every user's import together must stay under a budget that leaves the rest to
the order life cycle's lookups; each user's own pacing cannot see the others.

Counted per wall-clock minute: in Redis when REDIS_URL is set (every host of the bot
shares it), else in a local file under an exclusive lock (one host, every actor process).
`take()` counts one call and says how long to wait first: 0 to go now, else the seconds
left in this minute (the call was not counted: it asks again then).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import redis

from config.schema import Settings
from persistence.redis_client import redis_client

log = logging.getLogger(__name__)

MINUTE = 60.0
KEY = "indodax-bot:history-calls"


class CallBudget(Protocol):
    def take(self) -> float:
        """Seconds to wait before the call; 0: it is counted, go."""


class RedisCallBudget:
    def __init__(
        self, client: redis.Redis, per_minute: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.client, self.per_minute, self.clock = client, per_minute, clock

    def take(self) -> float:
        now = self.clock()
        key = f"{KEY}:{int(now // MINUTE)}"
        try:
            pipe = self.client.pipeline()
            pipe.incr(key)
            pipe.expire(key, int(2 * MINUTE))
            count, _ = pipe.execute()
        except redis.RedisError as error:
            log.warning("call budget unreadable", extra={"error": type(error).__name__})
            return MINUTE  # a call that can wait waits rather than risk the shared limit
        return 0.0 if int(count) <= self.per_minute else MINUTE - now % MINUTE


class FileCallBudget:
    def __init__(self, path: Path, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.path, self.per_minute, self.clock = path, per_minute, clock

    def take(self) -> float:
        now = self.clock()
        minute = int(now // MINUTE)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with os.fdopen(os.dup(fd), "r+", encoding="utf-8") as counted:
                try:
                    kept = json.loads(counted.read() or "{}")
                except ValueError:  # a file cut short by a crash: this minute starts again
                    kept = {}
                count = kept.get("count", 0) + 1 if kept.get("minute") == minute else 1
                if count > self.per_minute:
                    return MINUTE - now % MINUTE
                counted.seek(0)
                counted.truncate()
                json.dump({"minute": minute, "count": count}, counted)
        finally:
            os.close(fd)  # closing the last descriptor releases the lock
        return 0.0


def history_budget(settings: Settings) -> CallBudget:
    per_minute = settings.indodax.history_import_per_minute
    if settings.redis.url:
        return RedisCallBudget(redis_client(settings.redis.url.reveal()), per_minute)
    return FileCallBudget(Path(settings.storage.data_dir) / "history-calls.json", per_minute)
