"""A user's open orders: listed with a cancel button each, cancelled one at a time or all
at once, on the exchange account or on the paper one."""

from __future__ import annotations

from collections.abc import Sequence

from actors.user.answers import Answers
from actors.user.exchange_calls import ExchangeCalls
from actors.user.order_lifecycle import OrderLifecycle
from actors.user.paper_account import PaperAccount
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.session import UserSession
from actors.user.user_views import yes_or_keep
from adapters.i18n.typed_numbers import shown
from adapters.indodax.errors import IndodaxError
from adapters.indodax.pairs import Pair
from adapters.indodax.private_client import CLIENT_ORDER_ID
from adapters.indodax.wire import OpenOrder
from messages import callbacks as cb
from messages.commands import CancelAllOrders, CancelOrder, ListOpenOrders, UserCommand
from messages.replies import Button


def _listed(order: OpenOrder) -> tuple[Pair, str]:
    """An order as the Cancel-all question remembers it: by the exchange's id within its
    pair, which every order has (one placed on the website has no client order id)."""
    return order.pair, order.order_id


class OpenOrders:
    """A cancel that went through is handed to the life cycle, which records the order's
    end at once (the reply has told the user; a strategy owning it hears it)."""

    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        calls: ExchangeCalls,
        lifecycle: OrderLifecycle,
    ) -> None:
        self.session, self.answers, self.calls = session, answers, calls
        self.lifecycle = lifecycle
        self.cancel_all_questions: PendingQuestions[frozenset[tuple[Pair, str]]] = PendingQuestions(
            gone_key="button.stale", expired_key="button.stale"
        )

    def show(self, message: ListOpenOrders) -> None:
        orders = self._to_show(message)
        if orders is None:
            return
        buttons = tuple(
            (Button("button.cancel_order", cb.CancelOrder(o.client_order_id).pack()),)
            for o in orders
            if o.client_order_id
        )
        buttons += ((Button("button.cancel_all", cb.AskCancelAll().pack()),),)
        lines = tuple(
            (o.pair.display, o.side, str(o.price), str(o.remaining), o.amount_currency)
            for o in orders
        )
        self.answers.reply(message, "orders.list", buttons=buttons, orders=lines, count=len(orders))

    def _to_show(self, message: UserCommand) -> Sequence[OpenOrder] | None:
        """The open orders on the account the user trades on; None once answered: not
        linked, an exchange error, or none open."""
        if self.answers.refuse_unlinked(message):
            return None
        orders = self.calls.open_orders(message, self.session.paper)
        if orders is None:
            return None
        if not orders:
            self.answers.reply(message, "orders.none")
            return None
        return orders

    def cancel(self, message: CancelOrder) -> None:
        if self.answers.refuse_unlinked(message):
            return
        if not CLIENT_ORDER_ID.fullmatch(message.client_order_id):
            self.answers.reply(
                message, "orders.bad_id", client_order_id=shown(message.client_order_id)
            )
            return
        paper = self.session.paper
        if paper is not None:
            cancelled = paper.cancel(message.client_order_id)
            key = "orders.cancelled" if cancelled is not None else "orders.not_found"
            self.answers.reply(message, key, client_order_id=message.client_order_id)
            if cancelled is not None:
                self.lifecycle.cancelled_by_user(message.client_order_id, cancelled)
            return
        result = self.calls.answered(
            message, self.session.private.cancel_by_client_order_id, message.client_order_id
        )
        if result is not None:
            self.answers.reply(message, "orders.cancelled", client_order_id=message.client_order_id)
            self.lifecycle.cancelled_by_user(message.client_order_id)

    def cancel_all(self, message: CancelAllOrders) -> None:
        """Asks first, naming the question; its Yes cancels the orders listed then that are
        still open, one by one (never one placed since), and says how many went and which
        did not."""
        if message.confirmed:
            if not self.answers.refuse_unlinked(message):
                self._cancel_listed(message)
            return
        orders = self._to_show(message)
        if orders is None:
            return
        pending_id = self.cancel_all_questions.ask(frozenset(map(_listed, orders)))
        self.answers.reply(
            message,
            "orders.cancel_all_confirm",
            buttons=yes_or_keep(
                cb.CancelAllYes(pending_id), cb.CancelAllNo(), "button.cancel_all_yes"
            ),
            count=len(orders),
        )

    def _cancel_listed(self, message: CancelAllOrders) -> None:
        """The question is taken once and remembers what it listed, so a late or repeated
        Yes cancels nothing the user was not asked about."""
        listed = self.cancel_all_questions.take(message.pending_id or "")
        if isinstance(listed, Unanswerable):  # a second tap, or a stale button
            self.answers.reply(message, listed.key)
            return
        paper = self.session.paper
        orders = self.calls.open_orders(message, paper)
        if orders is None:
            return
        orders = [order for order in orders if _listed(order) in listed]
        if not orders:
            self.answers.reply(message, "orders.none")
            return
        failed = [order for order in orders if not self._cancel_in_batch(message, paper, order)]
        self.answers.reply(
            message,
            "orders.cancel_all_partial" if failed else "orders.cancelled_all",
            cancelled=len(orders) - len(failed),
            failed=len(failed),
            failed_ids=", ".join(order.client_order_id or order.order_id for order in failed),
        )

    def _cancel_in_batch(
        self, command: UserCommand, paper: PaperAccount | None, order: OpenOrder
    ) -> bool:
        """One cancel of many: a failure is counted for the dead-man switch like any private
        call, but reported with the others rather than answered on its own."""
        client_order_id = order.client_order_id or ""
        if paper is not None:
            cancelled = paper.cancel(client_order_id)
            if cancelled is not None:
                self.lifecycle.cancelled_by_user(client_order_id, cancelled)
            return cancelled is not None
        try:
            self.calls.counted(
                command, self.session.private.cancel_order, order.pair, order.order_id, order.side
            )
        except IndodaxError:
            return False
        self.lifecycle.cancelled_by_user(client_order_id)
        return True
