"""The Supervisor's watch over what comes due while its user's actor is not running: the
strategies' timers, and the checks of resting live orders.

A running UserActor rings its strategies' timers itself (armed in memory, see
actors/user/strategy_host.py) and sweeps its resting orders against the exchange (see
actors/user/order_lifecycle.py); one that left can do neither. So the Supervisor, which
starts users' actors and knows which run, looks at the database: the owners of due timers,
and of resting orders the exchange has not been asked about for `order_check_every`, whose
actor is not running are started (the boot arms the due timer, which rings at once after
its strategies' start, and sweeps the orders). It sleeps until the next timer or order
check is due, never longer than `bound`, so that one set by an actor that has left since is
seen in time. An actor leaving while something of its comes due is started at the next
look, within `bound`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from persistence.models.base import utcnow
from persistence.models.orders import first_check_after, owners_of_orders_unchecked_since
from persistence.models.timers import next_due_after, owners_due


@dataclass(frozen=True)
class TimerWatch:
    bound: timedelta
    order_check_every: timedelta
    clock: Callable[[], datetime] = utcnow

    def look(self, running: Collection[int]) -> tuple[set[int], timedelta]:
        """The users whose actor must start for a due timer or order check, and how long
        to sleep."""
        now = self.clock()
        checked_before = now - self.order_check_every
        due = owners_due(now) | owners_of_orders_unchecked_since(checked_before)
        to_start = {telegram_id for telegram_id in due if telegram_id not in running}
        next_check = first_check_after(checked_before)
        upcoming = [
            moment - now
            for moment in (
                next_due_after(now),
                None if next_check is None else next_check + self.order_check_every,
            )
            if moment is not None
        ]
        return to_start, min([self.bound, *upcoming])
