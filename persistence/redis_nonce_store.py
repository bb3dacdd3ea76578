"""Nonces in Redis: one atomic script per draw, using the Redis clock, no expiry.

The key never expires: a counter that restarts from the clock after a TTL would hand out
values below ones already sent. Run Redis with persistence (appendonly) in production.
"""

from __future__ import annotations

import redis

from persistence.redis_client import redis_client

_PREFIX = "indodax-bot:nonce:"

_NEXT = """
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = math.max(now, last + 1)
redis.call('SET', KEYS[1], n)
return n
"""

_ADVANCE = """
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local v = tonumber(ARGV[1])
if v > last then redis.call('SET', KEYS[1], v) end
return 0
"""


class RedisNonceStore:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._next = client.register_script(_NEXT)
        self._advance = client.register_script(_ADVANCE)

    @classmethod
    def from_url(cls, url: str) -> RedisNonceStore:
        return cls(redis_client(url))

    def next(self, key_id: str) -> int:
        return int(self._next(keys=[_PREFIX + key_id]))

    def advance_past(self, key_id: str, value: int) -> None:
        self._advance(keys=[_PREFIX + key_id], args=[value])
