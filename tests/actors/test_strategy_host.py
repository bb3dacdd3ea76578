"""The strategies a UserActor hosts in its own process, built alone with fakes: no actor
system, no exchange. Strategy classes made for these tests are registered only here."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Hashable
from datetime import timedelta
from typing import Any

import pytest

from actors.core.restart_policy import RestartPolicy
from actors.strategies.kinds import STRATEGY_CLASSES
from actors.strategies.strategy import BaseStrategy
from actors.user.strategy_host import StrategyHost
from messages.commands import ChangeStrategy
from messages.events import (
    OrderRequest,
    OrderResult,
    PauseStrategies,
    RegisterTrigger,
    RemoveTrigger,
    TriggerFired,
    UserFailed,
)
from messages.triggers import AlertTrigger, StrategyTrigger
from persistence.models.strategies import Strategy
from persistence.models.timers import pending_timers, unhandled_timer
from persistence.models.users import create_user
from tests.actors.user_part_fakes import (
    FakeSession,
    RecordingAnswers,
    RecordingLinks,
    RecordingTimers,
)

WHO = {"telegram_id": 7, "chat_id": 70}
journal: list[tuple[int, str]] = []  # (strategy id, what happened), in order


class Recording(BaseStrategy):
    """Arms one trigger, orders when it fires, notes every hook it is handed."""

    kind = "recording"

    def note(self, what: str) -> None:
        journal.append((self.context.row.id, what))

    def on_start(self) -> None:
        self.note("start")
        self.context.watch("level", "below", level="900")

    def on_trigger(self, fired: TriggerFired) -> None:
        self.note("trigger")
        self.context.save(ordered=True)
        self.context.order("buy", "market", quote_amount="100000")
        self.note("trigger done")

    def on_timer(self, payload: Hashable) -> None:
        self.note(f"timer {payload}")

    def on_order_result(self, result: OrderResult) -> None:
        self.note(f"result {result.state}")

    def on_stop(self) -> None:
        self.note("stop")


class RaisesOnEveryMessage(Recording):
    kind = "raises"

    def on_start(self) -> None:
        super().on_start()
        raise RuntimeError("a bug in the strategy")


class RaisesAfterOrdering(Recording):
    """Orders on its trigger, then raises: the order's result waits for the next build."""

    kind = "orders_raises"

    def on_trigger(self, fired: TriggerFired) -> None:
        super().on_trigger(fired)
        raise RuntimeError("a bug after the order")


class RaisesOnTimer(Recording):
    kind = "timer_raises"

    def on_timer(self, payload: Hashable) -> None:
        super().on_timer(payload)
        raise RuntimeError("a bug in the timer's handler")


class CannotBeBuilt(Recording):
    kind = "unbuildable"

    def __init__(self, context: Any) -> None:
        raise ValueError("a bug in the constructor")


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    for cls in (Recording, RaisesOnEveryMessage, RaisesAfterOrdering, RaisesOnTimer, CannotBeBuilt):
        monkeypatch.setitem(STRATEGY_CLASSES, cls.kind, cls)
    journal.clear()


@dataclasses.dataclass
class Hosting:
    host: StrategyHost
    links: RecordingLinks
    timers: RecordingTimers
    answers: RecordingAnswers
    orders: list[OrderRequest]
    user: Any

    def strategy(self, kind: str = "recording", status: str = "running") -> Strategy:
        return Strategy.create(user=self.user, kind=kind, pair="btc_idr", status=status)

    def fire(self, strategy: Strategy, name: str = "level") -> TriggerFired:
        fired = TriggerFired(
            trigger_id=StrategyTrigger(strategy.id, name).encode(),
            telegram_id=7,
            pair="btc_idr",
            price="899",
            ts=0.0,
        )
        self.host.trigger_fired(fired)
        return fired

    def sent(self, kind: type) -> list[Any]:
        return [message for _, message in self.links.sent if isinstance(message, kind)]

    def ring(self, name: str) -> list[timedelta]:
        """Rings every pending timer of `name` once; their delays."""
        due = [(delay, payload) for delay, payload in self.timers.wakeups if payload[0] == name]
        self.timers.wakeups = [w for w in self.timers.wakeups if w[1][0] != name]
        for _, payload in due:
            self.timers.rang(payload)
        return [delay for delay, _ in due]


@pytest.fixture
def hosting(settings) -> Hosting:
    user = create_user(telegram_id=7, chat_id=70, language="en", mode="paper")
    session = FakeSession(settings=settings, user=user)
    answers = RecordingAnswers(session)
    links, timers = RecordingLinks(), RecordingTimers()
    orders: list[OrderRequest] = []

    def place(request: OrderRequest, tell: Any) -> None:
        orders.append(request)
        tell(OrderResult(strategy_id=request.strategy_id, client_order_id="c1", state="filled"))

    host = StrategyHost(
        session,  # type: ignore[arg-type]
        answers,
        links,  # type: ignore[arg-type]
        timers,
        place=place,
        restarts=RestartPolicy(base_delay=1.0, max_restarts=3, window=300.0),
    )
    return Hosting(host, links, timers, answers, orders, user)


def status_of(strategy: Strategy) -> str:
    return Strategy.get_by_id(strategy.id).status


def test_running_strategies_are_hosted_once_and_only_their_own_triggers_reach_them(hosting):
    running, paused = hosting.strategy(), hosting.strategy(status="paused")
    hosting.host.start_running()
    hosting.host.start_running()  # already hosted: not started twice
    assert journal == [(running.id, "start")]
    [armed] = hosting.sent(RegisterTrigger)
    assert (armed.trigger_id, armed.purpose, armed.telegram_id) == (
        f"s{running.id}:level",
        "strategy",
        7,
    )
    assert not hosting.timers.busy()  # it waits on its trigger: its actor may leave
    fired = hosting.fire(running)
    for not_its_own in ("s999:level", AlertTrigger(running.id).encode(), f"s{running.id}"):
        hosting.host.trigger_fired(dataclasses.replace(fired, trigger_id=not_its_own))
    hosting.fire(paused)
    assert [what for _, what in journal].count("trigger") == 1


def test_what_a_strategy_causes_to_itself_waits_until_its_handler_has_returned(hosting):
    strategy = hosting.strategy()
    hosting.host.start_running()
    hosting.fire(strategy)
    assert [what for _, what in journal] == ["start", "trigger", "trigger done", "result filled"]
    [request] = hosting.orders
    assert (request.strategy_id, request.pair, request.quote_amount) == (
        strategy.id,
        "btc_idr",
        "100000",
    )
    assert Strategy.get_by_id(strategy.id).state == {"ordered": True}  # saved before ordering


def test_a_strategy_that_raises_on_every_message_is_restarted_n_times_then_marked_failed(
    hosting, caplog
):
    """While it crashes and is rebuilt, the same user's other strategy goes on."""
    failing, other = hosting.strategy("raises"), hosting.strategy()
    with caplog.at_level(logging.ERROR):
        hosting.host.start_running()
        backoff = []
        for _ in range(3):
            backoff += hosting.ring("strategy-restart")
            hosting.fire(other)  # the other strategy is handed its trigger meanwhile
        assert hosting.ring("strategy-restart") == []  # the fourth failure: no restart

    assert backoff == [timedelta(seconds=s) for s in (1, 2, 4)]
    assert [what for sid, what in journal if sid == failing.id] == ["start"] * 4
    assert [what for sid, what in journal if sid == other.id].count("result filled") == 3
    assert status_of(failing) == "failed" and status_of(other) == "running"
    crashes = hosting.sent(UserFailed)
    assert len(crashes) == 4
    assert {(c.strategy_id, c.error) for c in crashes} == {(failing.id, "strategy:RuntimeError")}
    [removed] = hosting.sent(RemoveTrigger)
    assert removed.trigger_id == f"s{failing.id}:level"
    [(key, params)] = hosting.answers.notices
    assert (key, params["strategy_id"], params["failures"]) == ("strategy.failed", failing.id, 4)
    logged = [r for r in caplog.records if r.getMessage() == "strategy raised"]
    assert len(logged) == 4
    assert {getattr(r, "strategy_id", None) for r in logged} == {failing.id}
    hosting.fire(failing)  # a trigger still in flight reaches nothing
    assert len(hosting.orders) == 3


def test_a_message_behind_the_one_that_raised_waits_for_the_rebuilt_strategy(hosting):
    strategy = hosting.strategy("orders_raises")
    hosting.host.start_running()
    hosting.fire(strategy)
    assert [what for _, what in journal] == ["start", "trigger", "trigger done"]
    assert hosting.timers.busy()  # a strategy waiting to be rebuilt keeps its actor
    hosting.ring("strategy-restart")
    assert [what for _, what in journal][3:] == ["start", "result filled"]
    assert len(hosting.orders) == 1


def test_a_timer_set_before_a_restart_is_handed_once_to_the_rebuilt_strategy(hosting):
    strategy = hosting.strategy("orders_raises")
    hosting.host.start_running()
    box = hosting.host.boxes[strategy.id]
    box.set_timer(timedelta(seconds=30), "check")
    box.set_timer(timedelta(seconds=30), "check")
    hosting.ring("strategy-timer")
    assert [what for _, what in journal].count("timer check") == 2
    box.set_timer(timedelta(seconds=30), "kept")
    hosting.fire(strategy)  # raises: rebuilt after the back-off, its pending timer armed again
    hosting.ring("strategy-restart")
    hosting.ring("strategy-timer")
    assert [what for _, what in journal].count("timer kept") == 1
    assert pending_timers(strategy.id) == []


def test_a_timer_is_saved_before_it_counts_and_marked_handled_once_its_handler_returned(hosting):
    strategy = hosting.strategy()
    hosting.host.start_running()
    hosting.host.boxes[strategy.id].set_timer(timedelta(minutes=5), "buy")
    [saved] = pending_timers(strategy.id)
    assert saved.payload == "buy"
    assert hosting.ring("strategy-timer") == [timedelta(minutes=5)]
    assert [what for _, what in journal].count("timer buy") == 1
    assert unhandled_timer(saved.id) is None


def test_a_timer_whose_handler_raised_is_handed_again_to_the_rebuilt_strategy(hosting):
    strategy = hosting.strategy("timer_raises")
    hosting.host.start_running()
    hosting.host.boxes[strategy.id].set_timer(timedelta(0), "buy")
    hosting.ring("strategy-timer")
    assert hosting.timers.busy()  # waiting to be rebuilt
    hosting.ring("strategy-restart")
    assert hosting.ring("strategy-timer") == [timedelta(0)]  # due: armed at once
    assert [what for _, what in journal].count("timer buy") == 2
    assert [t.payload for t in pending_timers(strategy.id)] == ["buy"]


def test_a_new_host_arms_the_pending_timers_of_its_strategies_at_their_due_time(hosting):
    """The actor that left and the one started in its place: the timer set in the first
    rings in the second, once."""
    strategy = hosting.strategy()
    hosting.host.start_running()
    hosting.host.boxes[strategy.id].set_timer(timedelta(hours=1), "buy")
    hosting.host.boxes[strategy.id].set_timer(timedelta(0), "due")
    again = StrategyHost(
        hosting.host.session,
        hosting.answers,
        hosting.links,  # type: ignore[arg-type]
        hosting.timers,
        place=hosting.host.place,
        restarts=RestartPolicy(base_delay=1.0, max_restarts=3, window=300.0),
    )
    hosting.timers.wakeups.clear()
    again.start_running()
    delays = sorted(delay for delay, _ in hosting.timers.wakeups)
    assert delays[0] == timedelta(0)
    assert timedelta(minutes=59) < delays[1] <= timedelta(hours=1)
    hosting.ring("strategy-timer")
    assert [what for _, what in journal].count("timer due") == 1
    assert [what for _, what in journal].count("timer buy") == 1


def test_a_strategy_with_a_message_queued_or_waiting_to_be_rebuilt_keeps_its_actor(hosting):
    strategy = hosting.strategy("raises")
    hosting.host.start_running()
    assert hosting.timers.busy()  # raised in its start: waiting to be rebuilt
    box = hosting.host.boxes[strategy.id]
    assert box.strategy is None and not box.queue
    hosting.fire(strategy)
    assert box.queue  # the trigger waits for the rebuilt strategy


def test_a_paused_strategy_leaves_with_its_triggers_and_is_rebuilt_from_its_saved_state(hosting):
    strategy = hosting.strategy()
    hosting.host.start_running()
    hosting.host.pause(PauseStrategies(reason="deadman_user"))
    assert status_of(strategy) == "paused" and not hosting.host.boxes
    [removed] = hosting.sent(RemoveTrigger)
    assert removed.trigger_id == f"s{strategy.id}:level"
    hosting.fire(strategy)
    assert "trigger" not in [what for _, what in journal]
    hosting.host.change(ChangeStrategy(**WHO, strategy_id=strategy.id, action="resume"))
    assert [what for _, what in journal] == ["start", "start"]
    assert len(hosting.sent(RegisterTrigger)) == 2


def test_a_stopped_strategy_hears_on_stop_and_is_never_rebuilt(hosting):
    strategy = hosting.strategy()
    hosting.host.start_running()
    hosting.host.change(ChangeStrategy(**WHO, strategy_id=strategy.id, action="stop"))
    assert [what for _, what in journal] == ["start", "stop"]
    assert status_of(strategy) == "stopped" and not hosting.host.boxes
    assert len(hosting.sent(RemoveTrigger)) == 1
    hosting.host.start_running()
    assert len(journal) == 2


def test_a_strategy_that_cannot_be_built_keeps_none_of_the_users_others_from_starting(hosting):
    broken, other = hosting.strategy("unbuildable"), hosting.strategy()
    hosting.host.start_running()
    assert journal == [(other.id, "start")]
    [crash] = hosting.sent(UserFailed)
    assert (crash.strategy_id, crash.error) == (broken.id, "strategy:ValueError")
    assert hosting.ring("strategy-restart") == [timedelta(seconds=1)]


def test_a_running_strategy_of_a_kind_this_version_does_not_know_is_marked_failed_and_told(
    hosting,
):
    unknown, other = hosting.strategy("from_a_later_version"), hosting.strategy()
    hosting.host.start_running()
    assert journal == [(other.id, "start")]
    assert status_of(unknown) == "failed"  # its timers and triggers wake nobody any more
    [(key, params)] = hosting.answers.notices
    assert key == "strategy.unknown_kind" and params["strategy_kind"] == "from_a_later_version"
    hosting.host.start_running()  # a later start does not tell it again
    assert len(hosting.answers.notices) == 1
