"""Nonces in Redis: one atomic script per draw, using the Redis clock, no expiry.

The key never expires: a counter that restarts from the clock after a TTL would hand out
values below ones already sent. Run Redis with persistence (appendonly) in production.
"""

from __future__ import annotations

import redis

from persistence.nonce_store import AskedNonce, DrawnNonce, NonceStore
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


class RedisNonceStore(NonceStore):
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

    def ask(self, key_id: str) -> AskedNonce:
        """The draw's script is sent now on a connection of its own, its answer read by
        `value()`. Anything unusual (the connection cannot send, the script is not loaded,
        the answer is lost) falls back to an ordinary draw: a second draw only skips one."""
        pool = self._client.connection_pool
        connection = pool.get_connection()
        try:
            connection.send_command("EVALSHA", self._next.sha, 1, _PREFIX + key_id)
        except redis.RedisError:
            connection.disconnect()
            pool.release(connection)
            return DrawnNonce(self.next(key_id))
        return _SentDraw(self, key_id, pool, connection)


class _SentDraw:
    def __init__(
        self,
        store: RedisNonceStore,
        key_id: str,
        pool: redis.ConnectionPool,
        connection: redis.Connection,
    ) -> None:
        self._store = store
        self._key_id = key_id
        self._pool = pool
        self._connection: redis.Connection | None = connection

    def value(self) -> int:
        try:
            answer = self._answer()
        except redis.RedisError:
            return self._store.next(self._key_id)
        return int(answer)

    def drop(self) -> None:
        try:
            self._answer()
        except redis.RedisError:
            return

    def _answer(self) -> object:
        connection, self._connection = self._connection, None
        if connection is None:
            raise RuntimeError("a nonce draw is read once")
        try:
            return connection.read_response()
        except redis.RedisError as error:
            if not isinstance(error, redis.ResponseError):
                connection.disconnect()  # its next reply would be out of step
            raise
        finally:
            self._pool.release(connection)
