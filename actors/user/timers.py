"""The timers of a UserActor's parts, and what keeps the actor from leaving.

Each part registers the timers it owns under a name and says when it is busy; the actor
has one wakeup handler that hands a rung timer to its owner and leaves for idleness only
when no part is busy, without knowing which parts there are.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import timedelta
from typing import Any

WakeupAfter = Callable[[timedelta, Any], None]
Handler = Callable[[Hashable], None]


class Timers:
    def __init__(self, wakeup_after: WakeupAfter) -> None:
        self._wakeup_after = wakeup_after
        self._handlers: dict[str, Handler] = {}
        self._busy: list[Callable[[], bool]] = []

    def on(self, name: str, handler: Handler) -> None:
        """`handler` is called with the timer's argument when a timer `name` rings."""
        self._handlers[name] = handler

    def start(self, name: str, delay: timedelta, argument: Hashable = None) -> None:
        if name not in self._handlers:
            raise KeyError(f"no handler for timer {name!r}")
        self._wakeup_after(delay, (name, argument))

    def rang(self, payload: Any) -> bool:
        """Hands a wakeup to the part that started it; False when it is none of theirs (the
        actor's own idle check)."""
        if not (isinstance(payload, tuple) and len(payload) == 2):
            return False
        handler = self._handlers.get(payload[0])
        if handler is None:
            return False
        handler(payload[1])
        return True

    def keep_awake_while(self, busy: Callable[[], bool]) -> None:
        self._busy.append(busy)

    def busy(self) -> bool:
        return any(check() for check in self._busy)
