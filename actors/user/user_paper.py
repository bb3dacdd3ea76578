"""Paper trading's clock: a paper-mode user's resting orders fill once the real price
reaches them, checked on a timer while any rest and before every command, and each fill is
told like an exchange fill."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from actors.user.user_base import UserBase
from adapters.indodax.errors import IndodaxError
from adapters.indodax.pairs import parse_pair
from persistence.models.paper import PaperOrder

log = logging.getLogger(__name__)

PAPER_SETTLE = "paper-settle"  # wakeup payload: check the resting paper orders


class UserPaper(UserBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paper_timer = False  # a PAPER_SETTLE wakeup is pending

    def _paper_params(self, order: PaperOrder) -> dict[str, Any]:
        """What the fill or the resting order looks like: fill price and coins once filled,
        the limit price and quantity while it rests."""
        pair = parse_pair(order.pair)
        filled = order.state == "filled"
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

    def _paper_resting(self) -> bool:
        paper = self.paper
        return paper is not None and bool(paper.open_orders())

    def _settle_paper(self) -> None:
        """A price that cannot be fetched waits a round."""
        paper = self.paper
        if paper is None:
            return
        pairs = {order.pair for order in paper.open_orders()}
        if not pairs:
            return
        try:
            filled = paper.settle({pair: self.public.ticker(pair) for pair in pairs})
        except IndodaxError as error:
            log.warning("paper orders not settled", extra={"error": type(error).__name__})
            return
        for order in filled:
            self.notify("order.paper_filled", kind="fill", **self._paper_params(order))

    def _watch_paper(self) -> None:
        """While paper orders rest the actor checks them on a timer, one timer at a time;
        the idle exit waits for them as it waits for running strategies."""
        if self.paper_timer or not self._paper_resting():
            return
        self.paper_timer = True
        self.wakeupAfter(
            timedelta(seconds=self.settings.paper.settle_seconds), payload=PAPER_SETTLE
        )

    def _paper_timer_rang(self) -> None:
        self.paper_timer = False
        self._settle_paper()
        self._watch_paper()
