"""A strategy preview's backtest buttons, through the user's actor on the simulator (a week
of its price history): the strategy's own code replayed over the pair's candles, answered
with its trades, profit, fall and the coin held instead, and the caveat; the preview can
still be confirmed afterwards; a preview gone; a DCA's schedule kept in the replay."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.chat.commands import Who, from_callback
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.server import SimulatorServer
from messages.commands import BacktestStrategy, PreviewDca
from tests.actors.test_user_actor import USER, grid_set_up, link, make_world, say, tap

TESTER = AccountSpec("TESTER-KEY", "tester-secret-0123456789", {"idr": Decimal(50_000_000)})


@pytest.fixture(scope="module")
def simulator():
    server = SimulatorServer(
        port=0, seed=9, tick_interval=0, history_minutes=8 * 24 * 60, accounts=(TESTER,)
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def world(actor_system, settings, simulator, tmp_path):
    world = make_world(actor_system, settings, simulator, tmp_path)[:4]
    assert link(world, TESTER).key == "link.done"
    return world


def around_the_price(simulator) -> dict[str, str]:
    """A ten-level grid 5 % either side of where the simulator's history ends."""
    last = Decimal(simulator.state()["prices"]["btcidr"]["last"])
    step = Decimal(1000)
    lower = (last * Decimal("0.95") / step).to_integral_value() * step
    upper = (last * Decimal("1.05") / step).to_integral_value() * step
    return {"lower": str(lower), "upper": str(upper), "levels": "10"}


def test_a_grid_preview_backtested_over_a_week_answers_with_its_figures_and_the_caveat(
    world, simulator
):
    [preview] = say(world, grid_set_up(**around_the_price(simulator)))
    assert preview.key == "strategy.grid.preview"
    [answer] = say(world, backtest(preview, 7))
    assert answer.key == "backtest.result"
    assert answer.param("strategy") == "grid" and answer.param("pair") == "BTC/IDR"
    assert int(answer.param("candles")) >= 7 * 24 * 4 - 4  # a week of 15-minute candles
    assert int(answer.param("buys")) > 0  # a week of a random walk crosses its levels
    for figure in ("realised", "fees", "start_equity", "final_equity", "hold_return_pct"):
        Decimal(answer.param(figure))  # a number, each
    [created] = say(world, tap(preview, "sc:y"))  # the preview still stands
    assert created.key == "strategy.grid.created"


def backtest(preview, days: int) -> BacktestStrategy:
    """What the chat adapter sends for a tap on the preview's button for `days`."""
    [callback] = [
        button.callback
        for row in preview.buttons
        for button in row
        if button.callback.startswith("sb:") and button.callback.endswith(f":{days}")
    ]
    command = from_callback(callback, Who(USER["telegram_id"], USER["chat_id"]))
    assert isinstance(command, BacktestStrategy) and command.days == days
    return command


def test_a_backtest_of_a_preview_already_confirmed_says_it_is_gone(world, simulator):
    [preview] = say(world, grid_set_up(**around_the_price(simulator)))
    say(world, tap(preview, "sc:y"))
    [answer] = say(world, backtest(preview, 30))
    assert answer.key == "strategy.preview_gone"


def test_a_daily_dca_preview_backtested_over_a_week_buys_once_a_day(world):
    daily = PreviewDca(
        **USER,
        pair_text="btcidr",
        quote_amount="100000",
        schedule="daily 08:00",
        order_type="market",
        max_buys="30",
    )
    [preview] = say(world, daily)
    assert preview.key == "strategy.dca.preview", preview
    [answer] = say(world, backtest(preview, 7))
    assert answer.key == "backtest.result"
    assert answer.param("buys") in ("6", "7") and answer.param("sells") == "0"
    assert answer.param("start_equity") == "3000000"  # 30 buys of 100,000: its capital
