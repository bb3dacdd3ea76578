"""Paper trading's clock: a paper-mode user's resting orders fill once the real price
reaches them, checked on a timer while any rest and before every command, and each fill is
told like an exchange fill."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import timedelta
from typing import Any

from actors.user.answers import Answers
from actors.user.session import UserSession
from actors.user.timers import Timers
from adapters.indodax.errors import IndodaxError
from adapters.indodax.pairs import parse_pair
from messages.statuses import OrderState
from persistence.models.paper import PaperOrder

log = logging.getLogger(__name__)

SETTLE = "paper-settle"  # timer: check the resting paper orders


def paper_params(order: PaperOrder) -> dict[str, Any]:
    """What the fill or the resting order looks like: fill price and coins once filled,
    the limit price and quantity while it rests."""
    pair = parse_pair(order.pair)
    filled = order.state == OrderState.FILLED
    return {
        "pair": pair.display,
        "side": order.side,
        "quantity": order.filled_amount if filled else order.amount or "",
        "price": order.fill_price if filled else order.price or "",
        "value": order.filled_value,
        "fee": order.fee,
        "base": pair.base.upper(),
        "quote": pair.quote.upper(),
        "order_id": order.exchange_order_id,
        "client_order_id": order.client_order_id,
        "state": order.state,
    }


class PaperBook:
    def __init__(
        self, session: UserSession, answers: Answers, timers: Timers, settle_every: timedelta
    ) -> None:
        self.session, self.answers, self.timers = session, answers, timers
        self.settle_every = settle_every
        self.timer_set = False  # a SETTLE timer is pending
        timers.on(SETTLE, self._timer_rang)
        timers.keep_awake_while(self.resting)

    def resting(self) -> bool:
        paper = self.session.paper
        return paper is not None and bool(paper.open_orders())

    def settle(self) -> None:
        """A price that cannot be fetched waits a round."""
        paper = self.session.paper
        if paper is None:
            return
        pairs = {order.pair for order in paper.open_orders()}
        if not pairs:
            return
        try:
            filled = paper.settle({pair: self.session.public.ticker(pair) for pair in pairs})
        except IndodaxError as error:
            log.warning("paper orders not settled", extra={"error": type(error).__name__})
            return
        for order in filled:
            self.answers.notify("order.paper_filled", kind="fill", **paper_params(order))

    def watch(self) -> None:
        """While paper orders rest they are checked on a timer, one timer at a time; the
        actor does not leave for idleness while they rest."""
        if self.timer_set or not self.resting():
            return
        self.timer_set = True
        self.timers.start(SETTLE, self.settle_every)

    def _timer_rang(self, _: Hashable) -> None:
        self.timer_set = False
        self.settle()
        self.watch()
