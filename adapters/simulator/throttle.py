"""The exchange's per-account limits: `trade` at most 20 a second per account and pair, then
a 5-second block for that pair; cancels at most 30 a second per account (field guide §4).
Time is passed in, so the rule is tested without sleeping."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    count: int  # requests allowed per window
    window: float  # seconds
    block: float  # seconds refused after going over; 0 = only the window applies


TRADE_LIMIT = Limit(count=20, window=1.0, block=5.0)
CANCEL_LIMIT = Limit(count=30, window=1.0, block=0.0)


class Throttle:
    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._seen: dict[object, deque[float]] = {}
        self._blocked_until: dict[object, float] = {}

    def allow(self, key: object, now: float) -> bool:
        """Counts the request when allowed; a refused request does not count."""
        if now < self._blocked_until.get(key, 0.0):
            return False
        seen = self._seen.setdefault(key, deque())
        while seen and seen[0] <= now - self.limit.window:
            seen.popleft()
        if len(seen) >= self.limit.count:
            self._blocked_until[key] = now + self.limit.block
            return False
        seen.append(now)
        return True
