"""Take-profit / stop-loss on scripted prices, with a fake context: the exact orders,
triggers and messages, and the profit or loss worked out by hand below.

The position: 0.002 BTC bought at 1,000,000,000. Targets +5 % for half and +10 % for
the rest rest on the exchange; the stop is 3 % under the entry, moved to the entry once
the first target has filled.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from strategy_fakes import FakeContext, strategy_row

from actors.strategies.tpsl import BadExit, TakeProfitStopLoss
from messages.events import TriggerFired
from messages.statuses import StrategyStatus

POSITION = {"entry_price": "1000000000", "quantity": "0.002"}


def tpsl(**params: str) -> tuple[TakeProfitStopLoss, FakeContext]:
    context = FakeContext(row=strategy_row(4, **{**POSITION, **params}))
    strategy = TakeProfitStopLoss(context)
    strategy.on_start()
    return strategy, context


def fire(strategy: TakeProfitStopLoss, name: str, price: str) -> None:
    strategy.on_trigger(
        TriggerFired(trigger_id=f"s4:{name}", telegram_id=7, pair="btc_idr", price=price, ts=1.0)
    )


def update(
    context: FakeContext,
    strategy: TakeProfitStopLoss,
    client_order_id: str,
    kind: str,
    *,
    quantity: str = "0",
    price: str | None = None,
    fee: str = "0",
) -> None:
    context.update(strategy, client_order_id, kind, quantity=quantity, price=price, fee=fee)


def sell(kind: str, price: str | None, quantity: str, leg: str) -> tuple[str, tuple]:
    return ("order", (leg, "sell", kind, {"price": price, "quantity": quantity,
                                          "quote_amount": None}))  # fmt: skip


def test_a_target_fills_the_stop_moves_to_breakeven_then_fires_and_sells_the_rest_once():
    strategy, context = tpsl(targets="5:50,10:50", stop_loss_pct="3", breakeven="yes")
    assert context.doing("order", "watch") == [
        sell("limit", "1050000000", "0.001", "tp1"),
        sell("limit", "1100000000", "0.001", "tp2"),
        ("watch", ("stop", "below", {"level": "970000000"})),
    ]
    # +50,000,000 x 0.001 = 50,000, less 1,050 fee.
    update(
        context, strategy, "s4-tp1-1", "filled", quantity="0.001", price="1050000000", fee="1050"
    )
    assert context.doing("watch") == [("watch", ("stop", "below", {"level": "1000000000"}))]
    fire(strategy, "stop", "999000000")
    assert context.doing("cancel", "order") == [("cancel", None)]  # the target first
    update(context, strategy, "s4-tp2-1", "cancelled")
    assert context.doing("order") == [sell("market", None, "0.001", "exit")]
    # -2,000,000 x 0.001 = -2,000, less 2,000 fee.
    update(
        context, strategy, "s4-exit-1", "filled", quantity="0.001", price="998000000", fee="2000"
    )
    told = [(key, params) for _, (key, params) in context.doing("notify")]
    assert told == [
        ("strategy.tpsl.target_sold", {"number": "1", "quantity": Decimal("0.001"),
                                       "price": "1050000000", "pnl": "48950"}),
        ("strategy.tpsl.stop_sold", {"quantity": Decimal("0.001"), "price": "998000000",
                                     "pnl": "-4000"}),
        ("strategy.tpsl.done", {"sold": Decimal("0.002"), "pnl": "44950"}),
    ]  # fmt: skip
    assert context.row.status == StrategyStatus.STOPPED


def test_a_target_that_fills_while_its_cancel_is_on_the_way_is_not_sold_again():
    strategy, context = tpsl(targets="5:50,10:50", stop_loss_pct="3")
    update(
        context, strategy, "s4-tp1-1", "filled", quantity="0.001", price="1050000000", fee="1050"
    )
    fire(strategy, "stop", "969000000")
    update(
        context, strategy, "s4-tp2-1", "filled", quantity="0.001", price="1100000000", fee="1100"
    )
    assert [entry for entry in context.doing("order") if entry[1][0] == "exit"] == []
    assert context.row.state["sold"] == "0.002"
    assert context.row.status == StrategyStatus.STOPPED


def test_a_stop_fired_at_its_level_before_it_moved_to_breakeven_is_ignored():
    strategy, context = tpsl(targets="5:50,10:50", stop_loss_pct="3", breakeven="yes")
    update(
        context, strategy, "s4-tp1-1", "filled", quantity="0.001", price="1050000000", fee="1050"
    )
    fire(strategy, "stop", "1001000000")  # above the stop at the entry now
    assert context.doing("cancel") == []
    assert not context.row.state.get("exiting")


def test_a_trailing_take_profit_arms_at_its_activation_then_sells_everything_on_the_callback():
    strategy, context = tpsl(
        stop_loss_pct="3", trailing_activation_pct="5", trailing_callback_pct="2"
    )
    assert context.doing("order", "watch") == [
        ("watch", ("stop", "below", {"level": "970000000"})),
        ("watch", ("trail_arm", "above", {"level": "1050000000"})),
    ]
    fire(strategy, "trail_arm", "1051000000")
    assert context.doing("watch") == [("watch", ("trail", "trailing_sell", {"percent": "2"}))]
    fire(strategy, "trail", "1080000000")
    assert context.doing("order") == [sell("market", None, "0.002", "exit")]
    fire(strategy, "stop", "960000000")  # the exit is under way: one outcome
    assert context.doing("order", "cancel") == []
    update(
        context, strategy, "s4-exit-1", "filled", quantity="0.002", price="1080000000", fee="4320"
    )
    assert context.row.state["exiting"] == "trailing"
    assert context.row.status == StrategyStatus.STOPPED


def test_an_exit_a_crash_interrupted_is_finished_at_the_next_start():
    strategy, context = tpsl(targets="5:100", stop_loss_pct="3")
    fire(strategy, "stop", "969000000")
    context.opened.clear()  # the target's cancel ended; the crash came before the sale
    context.row.state = {**context.row.state, "sold": "0"}
    context.doing("order")
    TakeProfitStopLoss(context).on_start()
    assert context.doing("order") == [sell("market", None, "0.002", "exit")]


@pytest.mark.parametrize(
    "params",
    [
        {"entry_price": "0"},
        {"quantity": "-1"},
        {"quantity": "1e309"},
        {"targets": "5:60,10:60"},
        {"targets": "5"},
        {"targets": "x:50"},
        {"stop_loss_pct": "100"},
        {"stop_loss_pct": "3", "trailing_stop_pct": "2"},
        {"trailing_activation_pct": "5"},
        {},
    ],
)
def test_a_plan_that_does_not_make_sense_is_refused_with_the_field_at_fault(params):
    with pytest.raises(BadExit):
        TakeProfitStopLoss(FakeContext(row=strategy_row(4, **{**POSITION, **params})))


def test_stopped_by_the_user_it_cancels_its_targets_and_sells_the_rest_only_if_asked():
    strategy, context = tpsl(targets="5:50,10:50", stop_loss_pct="3")
    context.doing("order", "watch")
    strategy.on_leave(sell=False)
    assert context.doing("cancel", "unwatch") == [
        ("unwatch", "stop"),
        ("unwatch", "trail"),
        ("cancel", None),
    ]
    update(context, strategy, "s4-tp1-1", "cancelled")
    update(context, strategy, "s4-tp2-1", "cancelled")
    assert context.doing("order") == []
    assert context.row.status == StrategyStatus.STOPPED

    strategy, context = tpsl(targets="5:50,10:50", stop_loss_pct="3")
    strategy.on_leave(sell=True)
    update(context, strategy, "s4-tp1-1", "cancelled")
    update(context, strategy, "s4-tp2-1", "cancelled")
    assert context.doing("order")[-1] == sell("market", None, "0.002", "exit")
    update(context, strategy, "s4-exit-1", "filled", quantity="0.002", price="1010000000",
           fee="4040")  # fmt: skip
    keys = [entry[1][0] for entry in context.doing("notify")]
    assert keys == ["strategy.tpsl.user_sold", "strategy.tpsl.done"]
    assert context.row.status == StrategyStatus.STOPPED
