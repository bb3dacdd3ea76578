"""The Supervisor's watch over strategy timers whose user's actor is not running.

A running UserActor rings its strategies' timers itself (armed in memory, see
actors/user/strategy_host.py); one that left cannot. So the Supervisor, which starts users'
actors and knows which run, looks at the `timers` table: the owners of due timers whose
actor is not running are started (the actor's boot arms the due timer, which rings at once
after its strategies' start), and it sleeps until the next timer is due, never longer than
`bound`, so that a timer set by an actor that has left since is seen in time. An actor
leaving while its timer comes due is started at the next look, within `bound`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from persistence.models.base import utcnow
from persistence.models.timers import next_due_after, owners_due


@dataclass(frozen=True)
class TimerWatch:
    bound: timedelta
    clock: Callable[[], datetime] = utcnow

    def look(self, running: Collection[int]) -> tuple[set[int], timedelta]:
        """The users whose actor must start for a due timer, and how long to sleep."""
        now = self.clock()
        to_start = {telegram_id for telegram_id in owners_due(now) if telegram_id not in running}
        upcoming = next_due_after(now)
        sleep = self.bound if upcoming is None else min(upcoming - now, self.bound)
        return to_start, sleep
