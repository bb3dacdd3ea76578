"""Price alerts as a user manages them: asked, confirmed, listed, deleted. The TriggerBook
watches the prices and fires them; this part only stores them and tells it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from actors.user.answers import Answers
from actors.user.links import Links
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.readings import Readings
from actors.user.session import UserSession
from actors.user.user_views import display_pair, in_rows
from adapters.indodax.errors import IndodaxError
from adapters.indodax.pairs import Pair
from messages import callbacks as cb
from messages.commands import ConfirmAlert, CreateAlert, DeleteAlert, ListAlerts
from messages.events import RegisterTrigger, RemoveTrigger
from messages.replies import Button
from messages.triggers import AlertTrigger
from persistence.models.alerts import active_alert_of, alerts_of, create_alert, delete_alert


@dataclass(frozen=True)
class PendingAlert:
    """An alert waiting for the user's Once / Every time / Cancel, with the expiry of an
    order preview, so a stale question cannot store an alert."""

    pair: Pair
    direction: Literal["above", "below"]
    level: Decimal
    last: Decimal


class Alerts:
    def __init__(
        self, session: UserSession, answers: Answers, readings: Readings, links: Links
    ) -> None:
        self.session, self.answers, self.readings, self.links = session, answers, readings, links
        self.pending: PendingQuestions[PendingAlert] = PendingQuestions(
            gone_key="alert.pending_gone", expired_key="alert.pending_expired"
        )

    def ask(self, message: CreateAlert) -> None:
        if self.answers.started(message) is None:
            return
        pair = self.readings.pair(message, message.pair_text)
        if pair is None:
            return
        numbers = self.readings.numbers(message, "price")
        if numbers is None:
            return
        level = numbers["price"]
        if level is None or level <= 0:
            self.answers.reply(message, "alert.bad_price", price=message.price)
            return
        try:
            last = self.session.public.ticker(pair).last
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        direction: Literal["above", "below"] = "above" if level > last else "below"
        pending_id = self.pending.ask(PendingAlert(pair, direction, level, last))
        # Typed with "recurring", the user has chosen: only Every time or Cancel remain.
        once = (
            ()
            if message.recurring
            else (Button("button.alert_once", cb.AlertOnce(pending_id).pack()),)
        )
        self.answers.reply(
            message,
            "alert.confirm",
            buttons=(
                (
                    *once,
                    Button("button.alert_recurring", cb.AlertRecurring(pending_id).pack()),
                    Button("button.cancel", cb.AlertDrop(pending_id).pack()),
                ),
            ),
            pending_id=pending_id,
            pair=pair.display,
            direction=direction,
            level=level,
            last=last,
            quote=pair.quote.upper(),
            expires_in=self.pending.answerable_for,
        )

    def confirm(self, message: ConfirmAlert) -> None:
        """The first tap settles a pending alert; a second finds nothing and stores nothing."""
        user = self.answers.started(message)
        if user is None:
            return
        pending = self.pending.take(
            message.pending_id, cancel_key="alert.discarded" if message.choice == "cancel" else None
        )
        if isinstance(pending, Unanswerable):
            self.answers.reply(message, pending.key)
            return
        recurring = message.choice == "recurring"
        alert = create_alert(
            user, pending.pair.ticker_id, pending.direction, pending.level, recurring
        )
        self.links.to_trigger_book(
            RegisterTrigger(
                trigger_id=AlertTrigger(alert.id).encode(),
                telegram_id=self.session.telegram_id,
                purpose="alert",
                pair=pending.pair.ticker_id,
                kind=pending.direction,
                level=str(pending.level),
                recurring=recurring,
                chat_id=user.chat_id,
                language=user.language,
            )
        )
        self.answers.reply(
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

    def list(self, message: ListAlerts) -> None:
        user = self.answers.started(message)
        if user is None:
            return
        alerts = alerts_of(user)
        if not alerts:
            self.answers.reply(message, "alert.none")
            return
        lines = tuple(
            (
                str(a.id),
                display_pair(a.pair),
                a.direction,
                str(a.price),
                "recurring" if a.recurring else "once",
            )
            for a in alerts
        )
        buttons = in_rows(
            (
                Button(
                    "button.delete_alert", cb.DeleteAlert(a.id).pack(), (("alert_id", str(a.id)),)
                )
                for a in alerts
            ),
            3,
        )
        self.answers.reply(message, "alert.list", buttons=buttons, alerts=lines, count=len(alerts))

    def delete(self, message: DeleteAlert) -> None:
        user = self.answers.started(message)
        if user is None:
            return
        alert = active_alert_of(user, message.alert_id)
        if alert is None:
            self.answers.reply(message, "alert.not_found", alert_id=message.alert_id)
            return
        delete_alert(alert)
        self.links.to_trigger_book(
            RemoveTrigger(trigger_id=AlertTrigger(alert.id).encode(), pair=alert.pair)
        )
        self.answers.reply(message, "alert.deleted", alert_id=alert.id)
