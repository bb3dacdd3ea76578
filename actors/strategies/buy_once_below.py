"""The smallest real strategy: buy `quote_amount` at market once the price falls to
`level`, then finish with how its order ended. It exercises the whole life cycle and the
rule of saving first: the intent is saved with `ordered` in one write before the order is
asked for, so a crash at any point ends with one order and the strategy stopped. An order
lost before it left (a crash between recording and sending it) comes back as never sent:
the strategy watches its level again and buys under a new id."""

from __future__ import annotations

from typing import Any

from actors.strategies.strategy import BaseStrategy, Progress
from messages.charts import ChartLine
from messages.events import OrderUpdate, TriggerFired

LEG = "buy"
ENDS = ("filled", "cancelled", "rejected")


class BuyOnceBelow(BaseStrategy):
    kind = "buy_once_below"

    @classmethod
    def progress(cls, params: dict[str, Any], state: dict[str, Any]) -> Progress:
        if state.get("ordered"):
            return Progress(next_term="buying")
        return Progress(next_term="buys_below", next_value=str(params.get("level", "")))

    @classmethod
    def chart_lines(cls, params: dict[str, Any], state: dict[str, Any]) -> tuple[ChartLine, ...]:
        return () if state.get("ordered") else (ChartLine("buy", str(params.get("level"))),)

    def on_start(self) -> None:
        if not self.state.get("ordered"):
            self.context.watch("level", "below", level=self.params["level"])

    def on_trigger(self, fired: TriggerFired) -> None:
        if self.state.get("ordered"):
            return
        self.context.order(
            LEG,
            "buy",
            "market",
            quote_amount=self.params["quote_amount"],
            ordered=True,
            trigger_price=fired.price,
        )

    def on_order_update(self, update: OrderUpdate) -> None:
        if update.never_sent:
            self.context.save(ordered=False)
            self.context.watch("level", "below", level=self.params["level"])
            return
        if update.kind in ENDS:
            self.context.stop(
                result=update.kind, client_order_id=update.client_order_id, filled=update.filled
            )
