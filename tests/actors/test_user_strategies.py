"""/strategy: a user lists, inspects, pauses, resumes and stops their own strategies."""

from __future__ import annotations

import time

import pytest
from actor_doubles import collected
from test_user_actor import TRADER, USER, callbacks, link, make_world, say, simulator, tap

from actors.strategies.kinds import STRATEGY_CLASSES
from actors.strategies.strategy import BaseStrategy
from config.schema import ActorSettings
from messages.commands import (
    ChangeAllStrategies,
    ChangeStrategy,
    GetPortfolio,
    ListStrategies,
    ShowStrategy,
    Start,
)
from messages.events import (
    OrderRequest,
    PauseStrategies,
    RemoveTrigger,
    ResumeStrategies,
    StrategiesResumedByUser,
    TriggerFired,
    UserFailed,
)
from messages.replies import Notification
from persistence.models import Strategy, User

__all__ = ["simulator"]  # the module-scoped simulator fixture, shared with the actor tests


@pytest.fixture
def world(actor_system, settings, simulator, tmp_path):
    """With the supervisor's collector: (system, user actor, notifier, trigger book,
    supervisor)."""
    return make_world(actor_system, settings, simulator, tmp_path)


def started(world) -> User:
    say(world, Start(**USER))
    return User.get(User.telegram_id == USER["telegram_id"])


def dca(owner: User, status: str = "running") -> Strategy:
    """A strategy without a class yet: only its row is managed."""
    return Strategy.create(
        user=owner, kind="dca", pair="btc_idr", params={"quote_amount": "100000"}, status=status
    )


def linked_with_a_buyer(world) -> Strategy:
    """The user linked to the simulator, with a BuyOnceBelow at 950,000,000 (not hosted
    until the actor is told to resume its strategies)."""
    link(world)
    return Strategy.create(
        user=User.get(User.telegram_id == USER["telegram_id"]),
        kind="buy_once_below",
        pair="btc_idr",
        params={"level": "950000000", "quote_amount": "200000"},
    )


def crossing(strategy: Strategy, price: str) -> TriggerFired:
    """The TriggerBook's word that the strategy's level was crossed at `price`."""
    return TriggerFired(
        trigger_id=f"s{strategy.id}:level",
        telegram_id=USER["telegram_id"],
        pair="btc_idr",
        price=price,
        ts=1.0,
    )


def status_of(strategy: Strategy) -> str:
    return Strategy.get_by_id(strategy.id).status


def test_strategies_are_listed_with_only_the_buttons_their_status_allows(world):
    owner = started(world)
    running, paused, stopped = dca(owner), dca(owner, "paused"), dca(owner, "stopped")
    [listing] = say(world, ListStrategies(**USER))
    assert (listing.key, listing.param("count")) == ("strategy.list", "3")
    # No run saved yet (the row was never hosted): no profit, nothing scheduled.
    assert listing.param("rows")[0] == (
        str(running.id), "dca", "BTC/IDR", "running", "0", "nothing_next", ""
    )  # fmt: skip
    assert [[b.callback for b in row] for row in listing.buttons] == [
        [f"sp:{running.id}", f"ss:{running.id}", f"sd:{running.id}"],
        [f"sr:{paused.id}", f"ss:{paused.id}", f"sd:{paused.id}"],
        [f"sd:{stopped.id}"],
        ["sc:new"],
    ]


def test_the_list_shows_each_strategys_profit_so_far_and_what_it_does_next(world):
    owner = started(world)
    grid = Strategy.create(
        user=owner,
        kind="grid",
        pair="btc_idr",
        params={"lower": "950000000", "upper": "1050000000", "levels": "5", "amount_coin": "0.001"},
        state={"realised": "21027.5", "order_intents": {"a": {}, "b": {}, "c": {}, "d": {}}},
    )
    dca = Strategy.create(
        user=owner,
        kind="dca",
        pair="btc_idr",
        params={"quote_amount": "100000", "schedule": "daily 08:00"},
        state={"realised": "-1500", "next_run": "2026-12-08T01:00:00+00:00"},
    )
    tpsl = Strategy.create(
        user=owner,
        kind="tpsl",
        pair="btc_idr",
        params={"entry_price": "1000000000", "quantity": "0.002", "stop_loss_pct": "3"},
        state={"pnl": "48950", "breakeven_reached": False},
        status="paused",
    )
    [listing] = say(world, ListStrategies(**USER))
    assert [row[4:] for row in listing.param("rows")] == [
        ("21028", "orders_resting", "4"),  # half a rupiah up
        ("-1500", "next_buy", "08-12-2026 08:00 WIB"),
        ("48950", "stop_at", "970000000"),
    ]
    assert [row[0] for row in listing.param("rows")] == [str(grid.id), str(dca.id), str(tpsl.id)]
    [details] = say(world, ShowStrategy(**USER, strategy_id=dca.id))
    assert (details.param("pnl"), details.param("next")) == ("-1500", "next_buy")


def test_no_strategies_says_so_and_offers_the_honest_create_button(world):
    started(world)
    [listing] = say(world, ListStrategies(**USER))
    assert (listing.key, callbacks(listing)) == ("strategy.none", ["sc:new"])


def test_details_show_kind_pair_status_and_parameters(world):
    strategy = dca(started(world))
    [details] = say(world, ShowStrategy(**USER, strategy_id=strategy.id))
    assert details.key == "strategy.details"
    assert (details.param("kind"), details.param("pair")) == ("dca", "BTC/IDR")
    assert details.param("params") == (("quote_amount", "100000"),)
    edits = [f"se:{strategy.id}:{f}" for f in ("quote_amount", "max_buys", "budget")]
    assert callbacks(details) == [
        f"sp:{strategy.id}",
        f"ss:{strategy.id}",
        *edits,
        f"se:{strategy.id}:take_profit_pct",
        f"ch:s:{strategy.id}",
    ]


def test_a_paused_strategy_does_not_buy_and_buys_again_once_resumed(world, simulator):
    system, user_actor, _, _, supervisor = world
    strategy = linked_with_a_buyer(world)
    system.tell(user_actor, ResumeStrategies())  # hosts it from the database
    fired = crossing(strategy, "949000000")
    before = len(simulator.trade_log(TRADER.key))

    [paused] = say(world, ChangeStrategy(**USER, strategy_id=strategy.id, action="pause"))
    assert (paused.key, paused.param("status")) == ("strategy.changed", "paused")
    system.tell(user_actor, fired)
    system.listen(0.5)
    assert len(simulator.trade_log(TRADER.key)) == before
    collected(system, supervisor)

    [resumed] = say(world, ChangeStrategy(**USER, strategy_id=strategy.id, action="resume"))
    assert resumed.param("status") == "running"
    assert any(isinstance(m, StrategiesResumedByUser) for m in collected(system, supervisor))
    system.tell(user_actor, fired)
    system.listen(1.0)
    assert len(simulator.trade_log(TRADER.key)) == before + 1


def test_a_stopped_strategy_stays_stopped(world):
    system, user_actor, *_ = world
    strategy = dca(started(world))
    [asked] = say(world, ChangeStrategy(**USER, strategy_id=strategy.id, action="stop"))
    assert asked.key == "strategy.stop_ask"  # nothing changes before the answer
    assert callbacks(asked) == [
        f"sq:{strategy.id}:cancel",
        f"sq:{strategy.id}:sell",
        f"sq:{strategy.id}:keep",
        f"sd:{strategy.id}",
    ]
    assert status_of(strategy) == "running"
    [stopped] = say(world, tap(asked, f"sq:{strategy.id}:keep"))
    assert stopped.param("status") == "stopped"
    [refused] = say(world, ChangeStrategy(**USER, strategy_id=strategy.id, action="resume"))
    assert (refused.key, refused.param("status")) == ("strategy.cannot_change", "stopped")
    system.tell(user_actor, ResumeStrategies())
    system.listen(0.2)
    assert status_of(strategy) == "stopped"


def test_another_users_strategy_is_not_found_and_left_alone(world):
    started(world)
    someone = User.create(telegram_id=999, chat_id=999)
    theirs = dca(someone)
    for command in (
        ShowStrategy(**USER, strategy_id=theirs.id),
        ChangeStrategy(**USER, strategy_id=theirs.id, action="stop"),
        ChangeStrategy(**USER, strategy_id=424242, action="pause"),
    ):
        [answer] = say(world, command)
        assert answer.key == "strategy.not_found"
    assert status_of(theirs) == "running"


def test_pause_and_resume_all_answer_the_user_and_rearm_the_dead_man_switch(world):
    system, _, _, _, supervisor = world
    owner = started(world)
    first, second = dca(owner), dca(owner)
    [paused] = say(world, ChangeAllStrategies(**USER, action="pause"))
    assert (paused.key, paused.param("count")) == ("strategy.paused.user", "2")
    assert {status_of(first), status_of(second)} == {"paused"}
    collected(system, supervisor)
    [resumed] = say(world, ChangeAllStrategies(**USER, action="resume"))
    assert (resumed.key, resumed.param("count")) == ("strategy.resumed", "2")
    assert {status_of(first), status_of(second)} == {"running"}
    assert any(isinstance(m, StrategiesResumedByUser) for m in collected(system, supervisor))


def test_a_dead_man_pause_is_a_safety_message_settings_cannot_switch_off(world):
    system, user_actor, notifier, _, _ = world
    dca(started(world))
    system.tell(user_actor, PauseStrategies(reason="deadman_user"))
    [note] = [m for m in collected(system, notifier) if isinstance(m, Notification)]
    assert (note.key, note.kind) == ("strategy.paused.deadman_user", "system")


class RaisesOnEveryMessage(BaseStrategy):
    """A strategy with a bug: it arms its trigger, then raises in every hook."""

    kind = "raises"

    def on_start(self) -> None:
        self.context.watch("level", "below", level="1")
        raise RuntimeError("a bug in on_start")

    def on_trigger(self, fired: TriggerFired) -> None:
        raise RuntimeError("a bug in on_trigger")


def test_a_strategy_raising_on_every_message_is_restarted_then_failed_while_the_rest_go_on(
    actor_system, settings, simulator, tmp_path, monkeypatch
):
    """STRATEGY_MAX_RESTARTS=2: rebuilt after 1 s and 2 s, marked failed at its third
    failure; meanwhile the same user's other strategy buys and their commands are answered."""
    monkeypatch.setitem(STRATEGY_CLASSES, RaisesOnEveryMessage.kind, RaisesOnEveryMessage)
    world = make_world(
        actor_system,
        settings,
        simulator,
        tmp_path,
        actors=ActorSettings(system_base="simpleSystemBase", strategy_max_restarts=2),
    )
    system, user_actor, notifier, trigger_book, supervisor = world
    buyer = linked_with_a_buyer(world)
    failing = Strategy.create(user=buyer.user, kind="raises", pair="btc_idr")
    before = len(simulator.trade_log(TRADER.key))
    system.tell(user_actor, ResumeStrategies())  # hosts both from the database

    [portfolio] = say(world, GetPortfolio(**USER))
    assert portfolio.key == "portfolio.show"
    system.tell(user_actor, crossing(buyer, "949000000"))
    system.tell(user_actor, crossing(failing, "1"))
    deadline = time.monotonic() + 15
    while status_of(failing) != "failed" and time.monotonic() < deadline:
        system.listen(0.2)

    assert status_of(failing) == "failed"
    assert len(simulator.trade_log(TRADER.key)) == before + 1
    assert (status_of(buyer), Strategy.get_by_id(buyer.id).state["result"]) == ("stopped", "filled")
    crashes = [m for m in collected(system, supervisor) if isinstance(m, UserFailed)]
    assert [c.strategy_id for c in crashes] == [failing.id] * 3
    told = [m for m in collected(system, notifier) if isinstance(m, Notification)]
    [failed] = [m for m in told if m.key == "strategy.failed"]
    assert (failed.kind, failed.param("failures")) == ("system", "3")
    removed = [m for m in collected(system, trigger_book) if isinstance(m, RemoveTrigger)]
    assert f"s{failing.id}:level" in {m.trigger_id for m in removed}
    [still_answered] = say(world, GetPortfolio(**USER))
    assert still_answered.key == "portfolio.show"


def test_an_order_request_told_to_the_users_actor_places_nothing_even_naming_its_strategy(
    world, simulator
):
    """Strategies run inside the actor and call its order desk: no message can order."""
    system, user_actor, *_ = world
    strategy = linked_with_a_buyer(world)
    system.tell(user_actor, ResumeStrategies())  # hosts it from the database
    before = len(simulator.trade_log(TRADER.key))
    system.tell(
        user_actor,
        OrderRequest(
            strategy_id=strategy.id,
            client_order_id=f"s{strategy.id}-buy-1",
            leg="buy",
            pair="btc_idr",
            side="buy",
            order_type="market",
            quote_amount="200000",
        ),
    )
    [answer] = say(world, ListStrategies(**USER))
    assert answer.key == "strategy.list"
    assert len(simulator.trade_log(TRADER.key)) == before
    assert status_of(strategy) == "running"
