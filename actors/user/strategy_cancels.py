"""A strategy cancels its own orders: one by its client_order_id, or all that rest.

The cancel goes through the same private client as the user's /orders cancel (the paper
book for a paper user), counted for the dead-man switch; then the order is looked up by
the life cycle, which records how it ended (cancelled, or filled if the market came first)
and tells the strategy as an OrderUpdate, exactly as any other end. A cancel that fails
leaves the order to that lookup and the reconcile sweep: the strategy hears its real end.
Only the asking strategy's own orders are touched.
"""

from __future__ import annotations

import logging

from actors.user.exchange_calls import ExchangeCalls
from actors.user.order_lifecycle import OrderLifecycle
from actors.user.session import UserSession
from adapters.indodax.errors import IndodaxError
from messages.events import CancelRequest
from persistence.models.orders import resting_orders_of_strategy
from persistence.models.paper import open_paper_orders_of_strategy

log = logging.getLogger(__name__)


class StrategyCancels:
    def __init__(
        self, session: UserSession, calls: ExchangeCalls, lifecycle: OrderLifecycle
    ) -> None:
        self.session, self.calls, self.lifecycle = session, calls, lifecycle

    def cancel(self, request: CancelRequest) -> None:
        paper = self.session.paper
        if paper is not None:
            for paper_row in open_paper_orders_of_strategy(request.strategy_id):
                if request.client_order_id in (None, paper_row.client_order_id):
                    cancelled = paper.cancel(paper_row.client_order_id)
                    if cancelled is not None:
                        self.lifecycle.watch_paper(cancelled)
            return
        for row in resting_orders_of_strategy(request.strategy_id):
            if request.client_order_id not in (None, row.client_order_id):
                continue
            try:
                self.calls.on_behalf(
                    f"cancel-{row.client_order_id}",
                    self.session.private.cancel_by_client_order_id,
                    row.client_order_id,
                )
            except IndodaxError as error:
                log.warning(
                    "strategy cancel failed",
                    extra={"client_order_id": row.client_order_id, "error": type(error).__name__},
                )
            self.lifecycle.refresh(row)
