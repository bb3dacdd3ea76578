"""Every order's outcome reaches its user, exactly once, also across restarts of the actor.

An order answered at once (placed, refused) was told in the reply. One whose outcome is
unknown, or one a crash left pending, is owed to its user (`Order.outcome_owed`): it is
followed up in the background (actors/user/order_followup.py) on this actor's timers, and the
verdict goes out as a Notification whose correlation id is derived from the order. The
debt is cleared right after; a restart that finds it still owed but the message already in
the Notifier's outbox clears it without saying it twice. The actor does not leave for
idleness while it follows an order.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from actors.user.order_followup import OrderFollowUp, Verdict
from actors.user.order_placement import apply_status
from actors.user.user_base import UserBase
from adapters.indodax.errors import IndodaxError, InvalidCredentials, OrderNotFound
from adapters.indodax.pairs import Pair, parse_pair
from adapters.indodax.wire import OrderStatus
from persistence.models import outbox
from persistence.models.base import utcnow
from persistence.models.orders import (
    UNRESOLVED_STATES,
    Order,
    order_by_client_id,
    owed_outcomes,
    settle_order,
)

log = logging.getLogger(__name__)

FOLLOW_UP = "order_follow_up"  # wakeup payload: lookups of followed orders are due


def outcome_correlation_id(client_order_id: str) -> str:
    """One id per order's outcome message: the outbox knows whether it was said."""
    return f"outcome-{client_order_id}"


class UserOutcomes(UserBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._follow_up: OrderFollowUp | None = None
        self._follow_up_wake: datetime | None = None

    @property
    def follow_up(self) -> OrderFollowUp:
        if self._follow_up is None:
            bound = timedelta(seconds=self.settings.indodax.order_follow_up_seconds)
            self._follow_up = OrderFollowUp(self._look_up, bound, utcnow)
        return self._follow_up

    def _following_orders(self) -> bool:
        return self._follow_up is not None and bool(self._follow_up.following())

    def _resume_outcomes(self) -> None:
        """At boot: what the last life of this actor left owed is followed up or told."""
        for row in owed_outcomes(self.user):  # type: ignore[arg-type]
            if row.state in UNRESOLVED_STATES:
                self._follow(row)
            else:
                self._tell_outcome(row)

    def _follow(self, row: Order) -> None:
        if not row.outcome_owed:  # pending: a crash came between sending and the answer
            settle_order(row, outcome_owed=True)
        log.info("following up an order", extra={"client_order_id": row.client_order_id})
        self.follow_up.follow(row.client_order_id, parse_pair(row.pair), row.created_at)
        self._wake_for_follow_up()

    def _wake_for_follow_up(self) -> None:
        """One timer for all followed orders, moved earlier when a new order needs it."""
        wait = self.follow_up.next_wake()
        if wait is None:
            return
        due = utcnow() + wait
        if self._follow_up_wake is not None and self._follow_up_wake <= due:
            return
        self._follow_up_wake = due
        self.wakeupAfter(wait, payload=FOLLOW_UP)

    def _follow_up_timer_rang(self) -> None:
        self._follow_up_wake = None
        for verdict in self.follow_up.run_due():
            row = order_by_client_id(verdict.client_order_id)
            if row is not None:
                self._tell_outcome(self._settle(row, verdict))
        self._wake_for_follow_up()

    def _look_up(self, client_order_id: str, pair: Pair) -> OrderStatus:
        """A lookup by client_order_id, counted for the dead-man switch: 'no such order' is
        an answer, anything else that fails is a failed call."""
        if self.keys is None:
            raise InvalidCredentials("no linked key to look the order up with")
        correlation_id = outcome_correlation_id(client_order_id)
        try:
            status = self.private.get_order_by_client_order_id(client_order_id, pair)
        except OrderNotFound:
            self._count_call(correlation_id, None)
            raise
        except IndodaxError as error:
            self._count_call(correlation_id, type(error).__name__)
            raise
        self._count_call(correlation_id, None)
        return status

    @staticmethod
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
        if verdict.outcome == "not_placed":
            return settle_order(row, state="rejected", error="not found on the exchange")
        return settle_order(row, state="unknown", error=f"no answer in time ({verdict.cause})")

    def _tell_outcome(self, row: Order) -> None:
        correlation_id = outcome_correlation_id(row.client_order_id)
        if not outbox.holds(correlation_id):
            if row.state in UNRESOLVED_STATES:
                key = "order.outcome.unknown"
            elif row.state == "rejected":
                key = "order.outcome.not_placed"
            else:
                key = "order.outcome.placed"
            self.notify(
                key,
                kind="system",  # always delivered: a user must learn where the money went
                correlation_id=correlation_id,
                pair=parse_pair(row.pair).display,
                client_order_id=row.client_order_id,
                order_id=row.exchange_order_id or "",
                state=row.state,
            )
        settle_order(row, outcome_owed=False)
