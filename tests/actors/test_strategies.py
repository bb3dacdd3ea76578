"""Strategies are plain objects: each is built with a fake context and handed its hooks,
no actor, no host, no database."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from actors.strategies.buy_once_below import BuyOnceBelow
from messages.events import OrderResult, TriggerFired
from messages.statuses import StrategyStatus


@dataclass
class FakeContext:
    """Records what the strategy does, in order; `save` and `stop` change the row."""

    row: Any = field(
        default_factory=lambda: SimpleNamespace(
            id=5,
            pair="btc_idr",
            params={"level": "900000000", "quote_amount": "200000"},
            state={},
            status=StrategyStatus.RUNNING,
        )
    )
    did: list[tuple[str, Any]] = field(default_factory=list)

    def save(self, status: StrategyStatus | None = None, **state: Any) -> None:
        self.row.state = {**self.row.state, **state}
        self.row.status = status or self.row.status
        self.did.append(("save", dict(state)))

    def watch(self, name: str, kind: str, **fields: Any) -> None:
        self.did.append(("watch", (name, kind, fields)))

    def order(self, side: str, order_type: str, **amounts: str) -> None:
        self.did.append(("order", (side, order_type, amounts)))

    def set_timer(self, delay: timedelta, payload: Hashable) -> None:
        self.did.append(("timer", (delay, payload)))

    def stop(self, **state: Any) -> None:
        self.save(StrategyStatus.STOPPED, **state)
        self.did.append(("stop", None))


FIRED = TriggerFired(trigger_id="s5:level", telegram_id=7, pair="btc_idr", price="899", ts=1.0)


def test_buy_once_below_saves_before_it_orders_and_orders_once():
    context = FakeContext()
    strategy = BuyOnceBelow(context)
    strategy.on_start()
    assert context.did == [("watch", ("level", "below", {"level": "900000000"}))]
    strategy.on_trigger(FIRED)
    strategy.on_trigger(FIRED)  # a second crossing before the result: nothing more
    assert context.did[1:] == [
        ("save", {"ordered": True, "trigger_price": "899"}),
        ("order", ("buy", "market", {"quote_amount": "200000"})),
    ]


def test_buy_once_below_stops_with_its_orders_result():
    context = FakeContext()
    strategy = BuyOnceBelow(context)
    strategy.on_trigger(FIRED)
    strategy.on_order_result(
        OrderResult(strategy_id=5, client_order_id="bot-1", state="filled", exchange_order_id="9")
    )
    assert context.did[-1] == ("stop", None)
    assert context.row.status == StrategyStatus.STOPPED
    assert context.row.state["result"] == "filled"
    assert context.row.state["client_order_id"] == "bot-1"


def test_buy_once_below_rebuilt_after_ordering_does_not_watch_again():
    context = FakeContext()
    context.row.state = {"ordered": True}
    BuyOnceBelow(context).on_start()
    assert context.did == []
