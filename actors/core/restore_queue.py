"""Which users' actors the Supervisor starts next when many are to start (at its boot,
after a new TriggerBook, for timers and order checks that came due), and how many at once.

Starting them all in one go queued two messages per user (its boot, its address for the
TriggerBook) in the Supervisor's transport. Thespian gives a transmit five minutes and
then drops it without telling the sender: on a loaded host, 182 of 1,000 restored users
never got their boot, and their actors sat idle for good with their strategies never
started. So at most `window` boots are under way at a time; an actor that has booted says
so (UserBooted) and the next starts. A boot not confirmed within `patience` (longer than
Thespian's five minutes, so a slow boot is not doubled) is taken as lost: its actor is
replaced.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Container, Iterable
from dataclasses import dataclass, field

WINDOW = 50  # boots under way at once: two cores' worth of booting actors, and then some
PATIENCE = 360.0  # seconds: beyond Thespian's 300 s transmit period


@dataclass
class RestoreQueue:
    window: int = WINDOW
    patience: float = PATIENCE
    waiting: deque[int] = field(default_factory=deque)  # telegram ids, in the order to start
    under_way: dict[int, float] = field(default_factory=dict)  # telegram id -> started at

    def add(self, telegram_ids: Iterable[int], running: Iterable[int]) -> None:
        """Users to start, each once: one already waiting, booting or running is skipped."""
        known = self.pending() | set(running)
        self.waiting.extend(sorted(set(telegram_ids) - known))

    def due(self, now: float, running: Container[int]) -> list[int]:
        """The users to start now, as many as the window has room for, each under way from
        `now`; one whose actor was started meanwhile (by a command) is skipped."""
        starting = []
        while self.waiting and len(self.under_way) < self.window:
            telegram_id = self.waiting.popleft()
            if telegram_id not in running:
                self.under_way[telegram_id] = now
                starting.append(telegram_id)
        return starting

    def booted(self, telegram_id: int) -> bool:
        """Its actor booted, or is gone (its slot is free either way); False when it was
        not one of the window's."""
        return self.under_way.pop(telegram_id, None) is not None

    def lost(self, now: float) -> list[int]:
        """Users whose boot was not confirmed in time; they leave the window (the caller
        replaces their actors, which start outside it)."""
        late = [tid for tid, at in self.under_way.items() if now - at > self.patience]
        for telegram_id in late:
            del self.under_way[telegram_id]
        return late

    def pending(self) -> set[int]:
        """Users waiting to start or booting: not to be started by anything else meanwhile."""
        return set(self.waiting) | set(self.under_way)
