"""A user's settings: notifications per kind, language and trading mode, each change
answered with the settings screen so its buttons stay at hand."""

from __future__ import annotations

from typing import Any

from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.user_base import UserBase
from actors.user.user_views import settings_buttons, settings_params
from messages.commands import ChangeNotification, SetLanguage, SetMode, ShowSettings, UserCommand
from messages.events import OwnerChanged
from messages.replies import Button
from persistence.models.base import utcnow
from persistence.models.strategies import strategies_of
from persistence.models.users import User, next_notify_level, set_notify_level


class UserSettings(UserBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each "switch to live?" question remembers the key it was asked with (fingerprint).
        self.live_questions: PendingQuestions[str] = PendingQuestions(
            gone_key="button.stale", expired_key="button.stale"
        )

    def receiveMsg_ShowSettings(self, message: ShowSettings, sender: Any) -> None:
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        self._show_settings(message)

    def receiveMsg_ChangeNotification(self, message: ChangeNotification, sender: Any) -> None:
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        level = next_notify_level(message.kind, self.user.notify_level(message.kind))
        set_notify_level(self.user, message.kind, level)
        self.user = User.get_by_id(self.user.id)
        self._show_settings(message)

    def receiveMsg_SetMode(self, message: SetMode, sender: Any) -> None:
        """Users choose paper or live only when the bot runs live; a demo or paper bot keeps
        everyone in its own mode. Live needs a linked key: there is nothing to trade with."""
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        if self.settings.mode != "live":
            self.reply(message, "settings.mode_fixed", mode=self.settings.mode)
            return
        if message.mode == "live" and self.keys is None:
            self.reply(message, "settings.live_needs_key")
            return
        if message.confirmed and not self._live_confirmed(message):
            return
        if message.mode != self.trading_mode and self._refuse_stranding(message):
            return
        if message.mode == "live" and self.user.mode != "live" and not message.confirmed:
            self._ask_before_live(message)
            return
        if self.user.mode != message.mode:
            User.update(mode=message.mode, updated_at=utcnow()).where(
                User.id == self.user.id
            ).execute()
            self._audit(message, "mode", mode=message.mode)
            self.user = User.get_by_id(self.user.id)
        self._show_settings(message)

    def receiveMsg_SetLanguage(self, message: SetLanguage, sender: Any) -> None:
        """The TriggerBook is told too: it words the alerts it fires in the user's language."""
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        User.update(language=message.new_language).where(User.id == self.user.id).execute()
        self.user = User.get_by_id(self.user.id)
        self.send(
            self.boot.trigger_book,  # type: ignore[union-attr]
            OwnerChanged(
                telegram_id=self.telegram_id,
                chat_id=self.user.chat_id,
                language=self.user.language,
            ),
        )
        if message.from_settings:
            self._show_settings(message)
            return
        self.reply(message, "language.set", language=message.new_language)

    def _ask_before_live(self, message: SetMode) -> None:
        """Real money from the next order on: the user sees what that covers and says Yes.
        Nothing resting on paper is moved: a switch with open paper orders is refused first
        (`_refuse_stranding`), and the paper balance stays on paper."""
        assert self.keys is not None and self.user is not None
        strategies = strategies_of(self.user)
        pending_id = self.live_questions.ask(self.keys.fingerprint)
        self.reply(
            message,
            "settings.live_confirm",
            buttons=(
                (
                    Button("button.live_yes", f"lv:y:{pending_id}"),
                    Button("button.keep", "lv:n"),
                ),
            ),
            running=sum(s.status == "running" for s in strategies),
            paused=sum(s.status == "paused" for s in strategies),
            expires_in=self.live_questions.answerable_for,
        )

    def _live_confirmed(self, message: SetMode) -> bool:
        """The Yes of that question, once and in time, and for the key linked now; True when
        the switch may go on, else answered."""
        asked_with = self.live_questions.take(message.pending_id or "")
        if isinstance(asked_with, Unanswerable):
            self.reply(message, asked_with.key)
            return False
        if self.keys is None or asked_with != self.keys.fingerprint:
            self.reply(message, "button.stale")
            return False
        return True

    def _refuse_stranding(self, message: SetMode) -> bool:
        """Orders open on the account being left would be neither listed nor settled from the
        other one, so the user cancels them first. True once answered; without a key there
        is no exchange account to look at."""
        paper = self.paper
        if paper is None and self.keys is None:
            return False
        orders = self._open_orders(message, paper)
        if orders is None:
            return True
        if orders:
            self.reply(message, "settings.mode_orders_open", count=len(orders))
        return bool(orders)

    def _show_settings(self, message: UserCommand) -> None:
        """The settings screen; every change answers with it, so its buttons stay at hand."""
        choosable = self.settings.mode == "live"
        self.reply(
            message,
            "settings.show",
            buttons=settings_buttons(self.user, mode_choice=choosable),  # type: ignore[arg-type]
            mode_note="mode_choice" if choosable else f"mode_fixed_{self.settings.mode}",
            **settings_params(self.user, self.trading_mode),  # type: ignore[arg-type]
        )
