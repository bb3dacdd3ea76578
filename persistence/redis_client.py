"""The one way to open Redis: with timeouts, and never shared with a forked child."""

from __future__ import annotations

import redis
from redis.driver_info import DriverInfo

from config.fork_safety import discard_in_children

# A Redis that stops answering is an error within seconds, not a process waiting forever.
SOCKET_TIMEOUT = 5.0

# What every connection tells the server in CLIENT SETINFO, found once at import. redis-py
# would otherwise look its own version up in the installed packages' metadata at every new
# connection: in a forked actor that parse copied ~0.5 MiB of pages it shared with its parent.
DRIVER_INFO = DriverInfo()


def redis_client(url: str) -> redis.Redis:
    client = redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        driver_info=DRIVER_INFO,
    )
    discard_in_children(client.connection_pool, _discard_pool)
    return client


def _discard_pool(pool: redis.ConnectionPool) -> None:
    """redis-py notices a fork only at the next command, and then forgets the parent's
    connections without closing them: a child that never uses Redis would hold them for
    life. Closed here instead; in a child, `disconnect` closes this process's descriptor
    and leaves the parent's socket open (it shuts down only in the process that connected)."""
    for connection in [*pool._available_connections, *pool._in_use_connections]:
        connection.disconnect()
    pool.reset()
