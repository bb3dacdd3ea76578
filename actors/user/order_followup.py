"""Following orders whose outcome is unknown until the exchange says placed or not placed.

An order whose trade reply was lost (and whose first lookups failed too), or one a crash
left pending, may or may not stand on the exchange. It is never sent again: it is looked
up by client_order_id, with growing pauses between lookups, for a bounded time counted
from when the order was recorded (a restart does not stretch it). Then the verdict is
"placed" (with the exchange's status), "not placed", or "unknown" — and the user is told to
check Indodax.

This is a plain component: the lookup and the clock are injected, and it keeps no timer
of its own; its owner asks `next_wake` and calls `run_due` when that time comes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.indodax.errors import IndodaxError, OrderNotFound
from adapters.indodax.pairs import Pair
from adapters.indodax.private_client import LOOKUP_DELAYS
from adapters.indodax.wire import OrderStatus
from messages.statuses import OrderOutcome

FIRST_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(seconds=30)
# A request still on its way is not found yet. "Not found" is believed only once the order
# is as old as the private client's own lookups after a lost reply take in all.
NOT_FOUND_GRACE = timedelta(seconds=sum(LOOKUP_DELAYS))

Lookup = Callable[[str, Pair], OrderStatus]


@dataclass(frozen=True)
class Verdict:
    client_order_id: str
    outcome: OrderOutcome
    status: OrderStatus | None = None  # the exchange's, when placed
    cause: str = ""  # the last lookup's error, when not placed or unknown


@dataclass
class _Followed:
    client_order_id: str
    pair: Pair
    deadline: datetime
    not_found_from: datetime
    next_at: datetime
    delay: timedelta


class OrderFollowUp:
    def __init__(
        self,
        lookup: Lookup,
        bound: timedelta,
        clock: Callable[[], datetime],
        *,
        first_delay: timedelta = FIRST_DELAY,
        max_delay: timedelta = MAX_DELAY,
        not_found_grace: timedelta = NOT_FOUND_GRACE,
    ) -> None:
        """`lookup` answers the order's status, raises OrderNotFound when the exchange has
        no such order, or another IndodaxError when it gave no usable answer."""
        self._lookup, self._bound, self._clock = lookup, bound, clock
        self._first_delay, self._max_delay = first_delay, max_delay
        self._grace = not_found_grace
        self._followed: dict[str, _Followed] = {}

    def follow(self, client_order_id: str, pair: Pair, recorded_at: datetime) -> None:
        """Starts following (again, after a restart: the bound still counts from
        `recorded_at`, and at least one lookup is made however late it is)."""
        if client_order_id in self._followed:
            return
        self._followed[client_order_id] = _Followed(
            client_order_id,
            pair,
            deadline=recorded_at + self._bound,
            not_found_from=recorded_at + self._grace,
            next_at=self._clock() + self._first_delay,
            delay=self._first_delay,
        )

    def following(self) -> tuple[str, ...]:
        return tuple(self._followed)

    def next_wake(self) -> timedelta | None:
        """How long until the next lookup is due; None when nothing is followed."""
        if not self._followed:
            return None
        due = min(followed.next_at for followed in self._followed.values())
        return max(due - self._clock(), timedelta(0))

    def run_due(self) -> list[Verdict]:
        """Looks up every order whose time has come; the verdicts reached, in order."""
        verdicts = []
        for followed in list(self._followed.values()):
            if followed.next_at > self._clock():
                continue
            verdict = self._look_up(followed)
            if verdict is not None:
                del self._followed[followed.client_order_id]
                verdicts.append(verdict)
        return verdicts

    def _look_up(self, followed: _Followed) -> Verdict | None:
        try:
            status = self._lookup(followed.client_order_id, followed.pair)
        except OrderNotFound as error:
            if self._clock() >= followed.not_found_from:
                return Verdict(
                    followed.client_order_id, OrderOutcome.NOT_PLACED, cause=type(error).__name__
                )
            return self._later(followed, error)
        except IndodaxError as error:
            return self._later(followed, error)
        return Verdict(followed.client_order_id, OrderOutcome.PLACED, status)

    def _later(self, followed: _Followed, error: IndodaxError) -> Verdict | None:
        """The next lookup after a pause twice the last (within the cap), but never past
        the deadline; none once the deadline has passed."""
        now = self._clock()
        if now >= followed.deadline:
            return Verdict(
                followed.client_order_id, OrderOutcome.UNKNOWN, cause=type(error).__name__
            )
        followed.next_at = min(now + followed.delay, followed.deadline)
        followed.delay = min(followed.delay * 2, self._max_delay)
        return None
