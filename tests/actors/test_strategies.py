"""Strategies are plain objects: each is built with a fake context and handed its hooks,
no actor, no host, no database."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from actors.strategies.buy_once_below import BuyOnceBelow
from messages.events import OrderUpdate, TriggerFired
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

    def order(
        self,
        leg: str,
        side: str,
        order_type: str,
        *,
        price: str | None = None,
        quantity: str | None = None,
        quote_amount: str | None = None,
        **state: Any,
    ) -> str:
        """Saves the progress with the intent first, as the host does."""
        self.save(**state)
        amounts = {"price": price, "quantity": quantity, "quote_amount": quote_amount}
        self.did.append(("order", (leg, side, order_type, amounts)))
        return f"s{self.row.id}-{leg}-1"

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
        (
            "order",
            ("buy", "buy", "market", {"price": None, "quantity": None, "quote_amount": "200000"}),
        ),
    ]


def update(kind: str, sequence: int = 1, filled: str = "0.0002") -> OrderUpdate:
    return OrderUpdate(
        telegram_id=7,
        client_order_id="s5-buy-1",
        strategy_id=5,
        leg="buy",
        sequence=sequence,
        kind=kind,  # type: ignore[arg-type]
        quantity="0.0001",
        filled=filled,
        price="899",
        fee="0",
    )


def test_buy_once_below_stops_with_how_its_order_ended():
    context = FakeContext()
    strategy = BuyOnceBelow(context)
    strategy.on_trigger(FIRED)
    strategy.on_order_update(update("filled"))
    assert context.did[-1] == ("stop", None)
    assert context.row.status == StrategyStatus.STOPPED
    assert context.row.state["result"] == "filled"
    assert context.row.state["client_order_id"] == "s5-buy-1"
    assert context.row.state["filled"] == "0.0002"


def test_buy_once_below_waits_through_a_partial_fill_and_stops_on_a_rejection():
    context = FakeContext()
    strategy = BuyOnceBelow(context)
    strategy.on_trigger(FIRED)
    strategy.on_order_update(update("partial", filled="0.0001"))
    assert context.row.status == StrategyStatus.RUNNING
    strategy.on_order_update(update("rejected", sequence=2))
    assert context.row.status == StrategyStatus.STOPPED
    assert context.row.state["result"] == "rejected"


def test_buy_once_below_rebuilt_after_ordering_does_not_watch_again():
    context = FakeContext()
    context.row.state = {"ordered": True}
    BuyOnceBelow(context).on_start()
    assert context.did == []
