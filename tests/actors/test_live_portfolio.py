"""/portfolio on a live account, end to end on the simulator's v2 history endpoints: the
user's actor imports the trades and the coin deposits, and the profit and loss it shows
is what the account's own fills add up to; a deposit's coins are held at an unknown cost;
the user's choice of FIFO is kept."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actors.accounting.cost_basis import Trade, position
from actors.strategies.money import whole_rupiah
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.server import SimulatorServer
from config.schema import ActorSettings
from messages.commands import ConfirmOrder, GetPortfolio, PreviewOrder
from persistence.models.history import AccountTrade, AccountTransfer
from persistence.models.users import User
from tests.actors.test_user_actor import USER, link, make_world, say

HOLDER = AccountSpec("HOLDER-KEY", "holder-secret-0123456789", {"idr": Decimal(30_000_000)})


@pytest.fixture(scope="module")
def simulator():
    server = SimulatorServer(port=0, seed=11, tick_interval=0, accounts=(HOLDER,))
    server.start()
    server.set_price("btcidr", Decimal(1_000_000_000))
    yield server
    server.stop()


def trade(world, side: str, **amount: str) -> None:
    [preview] = say(
        world, PreviewOrder(**USER, pair_text="btc", side=side, order_type="market", **amount)
    )
    [answer] = say(world, ConfirmOrder(**USER, preview_id=preview.param("preview_id")))
    assert (answer.key, answer.param("state")) == ("order.placed", "filled"), answer


def boot(actor_system, settings, simulator, tmp_path):
    return make_world(
        actor_system,
        settings,
        simulator,
        tmp_path,
        actors=ActorSettings(system_base="simpleSystemBase"),
        indodax=simulator.indodax_settings(history_import_days=7, history_import_interval_ms=20),
    )[:4]


def portfolio_once_imported(actor_system, world, **choice: str):
    for _ in range(50):
        actor_system.listen(0.2)  # the import's timers ring here
        [answer] = say(world, GetPortfolio(**USER, **choice))
        if answer.param("history")[0][0] == "history_imported":
            return answer
    raise AssertionError("the history import did not finish")


def test_a_live_portfolio_shows_what_the_imported_history_adds_up_to(
    actor_system, settings, simulator, tmp_path
):
    world = boot(actor_system, settings, simulator, tmp_path)
    assert link(world, HOLDER).key == "link.done"
    trade(world, "buy", quote_amount="2000000")
    simulator.set_price("btcidr", Decimal(1_100_000_000))
    trade(world, "buy", quote_amount="1100000")
    simulator.set_price("btcidr", Decimal(1_200_000_000))
    held = Decimal(simulator.call(lambda sim: sim.accounts.get(HOLDER.key).balance["btc"]))
    trade(world, "sell", quantity=str((held / 2).quantize(Decimal("0.00000001"))))
    simulator.call(
        lambda sim: sim.accounts.get(HOLDER.key).deposit("eth", Decimal("0.5"), sim.now())
    )

    # A new actor for the user (as after the idle exit) reads what is new.
    world = boot(actor_system, settings, simulator, tmp_path)
    answer = portfolio_once_imported(actor_system, world)

    fills = simulator.call(
        lambda sim: [
            (sim.engine.orders[f.order_id].side, f.quantity, f.price, f.fee, f.trade_id)
            for f in sim.engine.fills
            if sim.engine.orders[f.order_id].key == HOLDER.key
        ]
    )
    assert sorted(row.trade_id for row in AccountTrade.select()) == sorted(
        str(fill[4]) for fill in fills
    )
    expected = position(
        Trade(side, quantity, price, fee) for side, quantity, price, fee, _ in fills
    )
    last = Decimal(1_200_000_000)
    btc_row = next(row for row in answer.param("gains") if row[0] == "btc")
    assert btc_row == (
        "btc",
        str(whole_rupiah(expected.cost)),
        str(whole_rupiah(expected.held * last)),
        str(whole_rupiah(expected.unrealised(last))),
    )
    assert answer.param("realised") == str(whole_rupiah(expected.realised))
    assert answer.param("unknown") == (("eth", "0.5"),)
    assert AccountTransfer.get().currency == "eth"

    fifo = portfolio_once_imported(actor_system, world, cost_method="fifo")
    assert fifo.param("method") == "fifo"
    assert User.get(User.telegram_id == USER["telegram_id"]).cost_method == "fifo"
    [again] = say(world, GetPortfolio(**USER))
    assert again.param("method") == "fifo"  # kept
