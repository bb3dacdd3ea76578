"""One UserActor per linked user: the only place that user's key is decrypted and the only
caller of that user's private API, so requests are serial and nonces stay in order.

It answers every command with a Reply (a message key and its parameters) to the Notifier.
With nothing running and no order to follow up it leaves after a quiet spell; the next
message re-creates it from the database.

The commands are handled by mixins, one module per group (actors/user_*.py, shared state
in actors/user/user_base.py); this module composes them and keeps the life cycle: boot, what
every command passes first, the timers and the idle exit.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from thespian.actors import ActorExitRequest, WakeupMessage

from actors.user.user_account import UserAccount
from actors.user.user_alerts import UserAlerts
from actors.user.user_market import UserMarket
from actors.user.user_open_orders import UserOpenOrders
from actors.user.user_orders import UserOrders
from actors.user.user_outcomes import FOLLOW_UP
from actors.user.user_paper import PAPER_SETTLE, UserPaper
from actors.user.user_portfolio import UserPortfolio
from actors.user.user_settings import UserSettings
from actors.user.user_strategies import UserStrategies
from actors.user.user_strategy_hosting import RESPAWN, UserStrategyHosting
from messages.commands import UserCommand
from messages.events import ActorIdle, BootUser, OrderRequest, Relocate
from persistence.models.strategies import Strategy
from persistence.models.users import find_user

log = logging.getLogger(__name__)


class UserActor(
    UserAccount,
    UserSettings,
    UserMarket,
    UserPortfolio,
    UserAlerts,
    UserOrders,
    UserOpenOrders,
    UserPaper,
    UserStrategies,
    UserStrategyHosting,
):
    def admit(self, message: Any) -> bool:
        """Chat adapters send here directly: another user's command (this address was that
        user's actor's once) goes back to the Supervisor, and a suspended user is refused
        here as the Supervisor refuses one. Once a key is linked a command must carry a live
        access token. Every command counts as activity (the actor stays while an adapter may
        still send here); an admitted one first settles the user's resting paper orders, so
        whatever the user asks sees the fills the market has made since."""
        if not isinstance(message, UserCommand):
            return True
        if message.telegram_id != self.telegram_id and self.boot is not None:
            self.send(self.boot.supervisor, Relocate(command=message))
            return False
        self.last_activity = time.monotonic()
        if self.user is not None and _suspended(self.telegram_id):
            self.reply(message, "user.suspended")
            return False
        if not self._token_admits(message):
            return False
        self._settle_paper()
        return True

    def receiveMsg_BootUser(self, message: BootUser, sender: Any) -> None:
        self.telegram_id = message.telegram_id
        self.receiveMsg_Boot(message, sender)

    def booted(self) -> None:
        self.user = find_user(self.telegram_id)
        if self.user is not None:
            self._load_keys()
            self._resume_outcomes()
            self._start_strategies()
            self._watch_paper()
        self.wakeupAfter(self.idle_after)

    @property
    def idle_after(self) -> timedelta:
        return timedelta(seconds=self.settings.actors.user_idle_seconds)

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender: Any) -> None:
        """The one handler for every timer: a strategy's respawn, the paper orders' check,
        the follow-up of orders whose outcome is unknown, or (no payload) the idle check."""
        if isinstance(message.payload, tuple) and message.payload[0] == RESPAWN:
            self._start_strategies()
            return
        if message.payload == PAPER_SETTLE:
            self._paper_timer_rang()
            return
        if message.payload == FOLLOW_UP:
            self._follow_up_timer_rang()
            return
        quiet = time.monotonic() - self.last_activity
        running = (
            self.user is not None
            and Strategy.select()
            .where((Strategy.user == self.user) & (Strategy.status == "running"))
            .exists()
        )
        busy = running or self._paper_resting() or self._following_orders()
        if quiet >= self.idle_after.total_seconds() and not busy and self.boot is not None:
            self.send(self.boot.supervisor, ActorIdle(telegram_id=self.telegram_id))
            self.send(self.myAddress, ActorExitRequest())
            return
        self.wakeupAfter(self.idle_after)

    def receiveMsg_OrderRequest(self, message: OrderRequest, sender: Any) -> None:
        """Only the strategy it names, running as this actor's child, may order: an order
        request from anywhere else (another actor, an orphan of an earlier incarnation) is
        refused before any rule or exchange call."""
        if self.strategies.get(message.strategy_id) != sender:
            log.warning(
                "order request refused: not from this user's own strategy",
                extra={
                    "user_id": self.telegram_id,
                    "strategy_id": message.strategy_id,
                    "sender": str(sender),
                },
            )
            return
        super().receiveMsg_OrderRequest(message, sender)

    def receiveMsg_UserCommand(self, message: UserCommand, sender: Any) -> None:
        """Reached only by commands without a handler of their own: said plainly."""
        self.reply(message, "command.not_available", command=type(message).__name__)

    def message_failed(self, message: Any, sender: Any, error: Exception) -> None:
        if isinstance(message, UserCommand) and self.boot is not None:
            self.reply(message, "error.internal")


def _suspended(telegram_id: int) -> bool:
    """Read on every command, as the Supervisor did when every command passed through it:
    a suspension takes effect at once, also for an actor that was running."""
    user = find_user(telegram_id)
    return user is not None and user.status == "suspended"
