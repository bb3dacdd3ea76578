"""When to restart a dead child, and when to stop trying.

Exponential backoff keeps a crashing user from spinning a CPU; the intensity limit
(too many restarts inside a window) turns an endless crash loop into a suspended user
that a person looks at.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class RestartPolicy:
    base_delay: float = 0.5
    max_delay: float = 60.0
    max_restarts: int = 5
    window: float = 300.0
    _history: dict[object, deque[float]] = field(default_factory=dict)

    def next_delay(self, child: object, now: float) -> float | None:
        """Seconds to wait before restarting `child`, or None once it restarted too often."""
        history = self._history.setdefault(child, deque())
        while history and now - history[0] > self.window:
            history.popleft()
        if len(history) >= self.max_restarts:
            return None
        delay = min(self.max_delay, self.base_delay * 2.0 ** len(history))
        history.append(now)
        return delay

    def forget(self, child: object) -> None:
        self._history.pop(child, None)

    def restarts(self, child: object) -> int:
        return len(self._history.get(child, ()))
