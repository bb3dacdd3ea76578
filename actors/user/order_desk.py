"""Placing orders: a user's, previewed then confirmed, and a strategy's, asked for by
OrderRequest. Both pass the same rules and bookkeeping, and both go to the paper account
instead of the exchange for a paper-mode user. An order whose outcome is unknown is handed
to the tracker, which follows it up until its user can be told (order_tracker.py); a
placed order that rests is followed by the life cycle until it ends (order_lifecycle.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from actors.user.answers import Answers
from actors.user.exchange_calls import ExchangeCalls
from actors.user.order_lifecycle import OrderLifecycle
from actors.user.order_placement import place
from actors.user.order_tracker import OrderTracker
from actors.user.paper_account import PaperAccount
from actors.user.paper_views import paper_params
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.readings import Readings
from actors.user.session import UserSession
from adapters.indodax.errors import IndodaxError
from adapters.indodax.numbers import plain_decimal
from adapters.indodax.order_rules import (
    OrderIntent,
    Refusal,
    TapiOrder,
    floor_to_step,
    validate_order,
)
from adapters.indodax.pairs import Pair, UnknownPair
from messages import callbacks as cb
from messages.commands import ConfirmOrder, PreviewOrder
from messages.events import OrderRequest
from messages.replies import Button
from messages.statuses import OrderState
from persistence.models.orders import (
    UNRESOLVED_STATES,
    Order,
    OrderOwner,
    any_order_by_client_id,
    order_by_client_id,
    record_intended_order,
)
from persistence.models.users import User

log = logging.getLogger(__name__)


AMOUNTS = ("price", "quantity", "quote_amount")


def intent_of(pair: Pair, message: OrderRequest) -> OrderIntent:
    """The order a strategy asked for: its amounts are written by a program, plainly."""
    return OrderIntent(
        pair,
        message.side,
        message.order_type,
        **{name: plain_decimal(getattr(message, name)) for name in AMOUNTS},
    )


@dataclass(frozen=True)
class PreviewedOrder:
    """An order waiting for Confirm, with the trading mode and the API key (fingerprint) it
    was shown for: a paper preview confirmed after a switch to live must not reach the
    exchange, nor a preview confirmed after a re-link reach another account."""

    order: TapiOrder
    mode: str
    key_fingerprint: str | None


def _coins_for(order: TapiOrder, price: Decimal | None, step: Decimal) -> Decimal | str:
    """About how many coins a market buy gets for its quote amount at `price`."""
    if order.quote_amount is None or not price:
        return ""
    return floor_to_step(order.quote_amount / price, step)


class OrderDesk:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        readings: Readings,
        calls: ExchangeCalls,
        *,
        tracker: OrderTracker,
        lifecycle: OrderLifecycle,
    ) -> None:
        self.session, self.answers, self.readings, self.calls = session, answers, readings, calls
        self.tracker, self.lifecycle = tracker, lifecycle
        self.previews: PendingQuestions[PreviewedOrder] = PendingQuestions(
            gone_key="order.preview_gone", expired_key="order.preview_expired"
        )

    def preview(self, message: PreviewOrder) -> None:
        if self.answers.refuse_unlinked(message):
            return
        pair = self.readings.pair(message, message.pair_text)
        if pair is None:
            return
        amounts = self.readings.numbers(message, *AMOUNTS)
        if amounts is None:
            return
        try:
            info = self.session.catalog.info(pair)
            reference = self._reference_price(pair, message)
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        if reference:  # a market order is estimated at the price of the moment
            amounts["price"] = reference
        intent = OrderIntent(pair, message.side, message.order_type, **amounts)
        checked = validate_order(intent, info)
        if isinstance(checked, Refusal):
            params: dict[str, Any] = dict(checked.params)  # the reason's own, never `buttons`
            self.answers.reply(message, str(checked.reason), **params)
            return
        mode = self.session.trading_mode
        preview_id = self.previews.ask(PreviewedOrder(checked, mode, self.session.key_fingerprint))
        self.answers.reply(
            message,
            f"order.preview.{checked.order_type}_{checked.side}",
            buttons=(
                (
                    Button("button.confirm", cb.ConfirmOrder(preview_id).pack()),
                    Button("button.cancel", cb.DropOrder(preview_id).pack()),
                ),
            ),
            preview_id=preview_id,
            pair=pair.display,
            side=checked.side,
            order_type=checked.order_type,
            price=checked.price or "",
            quantity=checked.quantity or _coins_for(checked, reference, info.quantity_step),
            quote_amount=checked.quote_amount or "",
            base=info.base_unit,
            quote=info.quote_unit,
            value=checked.estimated_value or "",
            fee=checked.estimated_fee or "",
            min_value=info.min_value,
            expires_in=self.previews.answerable_for,
            mode=mode,
        )

    def _reference_price(self, pair: Pair, message: PreviewOrder) -> Decimal | None:
        """What a market order would trade at now (the ask for a buy, the bid for a sell),
        so its preview can say what it is worth; None for a limit order, which has its own."""
        if message.order_type != "market":
            return None
        ticker = self.session.public.ticker(pair)
        return ticker.ask if message.side == "buy" else ticker.bid

    def confirm(self, message: ConfirmOrder) -> None:
        if self.answers.refuse_unlinked(message):
            return
        previewed = self.previews.take(message.preview_id)
        if isinstance(previewed, Unanswerable):  # a second tap, or a stale button
            self.answers.reply(message, previewed.key)
            return
        if previewed.mode != self.session.trading_mode:
            self.answers.reply(message, "order.mode_changed")
            return
        if previewed.key_fingerprint != self.session.key_fingerprint:
            log.warning("order preview confirmed after the API key changed; nothing placed")
            self.answers.reply(message, "order.key_changed")
            return
        order, paper = previewed.order, self.session.paper
        if paper is not None:
            self._place_on_paper(message, paper, order)
            return
        placement = self.calls.answered(
            message, place, self.session.private, self.session.user, order
        )
        if placement is None:
            return
        placed = placement.order
        self.answers.reply(
            message,
            placement.key,
            client_order_id=placed.client_order_id,
            order_id=placed.exchange_order_id or "",
            state=placed.state,
            pair=order.pair.display,
        )
        if placed.outcome_owed:
            self.tracker.follow(placed)
        self.lifecycle.watch(placed)

    def _place_on_paper(self, message: ConfirmOrder, paper: PaperAccount, order: TapiOrder) -> None:
        try:
            placement = paper.place(order, self.session.public.ticker(order.pair))
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        self.answers.reply(message, placement.key, **paper_params(placement.order))
        self.lifecycle.watch_paper(placement.order)

    def for_strategy(self, message: OrderRequest) -> None:
        """A strategy wants an order: the same rules and bookkeeping as a user's own, under
        the client_order_id the strategy chose. It is never sent twice: a request whose id
        has a row already (a restart asked again for the same intent) is followed from that
        row, looked up by its id if its outcome is unknown. Whatever happens reaches the
        strategy as an OrderUpdate through the life cycle (a refusal too: recorded as a
        rejected order)."""
        user, paper = self.session.user, self.session.paper
        if user is None:
            return
        owner = OrderOwner(message.strategy_id, message.client_order_id, message.leg)
        if self._asked_before(message, user):
            return
        checked = self._checked(message, owner)
        if checked is None:
            return
        if paper is not None:  # a paper user's strategy never reaches the exchange either
            try:
                placed = paper.place(checked, self.session.public.ticker(checked.pair), owner)
            except IndodaxError as error:
                self._refused(message, owner, type(error).__name__)
                return
            self.lifecycle.watch_paper(placed.order)
            return
        try:
            placement = self.calls.counted(
                message, place, self.session.private, user, checked, owner
            )
        except IndodaxError:  # refused before it reached the book: its row says so
            refused = order_by_client_id(message.client_order_id)
            if refused is not None:
                self._follow(refused)
            return
        self._follow(placement.order)

    def _asked_before(self, message: OrderRequest, user: User) -> bool:
        """A row under the request's id already (a restart asked for the same intent again):
        followed from there, never sent again."""
        row = any_order_by_client_id(user, message.client_order_id)
        if isinstance(row, Order):
            self._follow(row)
        elif row is not None:
            self.lifecycle.watch_paper(row)
        return row is not None

    def _checked(self, message: OrderRequest, owner: OrderOwner) -> TapiOrder | None:
        """The order as the exchange's rules allow it; None once refused (and recorded)."""
        catalog = self.session.catalog
        if self.session.keys is None and self.session.paper is None:
            self._refused(message, owner, "user.not_linked")
            return None
        try:
            pair = catalog.parse(message.pair)
            checked = validate_order(intent_of(pair, message), catalog.info(pair))
        except (UnknownPair, ValueError, IndodaxError) as error:
            self._refused(message, owner, type(error).__name__)
            return None
        if isinstance(checked, Refusal):
            self._refused(message, owner, str(checked.reason))
            return None
        return checked

    def _follow(self, row: Order) -> None:
        """An order of unknown outcome is looked up by its client_order_id until found (the
        strategy hears it then); any other is followed by the life cycle."""
        if row.state in UNRESOLVED_STATES:
            self.tracker.follow(row)
        else:
            self.lifecycle.watch(row)

    def _refused(self, message: OrderRequest, owner: OrderOwner, reason: str) -> None:
        """Refused before it could be sent: kept as a rejected order under the strategy's id,
        so the strategy hears it like any other end, also after a restart."""
        user = self.session.user
        assert user is not None
        fields = {"pair": message.pair[:32], "side": message.side, "order_type": message.order_type}
        row = record_intended_order(
            user, fields, owner, state=OrderState.REJECTED, error=reason[:500]
        )
        self.lifecycle.watch(row)
