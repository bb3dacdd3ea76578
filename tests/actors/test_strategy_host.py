"""The strategies a UserActor hosts in its own process, built alone with fakes: no actor
system, no exchange. Strategy classes made for these tests are registered only here."""

from __future__ import annotations

import dataclasses
import functools
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
    CancelRequest,
    OrderRequest,
    OrderUpdate,
    PauseStrategies,
    RegisterTrigger,
    RemoveTrigger,
    TriggerFired,
    UserFailed,
)
from messages.triggers import AlertTrigger, StrategyTrigger
from persistence.models.base import utcnow
from persistence.models.orders import strategy_client_order_id
from persistence.models.strategies import Strategy
from persistence.models.timers import add_timer, pending_timers, unhandled_timer
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
        self.context.order("entry", "buy", "market", quote_amount="100000", ordered=True)
        self.note("trigger done")

    def on_timer(self, payload: Hashable) -> None:
        self.note(f"timer {payload}")

    def on_order_update(self, update: OrderUpdate) -> None:
        self.note(f"result {update.kind}")

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


class RaisesOnFirstResult(Recording):
    """Raises while it handles the first result it is handed, then never again."""

    kind = "result_raises_once"
    raised = False

    def on_order_update(self, update: OrderUpdate) -> None:
        super().on_order_update(update)
        if not RaisesOnFirstResult.raised:
            RaisesOnFirstResult.raised = True
            raise RuntimeError("a bug in the result's handler")


class CannotBeBuilt(Recording):
    kind = "unbuildable"

    def __init__(self, context: Any) -> None:
        raise ValueError("a bug in the constructor")


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    for cls in (
        Recording,
        RaisesOnEveryMessage,
        RaisesAfterOrdering,
        RaisesOnTimer,
        RaisesOnFirstResult,
        CannotBeBuilt,
    ):
        monkeypatch.setitem(STRATEGY_CLASSES, cls.kind, cls)
    monkeypatch.setattr(RaisesOnFirstResult, "raised", False)
    journal.clear()


def filled(client_order_id: str, strategy_id: int, leg: str | None) -> OrderUpdate:
    """The whole order filled, in its first and only update."""
    return OrderUpdate(
        telegram_id=7,
        client_order_id=client_order_id,
        strategy_id=strategy_id,
        leg=leg,
        sequence=1,
        kind="filled",
        quantity="0.0001",
        filled="0.0001",
        price="899",
        fee="0",
    )


class FakeDesk:
    """The order desk and the life cycle as a strategy sees them: an order is sent once per
    client_order_id (asked again, it is only followed) and fills at once; its update is
    told until the strategy has handled it, and again at every `redeliver`."""

    def __init__(self) -> None:
        self.host: StrategyHost | None = None
        self.asked: list[OrderRequest] = []
        self.orders: list[OrderRequest] = []  # sent to the exchange
        self.saved_when_asked: list[dict[str, Any]] = []
        self.undelivered: dict[str, OrderUpdate] = {}
        self.cancels: list[CancelRequest] = []

    def place(self, request: OrderRequest) -> None:
        self.asked.append(request)
        self.saved_when_asked.append(Strategy.get_by_id(request.strategy_id).state)
        if request.client_order_id not in {order.client_order_id for order in self.orders}:
            self.orders.append(request)
            self.undelivered[request.client_order_id] = filled(
                request.client_order_id, request.strategy_id, request.leg
            )
        self.redeliver()

    def redeliver(self) -> None:
        assert self.host is not None
        for client_order_id, update in list(self.undelivered.items()):
            self.host.order_update(
                update, functools.partial(self.undelivered.pop, client_order_id, None)
            )


@dataclasses.dataclass
class Hosting:
    host: StrategyHost
    links: RecordingLinks
    timers: RecordingTimers
    answers: RecordingAnswers
    desk: FakeDesk
    user: Any

    @property
    def orders(self) -> list[OrderRequest]:
        return self.desk.orders

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


def host_for(hosting_parts: tuple[Any, Any, Any, Any], desk: FakeDesk) -> StrategyHost:
    """A host on these parts, as the actor started in a previous one's place builds it."""
    session, answers, links, timers = hosting_parts
    host = StrategyHost(
        session,
        answers,
        links,
        timers,
        place=desk.place,
        cancel=desk.cancels.append,
        redeliver=desk.redeliver,
        restarts=RestartPolicy(base_delay=1.0, max_restarts=3, window=300.0),
    )
    desk.host = host
    return host


@pytest.fixture
def hosting(settings) -> Hosting:
    user = create_user(telegram_id=7, chat_id=70, language="en", mode="paper")
    session = FakeSession(settings=settings, user=user)
    answers = RecordingAnswers(session)
    links, timers = RecordingLinks(), RecordingTimers()
    desk = FakeDesk()
    host = host_for((session, answers, links, timers), desk)
    return Hosting(host, links, timers, answers, desk, user)


def derived(strategy: Strategy, leg: str, sequence: int) -> str:
    """The id the strategy's n-th order of `leg` has, with the salt it saved."""
    salt = Strategy.get_by_id(strategy.id).state["order_salt"]
    return strategy_client_order_id(strategy.id, salt, leg, sequence)


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
    assert (request.strategy_id, request.pair, request.quote_amount, request.leg) == (
        strategy.id,
        "btc_idr",
        "100000",
        "entry",
    )
    assert request.client_order_id == derived(strategy, "entry", 1)
    [saved] = hosting.desk.saved_when_asked  # saved before ordering: progress and intent
    assert saved["ordered"] is True
    assert saved["order_intents"][request.client_order_id]["quote_amount"] == "100000"
    assert Strategy.get_by_id(strategy.id).state["order_intents"] == {}  # it ended


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
    asked_for = derived(strategy, "entry", 1)
    assert [a.client_order_id for a in hosting.desk.asked] == [asked_for] * 2


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
    again = host_for(
        (hosting.host.session, hosting.answers, hosting.links, hosting.timers), hosting.desk
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
    assert box.strategy is None
    waiting = len(box.queue)  # what its boot queued behind the start that raised
    hosting.fire(strategy)
    assert len(box.queue) == waiting + 1  # the trigger waits for the rebuilt strategy


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
    stop = ChangeStrategy(**WHO, strategy_id=strategy.id, action="stop", leave="keep")
    hosting.host.change(stop)
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


def test_a_running_strategy_of_a_kind_this_version_cannot_run_has_its_timers_ended(hosting):
    """Its row is only managed; a timer left by a version that ran it would have the
    Supervisor start this actor for it after every idle exit."""
    unknown, other = hosting.strategy("from_a_later_version"), hosting.strategy()
    add_timer(unknown, utcnow(), "buy")
    hosting.host.start_running()
    assert journal == [(other.id, "start")]
    assert status_of(unknown) == "running" and pending_timers(unknown.id) == []


def test_an_update_the_strategy_had_not_handled_before_its_actor_died_reaches_the_next_build(
    hosting, settings
):
    """The order filled and its update was recorded, then the actor died before the
    strategy handled it: the next host hands it at boot, once, and sends nothing again."""
    strategy = hosting.strategy()
    hosting.host.start_running()
    hosting.host.order_update = lambda update, delivered: False  # type: ignore[method-assign]
    hosting.fire(strategy)
    assert "result filled" not in [what for _, what in journal]

    desk = hosting.desk
    again = host_for((hosting.host.session, hosting.answers, hosting.links, hosting.timers), desk)
    again.start_running()
    assert [what for _, what in journal].count("result filled") == 1
    assert len(desk.orders) == 1 and len(desk.asked) == 2  # asked again, sent once
    assert desk.undelivered == {}
    assert Strategy.get_by_id(strategy.id).state["order_intents"] == {}
    again.start_running()
    assert [what for _, what in journal].count("result filled") == 1


def test_an_orders_end_whose_handler_raised_is_handed_again_to_the_rebuilt_strategy(hosting):
    """The end of an order is written with what the strategy saves while it handles it, not
    before: a handler that raised (or a process that died inside it) leaves the order's
    intent saved, so the rebuilt strategy hears the end instead of it being taken as told."""
    strategy = hosting.strategy("result_raises_once")
    hosting.host.start_running()
    hosting.fire(strategy)
    [order] = hosting.desk.orders
    assert order.client_order_id in Strategy.get_by_id(strategy.id).state["order_intents"]

    hosting.ring("strategy-restart")
    assert [what for _, what in journal].count("result filled") == 2
    assert Strategy.get_by_id(strategy.id).state["order_intents"] == {}
    assert len(hosting.desk.orders) == 1


def test_an_orders_end_and_the_strategys_next_order_are_saved_in_one_write(hosting):
    strategy = hosting.strategy()
    hosting.host.start_running()
    box = hosting.host.boxes[strategy.id]
    ended = "s1-abc-a-1"  # an order asked for before, resting until now
    box.save(None, order_intents={ended: {"leg": "a", "side": "buy", "order_type": "limit"}})
    writes: list[dict[str, Any]] = []
    real_save = box.save

    def counted(*args: Any, **state: Any) -> None:
        writes.append(state)
        real_save(*args, **state)

    def sell_once(update: OrderUpdate) -> None:
        if not writes:
            box.order("b", "sell", "limit", price="2", quantity="1")

    box.save = counted  # type: ignore[method-assign]
    box.strategy.on_order_update = sell_once  # type: ignore[union-attr,method-assign]
    hosting.host.order_update(filled(ended, strategy.id, "a"), lambda: None)
    assert list(writes[0]["order_intents"]) == [derived(strategy, "b", 1)]


def test_a_strategy_cancels_through_its_host(hosting):
    strategy = hosting.strategy()
    hosting.host.start_running()
    box = hosting.host.boxes[strategy.id]
    box.cancel("s1-abc-entry-1")
    box.cancel()
    assert [(c.strategy_id, c.client_order_id) for c in hosting.desk.cancels] == [
        (strategy.id, "s1-abc-entry-1"),
        (strategy.id, None),
    ]


def test_the_legs_of_a_strategy_are_numbered_apart_and_a_bad_leg_is_refused_before_saving(
    hosting,
):
    strategy = hosting.strategy()
    hosting.host.start_running()
    box = hosting.host.boxes[strategy.id]
    ids = [box.order(leg, "buy", "limit", price="1", quantity="1") for leg in ("a", "b", "a")]
    row = Strategy.get_by_id(strategy.id)
    assert ids == [derived(row, leg, n) for leg, n in (("a", 1), ("b", 1), ("a", 2))]
    assert row.state["order_legs"] == {"a": 2, "b": 1}
    with pytest.raises(ValueError):
        box.order("no spaces", "buy", "market", quote_amount="1")
    assert Strategy.get_by_id(strategy.id).state["order_legs"] == {"a": 2, "b": 1}


def test_an_update_told_again_after_its_end_was_handled_reaches_the_strategy_no_more(hosting):
    """A second telling of an order's end (a delivery pass that listed it before another
    pass delivered it): the strategy heard it once; the telling is only acknowledged."""
    strategy = hosting.strategy()
    hosting.host.start_running()
    hosting.fire(strategy)
    assert [what for _, what in journal].count("result filled") == 1
    [order] = hosting.desk.orders
    again = filled(order.client_order_id, strategy.id, order.leg)
    acknowledged = []
    hosting.host.order_update(again, lambda: acknowledged.append(True))
    assert [what for _, what in journal].count("result filled") == 1
    assert acknowledged == [True]
