"""The base of every running strategy: one actor per strategy, child of its UserActor.

Rules every strategy keeps:
- its progress is written to the database *before* it acts, so a restart resumes, never
  repeats;
- it never calls the exchange: orders go to its UserActor as OrderRequest (the UserActor
  owns the key and the nonce), so a strategy whose UserActor is gone cannot trade;
- it checks that its UserActor still answers, and stops itself when it does not (Thespian
  leaves the children of a killed actor running as orphans);
- it watches prices through triggers in the TriggerBook and time through wakeupAfter.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, ClassVar

from thespian.actors import ActorExitRequest, WakeupMessage

from actors.base import BotActor
from messages.commands import OrderType, Side
from messages.events import (
    BootStrategy,
    OrderRequest,
    OrderResult,
    ParentCheck,
    ParentHere,
    RegisterTrigger,
    StrategyControl,
    TriggerFired,
    TriggerKind,
)
from messages.statuses import StrategyStatus
from messages.triggers import StrategyTrigger
from persistence.models.base import utcnow
from persistence.models.strategies import Strategy, strategy_by_id

log = logging.getLogger(__name__)

# What a trigger watches (RegisterTrigger.kind): a level crossed, or a trailing stop.


class StrategyActor(BotActor):
    kind: ClassVar[str] = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.strategy: Strategy | None = None
        self.parent: Any = None
        self.telegram_id = 0
        self.parent_answered = True

    # Life cycle

    def receiveMsg_BootStrategy(self, message: BootStrategy, sender: Any) -> None:
        self.parent, self.telegram_id = message.user_actor or sender, message.telegram_id
        self.receiveMsg_Boot(message, sender)

    def booted(self) -> None:
        boot = self.wiring
        if not isinstance(boot, BootStrategy):
            raise TypeError(f"{type(self).__name__} is started with BootStrategy")
        self.strategy = strategy_by_id(boot.strategy_id)
        if self.strategy is None:  # deleted since its UserActor started it: nothing to run
            log.warning("strategy not found", extra={"strategy_id": boot.strategy_id})
            return
        self.wakeupAfter(self.parent_check_every, payload="parent-check")
        if self.strategy.status == StrategyStatus.RUNNING:
            self.on_start()

    def receiveMsg_StrategyControl(self, message: StrategyControl, sender: Any) -> None:
        status = {
            "start": StrategyStatus.RUNNING,
            "resume": StrategyStatus.RUNNING,
            "pause": StrategyStatus.PAUSED,
            "stop": StrategyStatus.STOPPED,
        }[message.action]
        self.save(status=status)
        if message.action in ("start", "resume"):
            self.on_start()
        elif message.action == "stop":
            self.on_stop()
            self.send(self.myAddress, ActorExitRequest())

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender: Any) -> None:
        if message.payload != "parent-check":
            if self.running:
                self.on_timer(message.payload)
            return
        if not self.parent_answered:
            log.warning(
                "user actor gone: strategy stops itself",
                extra={"strategy_id": self.strategy.id if self.strategy else None},
            )
            self.send(self.myAddress, ActorExitRequest())
            return
        self.parent_answered = False
        self.send(self.parent, ParentCheck(strategy_id=self.loaded.id))
        self.wakeupAfter(self.parent_check_every, payload="parent-check")

    def receiveMsg_ParentHere(self, message: ParentHere, sender: Any) -> None:
        self.parent_answered = True

    def receiveMsg_TriggerFired(self, message: TriggerFired, sender: Any) -> None:
        if self.running:
            self.on_trigger(message)

    def receiveMsg_OrderResult(self, message: OrderResult, sender: Any) -> None:
        self.on_order_result(message)

    @property
    def parent_check_every(self) -> timedelta:
        return timedelta(seconds=self.settings.actors.parent_check_seconds)

    # For strategies

    @property
    def running(self) -> bool:
        return self.strategy is not None and self.strategy.status == StrategyStatus.RUNNING

    @property
    def loaded(self) -> Strategy:
        """The strategy this actor runs: the hooks below are called only once it is."""
        if self.strategy is None:
            raise RuntimeError(f"{type(self).__name__} used before its strategy was loaded")
        return self.strategy

    @property
    def state(self) -> dict[str, Any]:
        return dict(self.strategy.state) if self.strategy else {}

    def save(self, status: StrategyStatus | None = None, **state: Any) -> None:
        """Write progress (and status) first; act only after this returns."""
        strategy = self.strategy
        if strategy is None:
            return
        strategy.state = {**strategy.state, **state}
        if status is not None:
            strategy.status = status
        strategy.updated_at = utcnow()
        strategy.save()

    def watch(self, name: str, kind: TriggerKind, **fields: Any) -> None:
        """`name` tells this strategy's triggers apart (`level`, `tp`)."""
        strategy = self.loaded
        self.send(
            self.wiring.trigger_book,
            RegisterTrigger(
                trigger_id=StrategyTrigger(strategy.id, name).encode(),
                telegram_id=self.telegram_id,
                purpose="strategy",
                pair=strategy.pair,
                kind=kind,
                **fields,
            ),
        )

    def order(self, side: Side, order_type: OrderType, **amounts: str) -> None:
        strategy = self.loaded
        self.send(
            self.parent,
            OrderRequest(
                strategy_id=strategy.id,
                pair=strategy.pair,
                side=side,
                order_type=order_type,
                **amounts,
            ),
        )

    def on_start(self) -> None:
        """Arm triggers and timers from the saved state."""

    def on_stop(self) -> None:
        """Leave nothing armed."""

    def on_trigger(self, fired: TriggerFired) -> None:
        """A watched price was reached."""

    def on_timer(self, payload: Any) -> None:
        """A wakeupAfter of the strategy's own came due."""

    def on_order_result(self, result: OrderResult) -> None:
        """The UserActor reports how an OrderRequest ended."""


class BuyOnceBelow(StrategyActor):
    """The smallest real strategy: buy `quote_amount` at market once the price falls to
    `level`, then finish. It exercises the whole life cycle and the rule of saving first."""

    kind = "buy_once_below"

    def on_start(self) -> None:
        if not self.state.get("ordered"):
            self.watch("level", "below", level=self.loaded.params["level"])

    def on_trigger(self, fired: TriggerFired) -> None:
        if self.state.get("ordered"):
            return
        self.save(ordered=True, trigger_price=fired.price)
        self.order("buy", "market", quote_amount=self.loaded.params["quote_amount"])

    def on_order_result(self, result: OrderResult) -> None:
        self.save(
            status=StrategyStatus.STOPPED,
            result=result.state,
            client_order_id=result.client_order_id,
        )
        self.send(self.myAddress, ActorExitRequest())


STRATEGY_CLASSES: dict[str, type[StrategyActor]] = {BuyOnceBelow.kind: BuyOnceBelow}
