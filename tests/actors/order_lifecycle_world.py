"""A user's order life cycle over the real database and a fake exchange, and what it told:
the user's notifications, the strategy's updates, the TriggerBook's registrations. A
`restart` builds the part anew over the same database, as a crash of the actor would."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fake_exchange import FakeExchange
from user_part_fakes import FakeKeys, FakeSession, RecordingAnswers, RecordingLinks, RecordingTimers

from actors.user.exchange_calls import ExchangeCalls
from actors.user.open_orders import OpenOrders
from actors.user.order_lifecycle import OrderLifecycle
from actors.user.order_placement import apply_outcome
from actors.user.order_stream_link import OrderStreamLink
from actors.user.strategy_cancels import StrategyCancels
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import PlacedOrder, TradeOutcome
from messages.events import OrderUpdate, RegisterTrigger, RemoveTrigger, TriggerFired
from messages.statuses import OrderState
from messages.triggers import OrderTrigger
from persistence.models import Order, Strategy, User
from persistence.models.fills import Fill, fills_of
from persistence.models.orders import (
    OrderOwner,
    record_intended_order,
    settle_order,
    strategy_client_order_id,
)

BTC = Pair("btc", "idr")
_telegram_ids = itertools.count(1000)
_sequences = itertools.count(1)


@dataclass
class LifecycleWorld:
    user: Any
    exchange: FakeExchange = field(default_factory=FakeExchange)
    strategy_running: bool = True
    notices: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    notice_buttons: list[Any] = field(default_factory=list)  # each notice's keyboard
    to_strategy: list[OrderUpdate] = field(default_factory=list)
    to_trigger_book: list[Any] = field(default_factory=list)
    lifecycle: OrderLifecycle | None = None
    cancels: StrategyCancels | None = None  # a strategy's cancels, through this incarnation
    open: OpenOrders | None = None  # the user's /orders cancels, through this incarnation
    replies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def start(self) -> OrderLifecycle:
        """A new incarnation of the part (as after a crash), booted."""
        session = FakeSession(
            user=self.user,
            keys=FakeKeys(),
            private=self.exchange,
            telegram_id=self.user.telegram_id,
        )
        answers = RecordingAnswers(session)
        answers.notices, answers.replies = self.notices, self.replies
        answers.notice_buttons = self.notice_buttons
        links = BookLinks(self.to_trigger_book)
        calls = ExchangeCalls(session, answers, links)  # type: ignore[arg-type]
        self.lifecycle = OrderLifecycle(
            session,  # type: ignore[arg-type]
            answers,
            calls,
            RecordingTimers(),
            links,  # type: ignore[arg-type]
            reconcile_every=timedelta(seconds=300),
            to_strategy=self._take,
            stream=OrderStreamLink(session, calls, links),  # type: ignore[arg-type]
        )
        self.cancels = StrategyCancels(session, calls, self.lifecycle)  # type: ignore[arg-type]
        self.open = OpenOrders(session, answers, calls, self.lifecycle)  # type: ignore[arg-type]
        self.lifecycle.boot()
        return self.lifecycle

    def _take(self, update: OrderUpdate, delivered: Callable[[], None]) -> bool:
        """A running strategy handles the update at once (and it is marked delivered)."""
        if self.strategy_running:
            self.to_strategy.append(update)
            delivered()
        return self.strategy_running

    def place(
        self,
        side: str = "buy",
        price: str = "1000000000",
        amount: str = "1",
        strategy: bool | Strategy = False,
    ) -> Order:
        """A limit order placed and resting on the exchange, watched as the order desk does."""
        row = self._intended(side, "limit", Decimal(price), Decimal(amount), strategy)
        self.exchange.rest(BTC, row.client_order_id, side, Decimal(price), Decimal(amount))
        settle_order(row, state=OrderState.OPEN, exchange_order_id="x")
        assert self.lifecycle is not None
        self.lifecycle.watch(row)
        return row

    def place_trading(
        self,
        parts: list[tuple[str, str]],
        order_type: str = "market",
        amount: str = "1",
        strategy: bool | Strategy = False,
        reply_lost: bool = False,
    ) -> Order:
        """A buy that traded at its placement in `parts` of (quantity, price), its row settled
        from the exchange's reply as the order desk does (or, `reply_lost`, from the order
        as found by its id afterwards), then watched."""
        limit = Decimal(parts[-1][1])
        row = self._intended("buy", order_type, limit, Decimal(amount), strategy)
        if order_type == "market":
            row.price = None
            row.save()
        self.exchange.rest(BTC, row.client_order_id, "buy", limit, Decimal(amount))
        order = self.exchange.orders[row.client_order_id]
        for quantity, price in parts:
            order.price = Decimal(price)
            self.exchange.fill(row.client_order_id, Decimal(quantity))
        if order_type == "market" and order.status == "open":
            order.status = "cancelled"  # the exchange ends what a market order could not fill
        received = order.amount - order.remaining
        reply = PlacedOrder(
            pair=BTC,
            side="buy",
            order_id=order.order_id,
            client_order_id=row.client_order_id,
            spent=sum((t.quote_quantity + t.commission for t in order.trades), Decimal(0)),
            received=received,
            fee=sum((t.commission for t in order.trades), Decimal(0)),
            remain=order.remaining * limit,
        )
        outcome = TradeOutcome(row.client_order_id, order.order_id, reply)
        if reply_lost:  # the lookup that found it is not one of those the test loses
            lost, self.exchange.lose_replies = self.exchange.lose_replies, 0
            status = self.exchange.get_order_by_client_order_id(row.client_order_id, BTC)
            outcome = TradeOutcome(row.client_order_id, order.order_id, status=status)
            self.exchange.lose_replies = lost
        row = apply_outcome(row, outcome)
        self.exchange.calls.clear()
        assert self.lifecycle is not None
        self.lifecycle.watch(row)
        return row

    def _intended(
        self,
        side: str,
        order_type: str,
        price: Decimal,
        amount: Decimal,
        strategy: bool | Strategy,
    ) -> Order:
        owner = None
        if strategy:
            made = (
                strategy
                if isinstance(strategy, Strategy)
                else Strategy.create(user=self.user, kind="test", pair="btc_idr")
            )
            client_order_id = strategy_client_order_id(made.id, "w0rld1", "entry", next(_sequences))
            owner = OrderOwner(made.id, client_order_id, "entry")
        fields = {
            "pair": BTC.ticker_id,
            "side": side,
            "order_type": order_type,
            "price": price,
            "amount": amount,
        }
        return record_intended_order(self.user, fields, owner)

    def fire(self, row: Order) -> None:
        """The TriggerBook saw the market at or through the order's price."""
        assert self.lifecycle is not None
        self.lifecycle.trigger_fired(
            TriggerFired(
                trigger_id=OrderTrigger(row.client_order_id).encode(),
                telegram_id=self.user.telegram_id,
                pair=row.pair,
                price=str(row.price),
                ts=0.0,
            )
        )

    def armed(self, row: Order) -> bool:
        """Whether the order's trigger is registered now (the last word to the book)."""
        trigger_id = OrderTrigger(row.client_order_id).encode()
        said = [
            m
            for m in self.to_trigger_book
            if isinstance(m, RegisterTrigger | RemoveTrigger) and m.trigger_id == trigger_id
        ]
        return bool(said) and isinstance(said[-1], RegisterTrigger)


class BookLinks(RecordingLinks):
    """RecordingLinks whose messages to the TriggerBook go to a list the world keeps."""

    def __init__(self, book: list[Any]) -> None:
        super().__init__()
        self.book = book

    def to_trigger_book(self, message: Any) -> None:
        self.book.append(message)


def new_world() -> LifecycleWorld:
    telegram_id = next(_telegram_ids)
    world = LifecycleWorld(User.create(telegram_id=telegram_id, chat_id=telegram_id, mode="live"))
    world.start()
    return world


def fills(row: Order) -> list[Fill]:
    return fills_of(Order.get_by_id(row.id))


def state_of(row: Order) -> str:
    return str(Order.get_by_id(row.id).state)
