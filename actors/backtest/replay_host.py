"""A strategy's context in a backtest: what its user's actor is to it live (strategy_host.py
and strategy_mailbox.py), over the replay exchange, the replay's clock and the price on
the candle path, with no database.

It keeps the rules a strategy relies on. Messages reach the strategy one at a time, in
order: its start, fired triggers, timers, order updates, its stop. What it causes to itself
while it handles one (the update of an order it just asked for, its own stop) waits behind
it. `order(leg, ...)` saves the strategy's progress first, then asks the exchange; every
order's end comes back through `on_order_update`, and an order stays among `open_orders`
until its end has been handed over. Its price triggers are kept in the TriggerBook's own
index (actors/core/trigger_index.py), converted from what the strategy asked as the
TriggerBook converts them, so they fire as they would live; its timers ring in time order.
After its stop (or pause) the strategy hears nothing more and its triggers and timers are
gone; orders it left resting still fill.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from actors.backtest.candle_path import Moment
from actors.backtest.replay_exchange import OrderEnd, ReplayExchange
from actors.backtest.results import Notice
from actors.core.trigger_book import trigger_from
from actors.core.trigger_index import LevelTrigger, TriggerIndex
from actors.strategies.strategy import BaseStrategy
from adapters.indodax.wire import Candle
from messages.commands import OrderType, Side
from messages.events import OrderRequest, OrderUpdate, RegisterTrigger, TriggerFired, TriggerKind
from messages.statuses import StrategyStatus
from messages.triggers import StrategyTrigger
from persistence.models.orders import strategy_client_order_id

STRATEGY_ID = 1
TELEGRAM_ID = 0  # no user: the updates and fired triggers name none
SALT = "replay"  # in every order id, as a live strategy's drawn salt is


@dataclass
class ReplayRow:
    """The strategy's row as the replay keeps it: the attributes of the peewee model that a
    strategy reads (persistence/models/strategies.py), in memory."""

    kind: str
    pair: str  # ticker id, btc_idr
    params: dict[str, Any]
    id: int = STRATEGY_ID
    state: dict[str, Any] = field(default_factory=dict)
    status: StrategyStatus = StrategyStatus.RUNNING


Handling = Callable[[BaseStrategy], None]


class ReplayHost:
    """The StrategyContext of one replayed strategy."""

    def __init__(self, row: ReplayRow, exchange: ReplayExchange, moment: Moment) -> None:
        self._row, self.exchange, self.moment = row, exchange, moment
        self.strategy: BaseStrategy | None = None
        self.queue: deque[Handling] = deque()
        self.intents: dict[str, str] = {}  # client_order_id -> leg: asked for, end not handled
        self.sequences: dict[str, int] = {}  # leg -> its last order's sequence
        self.triggers = TriggerIndex()
        self.levels: dict[str, Decimal] = {}  # armed level triggers' levels, by trigger id
        self.timers: list[tuple[datetime, int, str]] = []  # (due, number, payload) heap
        self._timer_numbers = itertools.count()
        self.notices: list[Notice] = []
        self.realised_total = Decimal(0)
        self._handling = False

    # Driven by the replay

    def start(self, cls: type[BaseStrategy]) -> None:
        """Built from its row (a plan that makes no sense raises here) and started."""
        self.strategy = cls(self)
        self.deliver(lambda strategy: strategy.on_start())

    def tick(self, ends: list[OrderEnd]) -> None:
        """The price is where the moment says, and the exchange has filled `ends` there:
        the strategy hears the triggers the price reaches, in the order they fire, then the
        fills (as live, where a fill is looked up once its order's trigger has fired)."""
        price, ts = self.moment.price, self.moment.time.timestamp()
        handlings: list[Handling] = []
        for trigger in self.triggers.tick(price, now=ts):
            trigger_id = str(trigger.id)
            self.levels.pop(trigger_id, None)
            fired = TriggerFired(
                trigger_id=trigger_id,
                telegram_id=TELEGRAM_ID,
                pair=self._row.pair,
                price=str(price),
                ts=ts,
            )
            handlings.append(_trigger(fired))
        handlings.extend(self._update(end) for end in ends)
        self.deliver(*handlings)

    def ring_timers(self, before: datetime) -> None:
        """Every timer due before `before`, in time order, each at its own time (the clock
        never goes back), those set meanwhile included."""
        while self.strategy is not None and self.timers and self.timers[0][0] < before:
            due, _, payload = heapq.heappop(self.timers)
            self.moment = replace(self.moment, time=max(due, self.moment.time))
            self.deliver(_timer(payload))

    def at(self, candle: Candle, index: int, price: Decimal, *, moving: bool) -> None:
        """The replay has moved on: to this candle, at this price (its clock at the
        candle's start, or later if a timer has already moved it on)."""
        self.moment = Moment(candle, index, max(candle.time, self.moment.time), price, moving)

    def deliver(self, *handlings: Handling) -> None:
        if self.strategy is None:  # stopped: it hears nothing more
            return
        self.queue.extend(handlings)
        if self._handling:  # caused by the handler running now: it waits its turn
            return
        self._handling = True
        try:
            while self.queue and self.strategy is not None:
                self.queue.popleft()(self.strategy)
        finally:
            self._handling = False

    # The StrategyContext

    @property
    def row(self) -> Any:
        """A ReplayRow standing in for the peewee row (the protocol names the model)."""
        return self._row

    def save(self, status: StrategyStatus | None = None, **state: Any) -> None:
        self._row.state = {**self._row.state, **state}
        if status is not None:
            self._row.status = status

    def watch(self, name: str, kind: TriggerKind, **fields: Any) -> None:
        trigger_id = StrategyTrigger(self._row.id, name).encode()
        trigger = trigger_from(
            RegisterTrigger(
                trigger_id=trigger_id,
                telegram_id=TELEGRAM_ID,
                purpose="strategy",
                pair=self._row.pair,
                kind=kind,
                **fields,
            )
        )
        self.triggers.add(trigger)
        self.levels.pop(trigger_id, None)
        if isinstance(trigger, LevelTrigger):
            self.levels[trigger_id] = trigger.level

    def unwatch(self, name: str) -> None:
        trigger_id = StrategyTrigger(self._row.id, name).encode()
        self.triggers.remove(trigger_id)
        self.levels.pop(trigger_id, None)

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
        sequence = self.sequences.get(leg, 0) + 1
        client_order_id = strategy_client_order_id(self._row.id, SALT, leg, sequence)
        self.sequences[leg] = sequence
        self.save(None, **state)
        self.intents[client_order_id] = leg
        request = OrderRequest(
            strategy_id=self._row.id,
            client_order_id=client_order_id,
            leg=leg,
            pair=self._row.pair,
            side=side,
            order_type=order_type,
            price=price,
            quantity=quantity,
            quote_amount=quote_amount,
        )
        end = self.exchange.place(request, self.moment)
        if end is not None:
            self.deliver(self._update(end))
        return client_order_id

    def cancel(self, client_order_id: str | None = None) -> None:
        wanted = list(self.intents) if client_order_id is None else [client_order_id]
        for cancelled in wanted:
            end = self.exchange.cancel(cancelled)
            if end is not None:
                self.deliver(self._update(end))

    def set_timer(self, delay: timedelta, payload: str) -> None:
        due = self.moment.time + delay
        heapq.heappush(self.timers, (due, next(self._timer_numbers), payload))

    def stop(self, **state: Any) -> None:
        self.save(StrategyStatus.STOPPED, **state)
        self._finish()

    def pause(self, **state: Any) -> None:
        self.save(StrategyStatus.PAUSED, **state)
        self._finish()

    def open_orders(self) -> list[str]:
        return list(self.intents)

    def now(self) -> datetime:
        return self.moment.time

    def last_price(self) -> Decimal | None:
        return self.moment.price

    def notify(self, key: str, **params: Any) -> None:
        told = tuple((name, str(value)) for name, value in params.items())
        self.notices.append(Notice(self.moment.time, key, told))

    def realised(self, amount: Decimal, update: OrderUpdate) -> None:
        self.realised_total += amount

    # Within

    def _update(self, end: OrderEnd) -> Handling:
        """An order's end as its host hands it: an OrderUpdate (a sale's fee with its tax
        inside, as Indodax reports it)."""
        trade = end.trade
        quantity = "0" if trade is None else str(trade.quantity)
        update = OrderUpdate(
            telegram_id=TELEGRAM_ID,
            client_order_id=end.client_order_id,
            strategy_id=self._row.id,
            leg=end.leg,
            sequence=1,
            kind=end.kind,
            quantity=quantity,
            filled=quantity,
            price=None if trade is None else str(trade.price),
            fee="0" if trade is None else str(trade.fee + trade.tax),
            reason=end.reason,
        )
        return lambda strategy: self._hand(strategy, update)

    def _hand(self, strategy: BaseStrategy, update: OrderUpdate) -> None:
        """As the mailbox hands an update: an order's end leaves the open ones first."""
        if update.client_order_id not in self.intents:
            return
        del self.intents[update.client_order_id]
        strategy.on_order_update(update)

    def _finish(self) -> None:
        """`on_stop` after the handler running now, then nothing more: its triggers and
        timers are gone with it."""

        def leave(strategy: BaseStrategy) -> None:
            strategy.on_stop()
            self.strategy = None
            self.queue.clear()
            self.triggers = TriggerIndex()
            self.levels.clear()
            self.timers.clear()

        self.deliver(leave)


def _trigger(fired: TriggerFired) -> Handling:
    return lambda strategy: strategy.on_trigger(fired)


def _timer(payload: str) -> Handling:
    return lambda strategy: strategy.on_timer(payload)
