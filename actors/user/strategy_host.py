"""The StrategyActors a UserActor hosts as children, and the strategies as the user manages
them.

Children are started for every running strategy, restarted with back-off when one dies,
handed their fired triggers, and paused or resumed together (by the dead-man switch, an
admin, or the user). The user lists, shows, pauses, resumes and stops them, one at a time
or all together.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from datetime import timedelta
from typing import Any

from actors.core.restart_policy import RestartPolicy
from actors.strategies.strategy_actor import STRATEGY_CLASSES
from actors.user.answers import Answers
from actors.user.links import Links
from actors.user.session import UserSession
from actors.user.timers import Timers
from actors.user.user_views import (
    display_pair,
    strategies_keyboard,
    strategy_buttons,
    strategy_params,
    strategy_row,
)
from messages.commands import (
    ChangeAllStrategies,
    ChangeStrategy,
    ListStrategies,
    ShowStrategy,
    UserCommand,
)
from messages.events import (
    BootStrategy,
    OrderResult,
    OrderUpdate,
    PauseStrategies,
    ResumeStrategies,
    StrategiesResumedByUser,
    StrategyControl,
    TriggerFired,
)
from messages.statuses import OrderState, StrategyStatus
from messages.triggers import MalformedTriggerId, StrategyTrigger
from persistence.models.audit import audit
from persistence.models.strategies import (
    Strategy,
    has_running_strategy,
    next_status,
    pause_running,
    resume_paused,
    running_strategies,
    set_status,
    strategies_of,
    strategy_by_id,
    strategy_of,
)

log = logging.getLogger(__name__)

RESPAWN = "strategy-respawn"  # timer (argument: the strategy id): start running ones again

Spawn = Callable[[type], Any]
# The state an order update reports, in the OrderResult a strategy already understands.
UPDATE_STATES = {
    "partial": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED,
    "cancelled": OrderState.CANCELLED,
    "rejected": OrderState.REJECTED,
}


class StrategyHost:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        links: Links,
        timers: Timers,
        *,
        spawn: Spawn,
        boot_strategy: Callable[[int], BootStrategy],
    ) -> None:
        """`spawn` creates a child actor of a class and returns its address; `boot_strategy`
        is the boot message for a strategy's child."""
        self.session, self.answers, self.links = session, answers, links
        self.spawn, self.boot_strategy = spawn, boot_strategy
        self.children: dict[int, Any] = {}  # strategy id -> StrategyActor address
        self.restarts = RestartPolicy(base_delay=1.0, max_restarts=3)
        self.timers = timers
        timers.on(RESPAWN, self._respawn)
        timers.keep_awake_while(self.running)

    def running(self) -> bool:
        user = self.session.user
        return user is not None and has_running_strategy(user)

    def is_child(self, strategy_id: int, address: Any) -> bool:
        """Whether `address` is the child running this strategy now."""
        return bool(self.children.get(strategy_id) == address)  # addresses are untyped

    # Children

    def start_running(self) -> None:
        if self.session.user is None:
            return
        for strategy in running_strategies(self.session.user):
            if strategy.id in self.children:
                continue
            cls = STRATEGY_CLASSES.get(strategy.kind)
            if cls is None:
                log.warning(
                    "no actor for strategy kind",
                    extra={"kind": strategy.kind, "strategy_id": strategy.id},
                )
                continue
            child = self.spawn(cls)
            self.children[strategy.id] = child
            self.links.to(child, self.boot_strategy(strategy.id))

    def _respawn(self, _: Hashable) -> None:
        self.start_running()

    def child_exited(self, address: Any) -> None:
        strategy_id = next((sid for sid, a in self.children.items() if a == address), None)
        if strategy_id is None:
            return
        del self.children[strategy_id]
        strategy = strategy_by_id(strategy_id)
        if strategy is None or strategy.status != StrategyStatus.RUNNING:
            return
        delay = self.restarts.next_delay(strategy_id, time.monotonic())
        if delay is None:
            set_status(strategy_id, StrategyStatus.FAILED)
            self.answers.notify("strategy.failed", kind="system", strategy_id=strategy_id)
            return
        self.timers.start(RESPAWN, timedelta(seconds=delay), strategy_id)

    def trigger_fired(self, message: TriggerFired) -> None:
        try:
            strategy_id = StrategyTrigger.decode(message.trigger_id).strategy_id
        except MalformedTriggerId:
            log.warning("not a strategy's trigger", extra={"trigger_id": message.trigger_id})
            return
        child = self.children.get(strategy_id)
        if child is not None:
            self.links.to(child, message)

    def order_update(self, update: OrderUpdate) -> bool:
        """An update of a strategy's order, handed to its child as an OrderResult; False
        when the strategy is not running here now (it is told at a later boot)."""
        child = self.children.get(update.strategy_id) if update.strategy_id is not None else None
        if child is None:
            return False
        self.links.to(
            child,
            OrderResult(
                strategy_id=update.strategy_id,
                client_order_id=update.client_order_id,
                state=UPDATE_STATES[update.kind],
                correlation_id=update.correlation_id,
            ),
        )
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
        for child in self.children.values():
            self.links.to(child, StrategyControl(strategy_id=0, action="pause", reason=reason))
        paused = pause_running(user)
        who = f"user:{self.session.telegram_id}" if reason == "user" else "system"
        audit(who, "pause_strategies", user=user, reason=reason, count=paused)
        return paused

    def _resume_all(self) -> int:
        user = self.session.user
        assert user is not None
        resumed = resume_paused(user)
        for strategy_id, child in self.children.items():
            self.links.to(child, StrategyControl(strategy_id=strategy_id, action="resume"))
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
        """Pause, resume or stop one strategy. Its actor, if running, is told as well; a
        stopped one leaves and is not restarted (only running strategies are)."""
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
        set_status(strategy.id, status)
        child = self.children.get(strategy.id)
        if child is not None:
            self.links.to(
                child,
                StrategyControl(strategy_id=strategy.id, action=message.action, reason="user"),
            )
        if message.action == "resume":
            self.start_running()
            self._resumed_by_user()
        self.answers.audit(message, f"strategy_{message.action}", strategy_id=strategy.id)
        changed = strategy_by_id(strategy.id)
        if changed is not None:
            self._show(message, "strategy.changed", changed)

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
        """Another user's strategy is answered exactly as a missing one."""
        user = self.answers.started(message)
        if user is None:
            return None
        strategy = strategy_of(user, strategy_id)
        if strategy is None:
            self.answers.reply(message, "strategy.not_found", strategy_id=strategy_id)
        return strategy

    def _show(self, message: UserCommand, key: str, strategy: Strategy) -> None:
        actions = strategy_buttons(strategy, with_details=False)
        self.answers.reply(
            message,
            key,
            buttons=(actions,) if actions else (),
            strategy_id=strategy.id,
            kind=strategy.kind,
            pair=display_pair(strategy.pair),
            status=strategy.status,
            created=f"{strategy.created_at:%Y-%m-%d %H:%M} UTC",
            params=strategy_params(strategy),
        )

    def _resumed_by_user(self) -> None:
        """The user takes responsibility again: the dead-man switch counts afresh."""
        self.links.to_supervisor(StrategiesResumedByUser(telegram_id=self.session.telegram_id))
