"""Every order the bot placed for this user, manual or strategy, followed until it is
filled, cancelled or rejected; every change told once to the order's owner.

Three sources say that an order changed:

* the market: each resting order has an order trigger in the TriggerBook, which fires once
  the market trades at or through its price (a buy's at or below, a sell's at or above).
  Only then is the order looked up, so an order the market has not reached costs nothing;
  with it, every order of its pair that ended meanwhile (the pair's order history and
  trades: two calls for a storm that filled fifty, as for one);
* a reconcile sweep, at boot and every `reconcile_every` while orders rest: one openOrders
  call, and a lookup only of the orders it shows changed or no longer lists (a cancel on
  the exchange's site, a fill whose tick the feed missed);
* the private order stream (order_stream_link.py, actors/core/order_stream.py): while live
  orders rest, the exchange pushes each order's updates, its trades with them, and they
  are recorded as a lookup's would be (a trade already recorded, by its trade id, is not
  recorded twice), with no call at all. While the stream is live a fired trigger waits
  STREAM_GRACE for the push before it looks the order up, and a gap in the stream (a
  socket that dropped) is swept.

Resting orders do not keep the actor in memory (an actor process is about 15 MiB, and a
thousand users with an order resting must not pin a thousand of them): the sweep runs while
the actor is up anyway, and leaves with it. While the actor is gone, an order's trigger
starts it again through the Supervisor, and so does the Supervisor's watch once the order
has gone unchecked for ORDER_RECONCILE_DORMANT_SECONDS (`orders.checked_at`: when the
exchange last told its state, at its placement, in a lookup or listed by a sweep); either
way the boot sweeps.

A lookup reads the order's status and, when it executed more than is recorded, its trades
(v2 myTrades); order_changes.py turns the difference into updates, which are written with
the order's new state in one transaction (persistence/models/fills.py) before anyone is
told. Then every update not yet delivered goes to its owner, and is marked delivered only
after: the user hears it as a Notification (kind "fill", under an id derived from the
update, so the outbox keeps one even if a crash makes it told twice); a strategy through
the `to_strategy` callable, which says whether it took it and marks it delivered once the
strategy has handled it (a strategy not running now hears it at the next boot). A
strategy's order hears its placement this way too: one that ended at once (a market order
filled, an order refused) gets its end recorded as its first update. All calls go through
the private client's rate limiter and are counted for the dead-man switch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Literal, cast

from actors.user.answers import Answers
from actors.user.exchange_calls import ExchangeCalls
from actors.user.links import Links
from actors.user.order_changes import (
    PRICE_PLACES,
    Executed,
    Recorded,
    changes_between,
    executed_by_history,
    executed_by_status,
    executed_by_stream,
    needs_trades,
    recorded_from,
)
from actors.user.order_stream_link import OrderStreamLink
from actors.user.paper_views import paper_params
from actors.user.session import UserSession
from actors.user.timers import Timers
from actors.user.user_views import tpsl_button
from adapters.indodax.errors import IndodaxError
from adapters.indodax.order_stream_wire import StreamedOrder
from adapters.indodax.pairs import Pair, parse_pair
from adapters.indodax.wire import MyTrade
from messages.events import (
    OrderStreamState,
    OrderUpdate,
    RegisterTrigger,
    RemoveTrigger,
    TriggerFired,
)
from messages.statuses import OrderChange, OrderState
from messages.triggers import MalformedTriggerId, OrderTrigger
from persistence.models.base import utcnow
from persistence.models.fills import (
    Change,
    Fill,
    Followed,
    fills_of,
    mark_delivered,
    order_with_fills,
    record_changes,
    tally_of,
    undelivered,
)
from persistence.models.orders import (
    NOT_ON_THE_EXCHANGE,
    RESTING_STATES,
    Order,
    mark_checked,
    order_by_client_id,
    resting_orders,
    settle_order,
)
from persistence.models.paper import PaperOrder, open_paper_orders, paper_order_by_client_id

log = logging.getLogger(__name__)

RECONCILE = "order-reconcile"  # timer: the sweep over the resting orders is due
STREAM_WAIT = "order-stream-wait"  # timer: a fired order's push is late, it is looked up
STREAM_GRACE = timedelta(seconds=2)
ENDS = (OrderChange.FILLED, OrderChange.CANCELLED, OrderChange.REJECTED)
# What the user hears of each update (a rejection is told in the reply to the placement).
USER_KEYS = {
    OrderChange.PARTIAL: "order.update.partial",
    OrderChange.FILLED: "order.update.filled",
    OrderChange.CANCELLED: "order.update.cancelled",
}
# A market order's trades come at once: its user hears how it ended, not each part.
MARKET_KEYS = {
    OrderChange.FILLED: "order.update.market_filled",
    OrderChange.CANCELLED: "order.update.market_cancelled",
}

# An update for a strategy, and what marks it delivered once the strategy has handled it.
ToStrategy = Callable[[OrderUpdate, Callable[[], None]], bool]
ENDED = {
    OrderState.FILLED: OrderChange.FILLED,
    OrderState.CANCELLED: OrderChange.CANCELLED,
    OrderState.REJECTED: OrderChange.REJECTED,
}
UpdateKind = Literal["partial", "filled", "cancelled", "rejected"]
# A pair's orders looked up together (`_look_up_pair`): the v2 histories' largest pages,
# how far back they are read (their window is 7 days at most; a day's margin), and how much
# earlier than an order's last check its trades are read from, for the two clocks.
PAIR_HISTORY_PAGE = PAIR_TRADES_PAGE = 1000
PAIR_HISTORY_REACH = timedelta(days=6)
CLOCK_MARGIN = timedelta(minutes=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def update_correlation_id(client_order_id: str, sequence: int) -> str:
    """One id per update: the outbox keeps one message under it, however often it is told."""
    return f"fill-{client_order_id}-{sequence}"


def order_update(fill: Fill, row: Followed, telegram_id: int) -> OrderUpdate:
    return OrderUpdate(
        telegram_id=telegram_id,
        client_order_id=row.client_order_id,
        strategy_id=row.strategy_id,
        leg=row.leg,
        sequence=fill.sequence,
        kind=cast(UpdateKind, fill.kind),
        quantity=str(fill.quantity),
        filled=str(fill.filled),
        price=None if fill.price is None else str(fill.price),
        fee=str(fill.fee),
        never_sent=fill.kind == OrderChange.REJECTED and row.error == NOT_ON_THE_EXCHANGE,
        reason=row.error if fill.kind == OrderChange.REJECTED else None,
        correlation_id=update_correlation_id(row.client_order_id, fill.sequence),
    )


def average_price_and_fees(fills: list[Fill]) -> tuple[str, str]:
    """What an order's trades came to: their price weighted by quantity (to 8 places, as
    prices are stored) and their fees together."""
    traded = [fill for fill in fills if fill.quantity > 0 and fill.price is not None]
    quantity = sum((fill.quantity for fill in traded), Decimal(0))
    fees = sum((fill.fee for fill in fills), Decimal(0))
    if not quantity:
        return "", str(fees)
    value = sum((fill.quantity * fill.price for fill in traded), Decimal(0))
    return format((value / quantity).quantize(PRICE_PLACES).normalize(), "f"), str(fees)


def _first_new_trade(trades: Iterable[MyTrade], row: Order) -> tuple[int, datetime]:
    """Orders in the order the exchange executed them (the trades read), so their owner
    hears a storm's fills as the market went; those without one read come after, oldest
    placed first."""
    times = [t.time for t in trades if t.client_order_id == row.client_order_id]
    return (0, min(times)) if times else (1, datetime.max.replace(tzinfo=UTC))


def _ms(span: timedelta) -> int:
    return span // timedelta(milliseconds=1)


def recorded_of(row: Followed) -> Recorded:
    """What the database holds of the order's updates: its trades, how much they filled
    (summed as Decimal), and whether its end is recorded."""
    return recorded_in(fills_of(row))


def recorded_in(fills: list[Fill]) -> Recorded:
    return recorded_from(
        [fill.trade_id for fill in fills], tally_of(fills), any(fill.kind in ENDS for fill in fills)
    )


class OrderLifecycle:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        calls: ExchangeCalls,
        timers: Timers,
        links: Links,
        *,
        reconcile_every: timedelta,
        to_strategy: ToStrategy,
        stream: OrderStreamLink,
    ) -> None:
        self.session, self.answers, self.calls = session, answers, calls
        self.timers, self.links, self.stream = timers, links, stream
        self.reconcile_every = reconcile_every
        self.to_strategy = to_strategy
        self._delivering = False
        self._pushed_at: dict[str, float] = {}  # resting order -> its last recorded push
        self._again: list[tuple[str, OrderChange] | None] = []  # passes asked for meanwhile
        self.sweep_set = False  # a RECONCILE timer is pending
        timers.on(RECONCILE, self._timer_rang)
        timers.on(STREAM_WAIT, self._push_late)

    def following(self) -> bool:
        user = self.session.user
        return user is not None and bool(resting_orders(user))

    # Sources

    def boot(self) -> None:
        """What a crash left undelivered is told first; then every resting order is watched
        again and swept once."""
        if self.session.user is None:
            return
        self.deliver()
        self.arm_resting()
        self.reconcile()

    def arm_resting(self) -> None:
        """Every resting order's trigger registered again (which replaces it): at boot, and
        when the TriggerBook was started anew with none of them."""
        user = self.session.user
        if user is None:
            return
        resting = resting_orders(user)
        for row in resting:
            self._arm(row)
        if resting:
            self.stream.want()
        for paper in open_paper_orders(user):
            self._arm(paper)

    def watch(self, row: Order) -> None:
        """A placed order: followed while it rests, its owner told what it traded. A market
        order that filled has its fill recorded from the reply already (order_placement.py);
        one that traded more than is recorded (a limit order crossing the book, an order
        found by its id after its reply was lost or its actor crashed) is looked up at once,
        so its fills are the exchange's trades like any other; a strategy's order that ended
        without trading hears its end as an update."""
        traded = Decimal(row.filled_amount or 0)
        if traded > 0 and traded > recorded_of(row).filled:
            self._look_up_placed(row)
        elif row.state in RESTING_STATES and row.order_type == "limit":
            self._arm(row)
            self.stream.want()
            self._sweep_later()
        self._record_end_and_tell(row)

    def _look_up_placed(self, row: Order) -> None:
        """If the lookup fails, an order that ended is followed as one still partly filled:
        the sweep reads its trades later, and none is lost."""
        if not self.refresh(row) and row.state not in RESTING_STATES:
            log.warning(
                "fills of an order traded at its placement not read yet; the sweep will",
                extra={"client_order_id": row.client_order_id},
            )
            settle_order(row, state=OrderState.PARTIALLY_FILLED)
            self._sweep_later()

    def cancelled_by_user(self, client_order_id: str, paper: PaperOrder | None = None) -> None:
        """The user's own cancel went through: its end (and any fill before it) is recorded
        now rather than at the next sweep. The reply to the cancel told the user, so the
        cancellation is not told again; a strategy owning the order hears it as usual."""
        if paper is not None:
            self.watch_paper(paper)
            return
        row = order_by_client_id(client_order_id)
        user = self.session.user
        if row is None or user is None or row.user_id != user.id:
            return
        if row.state in RESTING_STATES:
            self.refresh(row, told=OrderChange.CANCELLED)

    def watch_paper(self, row: PaperOrder) -> None:
        """A paper order that rests fills when its trigger fires: no sweep, no polling (a
        paper order ends only when the market reaches it or the bot cancels it)."""
        if row.state == OrderState.OPEN:
            self._arm(row)
        self._record_end_and_tell(row)

    def _record_end_and_tell(self, row: Followed) -> None:
        """A strategy's order that ended without the life cycle seeing it end (at its
        placement, or found by the tracker) gets that end recorded, once; then what is
        recorded and not yet told is told (a fill recorded at the placement too). An order
        that rests untouched, a user's or a strategy's, has nothing to tell: no query is
        spent on it (a grid's every opposite order is one)."""
        end = ENDED.get(OrderState(row.state))
        if row.strategy_id is not None and end is not None:
            recorded = recorded_of(row)
            if not recorded.ended:
                untold = max(Decimal(row.filled_amount or 0) - recorded.filled, Decimal(0))
                quantity = untold if end == OrderChange.FILLED else Decimal(0)
                record_changes(row, [Change(end, quantity=quantity)], tally=recorded.tally())
        if end is not None or Decimal(row.filled_amount or 0):
            self.deliver()

    def trigger_fired(self, message: TriggerFired) -> bool:
        """The market reached an order's price: it is looked up. False when the trigger is
        not an order's (it is a strategy's)."""
        try:
            client_order_id = OrderTrigger.decode(message.trigger_id).client_order_id
        except MalformedTriggerId:
            return False
        user = self.session.user
        row = order_by_client_id(client_order_id)
        if row is not None and user is not None and row.user_id == user.id:
            if self.session.keys is None:
                # The stored key cannot be read (or was unlinked): nothing can be looked up
                # until the user links again, whose boot sweeps the orders.
                log.warning("order trigger with no key to look the order up with")
            elif row.state in RESTING_STATES and (self.stream.live or self._pushed_lately(row)):
                self.timers.start(STREAM_WAIT, STREAM_GRACE, row.client_order_id)
            elif row.state in RESTING_STATES:
                self._look_up_pair(row)
            return True
        paper_row = paper_order_by_client_id(user, client_order_id) if user else None
        paper = self.session.paper
        if paper_row is not None and paper is not None:
            paper.settle_at(parse_pair(paper_row.pair), Decimal(message.price))
            self.deliver()
            return True
        log.warning("order trigger of no order of this user", extra={"trigger": client_order_id})
        return True

    def streamed(self, pushed: Sequence[StreamedOrder]) -> None:
        """Updates the exchange pushed, recorded as a lookup's would be and told. An order
        that is not this user's resting order is skipped: placed elsewhere, or ended
        already (its placement's reply, or a lookup, told it first). An order whose push
        cannot tell it for sure is looked up."""
        user = self.session.user
        if user is None or not self.stream.usable():
            self.stream.leave(asked_or_not=True)  # unlinked, or on paper, since it was asked
            return
        self.stream.pushed()
        by_order: dict[str, list[StreamedOrder]] = {}
        for update in pushed:
            if update.client_order_id is not None:
                by_order.setdefault(update.client_order_id, []).append(update)
        for client_order_id, updates in by_order.items():
            row, recorded = order_with_fills(client_order_id)
            if row is None or row.user_id != user.id or row.state not in RESTING_STATES:
                continue
            told = executed_by_stream(updates)
            if told is None:
                self.refresh(row)
                continue
            executed, trades = told
            self._pushed_at[client_order_id] = time.monotonic()
            self._record(row, executed, trades, recorded_in(recorded))
            if executed.status != "open" and row.state in RESTING_STATES:
                self.refresh(row)  # its trades do not account for all it executed
            if row.state not in RESTING_STATES:
                self._pushed_at.pop(client_order_id, None)
        self.deliver()

    def stream_state(self, message: OrderStreamState) -> None:
        """A token wanted when no live order rests any more is not asked for."""
        if message.state == "wanted" and not self.following():
            self.stream.forget()
            return
        self.stream.state(message)
        if message.state == "gap":
            self.reconcile()

    def _push_late(self, client_order_id: Hashable) -> None:
        """No lookup when a push told the order around the time its trigger fired (it may
        rest on, partly filled); one pushed before the trigger counts too, since the
        stream is often faster than the market feed."""
        row = order_by_client_id(str(client_order_id))
        if row is None or self._pushed_lately(row):
            self._pushed_at.pop(str(client_order_id), None)
            return
        if row.state in RESTING_STATES:
            self._look_up_pair(row)

    def _pushed_lately(self, row: Order) -> bool:
        pushed_at = self._pushed_at.get(row.client_order_id)
        return pushed_at is not None and time.monotonic() - pushed_at <= 2 * STREAM_GRACE.seconds

    def reconcile(self) -> None:
        """The sweep: orders the exchange no longer lists, or lists changed, are looked up."""
        user = self.session.user
        if user is None or self.session.keys is None:
            return
        rows = resting_orders(user)
        if not rows:
            return
        try:
            listed = self.calls.on_behalf(f"reconcile-{user.id}", self.session.private.open_orders)
        except IndodaxError as error:
            log.warning("order sweep failed", extra={"error": type(error).__name__})
            self._sweep_later()
            return
        untouched = {o.client_order_id for o in listed if o.remaining == o.amount}
        unchanged = {
            row.id
            for row in rows
            if row.client_order_id in untouched and row.state == OrderState.OPEN
        }
        mark_checked(unchanged)
        for row in rows:
            if row.id in unchanged:
                self._arm(row)  # again: a trigger that fired on a failed lookup is spent
            else:
                self.refresh(row)
        self._sweep_later()

    # Looking an order up

    def refresh(self, row: Order, told: OrderChange | None = None) -> bool:
        """The order as the exchange has it now, recorded and told (`told`: an update of
        that kind the user has heard already); a lookup that fails leaves it to the next
        sweep, which arms its trigger again, and answers False."""
        pair = parse_pair(row.pair)
        private = self.session.private
        correlation_id = f"order-{row.client_order_id}"
        recorded = recorded_of(row)
        try:
            status = executed_by_status(
                self.calls.on_behalf(
                    correlation_id, private.get_order_by_client_order_id, row.client_order_id, pair
                )
            )
            trades = (
                self.calls.on_behalf(
                    correlation_id, private.my_trades, pair, client_order_id=row.client_order_id
                )
                if needs_trades(status, recorded)
                else ()
            )
        except IndodaxError as error:
            self._lookup_failed(row.client_order_id, error)
            return False
        self._record(row, status, trades, recorded)
        self.deliver(told=None if told is None else (row.client_order_id, told))
        return True

    def _look_up_pair(self, fired: Order) -> None:
        """The market reached a resting order: every order of its pair that ended is found
        at once, with two calls (the pair's order history, then the pair's trades since
        the oldest of those orders was last checked), which is what looking up one order
        costs. A storm that crosses fifty levels fills fifty orders before the first of
        their triggers is handled: that one finds them all, and the triggers after it
        find their orders ended and cost nothing (fifty lookups of two calls each would
        take ten seconds at the exchange's private rate). An order the two calls cannot
        settle for sure (`executed_by_history`) is looked up on its own, and so is the
        fired order when it has not ended (the market only touched it, or filled part)
        or is its pair's only one."""
        user = self.session.user
        assert user is not None
        rows = [row for row in resting_orders(user) if row.pair == fired.pair]
        if len(rows) < 2:
            self.refresh(fired)
            return
        pair = parse_pair(fired.pair)
        correlation_id = f"orders-{pair.id}-{user.id}"
        now_ms = int(utcnow().timestamp() * 1000)
        try:
            history = self.calls.on_behalf(
                correlation_id,
                self.session.private.order_histories,
                pair,
                now_ms - _ms(PAIR_HISTORY_REACH),
                now_ms,
                PAIR_HISTORY_PAGE,
            )
        except IndodaxError as error:
            self._lookup_failed(fired.client_order_id, error)
            return
        finished = {order.client_order_id: order for order in history}
        ended = [row for row in rows if row.client_order_id in finished]
        trades = self._pair_trades(pair, ended, correlation_id, now_ms)
        for row in sorted(ended, key=partial(_first_new_trade, trades)):
            recorded = recorded_of(row)
            executed = executed_by_history(finished[row.client_order_id], trades, recorded)
            if executed is None:
                self.refresh(row)
            else:
                self._record(row, executed, trades, recorded)
        if fired.client_order_id not in finished:
            self.refresh(fired)
        self.deliver()

    def _pair_trades(
        self, pair: Pair, ended: list[Order], correlation_id: str, now_ms: int
    ) -> tuple[MyTrade, ...]:
        """The pair's trades since the oldest ended order was last checked (a minute
        earlier, for the clocks), newest first: none when that moment is beyond the
        history's window or was never recorded, when the call fails, or when a trade does
        not say its order's client_order_id; then each order is looked up on its own."""
        checked = [row.checked_at for row in ended]
        if not ended or None in checked:
            return ()
        since_ms = _ms(min(cast(list[datetime], checked)) - CLOCK_MARGIN - EPOCH)
        if now_ms - since_ms > _ms(PAIR_HISTORY_REACH):
            return ()
        try:
            trades = self.calls.on_behalf(
                correlation_id,
                self.session.private.my_trades,
                pair,
                since_ms,
                now_ms,
                PAIR_TRADES_PAGE,
            )
        except IndodaxError as error:
            log.warning("trades of the pair not read", extra={"error": type(error).__name__})
            return ()
        return trades if all(t.client_order_id for t in trades) else ()

    def _record(
        self, row: Order, executed: Executed, trades: Iterable[MyTrade], recorded: Recorded
    ) -> None:
        """What changed, written with the order's new state; its trigger kept while it
        rests. Telling is the caller's. The check is written with the change, in its
        update of the order (one round trip fewer per fill), or alone when nothing changed."""
        verdict = changes_between(executed, trades, recorded)
        if verdict.changes or verdict.state != row.state:
            record_changes(
                row,
                verdict.changes,
                tally=recorded.tally(),
                state=verdict.state,
                filled_amount=verdict.filled,
                checked_at=utcnow(),
            )
        else:
            mark_checked([row.id])
        if row.state in RESTING_STATES:
            self._arm(row)
        else:
            self._disarm(row)

    def _lookup_failed(self, client_order_id: str, error: IndodaxError) -> None:
        log.warning(
            "order lookup failed",
            extra={"client_order_id": client_order_id, "error": type(error).__name__},
        )
        self._sweep_later()

    # Telling

    def deliver(self, told: tuple[str, OrderChange] | None = None) -> None:
        """Every update not yet delivered, oldest first, to its owner; marked only after.
        `told`: the (order, kind) of an update its user heard in a reply already.

        Not re-entered: a strategy that handles an update may place an order whose paper
        fill asks for a delivery again; that one runs after this pass, over the updates
        still undelivered then (a nested pass would hand on an update this pass is about
        to hand as well, and the strategy would hear it twice)."""
        if self._delivering:
            self._again.append(told)
            return
        self._delivering = True
        try:
            self._deliver_all(told)
            while self._again:
                self._deliver_all(self._again.pop(0))
        finally:
            self._delivering = False

    def _deliver_all(self, told: tuple[str, OrderChange] | None) -> None:
        user = self.session.user
        if user is None:
            return
        for fill in undelivered(user):
            row = fill.followed
            update = order_update(fill, row, self.session.telegram_id)
            if row.strategy_id is not None:
                self.to_strategy(update, partial(mark_delivered, fill))
                continue
            if isinstance(row, PaperOrder):
                bought = row.side == "buy" and row.fill_price is not None
                pair_id = parse_pair(row.pair).id
                self.answers.notify(
                    "order.paper_filled",
                    kind="fill",
                    correlation_id=update.correlation_id,
                    buttons=tpsl_button(pair_id, row.filled_amount, row.fill_price)
                    if bought
                    else (),
                    **paper_params(row),
                )
            elif (row.client_order_id, fill.kind) != told:
                self._tell_user(update, row)
            mark_delivered(fill)

    def _tell_user(self, update: OrderUpdate, row: Order) -> None:
        """A limit order's every update; a market order's once, at its end, with what its
        trades came to (it trades at once, often in several parts: one message, not one
        per trade)."""
        pair = parse_pair(row.pair)
        change = OrderChange(update.kind)
        key, price, fee = USER_KEYS[change], update.price or row.price or "", update.fee
        if row.order_type == "market":
            if change not in MARKET_KEYS:
                return
            key = MARKET_KEYS[change]
            price, fee = average_price_and_fees(fills_of(row))
        filled_buy = row.side == "buy" and change == OrderChange.FILLED
        buttons = (
            tpsl_button(pair.id, Decimal(update.filled), Decimal(price or 0)) if filled_buy else ()
        )
        self.answers.notify(
            key,
            kind="fill",
            correlation_id=update.correlation_id,
            buttons=buttons,
            pair=pair.display,
            side=row.side,
            quantity=update.quantity,
            filled=update.filled,
            amount=row.amount,
            price=price,
            fee=fee,
            base=pair.base.upper(),
            quote=pair.quote.upper(),
            client_order_id=row.client_order_id,
        )

    # Triggers and timers

    def _arm(self, row: Followed) -> None:
        """The one-shot trigger at the order's price (registering it again replaces it)."""
        if row.price is None:
            return
        self.links.to_trigger_book(
            RegisterTrigger(
                trigger_id=OrderTrigger(row.client_order_id).encode(),
                telegram_id=self.session.telegram_id,
                purpose="order",
                pair=row.pair,
                kind="below" if row.side == "buy" else "above",
                level=str(row.price),
            )
        )

    def _disarm(self, row: Order) -> None:
        self.links.to_trigger_book(
            RemoveTrigger(trigger_id=OrderTrigger(row.client_order_id).encode(), pair=row.pair)
        )

    def _sweep_later(self) -> None:
        if self.sweep_set or not self.following():
            return
        self.sweep_set = True
        self.timers.start(RECONCILE, self.reconcile_every)

    def _timer_rang(self, _: Hashable) -> None:
        self.sweep_set = False
        self.reconcile()
