"""Strategies are plain objects: each is built with a fake context and handed its hooks,
no actor, no host, no database."""

from __future__ import annotations

from strategy_fakes import FakeContext

from actors.strategies.buy_once_below import BuyOnceBelow
from messages.events import OrderUpdate, TriggerFired
from messages.statuses import StrategyStatus

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
