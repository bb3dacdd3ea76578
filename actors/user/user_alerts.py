"""Price alerts as a user manages them: asked, confirmed, listed, deleted. The TriggerBook
watches the prices and fires them; this part only stores them and tells it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from actors.core.trigger_book import alert_trigger_id
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.user_numbers import UserNumbers
from actors.user.user_views import display_pair, in_rows
from adapters.indodax.errors import IndodaxError
from adapters.indodax.pairs import Pair
from messages.commands import ConfirmAlert, CreateAlert, DeleteAlert, ListAlerts
from messages.events import RegisterTrigger, RemoveTrigger
from messages.replies import Button
from persistence.models.alerts import Alert


@dataclass(frozen=True)
class PendingAlert:
    """An alert waiting for the user's Once / Every time / Cancel, with the expiry of an
    order preview, so a stale question cannot store an alert."""

    pair: Pair
    direction: str
    level: Decimal
    last: Decimal


class UserAlerts(UserNumbers):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending_alerts: PendingQuestions[PendingAlert] = PendingQuestions(
            gone_key="alert.pending_gone", expired_key="alert.pending_expired"
        )

    def receiveMsg_CreateAlert(self, message: CreateAlert, sender: Any) -> None:
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        pair = self._pair(message, message.pair_text)
        if pair is None:
            return
        numbers = self._read_numbers(message, "price")
        if numbers is None:
            return
        level = numbers["price"]
        if level is None or level <= 0:
            self.reply(message, "alert.bad_price", price=message.price)
            return
        try:
            last = self.public.ticker(pair).last
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        direction = "above" if level > last else "below"
        pending_id = self.pending_alerts.ask(PendingAlert(pair, direction, level, last))
        # Typed with "recurring", the user has chosen: only Every time or Cancel remain.
        once = () if message.recurring else (Button("button.alert_once", f"ao:{pending_id}"),)
        self.reply(
            message,
            "alert.confirm",
            buttons=(
                (
                    *once,
                    Button("button.alert_recurring", f"ar:{pending_id}"),
                    Button("button.cancel", f"ax:{pending_id}"),
                ),
            ),
            pending_id=pending_id,
            pair=pair.display,
            direction=direction,
            level=level,
            last=last,
            quote=pair.quote.upper(),
            expires_in=self.pending_alerts.answerable_for,
        )

    def receiveMsg_ConfirmAlert(self, message: ConfirmAlert, sender: Any) -> None:
        """The first tap settles a pending alert; a second finds nothing and stores nothing."""
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        pending = self.pending_alerts.take(
            message.pending_id, cancel_key="alert.discarded" if message.choice == "cancel" else None
        )
        if isinstance(pending, Unanswerable):
            self.reply(message, pending.key)
            return
        recurring = message.choice == "recurring"
        alert = Alert.create(
            user=self.user,
            pair=pending.pair.ticker_id,
            direction=pending.direction,
            price=pending.level,
            recurring=recurring,
        )
        self.send(
            self.boot.trigger_book,
            RegisterTrigger(  # type: ignore[union-attr]
                trigger_id=alert_trigger_id(alert.id),
                telegram_id=self.telegram_id,
                purpose="alert",
                pair=pending.pair.ticker_id,
                kind=pending.direction,
                level=str(pending.level),
                recurring=recurring,
                chat_id=self.user.chat_id,
                language=self.user.language,
            ),
        )
        self.reply(
            message,
            "alert.created",
            pair=pending.pair.display,
            direction=pending.direction,
            level=pending.level,
            last=pending.last,
            quote=pending.pair.quote.upper(),
            repeat="recurring" if recurring else "once",
            alert_id=alert.id,
        )

    def receiveMsg_ListAlerts(self, message: ListAlerts, sender: Any) -> None:
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        alerts = list(
            Alert.select()
            .where((Alert.user == self.user) & (Alert.status == "active"))
            .order_by(Alert.id)
        )
        if not alerts:
            self.reply(message, "alert.none")
            return
        lines = ";".join(
            f"{a.id}|{display_pair(a.pair)}|{a.direction}|{a.price}|"
            f"{'recurring' if a.recurring else 'once'}"
            for a in alerts
        )
        buttons = in_rows(
            (
                Button("button.delete_alert", f"ad:{a.id}", (("alert_id", str(a.id)),))
                for a in alerts
            ),
            3,
        )
        self.reply(message, "alert.list", buttons=buttons, alerts=lines, count=len(alerts))

    def receiveMsg_DeleteAlert(self, message: DeleteAlert, sender: Any) -> None:
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        alert = Alert.get_or_none((Alert.id == message.alert_id) & (Alert.user == self.user))
        if alert is None or alert.status != "active":
            self.reply(message, "alert.not_found", alert_id=message.alert_id)
            return
        alert.status = "deleted"
        alert.save()
        self.send(
            self.boot.trigger_book,
            RemoveTrigger(  # type: ignore[union-attr]
                trigger_id=alert_trigger_id(alert.id), pair=alert.pair
            ),
        )
        self.reply(message, "alert.deleted", alert_id=alert.id)
