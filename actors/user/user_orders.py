"""Placing orders: a user's, previewed then confirmed, and a strategy's, asked for by
OrderRequest. Both pass the same rules and bookkeeping, and both go to the paper account
instead of the exchange for a paper-mode user. An order whose outcome is unknown is
followed up until its user can be told (actors/user/user_outcomes.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from actors.user.order_placement import place
from actors.user.paper_account import PaperAccount
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.user_numbers import UserNumbers
from actors.user.user_outcomes import UserOutcomes
from actors.user.user_paper import UserPaper
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
from messages.commands import ConfirmOrder, PreviewOrder
from messages.events import OrderRequest, OrderResult
from messages.replies import Button

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


class UserOrders(UserPaper, UserNumbers, UserOutcomes):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.previews: PendingQuestions[PreviewedOrder] = PendingQuestions(
            gone_key="order.preview_gone", expired_key="order.preview_expired"
        )

    def receiveMsg_PreviewOrder(self, message: PreviewOrder, sender: Any) -> None:
        if self._refuse_unlinked(message):
            return
        pair = self._pair(message, message.pair_text)
        if pair is None:
            return
        amounts = self._read_numbers(message, *AMOUNTS)
        if amounts is None:
            return
        try:
            info = self.catalog.info(pair)
            reference = self._reference_price(pair, message)
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        if reference:  # a market order is estimated at the price of the moment
            amounts["price"] = reference
        intent = OrderIntent(pair, message.side, message.order_type, **amounts)
        checked = validate_order(intent, info)
        if isinstance(checked, Refusal):
            self.reply(message, str(checked.reason), **dict(checked.params))
            return
        preview_id = self.previews.ask(
            PreviewedOrder(checked, self.trading_mode, self._key_fingerprint)
        )
        self.reply(
            message,
            f"order.preview.{checked.order_type}_{checked.side}",
            buttons=(
                (
                    Button("button.confirm", f"oc:{preview_id}"),
                    Button("button.cancel", f"ox:{preview_id}"),
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
            mode=self.trading_mode,
        )

    def _reference_price(self, pair: Pair, message: PreviewOrder) -> Decimal | None:
        """What a market order would trade at now (the ask for a buy, the bid for a sell),
        so its preview can say what it is worth; None for a limit order, which has its own."""
        if message.order_type != "market":
            return None
        ticker = self.public.ticker(pair)
        return ticker.ask if message.side == "buy" else ticker.bid

    def receiveMsg_ConfirmOrder(self, message: ConfirmOrder, sender: Any) -> None:
        if self._refuse_unlinked(message):
            return
        previewed = self.previews.take(message.preview_id)
        if isinstance(previewed, Unanswerable):  # a second tap, or a stale button
            self.reply(message, previewed.key)
            return
        if previewed.mode != self.trading_mode:
            self.reply(message, "order.mode_changed")
            return
        if previewed.key_fingerprint != self._key_fingerprint:
            log.warning("order preview confirmed after the API key changed; nothing placed")
            self.reply(message, "order.key_changed")
            return
        order, paper = previewed.order, self.paper
        if paper is not None:
            self._place_on_paper(message, paper, order)
            return
        placement = self._private_call(message, place, self.private, self.user, order)
        if placement is None:
            return
        placed = placement.order
        self.reply(
            message,
            placement.key,
            client_order_id=placed.client_order_id,
            order_id=placed.exchange_order_id or "",
            state=placed.state,
            pair=order.pair.display,
        )
        if placed.outcome_owed:
            self._follow(placed)

    @property
    def _key_fingerprint(self) -> str | None:
        return self.keys.fingerprint if self.keys is not None else None

    def _place_on_paper(self, message: ConfirmOrder, paper: PaperAccount, order: TapiOrder) -> None:
        try:
            placement = paper.place(order, self.public.ticker(order.pair))
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        self.reply(message, placement.key, **self._paper_params(placement.order))
        self._watch_paper()

    def receiveMsg_OrderRequest(self, message: OrderRequest, sender: Any) -> None:
        """A strategy wants an order: the same rules and bookkeeping as a user's own."""

        def answer(state: str, reason: str | None = None, order: Any = None) -> None:
            self.send(
                sender,
                OrderResult(
                    strategy_id=message.strategy_id,
                    state=state,
                    reason=reason,
                    client_order_id=order.client_order_id if order else "",
                    exchange_order_id=order.exchange_order_id if order else None,
                    correlation_id=message.correlation_id,
                ),
            )

        paper = self.paper
        if self.user is None or (self.keys is None and paper is None):
            answer("rejected", "user.not_linked")
            return
        try:
            pair = self.catalog.parse(message.pair)
            intent = intent_of(pair, message)
            checked = validate_order(intent, self.catalog.info(pair))
        except (UnknownPair, ValueError, IndodaxError) as error:
            answer("rejected", type(error).__name__)
            return
        if isinstance(checked, Refusal):
            answer("rejected", str(checked.reason))
            return
        if paper is not None:  # a paper user's strategy never reaches the exchange either
            try:
                placed = paper.place(checked, self.public.ticker(pair), message.strategy_id)
            except IndodaxError as error:
                answer("rejected", type(error).__name__)
                return
            self._watch_paper()
            answer(placed.order.state, placed.key, placed.order)
            return
        try:
            placement = self._counted_call(
                message, place, self.private, self.user, checked, message.strategy_id
            )
        except IndodaxError as error:
            answer("rejected", type(error).__name__)
            return
        answer(placement.order.state, placement.key, placement.order)
        if placement.order.outcome_owed:  # the strategy heard "unknown"; its user hears more
            self._follow(placement.order)
