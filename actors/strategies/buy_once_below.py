"""The smallest real strategy: buy `quote_amount` at market once the price falls to
`level`, then finish. It exercises the whole life cycle and the rule of saving first."""

from __future__ import annotations

from actors.strategies.strategy import BaseStrategy
from messages.events import OrderResult, TriggerFired


class BuyOnceBelow(BaseStrategy):
    kind = "buy_once_below"

    def on_start(self) -> None:
        if not self.state.get("ordered"):
            self.context.watch("level", "below", level=self.params["level"])

    def on_trigger(self, fired: TriggerFired) -> None:
        if self.state.get("ordered"):
            return
        self.context.save(ordered=True, trigger_price=fired.price)
        self.context.order("buy", "market", quote_amount=self.params["quote_amount"])

    def on_order_result(self, result: OrderResult) -> None:
        self.context.stop(result=result.state, client_order_id=result.client_order_id)
