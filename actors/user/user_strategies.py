"""Strategies as the user manages them: listed, shown, paused, resumed and stopped, one at
a time or all together."""

from __future__ import annotations

from typing import Any

from actors.user.user_strategy_hosting import UserStrategyHosting
from actors.user.user_views import (
    display_pair,
    strategies_keyboard,
    strategy_buttons,
    strategy_params,
    strategy_row,
)
from messages.commands import (
    ChangeAllStrategies,
    ChangeStrategy,
    ListStrategies,
    ShowStrategy,
    UserCommand,
)
from messages.events import StrategiesResumedByUser, StrategyControl
from persistence.models.strategies import (
    Strategy,
    next_status,
    set_status,
    strategies_of,
    strategy_of,
)


class UserStrategies(UserStrategyHosting):
    def receiveMsg_ListStrategies(self, message: ListStrategies, sender: Any) -> None:
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        strategies = strategies_of(self.user)
        self.reply(
            message,
            "strategy.list" if strategies else "strategy.none",
            buttons=strategies_keyboard(strategies),
            rows=";".join(strategy_row(strategy) for strategy in strategies),
            count=len(strategies),
        )

    def receiveMsg_ShowStrategy(self, message: ShowStrategy, sender: Any) -> None:
        strategy = self._own_strategy(message, message.strategy_id)
        if strategy is not None:
            self._show_strategy(message, "strategy.details", strategy)

    def receiveMsg_ChangeStrategy(self, message: ChangeStrategy, sender: Any) -> None:
        """Pause, resume or stop one strategy. Its actor, if running, is told as well; a
        stopped one leaves and is not restarted (only running strategies are)."""
        strategy = self._own_strategy(message, message.strategy_id)
        if strategy is None:
            return
        status = next_status(strategy.status, message.action)
        if status is None:
            self.reply(
                message,
                "strategy.cannot_change",
                strategy_id=strategy.id,
                status=strategy.status,
                action=message.action,
            )
            return
        set_status(strategy.id, status)
        child = self.strategies.get(strategy.id)
        if child is not None:
            self.send(
                child,
                StrategyControl(strategy_id=strategy.id, action=message.action, reason="user"),
            )
        if message.action == "resume":
            self._start_strategies()
            self._resumed_by_user()
        self._audit(message, f"strategy_{message.action}", strategy_id=strategy.id)
        self._show_strategy(message, "strategy.changed", Strategy.get_by_id(strategy.id))

    def receiveMsg_ChangeAllStrategies(self, message: ChangeAllStrategies, sender: Any) -> None:
        """/strategy pause or resume with no id: the same as the dead-man switch's pause and
        the admin's resume, answered to the user instead of notified."""
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        if message.action == "pause":
            self.reply(message, "strategy.paused.user", count=self._pause_all("user"))
            return
        self._resumed_by_user()
        self.reply(message, "strategy.resumed", count=self._resume_all())

    def _own_strategy(self, message: UserCommand, strategy_id: int) -> Strategy | None:
        """Another user's strategy is answered exactly as a missing one."""
        if self.user is None:
            self.reply(message, "user.not_started")
            return None
        strategy = strategy_of(self.user, strategy_id)
        if strategy is None:
            self.reply(message, "strategy.not_found", strategy_id=strategy_id)
        return strategy

    def _show_strategy(self, message: UserCommand, key: str, strategy: Strategy) -> None:
        actions = strategy_buttons(strategy, with_details=False)
        self.reply(
            message,
            key,
            buttons=(actions,) if actions else (),
            strategy_id=strategy.id,
            kind=strategy.kind,
            pair=display_pair(strategy.pair),
            status=strategy.status,
            created=f"{strategy.created_at:%Y-%m-%d %H:%M} UTC",
            params=strategy_params(strategy),
        )

    def _resumed_by_user(self) -> None:
        """The user takes responsibility again: the dead-man switch counts afresh."""
        self.send(
            self.boot.supervisor,  # type: ignore[union-attr]
            StrategiesResumedByUser(telegram_id=self.telegram_id),
        )
