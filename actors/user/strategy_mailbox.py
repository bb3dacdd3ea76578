"""One strategy hosted in its UserActor's process: the strategy object, the messages waiting
for it, and the context it acts through.

Messages (its start, triggers, timers, order updates, its stop) are handled one at a time,
in order. What a strategy causes to itself while it handles one (an update of the order it
asked for, its own stop) waits behind it in the queue, never runs inside it.

A strategy's orders: `order(leg, ...)` takes the leg's next sequence, derives the order's
client_order_id from (strategy, leg, sequence), and saves both, with the intent and the
strategy's own progress, in one write before the host is asked. The intents stay in the
saved state until their end (filled, cancelled, rejected) has been handled, and every boot
asks the host again for those without one: the desk never sends one twice (it finds the
row by its id), so a crash before the order left sends it, and one after follows it. An
update is marked delivered (by the life cycle) only once the strategy has handled it. A handler that
raises leaves the mailbox without a strategy: the host is told (it logs, counts and restarts
or fails it), the message that raised is dropped, and the rest wait for the rebuilt one.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from actors.strategies.strategy import BaseStrategy
from messages.commands import OrderType, Side
from messages.events import (
    CancelRequest,
    OrderRequest,
    OrderUpdate,
    RegisterTrigger,
    RemoveTrigger,
    TriggerKind,
)
from messages.statuses import StrategyStatus
from messages.triggers import StrategyTrigger
from persistence.models.base import utcnow
from persistence.models.orders import new_order_salt, strategy_client_order_id
from persistence.models.strategies import Strategy, save_progress

log = logging.getLogger(__name__)

SALT = "order_salt"  # saved state: drawn once, part of every order id of the strategy
LEGS = "order_legs"  # saved state: leg -> the sequence of its last order asked for
INTENTS = "order_intents"  # saved state: client_order_id -> the order asked for, until it ends
ENDS = ("filled", "cancelled", "rejected")


@dataclass(frozen=True)
class Delivery:
    """One message for a strategy: what it is (for the log) and the hook it calls."""

    name: str
    hand: Callable[[BaseStrategy], None]
    last: bool = False  # the strategy leaves after it (its stop)
    update: tuple[str, int] | None = None  # an order update's (client_order_id, sequence)


class MailboxHost(Protocol):
    """What a mailbox asks of its host (strategy_host.py)."""

    @property
    def telegram_id(self) -> int: ...

    def arm(self, box: StrategyMailbox, trigger: RegisterTrigger) -> None: ...

    def disarm(self, trigger: RemoveTrigger) -> None: ...

    def last_price(self, pair: str) -> Decimal | None: ...

    def notify(self, box: StrategyMailbox, key: str, **params: Any) -> None: ...

    def realised(self, box: StrategyMailbox, amount: Decimal, source: str) -> None: ...

    def order(self, box: StrategyMailbox, request: OrderRequest) -> None: ...

    def cancel(self, request: CancelRequest) -> None: ...

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
        self.updates: set[tuple[str, int]] = set()  # queued order updates, not yet handled
        self._handling = False
        self._saves = 0  # writes of the row: an order's end goes with the next one

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
        self.queue.extendleft(
            (
                Delivery("open orders", lambda strategy: self._ask_again()),
                Delivery("start", lambda strategy: strategy.on_start()),
            )
        )
        self._drain()

    def _ask_again(self) -> None:
        """Every order asked for and not yet ended, asked for again under its own id: the
        desk sends only one it has no row of (a crash came before it left)."""
        for client_order_id, intent in dict(self._row.state.get(INTENTS, {})).items():
            self.host.order(self, self._request(client_order_id, intent))

    def take_update(self, update: OrderUpdate, delivered: Callable[[], None]) -> None:
        """An update of one of the strategy's orders, queued once however often it is told;
        `delivered` marks it once the strategy has handled it."""
        key = (update.client_order_id, update.sequence)
        if key in self.updates:
            return
        self.updates.add(key)

        def hand(strategy: BaseStrategy) -> None:
            intents = dict(self._row.state.get(INTENTS, {}))
            if update.client_order_id not in intents:  # its end was handled already
                log.warning("stale order update", extra={"client_order_id": key[0], "seq": key[1]})
            elif update.kind in ENDS:
                # Not asked for again, whatever the strategy does next. Written with what the
                # strategy saves while it handles the end (its next order, its levels), or
                # alone after it, never before: the end written and its handling lost to a
                # raise or a crash in between would be taken as told when told again.
                del intents[update.client_order_id]
                self._row.state = {**self._row.state, INTENTS: intents}
                saves = self._saves
                strategy.on_order_update(update)
                if self._saves == saves:
                    self.save(None)
            else:
                strategy.on_order_update(update)
            delivered()
            self.updates.discard(key)

        self.deliver(Delivery("order_update", hand, update=key))

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
                    if delivery.update is not None:  # told again once the strategy is rebuilt
                        self.updates.discard(delivery.update)
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
        self._saves += 1

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

    def unwatch(self, name: str) -> None:
        trigger_id = StrategyTrigger(self.strategy_id, name).encode()
        pair = self.armed.pop(trigger_id, None)
        if pair is not None:
            self.host.disarm(RemoveTrigger(trigger_id=trigger_id, pair=pair))

    def order(
        self,
        leg: str,
        side: Side,
        order_type: OrderType,
        *,
        price: str | None = None,
        quantity: str | None = None,
        quote_amount: str | None = None,
        **state: Any,
    ) -> str:
        legs = dict(self._row.state.get(LEGS, {}))
        sequence = int(legs.get(leg, 0)) + 1
        salt = self._row.state.get(SALT) or new_order_salt()
        client_order_id = strategy_client_order_id(self.strategy_id, salt, leg, sequence)
        intent = {
            "leg": leg,
            "side": side,
            "order_type": order_type,
            "price": price,
            "quantity": quantity,
            "quote_amount": quote_amount,
        }
        intents = {**self._row.state.get(INTENTS, {}), client_order_id: intent}
        self.save(None, **state, **{SALT: salt, LEGS: {**legs, leg: sequence}, INTENTS: intents})
        self.host.order(self, self._request(client_order_id, intent))
        return client_order_id

    def _request(self, client_order_id: str, intent: dict[str, Any]) -> OrderRequest:
        return OrderRequest(
            strategy_id=self.strategy_id,
            client_order_id=client_order_id,
            pair=self._row.pair,
            **intent,
        )

    def cancel(self, client_order_id: str | None = None) -> None:
        self.host.cancel(
            CancelRequest(strategy_id=self.strategy_id, client_order_id=client_order_id)
        )

    def set_timer(self, delay: timedelta, payload: str) -> None:
        self.host.set_timer(self, delay, payload)

    def stop(self, **state: Any) -> None:
        self.save(StrategyStatus.STOPPED, **state)
        self.finish()

    def pause(self, **state: Any) -> None:
        self.save(StrategyStatus.PAUSED, **state)
        self.finish()

    def open_orders(self) -> list[str]:
        return list(self._row.state.get(INTENTS, {}))

    def now(self) -> datetime:
        return utcnow()

    def last_price(self) -> Decimal | None:
        return self.host.last_price(self._row.pair)

    def notify(self, key: str, **params: Any) -> None:
        self.host.notify(self, key, **params)

    def realised(self, amount: Decimal, update: OrderUpdate) -> None:
        self.host.realised(self, amount, f"{update.client_order_id}:{update.sequence}")
