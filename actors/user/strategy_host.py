"""The strategies a UserActor hosts in its own process, and the strategies as the user
manages them.

Each running strategy is a plain object in a mailbox of its own (strategy_mailbox.py), fed
one message at a time: its fired triggers, its timers, the updates of its orders (each
handed again after a restart until it was handled: `redeliver` at every build). One that
raises is contained: logged with its id, counted for the dead-man switch, rebuilt from its
saved row after a back-off (1 s, doubling), and marked failed, with its triggers removed and
its user told, once it has raised more than STRATEGY_MAX_RESTARTS times within
STRATEGY_RESTART_WINDOW_SECONDS. The user's commands and other strategies never notice. No
strategy is a process of its own: a user is one process whatever they run, and a strategy
cannot outlive its user's actor. Strategies are paused or resumed together (by the dead-man
switch, an admin, or the user); the user lists, shows, pauses, resumes and stops them, one
at a time or all together.

A strategy waits without holding its user's actor: its triggers stay in the TriggerBook
and its timers in the `timers` table (persistence/models/timers.py), so the actor leaves
after its quiet time once no strategy is handling a message, has one queued or waits to
be rebuilt. A fired trigger or a due timer starts it again (through the Supervisor); each
strategy is rebuilt from its saved state, re-arms what it watches, and then hears what
woke it. A timer is saved before it counts, armed in memory while the actor runs (its
pending ones again at each build of its strategy), handed to `on_timer` only while it is
still unhandled, and marked handled once the handler returned: a crash in between hands
it again, which the strategy's saved state makes harmless.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Hashable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from actors.core.restart_policy import RestartPolicy
from actors.strategies.kinds import STRATEGY_CLASSES
from actors.strategies.money import whole_rupiah
from actors.strategies.schedule import WIB
from actors.strategies.strategy import BaseStrategy
from actors.user.answers import Answers
from actors.user.links import Links
from actors.user.session import UserSession
from actors.user.strategy_checks import owned_strategy
from actors.user.strategy_mailbox import Delivery, StrategyMailbox
from actors.user.timers import Timers
from actors.user.user_views import (
    chart_button,
    display_coin,
    display_pair,
    edit_buttons,
    holding_rows,
    progress_cells,
    strategies_keyboard,
    strategy_buttons,
    strategy_params,
    strategy_progress,
    strategy_row,
)
from adapters.indodax.errors import IndodaxError
from adapters.indodax.pairs import UnknownPair
from messages import callbacks as cb
from messages.commands import (
    ChangeAllStrategies,
    ChangeStrategy,
    ListStrategies,
    ShowStrategy,
    StopHow,
    UserCommand,
)
from messages.events import (
    CancelRequest,
    OrderRequest,
    OrderUpdate,
    PauseStrategies,
    RegisterTrigger,
    RemoveTrigger,
    ResumeStrategies,
    StrategiesResumedByUser,
    TriggerFired,
    UserFailed,
)
from messages.replies import Button
from messages.statuses import StrategyStatus
from messages.triggers import MalformedTriggerId, StrategyTrigger
from persistence.models.audit import audit
from persistence.models.base import utcnow
from persistence.models.results import record_result, result_on
from persistence.models.strategies import (
    Strategy,
    next_status,
    pause_running,
    resume_paused,
    running_strategies,
    set_status,
    strategies_of,
    strategy_by_id,
)
from persistence.models.timers import add_timer, mark_handled, pending_timers, unhandled_timer

log = logging.getLogger(__name__)

RESTART = "strategy-restart"  # timer (argument: strategy id, incarnation): rebuild it
TIMER = "strategy-timer"  # timer (argument: the id of its row in `timers`): a strategy's own
LOSS_CHECK = "loss-check"  # timer: the day's results against the user's daily loss limit

# Places a strategy's order (OrderDesk.for_strategy); how it goes comes as OrderUpdates.
PlaceOrder = Callable[[OrderRequest], None]
# Cancels a strategy's orders (StrategyCancels.cancel); their ends come as OrderUpdates.
CancelOrders = Callable[[CancelRequest], None]


def wib_today() -> date:
    """The day as Indonesian users count it: the daily loss limit starts again at 00:00 WIB."""
    return utcnow().astimezone(WIB).date()


class StrategyHost:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        links: Links,
        timers: Timers,
        *,
        place: PlaceOrder,
        cancel: CancelOrders,
        redeliver: Callable[[], None],
        restarts: RestartPolicy,
    ) -> None:
        """`restarts` says how long a strategy that raised waits to be rebuilt, and when
        it has raised too often to be rebuilt again; `redeliver` hands again every order
        update not yet handled (OrderLifecycle.deliver)."""
        self.session, self.answers, self.links = session, answers, links
        self.place, self.cancel, self.redeliver = place, cancel, redeliver
        self.restarts = restarts
        self.boxes: dict[int, StrategyMailbox] = {}  # strategy id -> its mailbox
        self._incarnations = itertools.count(1)
        self.timers = timers
        timers.on(RESTART, self._restart)
        timers.on(TIMER, self._timer_rang)
        timers.on(LOSS_CHECK, self._check_loss_limit)
        timers.keep_awake_while(self.busy)

    @property
    def telegram_id(self) -> int:
        return self.session.telegram_id

    def busy(self) -> bool:
        """A strategy has a message queued or waits to be rebuilt; one that only waits for
        a trigger, a timer or its order lets the actor leave."""
        return any(box.queue or box.strategy is None for box in self.boxes.values())

    # Hosting

    def start_running(self) -> None:
        """Every running strategy of the user that is not hosted yet, built and started."""
        if self.session.user is None:
            return
        for row in running_strategies(self.session.user):
            if row.id in self.boxes:
                continue
            cls = STRATEGY_CLASSES.get(row.kind)
            if cls is None:  # stored by a version of the bot that had this kind
                self._unknown_kind(row)
                continue
            box = StrategyMailbox(row, self)
            self.boxes[row.id] = box
            self._build(box, row, cls)
        self.redeliver()

    def _build(self, box: StrategyMailbox, row: Strategy, cls: type[BaseStrategy]) -> None:
        """The strategy built from its saved row, with its pending timers armed again; they
        ring after its start, which runs now."""
        now = utcnow()
        for timer in pending_timers(box.strategy_id):
            self.timers.start(TIMER, max(timer.due_at - now, timedelta(0)), timer.id)
        box.boot(row, cls, next(self._incarnations))

    def trigger_fired(self, message: TriggerFired) -> None:
        try:
            strategy_id = StrategyTrigger.decode(message.trigger_id).strategy_id
        except MalformedTriggerId:
            log.warning("not a strategy's trigger", extra={"trigger_id": message.trigger_id})
            return
        box = self.boxes.get(strategy_id)
        if box is not None:
            box.deliver(Delivery("trigger", lambda strategy: strategy.on_trigger(message)))

    # What a mailbox asks of its host

    def arm(self, box: StrategyMailbox, trigger: RegisterTrigger) -> None:
        self.links.to_trigger_book(trigger)

    def disarm(self, trigger: RemoveTrigger) -> None:
        self.links.to_trigger_book(trigger)

    def last_price(self, pair: str) -> Decimal | None:
        """From the public ticker; None (logged) when the exchange cannot say now."""
        try:
            return self.session.public.ticker(self.session.catalog.parse(pair)).last
        except (UnknownPair, IndodaxError) as error:
            log.warning(
                "no last price for a strategy", extra={"pair": pair, "error": type(error).__name__}
            )
            return None

    def notify(self, box: StrategyMailbox, key: str, **params: Any) -> None:
        pair = box.row.pair
        self.answers.notify(
            key,
            strategy_id=box.strategy_id,
            pair=display_pair(pair),
            coin=display_coin(pair),
            **params,
        )

    def order(self, box: StrategyMailbox, request: OrderRequest) -> None:
        """Placed now, by the same desk as the user's orders; its updates are queued behind
        the handler that asked."""
        self.place(request)

    def realised(self, box: StrategyMailbox, amount: Decimal, source: str) -> None:
        """Recorded once for the day (WIB); a loss is measured against the user's daily
        limit once the handler that realised it has returned (pausing inside it would
        leave the strategy half-way through its step)."""
        record_result(box.row, source, amount, wib_today())
        user = self.session.user
        if amount < 0 and user is not None and user.daily_loss_limit:
            self.timers.start(LOSS_CHECK, timedelta(0))

    def _check_loss_limit(self, _: Hashable) -> None:
        """The day's results at a loss of the limit or more: every running strategy of the
        user paused (their resting orders stay), the user told with both figures."""
        user = self.session.user
        if user is None or not user.daily_loss_limit:
            return
        loss = -result_on(user, wib_today())
        if loss < user.daily_loss_limit or not running_strategies(user):
            return
        paused = self._pause_all("loss_limit")
        log.warning("daily loss limit reached", extra={"loss": str(loss), "paused": paused})
        self.answers.notify(
            "strategy.paused.loss_limit",
            kind="system",
            count=paused,
            loss=str(whole_rupiah(loss)),
            limit=user.daily_loss_limit,
        )

    def set_timer(self, box: StrategyMailbox, delay: timedelta, payload: str) -> None:
        """Saved first, then armed here; the Supervisor wakes the actor for it if it left."""
        timer = add_timer(box.row, utcnow() + delay, payload)
        self.timers.start(TIMER, delay, timer.id)

    def _timer_rang(self, argument: Hashable) -> None:
        assert isinstance(argument, int)
        timer = unhandled_timer(argument)
        box = self.boxes.get(timer.strategy_id) if timer is not None else None
        if box is not None:  # else handled, or its strategy is not hosted (armed at its build)
            box.deliver(Delivery("timer", lambda strategy: self._on_timer(strategy, argument)))

    def _on_timer(self, strategy: BaseStrategy, timer_id: int) -> None:
        """Handed only while still unhandled (it may have been armed twice), and marked
        handled after the handler returned."""
        timer = unhandled_timer(timer_id)
        if timer is None:
            return
        strategy.on_timer(timer.payload)
        mark_handled(timer_id)

    def crashed(self, box: StrategyMailbox, handling: str, error: Exception) -> None:
        """A strategy's handler raised: logged with its id and the traceback (a strategy is
        handed no secret), counted for the dead-man switch, and the strategy rebuilt from
        its saved row after a back-off, or marked failed once it has raised too often."""
        strategy_id = box.strategy_id
        log.error(
            "strategy raised",
            exc_info=error,
            extra={"strategy_id": strategy_id, "kind": box.row.kind, "handling": handling},
        )
        self.links.to_supervisor(
            UserFailed(
                telegram_id=self.telegram_id,
                error=f"strategy:{type(error).__name__}",
                strategy_id=strategy_id,
            )
        )
        row = strategy_by_id(strategy_id)
        if row is None or row.status != StrategyStatus.RUNNING:  # raised while stopping
            self.leave(box)
            return
        delay = self.restarts.next_delay(strategy_id, time.monotonic())
        if delay is None:
            self._fail(box)
            return
        self.timers.start(RESTART, timedelta(seconds=delay), (strategy_id, box.incarnation))

    def _restart(self, argument: Hashable) -> None:
        assert isinstance(argument, tuple)
        strategy_id, incarnation = argument
        box = self.boxes.get(strategy_id)
        if box is None or box.strategy is not None or box.incarnation != incarnation:
            return
        row = strategy_by_id(strategy_id)
        cls = STRATEGY_CLASSES.get(row.kind) if row is not None else None
        if row is None or cls is None or row.status != StrategyStatus.RUNNING:
            self.leave(box)
            return
        self._build(box, row, cls)
        self.redeliver()

    def _unknown_kind(self, row: Strategy) -> None:
        """A row this version cannot run is only managed (listed, paused, stopped); a timer
        a version that could run it had set would make the Supervisor start this actor for
        it again and again, so those are ended here, with a log line for the operator."""
        dropped = pending_timers(row.id)
        for timer in dropped:
            mark_handled(timer.id)
        log.warning(
            "no class for strategy kind",
            extra={"kind": row.kind, "strategy_id": row.id, "timers_dropped": len(dropped)},
        )

    def _fail(self, box: StrategyMailbox) -> None:
        strategy_id = box.strategy_id
        failures = self.restarts.restarts(strategy_id) + 1
        set_status(strategy_id, StrategyStatus.FAILED)
        log.error(
            "strategy marked failed", extra={"strategy_id": strategy_id, "failures": failures}
        )
        self.leave(box)
        self.answers.notify(
            "strategy.failed",
            kind="system",
            strategy_id=strategy_id,
            pair=display_pair(box.row.pair),
            failures=failures,
        )

    def leave(self, box: StrategyMailbox) -> None:
        """The strategy is no longer hosted: its triggers removed, its restarts forgotten."""
        strategy_id = box.strategy_id
        if self.boxes.get(strategy_id) is box:
            del self.boxes[strategy_id]
        for trigger_id, pair in box.armed.items():
            self.disarm(RemoveTrigger(trigger_id=trigger_id, pair=pair))
        box.armed.clear()
        box.strategy = None
        self.restarts.forget(strategy_id)

    def order_update(self, update: OrderUpdate, delivered: Callable[[], None]) -> bool:
        """An update of a strategy's order, queued for it like its other messages and
        marked `delivered` once handled; False when the strategy is not hosted here now (it
        is told at a later boot)."""
        box = self.boxes.get(update.strategy_id) if update.strategy_id is not None else None
        if box is None:
            return False
        box.take_update(update, delivered)
        return True

    def pause(self, message: PauseStrategies) -> None:
        """A safety message (kind system): the user's notification settings cannot drop it."""
        if self.session.user is None:
            return
        paused = self._pause_all(message.reason)
        self.answers.notify(f"strategy.paused.{message.reason}", kind="system", count=paused)

    def resume(self, message: ResumeStrategies) -> None:
        if self.session.user is None:
            return
        self.answers.notify("strategy.resumed", count=self._resume_all())

    def _pause_all(self, reason: str) -> int:
        user = self.session.user
        assert user is not None
        paused = pause_running(user)
        for box in list(self.boxes.values()):
            self.leave(box)
        who = f"user:{self.session.telegram_id}" if reason == "user" else "system"
        audit(who, "pause_strategies", user=user, reason=reason, count=paused)
        return paused

    def _resume_all(self) -> int:
        user = self.session.user
        assert user is not None
        resumed = resume_paused(user)
        self.start_running()
        return resumed

    # The user's commands

    def list(self, message: ListStrategies) -> None:
        user = self.answers.started(message)
        if user is None:
            return
        strategies = strategies_of(user)
        self.answers.reply(
            message,
            "strategy.list" if strategies else "strategy.none",
            buttons=strategies_keyboard(strategies),
            rows=tuple(strategy_row(strategy) for strategy in strategies),
            count=len(strategies),
        )

    def show(self, message: ShowStrategy) -> None:
        strategy = self._own(message, message.strategy_id)
        if strategy is not None:
            self._show(message, "strategy.details", strategy)

    def change(self, message: ChangeStrategy) -> None:
        """Pause, resume or stop one strategy. A paused one leaves its mailbox (its
        triggers removed) and is built again from its saved state when resumed. A stop is
        asked first: keep its orders (it hears `on_stop` and is never started again, only
        running ones are), or cancel them, and sell what it holds if the user wants
        (`on_leave`: it stops itself once their ends are known)."""
        strategy = self._own(message, message.strategy_id)
        if strategy is None:
            return
        status = next_status(strategy.status, message.action)
        if status is None:
            self.answers.reply(
                message,
                "strategy.cannot_change",
                strategy_id=strategy.id,
                status=strategy.status,
                action=message.action,
            )
            return
        if message.action == "stop" and message.leave is None:
            self._ask_how_to_stop(message, strategy)
            return
        if message.action == "stop" and message.leave != "keep":
            self._leave(message, strategy, sell=message.leave == "sell")
            return
        set_status(strategy.id, status)
        box = self.boxes.get(strategy.id)
        if box is not None and message.action == "stop":
            box.finish()
        elif box is not None:
            self.leave(box)
        if message.action == "resume":
            self.start_running()
            self._resumed_by_user()
        self.answers.audit(message, f"strategy_{message.action}", strategy_id=strategy.id)
        changed = strategy_by_id(strategy.id)
        if changed is not None:
            self._show(message, "strategy.changed", changed)

    def _ask_how_to_stop(self, message: ChangeStrategy, strategy: Strategy) -> None:
        def answer(how: StopHow, label: str) -> tuple[Button, ...]:
            return (Button(label, cb.LeaveStrategy(strategy.id, how).pack()),)

        self.answers.reply(
            message,
            "strategy.stop_ask",
            buttons=(
                answer("cancel", "button.stop_cancel_orders"),
                answer("sell", "button.stop_and_sell"),
                answer("keep", "button.stop_keep_orders"),
                (Button("button.back", cb.ShowStrategy(strategy.id).pack()),),
            ),
            strategy_id=strategy.id,
            strategy_kind=strategy.kind,
            pair=display_pair(strategy.pair),
        )

    def _leave(self, message: ChangeStrategy, strategy: Strategy, *, sell: bool) -> None:
        """The strategy cancels its orders (and sells) and then stops itself: a paused one
        is hosted again for it; one this version cannot run is only stopped."""
        if strategy.status == StrategyStatus.PAUSED:
            set_status(strategy.id, StrategyStatus.RUNNING)
            self.start_running()
        box = self.boxes.get(strategy.id)
        if box is None:
            set_status(strategy.id, StrategyStatus.STOPPED)
            self.answers.reply(message, "strategy.cannot_leave", strategy_id=strategy.id)
            return
        box.deliver(Delivery("leave", lambda hosted: hosted.on_leave(sell)))
        self.answers.audit(message, "strategy_leave", strategy_id=strategy.id, sell=sell)
        self.answers.reply(
            message,
            "strategy.leaving_sell" if sell else "strategy.leaving",
            strategy_id=strategy.id,
            pair=display_pair(strategy.pair),
        )

    def edited(self, message: UserCommand, strategy_id: int) -> None:
        """A strategy whose parameters were just changed: built again from its saved row
        after whatever it is handling now (its strategy triggers removed first, so an exit
        taken away is no longer watched; `on_start` arms what the new plan watches), and
        shown. A paused one is built from the new row when resumed."""
        row = strategy_by_id(strategy_id)
        if row is None:
            return
        box, cls = self.boxes.get(strategy_id), STRATEGY_CLASSES.get(row.kind)
        if box is not None and cls is not None:
            hosted, kind = box, cls

            def again(_: BaseStrategy) -> None:
                for trigger_id, pair in hosted.armed.items():
                    self.disarm(RemoveTrigger(trigger_id=trigger_id, pair=pair))
                hosted.armed.clear()
                fresh = strategy_by_id(strategy_id)
                if fresh is not None:
                    hosted.boot(fresh, kind, next(self._incarnations))

            box.deliver(Delivery("edit", again))
        self._show(message, "strategy.edited", row)

    def change_all(self, message: ChangeAllStrategies) -> None:
        """/strategy pause or resume with no id: the same as the dead-man switch's pause and
        the admin's resume, answered to the user instead of notified."""
        if self.answers.started(message) is None:
            return
        if message.action == "pause":
            self.answers.reply(message, "strategy.paused.user", count=self._pause_all("user"))
            return
        self._resumed_by_user()
        self.answers.reply(message, "strategy.resumed", count=self._resume_all())

    def _own(self, message: UserCommand, strategy_id: int) -> Strategy | None:
        return owned_strategy(self.answers, message, strategy_id)

    def _show(self, message: UserCommand, key: str, strategy: Strategy) -> None:
        actions = strategy_buttons(strategy, with_details=False)
        edits = edit_buttons(strategy)
        chart = (chart_button(cb.StrategyChart(strategy.id)),)
        pnl, next_term, next_value = progress_cells(strategy)
        progress = strategy_progress(strategy)
        last = self.last_price(strategy.pair) if progress.holding else None
        self.answers.reply(
            message,
            key,
            buttons=tuple(row for row in (actions, edits, chart) if row),
            holding=holding_rows(progress, last),
            strategy_id=strategy.id,
            kind=strategy.kind,
            pair=display_pair(strategy.pair),
            status=strategy.status,
            created=f"{strategy.created_at:%Y-%m-%d %H:%M} UTC",
            params=strategy_params(strategy),
            pnl=pnl,
            next=next_term,
            next_value=next_value,
        )

    def _resumed_by_user(self) -> None:
        """The user takes responsibility again: the dead-man switch counts afresh."""
        self.links.to_supervisor(StrategiesResumedByUser(telegram_id=self.session.telegram_id))
