"""Grid on scripted prices, with a fake context and a fake market that fills resting limit
orders as the price trades through them: the exact orders and the profit worked out by
hand below, then a tick storm with fills told in shuffled order and restarts in between.

The grid of the hand-worked tests: ETH/IDR, five levels 50, 51, 52, 53 and 54 million,
0.01 ETH per level, coin bought at market first, started at 52,300,000. Fees as the paper
account charges them: 0.1 % maker, 0.2 % taker, taken in rupiah out of the trade's value
and rounded up to the rupiah; a buy receives (value - fee) / price coins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import Any

import pytest
from strategy_fakes import ENDS, FakeContext, strategy_row

from actors.strategies.grid import Grid
from actors.strategies.grid_plan import BadGrid, GridPlan, ThinGrid
from actors.user.grid_preview import grid_figures
from messages.events import TriggerFired
from messages.statuses import StrategyStatus

PLAN = {
    "lower": "50000000",
    "upper": "54000000",
    "levels": "5",
    "amount_coin": "0.01",
    "coin_source": "buy",
    "tick": "1000",
    "step": "0.00000001",
    "taker_fee": "0.002",
}
MAKER, TAKER = Decimal("0.001"), Decimal("0.002")
STEP = Decimal("0.00000001")


@dataclass
class Resting:
    client_order_id: str
    leg: str
    side: str
    order_type: str
    amounts: dict[str, str | None]


@dataclass
class MarketContext(FakeContext):
    """FakeContext whose orders rest on a fake market until a price trades through them."""

    book: dict[str, Resting] = field(default_factory=dict)
    placed: list[str] = field(default_factory=list)  # every client_order_id, in order
    updates: dict[str, int] = field(default_factory=dict)
    coins: Decimal = Decimal(0)  # what the fills brought in, less what they sold
    crash_after: int | None = None  # orders asked for before the process dies

    def order(self, leg: str, side: str, order_type: str, **kwargs: Any) -> str:
        if self.crash_after is not None and len(self.placed) >= self.crash_after:
            raise RuntimeError("the process died before this order's write")
        amounts = {k: kwargs.get(k) for k in ("price", "quantity", "quote_amount")}
        client_order_id = super().order(leg, side, order_type, **kwargs)
        self.book[client_order_id] = Resting(client_order_id, leg, side, order_type, amounts)
        self.placed.append(client_order_id)
        return client_order_id

    def tell(self, strategy: Grid, resting: Resting, kind: str, **fill: str) -> None:
        self.updates[resting.client_order_id] = self.updates.get(resting.client_order_id, 0) + 1
        sequence = self.updates[resting.client_order_id]
        self.update(strategy, resting.client_order_id, kind, sequence=sequence, **fill)
        if kind in ENDS:
            del self.book[resting.client_order_id]

    def crossed(self, price: Decimal) -> list[Resting]:
        """The limit orders the market traded through at `price`."""

        def reached(order: Resting) -> bool:
            limit = Decimal(order.amounts["price"] or 0)
            return price <= limit if order.side == "buy" else price >= limit

        return [o for o in self.book.values() if o.order_type == "limit" and reached(o)]

    def fill(self, strategy: Grid, resting: Resting, price: Decimal | None = None) -> None:
        """Filled whole, at its limit (a market order at `price`), fees as the paper account
        charges them."""
        limit = resting.amounts["price"]
        at = Decimal(limit) if limit is not None else price
        assert at is not None
        rate = MAKER if resting.order_type == "limit" else TAKER
        if resting.amounts["quote_amount"] is not None:
            value = Decimal(resting.amounts["quote_amount"])
        else:
            value = Decimal(resting.amounts["quantity"] or 0) * at
        fee = (value * rate).to_integral_value(ROUND_CEILING)
        if resting.side == "buy":
            coins = ((value - fee) / at).quantize(STEP, ROUND_DOWN)
        else:
            coins = Decimal(resting.amounts["quantity"] or 0)
        self.coins += coins if resting.side == "buy" else -coins
        self.tell(strategy, resting, "filled", quantity=str(coins), price=str(at), fee=str(fee))

    def trade_at(self, strategy: Grid, price: int, *, shuffle: random.Random | None = None) -> None:
        """The market trades at `price`: every limit order it reaches fills, in the order
        given (or shuffled); what their ends place is not reached by this tick."""
        reached = self.crossed(Decimal(price))
        if shuffle is not None:
            shuffle.shuffle(reached)
        for resting in reached:
            if resting.client_order_id in self.book:
                self.fill(strategy, resting)

    def cancel_all(self, strategy: Grid) -> None:
        for resting in list(self.book.values()):
            self.tell(strategy, resting, "cancelled")


def grid(**params: str) -> tuple[Grid, MarketContext]:
    context = MarketContext(row=strategy_row(6, pair="eth_idr", **{**PLAN, **params}))
    context.price = Decimal(52_300_000)
    strategy = Grid(context)
    strategy.on_start()
    return strategy, context


def fire(strategy: Grid, name: str, price: int) -> None:
    strategy.on_trigger(
        TriggerFired(trigger_id=f"s6:{name}", telegram_id=7, pair="eth_idr", price=str(price), ts=1)
    )


def limit(leg: str, side: str, price: str, quantity: str) -> tuple[str, tuple]:
    return ("order", (leg, side, "limit", {"price": price, "quantity": quantity,
                                           "quote_amount": None}))  # fmt: skip


def exit_sell(quantity: str) -> tuple[str, tuple]:
    """The market sale of what the grid holds, once it leaves."""
    return ("order", ("exit", "sell", "market", {"price": None, "quantity": quantity,
                                                 "quote_amount": None}))  # fmt: skip


def told(context: MarketContext) -> list[tuple[str, dict[str, Any]]]:
    return [entry[1] for entry in context.doing("notify")]


def test_the_levels_fall_on_the_tick_spaced_in_rupiah_or_in_percent():
    arithmetic = GridPlan.from_params({**PLAN, "levels": "4", "lower": "100", "upper": "200",
                                       "tick": "1"})  # fmt: skip
    geometric = GridPlan.from_params({**PLAN, "lower": "100", "upper": "200", "tick": "0.01",
                                      "spacing": "geometric"})  # fmt: skip
    assert arithmetic.levels == (100, 133, 167, 200)  # 133.33 and 166.67 to the rupiah
    assert geometric.levels == tuple(
        Decimal(p) for p in ("100.00", "118.92", "141.42", "168.18", "200.00")
    )  # 2 ** (k / 4), each 18.92 % over the last


def test_a_grid_starts_with_the_coin_for_its_sells_bought_then_buys_under_and_sells_over():
    strategy, context = grid()
    # The sells need 0.02 ETH: at 52,300,000, with 0.5 % to spare, after the 0.2 % taker
    # fee: 1,051,230 / 0.998, rounded up.
    assert context.doing("order") == [
        (
            "order",
            ("coin", "buy", "market", {"price": None, "quantity": None, "quote_amount": "1053337"}),
        )
    ]
    context.fill(strategy, context.book["s6-coin-1"], Decimal(52_300_000))
    # fee 2,107; (1,053,337 - 2,107) / 52,300,000 = 0.0201 ETH, costing 1,053,337 in all
    assert told(context) == [
        ("strategy.grid.coin_bought", {"quantity": Decimal("0.0201"), "idr": "1053337"})
    ]
    # The level nearest the price (52 M) stays empty; nearest first on each side.
    assert context.doing("order") == [
        limit("L1", "buy", "51000000", "0.01000000"),
        limit("L0", "buy", "50000000", "0.01000000"),
        limit("L3", "sell", "53000000", "0.01000000"),
        limit("L4", "sell", "54000000", "0.01010000"),  # the farthest takes what is left
    ]
    assert context.row.state["stage"] == "running"
    assert Decimal(context.row.state["coins"]) == Decimal("0.0201")


def test_each_fill_puts_the_opposite_order_one_level_away_and_each_pair_tells_its_profit():
    """Worked by hand, fees 0.1 % rounded up:
    - 53.1 M: sell L3 0.01 @ 53 M: 530,000 - 530 fee = 529,470 received; its coins cost
      1,053,337 x 0.01 / 0.0201 = 524,048.26 -> profit 5,421.74; a buy goes to L2 (52 M).
    - 51.5 M: buy L2 0.01 @ 52 M: 520,000 with 520 fee -> 0.00999 ETH costing 520,000;
      its sell goes to L3.
    - 50.9 M: buy L1 @ 51 M: 510,000 with 510 fee -> 0.00999 ETH costing 510,000; sell L2.
    - 52.2 M: sell L2 0.00999 @ 52 M: 519,480 - 520 = 518,960 -> profit 8,960; buy L1.
    - 53.0 M: sell L3 0.00999 @ 53 M: 529,470 - 530 = 528,940 -> profit 8,940; buy L2.
    Realised 5,421.74 + 8,960 + 8,940 = 23,321.74, three pairs."""
    strategy, context = grid()
    context.fill(strategy, context.book["s6-coin-1"], Decimal(52_300_000))
    context.doing("order", "notify")
    path = [53_100_000, 51_500_000, 50_900_000, 52_200_000, 53_000_000]
    for price in path:
        context.trade_at(strategy, price)
    assert context.doing("order") == [
        limit("L2", "buy", "52000000", "0.01000000"),
        limit("L3", "sell", "53000000", "0.00999000"),
        limit("L2", "sell", "52000000", "0.00999000"),
        limit("L1", "buy", "51000000", "0.01000000"),
        limit("L2", "buy", "52000000", "0.01000000"),
    ]
    pairs = [params for key, params in told(context) if key == "strategy.grid.pair_done"]
    assert [(p["price"], p["profit"], p["realised"], p["pairs"]) for p in pairs] == [
        ("53000000", "5422", "5422", 1),
        ("52000000", "8960", "14382", 2),
        ("53000000", "8940", "23322", 3),
    ]
    assert Decimal(context.row.state["realised"]).quantize(Decimal("0.01")) == Decimal("23321.74")
    # Each pair counted for the day's results once, under the update that realised it.
    realised = [(round(amount, 2), source) for _, (amount, source) in context.doing("realised")]
    assert realised == [
        (Decimal("5421.74"), "s6-L3-1:1"),
        (Decimal("8960.00"), "s6-L2-2:1"),
        (Decimal("8940.00"), "s6-L3-2:1"),
    ]
    # Still resting: buys at L0, L1, L2 and the first sell at L4; one order per level.
    resting = sorted((r.leg, r.side, r.client_order_id) for r in context.book.values())
    assert resting == [
        ("L0", "buy", "s6-L0-1"),
        ("L1", "buy", "s6-L1-2"),
        ("L2", "buy", "s6-L2-3"),
        ("L4", "sell", "s6-L4-1"),
    ]
    assert Decimal(context.row.state["coins"]) == Decimal("0.0101")  # the sell at L4


def test_a_stop_loss_cancels_every_order_first_and_sells_only_what_the_grid_holds_once():
    strategy, context = grid(stop_loss="48000000", sell_at_exit="yes")
    assert context.doing("watch") == [("watch", ("stop_loss", "below", {"level": "48000000"}))]
    context.fill(strategy, context.book["s6-coin-1"], Decimal(52_300_000))
    context.doing("order", "notify")
    # The price falls through both buys in one tick; the stop fires before their ends are
    # told, so the sells those buys would place are never placed.
    reached = context.crossed(Decimal(47_900_000))
    fire(strategy, "stop_loss", 47_900_000)
    assert context.doing("cancel") == [("cancel", None)]
    for resting in reached:  # they filled before the cancel reached them
        context.fill(strategy, resting)
    context.cancel_all(strategy)  # the sells at L3 and L4
    # 0.0201 bought at the start + 0.00999 at 51 M + 0.00999 at 50 M, sold once, at market
    assert context.doing("order") == [exit_sell("0.04008000")]
    context.fill(strategy, context.book["s6-exit-1"], Decimal(47_900_000))
    assert context.row.status == StrategyStatus.STOPPED
    assert context.row.state["result"] == "stop_loss"
    keys = [key for key, _ in told(context)]
    assert keys == ["strategy.grid.exit_stop_loss", "strategy.grid.done"]
    assert context.doing("order") == []


def test_a_grid_using_held_coins_places_only_the_sells_they_cover():
    _, context = grid(coin_source="held", held="0.015")
    assert context.doing("order") == [
        limit("L1", "buy", "51000000", "0.01000000"),
        limit("L0", "buy", "50000000", "0.01000000"),
        limit("L3", "sell", "53000000", "0.01000000"),
        limit("L4", "sell", "54000000", "0.00500000"),  # the farthest takes what is left
    ]


def test_three_refusals_in_a_row_stop_the_grid_with_its_other_orders_cancelled_first():
    strategy, context = grid()
    context.fill(strategy, context.book["s6-coin-1"], Decimal(52_300_000))
    context.doing("order", "notify")
    for client_order_id in ("s6-L1-1", "s6-L0-1", "s6-L3-1"):
        context.tell(strategy, context.book[client_order_id], "rejected")
    assert context.doing("cancel") == [("cancel", None)]
    assert context.row.status == StrategyStatus.RUNNING  # until the sell at L4 has ended
    context.cancel_all(strategy)
    assert context.row.status == StrategyStatus.STOPPED
    assert context.doing("order") == []  # coins are not sold into a market that refuses
    assert [key for key, _ in told(context)] == [
        *["strategy.grid.refused"] * 3,
        "strategy.grid.exit_refusals",
        "strategy.grid.done",
    ]


def test_a_grid_left_with_no_order_after_a_refusal_stops_instead_of_waiting_forever():
    strategy, context = grid(coin_source="held", held="0", upper="58000000")
    assert [entry[1][0] for entry in context.doing("order")] == ["L0"]  # one buy, no coin
    context.tell(strategy, context.book["s6-L0-1"], "rejected")
    assert context.row.status == StrategyStatus.STOPPED


def test_a_grid_with_nothing_to_place_at_its_start_says_so_and_stops():
    _, context = grid(coin_source="held", held="0", lower="53000000", upper="55000000")
    assert context.doing("order") == []  # every level over the price, and no coin to sell
    assert [key for key, _ in told(context)] == ["strategy.grid.nothing_to_place"]
    assert context.row.status == StrategyStatus.STOPPED


def test_a_restart_places_nothing_already_placed_and_finishes_an_interrupted_start():
    context = MarketContext(row=strategy_row(6, pair="eth_idr", **{**PLAN, "coin_source": "held",
                                                                   "held": "0.02"}))  # fmt: skip
    context.price, context.crash_after = Decimal(52_300_000), 2
    with pytest.raises(RuntimeError):
        Grid(context).on_start()
    assert [entry[1][0] for entry in context.doing("order")] == ["L1", "L0"]
    context.crash_after = None
    Grid(context).on_start()  # rebuilt from the saved row
    assert [entry[1][0] for entry in context.doing("order")] == ["L3", "L4"]
    Grid(context).on_start()  # and again, after a complete start
    assert context.doing("order") == []
    assert len(context.placed) == len(set(context.placed)) == 4


@pytest.mark.parametrize("seed", range(8))
def test_a_tick_storm_fills_no_level_twice_sends_no_order_twice_and_never_both_exits(seed):
    """Twenty geometric levels, prices jumping across many levels at once, every tick's
    fills told in shuffled order and the strategy rebuilt from its saved state between
    ticks; then the price runs over the take-profit and back under the stop-loss."""
    rng = random.Random(seed)
    context = MarketContext(
        row=strategy_row(
            6,
            pair="eth_idr",
            **{
                **PLAN,
                "levels": "20",
                "spacing": "geometric",
                "lower": "40000000",
                "upper": "60000000",
                "take_profit": "62000000",
                "stop_loss": "38000000",
                "sell_at_exit": "yes",
            },
        )
    )
    context.price = Decimal(50_000_000)
    strategy = Grid(context)
    strategy.on_start()
    context.fill(strategy, context.book["s6-coin-1"], Decimal(50_000_000))
    for _ in range(60):
        price = rng.randrange(40_000_000, 60_000_000, 1000)
        for resting in context.crossed(Decimal(price)):
            assert resting.client_order_id in context.book
        context.trade_at(strategy, price, shuffle=rng)
        per_level = [r.leg for r in context.book.values() if r.leg.startswith("L")]
        assert len(per_level) == len(set(per_level)), "two orders rest on one level"
        if rng.random() < 0.3:
            strategy = Grid(context)  # rebuilt from its saved row
            strategy.on_start()
    assert len(context.placed) == len(set(context.placed)), "an order sent twice"
    assert all(count == 1 for count in context.updates.values()), "an order filled twice"
    assert Decimal(context.row.state["coins"]) == context.coins
    fire(strategy, "take_profit", 62_000_000)
    fire(strategy, "stop_loss", 37_000_000)
    context.cancel_all(strategy)
    exits = [r for r in context.book.values() if r.leg == "exit"]
    assert len(exits) == 1
    assert Decimal(exits[0].amounts["quantity"] or 0) == context.coins
    context.fill(strategy, exits[0], Decimal(62_000_000))
    assert context.row.state["result"] == "take_profit"
    keys = [key for key, _ in told(context) if key.startswith("strategy.grid.exit")]
    assert keys == ["strategy.grid.exit_take_profit"]


def test_a_grid_whose_step_cannot_pay_a_round_trip_is_refused_with_the_numbers():
    plan = GridPlan.from_params({**PLAN, "levels": "200", "upper": "51000000"})
    with pytest.raises(ThinGrid) as refused:
        plan.refuse_thin(MAKER)
    # 200 levels 5,025 IDR apart on a 1,000 tick: the smallest step is 5,000 / 50.98 M
    assert (refused.value.step_pct, refused.value.cost_pct) == (Decimal("0.010"), Decimal("0.410"))
    GridPlan.from_params(PLAN).refuse_thin(MAKER)  # 2 % steps pay 0.41 % of costs


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"levels": "1"}, "levels"),
        ({"levels": "201"}, "levels"),
        ({"levels": "2.5"}, "levels"),
        ({"upper": "49000000"}, "upper"),
        ({"amount_idr": "100000"}, "amount_idr"),  # both amounts
        ({"amount_coin": ""}, "amount_idr"),  # neither
        ({"stop_loss": "50000000"}, "stop_loss"),
        ({"take_profit": "53000000"}, "take_profit"),
        ({"spacing": "random"}, "spacing"),
        ({"lower": "1e309"}, "lower"),
        ({"levels": "200", "upper": "50100000"}, "levels"),  # two levels on one tick
    ],
)
def test_a_grid_that_does_not_make_sense_is_refused_with_the_field_at_fault(params, field):
    with pytest.raises(BadGrid) as refused:
        GridPlan.from_params({**PLAN, **params})
    assert refused.value.field == field


def test_stopped_by_the_user_it_cancels_every_order_then_sells_its_coins_if_asked():
    strategy, context = grid()
    context.fill(strategy, context.book["s6-coin-1"], Decimal(52_300_000))
    context.doing("order", "notify")
    strategy.on_leave(sell=True)
    assert context.doing("cancel") == [("cancel", None)]
    context.cancel_all(strategy)
    assert context.doing("order") == [exit_sell("0.02010000")]
    context.fill(strategy, context.book["s6-exit-1"], Decimal(52_000_000))
    assert (context.row.status, context.row.state["result"]) == (
        StrategyStatus.STOPPED,
        "user_sell",
    )


def test_stopped_by_the_user_keeping_its_coins_it_sells_nothing():
    strategy, context = grid()
    context.fill(strategy, context.book["s6-coin-1"], Decimal(52_300_000))
    context.doing("order")
    strategy.on_leave(sell=False)
    context.cancel_all(strategy)
    assert context.doing("order") == []
    assert context.row.status == StrategyStatus.STOPPED


def test_a_preview_of_a_wide_grid_shows_the_levels_nearest_the_price_and_counts_the_rest():
    plan = GridPlan.from_params({**PLAN, "levels": "50", "lower": "40000000", "upper": "89000000"})
    figures = grid_figures(
        plan,
        price=Decimal(52_300_000),
        ask=Decimal(52_310_000),
        maker_fee=MAKER,
        idr_free=Decimal(1_000_000),
        coin_held=Decimal(0),
    )
    # 1,000,000 apart: the gap at 52 M, five sells over it and five buys under it shown
    prices = [row[0] for row in figures.rows[:-1]]
    assert prices == [str(p) for p in range(57_000_000, 46_000_000, -1_000_000)]
    assert figures.rows[5] == ("52000000", "grid_empty", "")
    assert figures.rows[-1] == ("…", "grid_more_levels", "39")
    assert (figures.buys, figures.sells) == (12, 37)
    assert ("grid_idr_short",) in figures.warnings  # 12 buys of 0.01 need about 5.3 M
