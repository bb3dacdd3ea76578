"""Paper trading's matching: a paper-mode user's resting orders fill once the real price
reaches them. Each rests with an order trigger in the TriggerBook (armed by the order life
cycle, order_lifecycle.py), so a tick at or through its price fills it; a command also
first fills what the last prices have reached, so whatever the user asks sees the fills the
market has made. Each fill is recorded and told like an exchange fill, through the life
cycle."""

from __future__ import annotations

import logging

from actors.user.order_lifecycle import OrderLifecycle
from actors.user.session import UserSession
from adapters.indodax.errors import IndodaxError

log = logging.getLogger(__name__)


class PaperBook:
    def __init__(self, session: UserSession, lifecycle: OrderLifecycle) -> None:
        self.session, self.lifecycle = session, lifecycle

    def settle(self) -> None:
        """Before a command: the resting orders the last prices have reached fill, and are
        told. A price that cannot be fetched waits for the order's trigger."""
        paper = self.session.paper
        if paper is None:
            return
        pairs = {order.pair for order in paper.open_orders()}
        if not pairs:
            return
        try:
            paper.settle({pair: self.session.public.ticker(pair) for pair in pairs})
        except IndodaxError as error:
            log.warning("paper orders not settled", extra={"error": type(error).__name__})
            return
        self.lifecycle.deliver()
