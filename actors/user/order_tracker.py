"""Every order's outcome reaches its user, exactly once, also across restarts of the actor.

An order answered at once (placed, refused) was told in the reply. One whose outcome is
unknown, or one a crash left pending, is owed to its user (`Order.outcome_owed`): it is
followed up in the background (actors/user/order_followup.py) on a timer of its own, and
the verdict goes out as a Notification whose correlation id is derived from the order. The
debt is cleared right after; a restart that finds it still owed but the message already in
the Notifier's outbox clears it without saying it twice. The actor does not leave for
idleness while it follows an order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta

from actors.user.answers import Answers
from actors.user.exchange_calls import ExchangeCalls
from actors.user.order_followup import OrderFollowUp, Verdict
from actors.user.order_placement import apply_status
from actors.user.session import UserSession
from actors.user.timers import Timers
from adapters.indodax.errors import IndodaxError, InvalidCredentials, OrderNotFound
from adapters.indodax.pairs import Pair, parse_pair
from adapters.indodax.wire import OrderStatus
from messages.statuses import OrderOutcome, OrderState
from persistence.models import outbox
from persistence.models.orders import (
    NOT_ON_THE_EXCHANGE,
    UNRESOLVED_STATES,
    Order,
    order_by_client_id,
    owed_outcomes,
    settle_order,
)

log = logging.getLogger(__name__)

FOLLOW_UP = "order-follow-up"  # timer: lookups of followed orders are due


def outcome_correlation_id(client_order_id: str) -> str:
    """One id per order's outcome message: the outbox knows whether it was said."""
    return f"outcome-{client_order_id}"


class OrderTracker:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        calls: ExchangeCalls,
        timers: Timers,
        *,
        bound: timedelta,
        clock: Callable[[], datetime],
        found: Callable[[Order], None] = lambda row: None,
    ) -> None:
        """`bound`: how long an order is followed, counted from when it was recorded;
        `found` is handed each order found placed (it may rest, to be followed on)."""
        self.session, self.answers, self.calls, self.timers = session, answers, calls, timers
        self.clock, self.found = clock, found
        self.follow_up = OrderFollowUp(self._look_up, bound, clock)
        self._wake_at: datetime | None = None
        timers.on(FOLLOW_UP, self._timer_rang)
        timers.keep_awake_while(self.following)

    def following(self) -> bool:
        return bool(self.follow_up.following())

    def resume(self) -> None:
        """At boot: what the last life of this actor left owed is followed up or told."""
        if self.session.user is None:
            return
        for row in owed_outcomes(self.session.user):
            if row.state in UNRESOLVED_STATES:
                self.follow(row)
            else:
                self._tell(row)

    def follow(self, row: Order) -> None:
        if not row.outcome_owed:  # pending: a crash came between sending and the answer
            settle_order(row, outcome_owed=True)
        log.info("following up an order", extra={"client_order_id": row.client_order_id})
        self.follow_up.follow(row.client_order_id, parse_pair(row.pair), row.created_at)
        self._wake()

    def _wake(self) -> None:
        """One timer for all followed orders, moved earlier when a new order needs it."""
        wait = self.follow_up.next_wake()
        if wait is None:
            return
        due = self.clock() + wait
        if self._wake_at is not None and self._wake_at <= due:
            return
        self._wake_at = due
        self.timers.start(FOLLOW_UP, wait)

    def _timer_rang(self, _: Hashable) -> None:
        self._wake_at = None
        for verdict in self.follow_up.run_due():
            row = order_by_client_id(verdict.client_order_id)
            if row is not None:
                self._tell(_settle(row, verdict))
                self.found(row)
        self._wake()

    def _look_up(self, client_order_id: str, pair: Pair) -> OrderStatus:
        """A lookup by client_order_id, counted for the dead-man switch: 'no such order' is
        an answer, anything else that fails is a failed call."""
        if self.session.keys is None:
            raise InvalidCredentials("no linked key to look the order up with")
        correlation_id = outcome_correlation_id(client_order_id)
        try:
            status = self.session.private.get_order_by_client_order_id(client_order_id, pair)
        except OrderNotFound:
            self.calls.count(correlation_id, None)
            raise
        except IndodaxError as error:
            self.calls.count(correlation_id, type(error).__name__)
            raise
        self.calls.count(correlation_id, None)
        return status

    def _tell(self, row: Order) -> None:
        correlation_id = outcome_correlation_id(row.client_order_id)
        if not outbox.holds(correlation_id):
            if row.state in UNRESOLVED_STATES:
                key = "order.outcome.unknown"
            elif row.state == OrderState.REJECTED:
                key = "order.outcome.not_placed"
            else:
                key = "order.outcome.placed"
            self.answers.notify(
                key,
                kind="system",  # always delivered: a user must learn where the money went
                correlation_id=correlation_id,
                pair=parse_pair(row.pair).display,
                client_order_id=row.client_order_id,
                order_id=row.exchange_order_id or "",
                state=row.state,
            )
        settle_order(row, outcome_owed=False)


def _settle(row: Order, verdict: Verdict) -> Order:
    log.warning(
        "order followed up",
        extra={
            "client_order_id": row.client_order_id,
            "outcome": verdict.outcome,
            "cause": verdict.cause,
        },
    )
    if verdict.status is not None:
        return apply_status(row, verdict.status)
    if verdict.outcome == OrderOutcome.NOT_PLACED:
        return settle_order(row, state=OrderState.REJECTED, error=NOT_ON_THE_EXCHANGE)
    return settle_order(row, state=OrderState.UNKNOWN, error=f"no answer in time ({verdict.cause})")
