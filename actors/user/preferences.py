"""A user's settings: notifications per kind, language and trading mode, each change
answered with the settings screen so its buttons stay at hand."""

from __future__ import annotations

from actors.user.answers import Answers
from actors.user.exchange_calls import ExchangeCalls
from actors.user.links import Links
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.readings import Readings
from actors.user.session import UserSession
from actors.user.user_views import settings_buttons, settings_params, yes_or_keep
from messages import callbacks as cb
from messages.commands import (
    ChangeNotification,
    SetLanguage,
    SetLossLimit,
    SetMode,
    ShowSettings,
    UserCommand,
)
from messages.events import OwnerChanged
from messages.statuses import StrategyStatus
from persistence.models.strategies import strategies_of
from persistence.models.users import (
    next_notify_level,
    reloaded,
    set_daily_loss_limit,
    set_language,
    set_mode,
    set_notify_level,
)


class Preferences:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        calls: ExchangeCalls,
        links: Links,
        readings: Readings,
    ) -> None:
        self.session, self.answers, self.calls, self.links = session, answers, calls, links
        self.readings = readings
        # Each "switch to live?" question remembers the key it was asked with (fingerprint).
        self.live_questions: PendingQuestions[str] = PendingQuestions(
            gone_key="button.stale", expired_key="button.stale"
        )

    @property
    def bot_mode(self) -> str:
        return self.session.settings.mode

    def show(self, message: ShowSettings) -> None:
        if self.answers.started(message) is None:
            return
        self._show(message)

    def set_loss_limit(self, message: SetLossLimit) -> None:
        """Whole rupiah above 0, read as every number in the chat is; or off."""
        user = self.answers.started(message)
        if user is None:
            return
        rupiah: int | None = None
        if message.amount_text is not None:
            numbers = self.readings.numbers(message, "amount_text")
            if numbers is None:
                return
            amount = numbers["amount_text"]
            if amount is None or amount <= 0 or amount != amount.to_integral_value():
                self.answers.reply(message, "settings.bad_loss_limit")
                return
            rupiah = int(amount)
        self.session.user = set_daily_loss_limit(user, rupiah)
        self.answers.audit(message, "loss_limit", rupiah=rupiah)
        if rupiah is None:
            self.answers.reply(message, "settings.loss_limit_off")
        else:
            self.answers.reply(message, "settings.loss_limit_set", limit=rupiah)

    def change_notification(self, message: ChangeNotification) -> None:
        user = self.answers.started(message)
        if user is None:
            return
        set_notify_level(
            user, message.kind, next_notify_level(message.kind, user.notify_level(message.kind))
        )
        self.session.user = reloaded(user)
        self._show(message)

    def set_mode(self, message: SetMode) -> None:
        """Users choose paper or live only when the bot runs live; a demo or paper bot keeps
        everyone in its own mode. Live needs a linked key: there is nothing to trade with."""
        user = self.answers.started(message)
        if user is None:
            return
        if self.bot_mode != "live":
            self.answers.reply(message, "settings.mode_fixed", mode=self.bot_mode)
            return
        if message.mode == "live" and self.session.keys is None:
            self.answers.reply(message, "settings.live_needs_key")
            return
        if message.confirmed and not self._live_confirmed(message):
            return
        if message.mode != self.session.trading_mode and self._refuse_stranding(message):
            return
        if message.mode == "live" and user.mode != "live" and not message.confirmed:
            self._ask_before_live(message)
            return
        if user.mode != message.mode:
            self.session.user = set_mode(user, message.mode)
            self.answers.audit(message, "mode", mode=message.mode)
        self._show(message)

    def set_language(self, message: SetLanguage) -> None:
        """The TriggerBook is told too: it words the alerts it fires in the user's language."""
        user = self.answers.started(message)
        if user is None:
            return
        user = self.session.user = set_language(user, message.new_language)
        self.links.to_trigger_book(
            OwnerChanged(
                telegram_id=self.session.telegram_id, chat_id=user.chat_id, language=user.language
            )
        )
        if message.from_settings:
            self._show(message)
            return
        self.answers.reply(message, "language.set", language=message.new_language)

    def _ask_before_live(self, message: SetMode) -> None:
        """Real money from the next order on: the user sees what that covers and says Yes.
        Nothing resting on paper is moved: a switch with open paper orders is refused first
        (`_refuse_stranding`), and the paper balance stays on paper."""
        keys, user = self.session.keys, self.session.user
        assert keys is not None and user is not None
        strategies = strategies_of(user)
        pending_id = self.live_questions.ask(keys.fingerprint)
        self.answers.reply(
            message,
            "settings.live_confirm",
            buttons=yes_or_keep(cb.LiveYes(pending_id), cb.LiveNo(), "button.live_yes"),
            running=sum(s.status == StrategyStatus.RUNNING for s in strategies),
            paused=sum(s.status == StrategyStatus.PAUSED for s in strategies),
            expires_in=self.live_questions.answerable_for,
        )

    def _live_confirmed(self, message: SetMode) -> bool:
        """The Yes of that question, once and in time, and for the key linked now; True when
        the switch may go on, else answered."""
        asked_with = self.live_questions.take(message.pending_id or "")
        if isinstance(asked_with, Unanswerable):
            self.answers.reply(message, asked_with.key)
            return False
        if asked_with != self.session.key_fingerprint:
            self.answers.reply(message, "button.stale")
            return False
        return True

    def _refuse_stranding(self, message: SetMode) -> bool:
        """Orders open on the account being left would be neither listed nor settled from the
        other one, so the user cancels them first. True once answered; without a key there
        is no exchange account to look at."""
        paper = self.session.paper
        if paper is None and self.session.keys is None:
            return False
        orders = self.calls.open_orders(message, paper)
        if orders is None:
            return True
        if orders:
            self.answers.reply(message, "settings.mode_orders_open", count=len(orders))
        return bool(orders)

    def _show(self, message: UserCommand) -> None:
        """The settings screen; every change answers with it, so its buttons stay at hand."""
        user = self.session.user
        assert user is not None
        choosable = self.bot_mode == "live"
        self.answers.reply(
            message,
            "settings.show",
            buttons=settings_buttons(user, mode_choice=choosable),
            mode_note="mode_choice" if choosable else f"mode_fixed_{self.bot_mode}",
            **settings_params(user, self.session.trading_mode),
        )
