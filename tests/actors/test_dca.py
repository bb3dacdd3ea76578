"""DCA on scripted time and prices, with a fake context: the exact orders, timers and
messages, and the sums, each against figures worked out by hand below.

The simulator's fee rule is used for the fills: a buy spending S pays 0.2 % of S and gets
(S - fee) / price coins, so 100,000 IDR at 998,000,000 is 0.0001 BTC with a 200 IDR fee.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from strategy_fakes import FakeContext, strategy_row

from actors.strategies.dca import DollarCostAverage
from actors.strategies.dca_plan import BadPlan
from actors.strategies.schedule import BadSchedule
from messages.events import TriggerFired
from messages.statuses import StrategyStatus

START = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # Monday 08:30 WIB
TUESDAY_8 = datetime(2026, 12, 8, 1, tzinfo=UTC)  # 08:00 WIB
WEDNESDAY_8 = TUESDAY_8 + timedelta(days=1)
THURSDAY_8 = TUESDAY_8 + timedelta(days=2)
FRIDAY_8 = TUESDAY_8 + timedelta(days=3)


def dca(**params: object) -> tuple[DollarCostAverage, FakeContext]:
    plan = {"quote_amount": "100000", "schedule": "daily 08:00", **params}
    context = FakeContext(row=strategy_row(9, **plan), clock=START)
    strategy = DollarCostAverage(context)
    strategy.on_start()
    return strategy, context


def run(strategy: DollarCostAverage, context: FakeContext, at: datetime) -> None:
    """The run due at `at` comes, on time unless the clock says later."""
    context.clock = max(context.clock, at)
    strategy.on_timer(f"run:{at.isoformat()}")


def fill(
    context: FakeContext,
    strategy: DollarCostAverage,
    client_order_id: str,
    *,
    kind: str = "filled",
    quantity: str,
    price: str,
    fee: str,
    sequence: int = 1,
    reason: str | None = None,
) -> None:
    context.update(strategy, client_order_id, kind, quantity=quantity, price=price, fee=fee,
                   sequence=sequence, reason=reason)  # fmt: skip


def market(idr: str) -> tuple[str, tuple[str, str, str, dict[str, str | None]]]:
    return (
        "order",
        ("buy", "buy", "market", {"price": None, "quantity": None, "quote_amount": idr}),
    )


def timer(now: datetime, at: datetime) -> tuple[str, tuple[timedelta, str]]:
    return ("timer", (at - now, f"run:{at.isoformat()}"))


def test_a_daily_market_dca_buys_three_times_then_finishes_with_the_sums_worked_out_by_hand():
    strategy, context = dca(max_buys="3")
    assert context.doing("timer", "order") == [timer(START, TUESDAY_8)]  # 08:00 has passed

    # (run, price, coins for 100,000 - 200 fee): the average is 300,000 / 0.0004 coins.
    path = [(TUESDAY_8, "998000000", "0.0001"), (WEDNESDAY_8, "499000000", "0.0002")]
    path.append((THURSDAY_8, "998000000", "0.0001"))
    for number, (at, price, coins) in enumerate(path, start=1):
        run(strategy, context, at)
        assert context.doing("timer", "order") == [
            timer(at, at + timedelta(days=1)),
            market("100000"),
        ]
        fill(context, strategy, f"s9-buy-{number}", quantity=coins, price=price, fee="200")

    told = [params for kind, (key, params) in context.doing("notify") if key.endswith("bought")]
    assert told == [
        {"idr": "100000", "total_coin": Decimal("0.0001"), "total_idr": "100000",
         "average": "1000000000"},
        {"idr": "100000", "total_coin": Decimal("0.0003"), "total_idr": "200000",
         "average": "666666666"},
        {"idr": "100000", "total_coin": Decimal("0.0004"), "total_idr": "300000",
         "average": "750000000"},
    ]  # fmt: skip
    assert context.row.status == StrategyStatus.STOPPED
    assert (context.row.state["runs"], context.row.state["bought"]) == (3, "0.0004")
    assert Decimal(context.row.state["spent"]) == 300_000


def test_a_limit_left_open_is_cancelled_at_the_next_run_and_its_unspent_rupiah_moved():
    strategy, context = dca(order_type="limit", offset_pct="1", unfilled="move")
    run(strategy, context, TUESDAY_8)
    # 1 % under 1,000,000,000; the desk floors it to the tick and sizes the coins.
    assert context.doing("order")[0][1][3] == {
        "price": "990000000",
        "quantity": None,
        "quote_amount": "100000",
    }
    # Half filled: 0.00005 coins at 990,000,000 = 49,500 + 99 fee = 49,599 spent.
    fill(context, strategy, "s9-buy-1", kind="partial", quantity="0.00005", price="990000000",
         fee="99")  # fmt: skip
    context.price = Decimal(1_010_000_000)
    run(strategy, context, WEDNESDAY_8)
    assert context.doing("cancel", "order") == [("cancel", None)]  # the buy waits for the end
    fill(context, strategy, "s9-buy-1", kind="cancelled", quantity="0", price="0", fee="0",
         sequence=2)  # fmt: skip
    # 100,000 of this run + the 50,401 the first did not spend, 1 % under 1,010,000,000.
    assert context.doing("order")[0][1][3] == {
        "price": "999900000",
        "quantity": None,
        "quote_amount": "150401",
    }
    assert context.row.state["runs"] == 2


def test_with_unfilled_cancel_the_unspent_rupiah_of_an_open_limit_is_given_up():
    strategy, context = dca(order_type="limit", offset_pct="1")
    run(strategy, context, TUESDAY_8)
    run(strategy, context, WEDNESDAY_8)
    fill(context, strategy, "s9-buy-1", kind="cancelled", quantity="0", price="0", fee="0")
    assert context.doing("order")[-1][1][3]["quote_amount"] == "100000"


@pytest.mark.parametrize(("policy", "orders"), [("skip", 0), ("catch_up", 1)])
def test_a_run_missed_while_the_bot_was_down_is_skipped_or_caught_up_once(policy, orders):
    strategy, context = dca(missed=policy)
    context.doing("timer")
    context.clock = THURSDAY_8 + timedelta(hours=3)  # down from Tuesday to Thursday 11:00
    run(strategy, context, TUESDAY_8)  # the one pending timer, handed late
    done = context.doing("timer", "order")
    assert done[0] == timer(context.clock, FRIDAY_8)  # the next, not Wednesday's and Thursday's
    assert len(done) == 1 + orders
    assert context.row.state.get("runs", 0) == orders
    assert context.row.state["next_run"] == FRIDAY_8.isoformat()


def test_a_timer_handed_twice_buys_once():
    strategy, context = dca()
    run(strategy, context, TUESDAY_8)
    run(strategy, context, TUESDAY_8)  # a crash before it was marked handled
    assert len(context.doing("order")) == 1


def test_refused_runs_are_told_with_the_reason_and_the_third_in_a_row_pauses_it():
    strategy, context = dca()
    for number, at in enumerate((TUESDAY_8, WEDNESDAY_8), start=1):
        run(strategy, context, at)
        fill(context, strategy, f"s9-buy-{number}", kind="rejected", quantity="0", price="0",
             fee="0", reason="Insufficient balance.")  # fmt: skip
    run(strategy, context, THURSDAY_8)  # one that fills resets the count
    fill(context, strategy, "s9-buy-3", quantity="0.0001", price="998000000", fee="200")
    assert context.row.state["refusals"] == 0
    for number, at in enumerate((FRIDAY_8, FRIDAY_8 + timedelta(days=1)), start=4):
        run(strategy, context, at)
        fill(context, strategy, f"s9-buy-{number}", kind="rejected", quantity="0", price="0",
             fee="0", reason="Insufficient balance.")  # fmt: skip
    assert context.row.status == StrategyStatus.RUNNING
    run(strategy, context, FRIDAY_8 + timedelta(days=2))
    fill(context, strategy, "s9-buy-6", kind="rejected", quantity="0", price="0", fee="0",
         reason="Insufficient balance.")  # fmt: skip
    keys = [key for _, (key, params) in context.doing("notify")]
    assert keys.count("strategy.dca.refused") == 5
    assert keys[-1] == "strategy.dca.paused"
    assert context.row.status == StrategyStatus.PAUSED
    assert context.row.state["runs"] == 1  # refused runs are not among the plan's buys


def test_a_budget_that_cannot_pay_a_whole_run_ends_the_plan():
    strategy, context = dca(budget="250000")
    for number, at in enumerate((TUESDAY_8, WEDNESDAY_8), start=1):
        run(strategy, context, at)
        fill(context, strategy, f"s9-buy-{number}", quantity="0.0001", price="998000000",
             fee="200")  # fmt: skip
    assert context.row.status == StrategyStatus.STOPPED  # 50,000 left < 100,000
    assert [key for _, (key, _) in context.doing("notify")][-1] == "strategy.dca.finished"


def test_a_limit_run_without_a_last_price_waits_for_the_next_run_and_says_so():
    strategy, context = dca(order_type="limit", offset_pct="1")
    context.price = None
    run(strategy, context, TUESDAY_8)
    assert context.doing("order", "notify") == [
        ("notify", ("strategy.dca.no_price", {})),
    ]
    assert context.row.state["next_run"] == WEDNESDAY_8.isoformat()


def fire(strategy: DollarCostAverage, name: str, price: str) -> None:
    strategy.on_trigger(
        TriggerFired(trigger_id=f"s9:{name}", telegram_id=7, pair="btc_idr", price=price, ts=1.0)
    )


def test_safety_orders_on_drops_and_a_take_profit_on_the_average_close_a_cycle_as_worked_out():
    strategy, context = dca(
        safety_count="2",
        safety_deviation_pct="2",
        safety_step_scale="2",
        safety_volume_scale="2",
        take_profit_pct="3",
    )
    run(strategy, context, TUESDAY_8)
    fill(context, strategy, "s9-buy-1", quantity="0.0001", price="998000000", fee="200")
    assert len(context.doing("order")) == 1
    # First price 998,000,000: safety 1 at 2 % under it, safety 2 at 2 + 2 x 2 = 6 % under.
    # 0.0001 BTC for 100,000: average 1,000,000,000, take-profit 3 % above.
    assert context.doing("watch") == [
        ("watch", ("safety", "below", {"level": "978040000"})),
        ("watch", ("tp", "above", {"level": "1030000000"})),
    ]
    fire(strategy, "safety", "978000000")
    fire(strategy, "safety", "977000000")  # fired again before the fill: asked once
    [(_, safety)] = context.doing("order")
    assert safety == ("safety", "buy", "market", {"price": None, "quantity": None,
                      "quote_amount": "100000"})  # fmt: skip
    fill(context, strategy, "s9-safety-1", quantity="0.0002", price="499000000", fee="200")
    # 0.0003 BTC for 200,000: average 666,666,666.67; 3 % above is 686,666,666.67.
    assert context.doing("watch") == [
        ("watch", ("safety", "below", {"level": "938120000"})),
        ("watch", ("tp", "above", {"level": "686666667"})),
    ]
    fire(strategy, "tp", "686000000")  # under the level (a trigger since moved): nothing
    fire(strategy, "tp", "700000000")
    [(_, sale)] = context.doing("order")
    assert sale == ("tp", "sell", "market", {"price": None, "quantity": "0.0003",
                    "quote_amount": None})  # fmt: skip
    # 0.0003 x 700,000,000 = 210,000, less 861 fees and tax, less the 200,000 it cost.
    fill(context, strategy, "s9-tp-1", quantity="0.0003", price="700000000", fee="861")
    told = [entry for entry in context.doing("notify") if entry[1][0].endswith("took_profit")]
    assert told == [
        ("notify", ("strategy.dca.took_profit", {"quantity": Decimal("0.0003"),
                                                 "profit": "9139", "realised": "9139"})),
    ]  # fmt: skip
    assert context.doing("watch") == []  # the cycle is closed: no level until the next buy
    assert context.row.state["cycles"] == 1
    run(strategy, context, WEDNESDAY_8)  # the next scheduled buy starts the next cycle
    fill(context, strategy, "s9-buy-2", quantity="0.0002", price="499000000", fee="200")
    assert context.doing("watch")[0] == ("watch", ("safety", "below", {"level": "489020000"}))


def test_with_a_take_profit_the_plan_waits_for_the_last_cycle_to_sell_before_it_stops():
    strategy, context = dca(max_buys="1", take_profit_pct="3")
    run(strategy, context, TUESDAY_8)
    fill(context, strategy, "s9-buy-1", quantity="0.0001", price="998000000", fee="200")
    assert context.row.status == StrategyStatus.RUNNING  # its coins still wait to be sold
    run(strategy, context, WEDNESDAY_8)
    assert context.doing("order")[-1][1][0] == "buy"  # only the first run bought
    fire(strategy, "tp", "1030000000")
    fill(context, strategy, "s9-tp-1", quantity="0.0001", price="1030000000", fee="423")
    assert context.row.status == StrategyStatus.STOPPED


@pytest.mark.parametrize(
    "params",
    [
        {"quote_amount": "0"},
        {"quote_amount": "-5"},
        {"quote_amount": "0,5"},
        {"quote_amount": "1e309"},
        {"quote_amount": "100.5"},
        {"quote_amount": "9" * 5000},
        {"order_type": "stop"},
        {"offset_pct": "100"},
        {"offset_pct": "NaN"},
        {"budget": "50000"},
        {"missed": "burst"},
        {"unfilled": "keep"},
        {"schedule": "hourly"},
        {"safety_count": "26", "safety_deviation_pct": "1"},
        {"safety_count": "3", "safety_deviation_pct": "40"},  # 120 % under: never
        {"safety_count": "2", "safety_deviation_pct": "0"},
        {"safety_volume_scale": "0"},
        {"take_profit_pct": "-1"},
    ],
)
def test_a_plan_that_does_not_make_sense_is_refused_with_what_is_wrong(params):
    with pytest.raises((BadPlan, BadSchedule)):
        dca(**params)


def test_stopped_by_the_user_with_sell_it_cancels_its_open_buy_then_sells_the_cycle_once():
    strategy, context = dca(order_type="limit", offset_pct="1", take_profit_pct="5")
    run(strategy, context, TUESDAY_8)
    context.doing("order", "watch", "timer", "save")
    # Half filled: 0.00005 coins at 990,000,000 = 49,500 + 99 fee.
    fill(context, strategy, "s9-buy-1", kind="partial", quantity="0.00005", price="990000000",
         fee="99")  # fmt: skip
    strategy.on_leave(sell=True)
    assert context.doing("cancel", "order", "unwatch") == [
        ("unwatch", "safety"),
        ("unwatch", "tp"),
        ("cancel", None),
    ]
    run(strategy, context, WEDNESDAY_8)  # its next run comes while it leaves: nothing
    assert context.doing("order") == []
    fill(context, strategy, "s9-buy-1", kind="cancelled", quantity="0", price="0", fee="0",
         sequence=2)  # fmt: skip
    assert context.doing("order") == [
        (
            "order",
            ("tp", "sell", "market", {"price": None, "quantity": "0.00005", "quote_amount": None}),
        )
    ]
    assert context.row.status == StrategyStatus.RUNNING  # until the sale has ended
    # 0.00005 at 1,000,000,000 = 50,000 less 100 fee: 49,900 for what cost 49,599.
    fill(context, strategy, "s9-tp-1", quantity="0.00005", price="1000000000", fee="100")
    assert context.row.status == StrategyStatus.STOPPED
    told = [entry[1] for entry in context.doing("notify")]
    assert told[-1] == ("strategy.dca.left", {"runs": 1, "realised": "301"})
    assert context.doing("order") == []


def test_stopped_by_the_user_without_sell_it_stops_once_its_open_buy_has_ended():
    strategy, context = dca(order_type="limit", offset_pct="1")
    run(strategy, context, TUESDAY_8)
    strategy.on_leave(sell=False)
    assert context.row.status == StrategyStatus.RUNNING
    fill(context, strategy, "s9-buy-1", kind="cancelled", quantity="0", price="0", fee="0")
    assert context.row.status == StrategyStatus.STOPPED
    assert [entry for entry in context.doing("order") if entry[1][1] == "sell"] == []
