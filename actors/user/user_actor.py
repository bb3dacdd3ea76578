"""One UserActor per linked user: the only place that user's key is decrypted and the only
caller of that user's private API, so requests are serial and nonces stay in order.

It answers every command with a Reply (a message key and its parameters) to the Notifier.
With no part busy it leaves after a quiet spell, even while its strategies run and its
orders rest: they wait on triggers in the TriggerBook, timers in the database and the
Supervisor's checks of orders left unchecked too long, and a fired trigger, a due timer or
check, or the next command re-creates it from the database.

The actor is a thin dispatcher: each handler hands its message to the part that owns it
(actors/user/parts.py lists them), and the parts answer. The actor keeps the life cycle:
boot, what every command passes first, the wakeups and the idle exit.

The user's strategies run inside this actor, in this process (strategy_host.py): they ask
for orders by calling the order desk, so the actor takes no order request from any other
actor (one sent here is not understood, and places nothing).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from thespian.actors import ActorExitRequest, WakeupMessage

from actors.base import BotActor
from actors.user.links import Links
from actors.user.parts import UserParts, build_parts
from actors.user.session import UserSession
from messages import commands
from messages.events import (
    ActorIdle,
    Boot,
    BootUser,
    OrdersStreamed,
    OrderStreamState,
    PauseStrategies,
    Relocate,
    ResumeStrategies,
    TriggerFired,
    UserBooted,
    UserEvent,
)
from messages.replies import Reply
from persistence.vault import Vault


class UserActor(BotActor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.telegram_id = 0
        self._parts: UserParts | None = None
        self.last_activity = time.monotonic()

    @property
    def parts(self) -> UserParts:
        if self._parts is None:
            raise RuntimeError("UserActor used before BootUser")
        return self._parts

    # Life cycle

    def receiveMsg_BootUser(self, message: BootUser, sender: Any) -> None:
        self.telegram_id = message.telegram_id
        self.receiveMsg_Boot(message, sender)

    def booted(self) -> None:
        self._parts = build_parts(
            UserSession(self.settings, self.telegram_id),
            Links(self.send, self._boot, self.myAddress),
            wakeup_after=lambda delay, payload: self.wakeupAfter(delay, payload=payload),
            vault=self._vault,
        )
        if self.parts.session.user is not None:
            self.parts.account.load_keys()
            self.parts.tracker.resume()
            self.parts.lifecycle.boot()
            self.parts.strategies.start_running()
            self.parts.history.resume()
        self.parts.heartbeat.start()  # a user who links later is guarded as well
        self.wakeupAfter(self.idle_after)
        self.send(self._boot().supervisor, UserBooted(telegram_id=self.telegram_id))

    def _boot(self) -> BootUser:
        assert isinstance(self.boot, BootUser)
        return self.boot

    def _vault(self) -> Vault:
        """From the sub-keys the Supervisor handed this actor: it never holds APP_SECRET_KEY."""
        keys = self._boot().credential_keys
        return Vault(keys.current, keys.previous)

    @property
    def idle_after(self) -> timedelta:
        return timedelta(seconds=self.settings.actors.user_idle_seconds)

    def admit(self, message: Any) -> bool:
        """Chat adapters send here directly: another user's command (this address was that
        user's actor's once) goes back to the Supervisor; the account refuses a suspended
        user (as the Supervisor refuses one) and a command without a live access token once
        a key is linked. Every command counts as activity (the actor stays while an adapter may
        still send here); an admitted one first settles the user's resting paper orders, so
        whatever the user asks sees the fills the market has made since. Another user's
        fired trigger or pushed orders go back to the Supervisor as well, which hands them
        to that user's actor (starting it): taken here they were lost, the trigger's
        strategy never acting (found by bench/thousand_users.py activation: 2 to 8 of 300
        dormant users whose price was crossed never ordered)."""
        if self._parts is None or not isinstance(message, commands.UserCommand | UserEvent):
            return True
        if message.telegram_id != self.telegram_id:
            routed = message if isinstance(message, UserEvent) else Relocate(command=message)
            self.send(self.wiring.supervisor, routed)
            return False
        if isinstance(message, UserEvent):
            return True
        self.last_activity = time.monotonic()
        if not self._parts.account.admits(message):
            return False
        self._parts.paper.settle()
        return True

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender: Any) -> None:
        """A part's timer goes to that part; the actor's own (no payload) is the idle check:
        it leaves after a quiet spell unless some part is still busy. Only commands end a
        quiet spell: a part's timer (the order sweep's, every ORDER_RECONCILE_SECONDS) does
        not, or it would keep the actor forever."""
        if self.parts.timers.rang(message.payload):
            return
        quiet = time.monotonic() - self.last_activity
        if quiet >= self.idle_after.total_seconds() and not self.parts.timers.busy():
            # The order stream stays while orders rest (a push starts the actor again);
            # kept while the actor is up, so that a user who trades again soon does not
            # wait for a new socket while the first fill is looked up instead.
            if not self.parts.lifecycle.following():
                self.parts.lifecycle.stream.leave()
            self.send(self._boot().supervisor, ActorIdle(telegram_id=self.telegram_id))
            self.send(self.myAddress, ActorExitRequest())
            return
        self.wakeupAfter(self.idle_after)

    def rewired(self, before: Boot) -> None:
        """A new TriggerBook knows none of this user's order triggers: they are armed there
        again (the strategies' are armed at their next build); a new OrderStreamActor
        follows no account: it is asked again while orders rest."""
        if self._parts is None:
            return
        lifecycle = self._parts.lifecycle
        if self.wiring.order_stream != before.order_stream:
            lifecycle.stream.forget()
        if (
            self.wiring.trigger_book != before.trigger_book
            or self.wiring.order_stream != before.order_stream
        ):
            lifecycle.arm_resting()

    def before_boot(self, message: Any, sender: Any) -> None:
        """A command that comes while the boot is being retried is answered that the bot
        cannot act on it now, and is not run later: a trade confirmed a minute ago must not
        happen behind the user's back. Fired triggers, order events and the rest wait."""
        if not isinstance(message, commands.UserCommand):
            super().before_boot(message, sender)
            return
        self.send(
            self.wiring.notifier,
            Reply(
                telegram_id=message.telegram_id,
                chat_id=message.chat_id,
                language=message.language or "id",
                key="error.unavailable",
                correlation_id=message.correlation_id,
            ),
        )

    def message_failed(self, message: Any, sender: Any, error: Exception) -> None:
        if isinstance(message, commands.UserCommand) and self._parts is not None:
            self._parts.answers.reply(message, "error.internal")

    # Account

    def receiveMsg_Start(self, message: commands.Start, sender: Any) -> None:
        self.parts.account.start(message)

    def receiveMsg_LinkAccount(self, message: commands.LinkAccount, sender: Any) -> None:
        self.parts.account.link(message)

    def receiveMsg_UnlinkAccount(self, message: commands.UnlinkAccount, sender: Any) -> None:
        self.parts.account.unlink(message)

    def receiveMsg_RefreshToken(self, message: commands.RefreshToken, sender: Any) -> None:
        self.parts.account.refresh_token(message)

    # Settings

    def receiveMsg_ShowSettings(self, message: commands.ShowSettings, sender: Any) -> None:
        self.parts.settings.show(message)

    def receiveMsg_ChangeNotification(
        self, message: commands.ChangeNotification, sender: Any
    ) -> None:
        self.parts.settings.change_notification(message)

    def receiveMsg_SetMode(self, message: commands.SetMode, sender: Any) -> None:
        self.parts.settings.set_mode(message)

    def receiveMsg_SetLanguage(self, message: commands.SetLanguage, sender: Any) -> None:
        self.parts.settings.set_language(message)

    def receiveMsg_SetLossLimit(self, message: commands.SetLossLimit, sender: Any) -> None:
        self.parts.settings.set_loss_limit(message)

    # Market and portfolio

    def receiveMsg_GetPrice(self, message: commands.GetPrice, sender: Any) -> None:
        self.parts.market.price(message)

    def receiveMsg_ShowMarket(self, message: commands.ShowMarket, sender: Any) -> None:
        self.parts.market.busiest(message)

    def receiveMsg_GetPortfolio(self, message: commands.GetPortfolio, sender: Any) -> None:
        self.parts.portfolio.show(message)

    def receiveMsg_GetPnl(self, message: commands.GetPnl, sender: Any) -> None:
        self.parts.pnl.show(message)

    # Charts: the chart maker answers

    def receiveMsg_GetPriceChart(self, message: commands.GetPriceChart, sender: Any) -> None:
        self.parts.charts.price(message)

    def receiveMsg_GetAllocationChart(
        self, message: commands.GetAllocationChart, sender: Any
    ) -> None:
        self.parts.charts.allocation(message)

    def receiveMsg_GetPnlChart(self, message: commands.GetPnlChart, sender: Any) -> None:
        self.parts.charts.pnl(message)

    def receiveMsg_GetStrategyChart(self, message: commands.GetStrategyChart, sender: Any) -> None:
        self.parts.charts.strategy(message)

    # Numbers typed two ways

    def receiveMsg_ChooseReading(self, message: commands.ChooseReading, sender: Any) -> None:
        """The tapped reading's command goes on as if typed now, with this tap's token."""
        chosen = self.parts.readings.chosen(message)
        if chosen is not None:
            self.receiveMessage(chosen, sender)

    # Alerts

    def receiveMsg_CreateAlert(self, message: commands.CreateAlert, sender: Any) -> None:
        self.parts.alerts.ask(message)

    def receiveMsg_ConfirmAlert(self, message: commands.ConfirmAlert, sender: Any) -> None:
        self.parts.alerts.confirm(message)

    def receiveMsg_ListAlerts(self, message: commands.ListAlerts, sender: Any) -> None:
        self.parts.alerts.list(message)

    def receiveMsg_DeleteAlert(self, message: commands.DeleteAlert, sender: Any) -> None:
        self.parts.alerts.delete(message)

    # Orders

    def receiveMsg_PreviewOrder(self, message: commands.PreviewOrder, sender: Any) -> None:
        self.parts.orders.preview(message)

    def receiveMsg_ConfirmOrder(self, message: commands.ConfirmOrder, sender: Any) -> None:
        self.parts.orders.confirm(message)

    def receiveMsg_ListOpenOrders(self, message: commands.ListOpenOrders, sender: Any) -> None:
        self.parts.open.show(message)

    def receiveMsg_CancelOrder(self, message: commands.CancelOrder, sender: Any) -> None:
        self.parts.open.cancel(message)

    def receiveMsg_CancelAllOrders(self, message: commands.CancelAllOrders, sender: Any) -> None:
        self.parts.open.cancel_all(message)

    # Strategies

    def receiveMsg_ListStrategies(self, message: commands.ListStrategies, sender: Any) -> None:
        self.parts.strategies.list(message)

    def receiveMsg_ShowStrategy(self, message: commands.ShowStrategy, sender: Any) -> None:
        self.parts.strategies.show(message)

    def receiveMsg_ChangeStrategy(self, message: commands.ChangeStrategy, sender: Any) -> None:
        self.parts.strategies.change(message)

    def receiveMsg_ChangeAllStrategies(
        self, message: commands.ChangeAllStrategies, sender: Any
    ) -> None:
        self.parts.strategies.change_all(message)

    def receiveMsg_PreviewDca(self, message: commands.PreviewDca, sender: Any) -> None:
        self.parts.setup.preview_dca(message)

    def receiveMsg_PreviewTpsl(self, message: commands.PreviewTpsl, sender: Any) -> None:
        self.parts.setup.preview_tpsl(message)

    def receiveMsg_PreviewGrid(self, message: commands.PreviewGrid, sender: Any) -> None:
        self.parts.setup.preview_grid(message)

    def receiveMsg_ConfirmStrategy(self, message: commands.ConfirmStrategy, sender: Any) -> None:
        self.parts.setup.confirm(message)

    def receiveMsg_BacktestStrategy(self, message: commands.BacktestStrategy, sender: Any) -> None:
        self.parts.backtests.run(message)

    def receiveMsg_PreviewEdit(self, message: commands.PreviewEdit, sender: Any) -> None:
        self.parts.edits.preview(message)

    def receiveMsg_ConfirmEdit(self, message: commands.ConfirmEdit, sender: Any) -> None:
        self.parts.edits.confirm(message)

    def receiveMsg_TriggerFired(self, message: TriggerFired, sender: Any) -> None:
        """An order's trigger goes to the order life cycle, any other to the strategies."""
        if not self.parts.lifecycle.trigger_fired(message):
            self.parts.strategies.trigger_fired(message)

    def receiveMsg_OrdersStreamed(self, message: OrdersStreamed, sender: Any) -> None:
        self.parts.lifecycle.streamed(message.orders)

    def receiveMsg_OrderStreamState(self, message: OrderStreamState, sender: Any) -> None:
        self.parts.lifecycle.stream_state(message)

    def receiveMsg_PauseStrategies(self, message: PauseStrategies, sender: Any) -> None:
        self.parts.strategies.pause(message)

    def receiveMsg_ResumeStrategies(self, message: ResumeStrategies, sender: Any) -> None:
        self.parts.strategies.resume(message)

    def receiveMsg_UserCommand(self, message: commands.UserCommand, sender: Any) -> None:
        """Reached only by commands without a handler of their own: said plainly."""
        self.parts.answers.reply(message, "command.not_available", command=type(message).__name__)
