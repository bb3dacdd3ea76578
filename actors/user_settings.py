"""A user's settings: notifications per kind, language and trading mode, each change
answered with the settings screen so its buttons stay at hand."""

from __future__ import annotations

from typing import Any

from actors.user_base import UserBase
from actors.user_views import settings_buttons, settings_params
from messages.commands import ChangeNotification, SetLanguage, SetMode, ShowSettings, UserCommand
from messages.events import OwnerChanged
from persistence.models.base import utcnow
from persistence.models.users import User, next_notify_level, set_notify_level


class UserSettings(UserBase):
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
        if message.mode != self.trading_mode and self._refuse_stranding(message):
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
