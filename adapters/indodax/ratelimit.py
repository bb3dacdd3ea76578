"""Client-side rate limits, so the exchange's own limits are never the first to say no.

A 429 on `trade` blocks that pair for 5 s; staying under the documented rates costs a few
milliseconds of waiting instead. Most buckets are token buckets kept as a "theoretical
arrival time" (GCRA); `trade` is a sliding window, because the exchange counts trades per
account and pair in any second, and a token bucket lets its burst and its rate add up
(20 at once and 20 more within the same second: a grid laying out its levels was blocked
for 5 s). Either way a caller reserves its slot under a lock and then sleeps outside it,
so concurrent callers queue in order without holding the lock while they wait.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_NEGLIGIBLE_SECONDS = 1e-6


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int  # how many calls may go at once after a quiet spell


@dataclass(frozen=True)
class Window:
    """At most `count` calls in any `seconds`."""

    count: int
    seconds: float


# Documented limits (field guide §4). `private` covers the TAPI methods other than trade and
# cancel, whose limit is undocumented; ~10/s stays below the per-IP burst limit seen live.
PUBLIC_RATES: Mapping[str, Rate] = {"public": Rate(180 / 60, 3)}
PRIVATE_RATES: Mapping[str, Rate | Window] = {
    # Per account and pair (keys are "trade:<ticker_id>"): 20 in any second, the window
    # 50 ms longer so that two calls a second apart on our clock never arrive closer.
    "trade": Window(20, 1.05),
    "cancel": Rate(30, 30),
    "private": Rate(10, 10),
    "deadman": Rate(1, 1),
}


class _Bucket(ABC):
    """What both kinds of bucket share: a caller reserves the moment its call is allowed
    under the lock (`_reserve`), then sleeps until then outside it; a 429 blocks it."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._blocked_until = float("-inf")

    def acquire(self) -> float:
        """Waits until a call is allowed; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            allowed_at = self._reserve(max(now, self._blocked_until))
        wait = allowed_at - now
        if wait < _NEGLIGIBLE_SECONDS:  # float drift of summed intervals, not a real wait
            return 0.0
        self._sleep(wait)
        return wait

    @abstractmethod
    def _reserve(self, earliest: float) -> float:
        """The moment of this call, not before `earliest`, recorded (the lock is held)."""

    def block_for(self, seconds: float) -> None:
        """No call before `seconds` from now (the exchange said so, with a 429)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)


class TokenBucket(_Bucket):
    def __init__(
        self,
        rate: Rate,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(clock, sleep)
        self._interval = 1 / rate.per_second
        self._tolerance = (rate.burst - 1) * self._interval
        self._arrival = clock()

    def _reserve(self, earliest: float) -> float:
        allowed_at = max(earliest, self._arrival - self._tolerance)
        self._arrival = max(self._arrival, allowed_at) + self._interval
        return allowed_at


class WindowBucket(_Bucket):
    """For a limit counted over a sliding window: at most `count` calls in any `seconds`."""

    def __init__(
        self,
        window: Window,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(clock, sleep)
        self._window = window
        self._slots: deque[float] = deque(maxlen=window.count)  # the last calls' moments

    def _reserve(self, earliest: float) -> float:
        allowed_at = max(earliest, self._slots[-1]) if self._slots else earliest
        if len(self._slots) == self._window.count:  # the oldest of the last `count`
            allowed_at = max(allowed_at, self._slots[0] + self._window.seconds)
        self._slots.append(allowed_at)
        return allowed_at


class RateLimiter:
    """Buckets by key; a key is a scope from `rates`, optionally narrowed: "trade:btc_idr"."""

    def __init__(
        self,
        rates: Mapping[str, Rate | Window],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rates = rates
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, key: str) -> float:
        return self._bucket(key).acquire()

    def block_for(self, key: str, seconds: float) -> None:
        self._bucket(key).block_for(seconds)

    def _bucket(self, key: str) -> _Bucket:
        scope = key.partition(":")[0]
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                limit = self._rates[scope]
                bucket = (
                    WindowBucket(limit, self._clock, self._sleep)
                    if isinstance(limit, Window)
                    else TokenBucket(limit, self._clock, self._sleep)
                )
                self._buckets[key] = bucket
            return bucket
