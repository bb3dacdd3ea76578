"""One strategy hosted in its UserActor's process: the strategy object, the messages waiting
for it, and the context it acts through.

Messages (its start, triggers, timers, order results, its stop) are handled one at a time,
in order. What a strategy causes to itself while it handles one (the result of the order it
asked for, its own stop) waits behind it in the queue, never runs inside it. A handler that
raises leaves the mailbox without a strategy: the host is told (it logs, counts and restarts
or fails it), the message that raised is dropped, and the rest wait for the rebuilt one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from actors.strategies.strategy import BaseStrategy
from messages.commands import OrderType, Side
from messages.events import OrderRequest, RegisterTrigger, TriggerKind
from messages.statuses import StrategyStatus
from messages.triggers import StrategyTrigger
from persistence.models.strategies import Strategy, save_progress


@dataclass(frozen=True)
class Delivery:
    """One message for a strategy: what it is (for the log) and the hook it calls."""

    name: str
    hand: Callable[[BaseStrategy], None]
    last: bool = False  # the strategy leaves after it (its stop)


class MailboxHost(Protocol):
    """What a mailbox asks of its host (strategy_host.py)."""

    @property
    def telegram_id(self) -> int: ...

    def arm(self, box: StrategyMailbox, trigger: RegisterTrigger) -> None: ...

    def order(self, box: StrategyMailbox, request: OrderRequest) -> None: ...

    def set_timer(self, box: StrategyMailbox, delay: timedelta, payload: str) -> None: ...

    def crashed(self, box: StrategyMailbox, handling: str, error: Exception) -> None: ...

    def leave(self, box: StrategyMailbox) -> None: ...


class StrategyMailbox:
    """The StrategyContext of the strategy it holds."""

    def __init__(self, row: Strategy, host: MailboxHost) -> None:
        self._row, self.host = row, host
        self.strategy: BaseStrategy | None = None
        self.incarnation = 0  # which build of the strategy a restart was asked for
        self.queue: deque[Delivery] = deque()
        self.armed: dict[str, str] = {}  # trigger id -> pair, across restarts
        self._handling = False

    @property
    def row(self) -> Strategy:
        return self._row

    @property
    def strategy_id(self) -> int:
        return int(self._row.id)

    def boot(self, row: Strategy, cls: type[BaseStrategy], incarnation: int) -> None:
        """The strategy built from its saved row; its start goes before whatever waits."""
        self._row, self.incarnation = row, incarnation
        try:
            self.strategy = cls(self)
        except Exception as error:
            self.host.crashed(self, "build", error)
            return
        self.queue.appendleft(Delivery("start", lambda strategy: strategy.on_start()))
        self._drain()

    def deliver(self, delivery: Delivery) -> None:
        self.queue.append(delivery)
        self._drain()

    def finish(self) -> None:
        """`on_stop`, then the strategy leaves (at once if it is waiting to be rebuilt)."""
        if self.strategy is None:
            self.host.leave(self)
            return
        self.deliver(Delivery("stop", lambda strategy: strategy.on_stop(), last=True))

    def _drain(self) -> None:
        if self._handling:  # caused by the handler running now: it waits its turn
            return
        self._handling = True
        try:
            while self.queue and self.strategy is not None:
                delivery = self.queue.popleft()
                try:
                    delivery.hand(self.strategy)
                except Exception as error:
                    self.strategy = None
                    self.host.crashed(self, delivery.name, error)
                    return
                if delivery.last:
                    self.strategy = None
                    self.queue.clear()
                    self.host.leave(self)
        finally:
            self._handling = False

    # The StrategyContext

    def save(self, status: StrategyStatus | None = None, **state: Any) -> None:
        save_progress(self._row, status, **state)

    def watch(self, name: str, kind: TriggerKind, **fields: Any) -> None:
        trigger_id = StrategyTrigger(self.strategy_id, name).encode()
        self.armed[trigger_id] = self._row.pair
        self.host.arm(
            self,
            RegisterTrigger(
                trigger_id=trigger_id,
                telegram_id=self.host.telegram_id,
                purpose="strategy",
                pair=self._row.pair,
                kind=kind,
                **fields,
            ),
        )

    def order(self, side: Side, order_type: OrderType, **amounts: str) -> None:
        self.host.order(
            self,
            OrderRequest(
                strategy_id=self.strategy_id,
                pair=self._row.pair,
                side=side,
                order_type=order_type,
                **amounts,
            ),
        )

    def set_timer(self, delay: timedelta, payload: str) -> None:
        self.host.set_timer(self, delay, payload)

    def stop(self, **state: Any) -> None:
        self.save(StrategyStatus.STOPPED, **state)
        self.finish()
