"""The StrategyActors a UserActor hosts as children: started for every running strategy,
restarted with back-off when one dies, handed their fired triggers, and paused or resumed
together (by the dead-man switch, an admin, or the user)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from thespian.actors import ChildActorExited

from actors.core.restart_policy import RestartPolicy
from actors.strategies.strategy_actor import STRATEGY_CLASSES
from actors.user.user_base import UserBase
from messages.events import (
    BootStrategy,
    ParentCheck,
    ParentHere,
    PauseStrategies,
    ResumeStrategies,
    StrategyControl,
    TriggerFired,
)
from persistence.models.audit import audit
from persistence.models.strategies import Strategy, running_strategies

log = logging.getLogger(__name__)

RESPAWN = "respawn"  # wakeup payload (RESPAWN, strategy id): start the running strategies again


class UserStrategyHosting(UserBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.strategies: dict[int, Any] = {}  # strategy id -> StrategyActor address
        self.strategy_restarts = RestartPolicy(base_delay=1.0, max_restarts=3)

    def _start_strategies(self) -> None:
        for strategy in running_strategies(self.user):
            if strategy.id in self.strategies:
                continue
            cls = STRATEGY_CLASSES.get(strategy.kind)
            if cls is None:
                log.warning(
                    "no actor for strategy kind",
                    extra={"kind": strategy.kind, "strategy_id": strategy.id},
                )
                continue
            child = self.createActor(cls)
            self.strategies[strategy.id] = child
            self.send(
                child,
                BootStrategy(
                    settings=self.settings,
                    supervisor=self.boot.supervisor,  # type: ignore[union-attr]
                    notifier=self.boot.notifier,
                    trigger_book=self.boot.trigger_book,  # type: ignore[union-attr]
                    price_feed=self.boot.price_feed,
                    telegram_id=self.telegram_id,  # type: ignore[union-attr]
                    strategy_id=strategy.id,
                    user_actor=self.myAddress,
                ),
            )

    def receiveMsg_ChildActorExited(self, message: ChildActorExited, sender: Any) -> None:
        strategy_id = next(
            (sid for sid, a in self.strategies.items() if a == message.childAddress), None
        )
        if strategy_id is None:
            return
        del self.strategies[strategy_id]
        strategy = Strategy.get_or_none(Strategy.id == strategy_id)
        if strategy is None or strategy.status != "running":
            return
        delay = self.strategy_restarts.next_delay(strategy_id, time.monotonic())
        if delay is None:
            strategy.status = "failed"
            strategy.save()
            self.notify("strategy.failed", kind="system", strategy_id=strategy_id)
            return
        self.wakeupAfter(timedelta(seconds=delay), payload=(RESPAWN, strategy_id))

    def receiveMsg_ParentCheck(self, message: ParentCheck, sender: Any) -> None:
        self.send(sender, ParentHere(strategy_id=message.strategy_id))

    def receiveMsg_TriggerFired(self, message: TriggerFired, sender: Any) -> None:
        strategy_id = int(message.trigger_id.split(":", 1)[0].lstrip("s"))
        child = self.strategies.get(strategy_id)
        if child is not None:
            self.send(child, message)

    def receiveMsg_PauseStrategies(self, message: PauseStrategies, sender: Any) -> None:
        """A safety message (kind system): the user's notification settings cannot drop it."""
        if self.user is None:
            return
        paused = self._pause_all(message.reason)
        self.notify(f"strategy.paused.{message.reason}", kind="system", count=paused)

    def receiveMsg_ResumeStrategies(self, message: ResumeStrategies, sender: Any) -> None:
        if self.user is None:
            return
        self.notify("strategy.resumed", count=self._resume_all())

    def _pause_all(self, reason: str) -> int:
        for child in self.strategies.values():
            self.send(child, StrategyControl(strategy_id=0, action="pause", reason=reason))
        paused = (
            Strategy.update(status="paused")
            .where((Strategy.user == self.user) & (Strategy.status == "running"))
            .execute()
        )
        who = f"user:{self.telegram_id}" if reason == "user" else "system"
        audit(who, "pause_strategies", user=self.user, reason=reason, count=paused)
        return paused

    def _resume_all(self) -> int:
        resumed = (
            Strategy.update(status="running")
            .where((Strategy.user == self.user) & (Strategy.status == "paused"))
            .execute()
        )
        for strategy_id, child in self.strategies.items():
            self.send(child, StrategyControl(strategy_id=strategy_id, action="resume"))
        self._start_strategies()
        return resumed
