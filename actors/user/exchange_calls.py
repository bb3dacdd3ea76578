"""A user's private calls to the exchange, each counted for the dead-man switch: the
Supervisor hears of every call that was answered and of every one that failed (and why)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from actors.user.answers import Answers
from actors.user.links import Links
from actors.user.order_placement import Placement
from actors.user.paper_account import PaperAccount
from actors.user.session import UserSession
from adapters.indodax.errors import IndodaxError, InvalidCredentials
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import OpenOrder
from messages.commands import UserCommand
from messages.events import OrderRequest, UserFailed, UserSucceeded

T = TypeVar("T")


class ExchangeCalls:
    def __init__(self, session: UserSession, answers: Answers, links: Links) -> None:
        self.session, self.answers, self.links = session, answers, links
        self.success_owed = True

    def counted(
        self, cause: UserCommand | OrderRequest, call: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        """Calls the exchange and tells the Supervisor how it went (user commands and
        strategies alike); an exchange error is raised on to the caller. A placement the
        exchange refused, rate-limited or did not answer raises nothing, yet it counts as a
        failed call too."""
        return self.on_behalf(cause.correlation_id, call, *args, **kwargs)

    def on_behalf(
        self, correlation_id: str, call: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        """`counted` for a call no message caused (a timer's, a trigger's): under the id
        of what it is for."""
        try:
            result = call(*args, **kwargs)
        except IndodaxError as error:
            self.count(correlation_id, type(error).__name__)
            raise
        self.count(correlation_id, result.failure if isinstance(result, Placement) else None)
        return result

    def count(self, correlation_id: str, failure: str | None) -> None:
        """One private call for the dead-man switch: a failure (and why) is told at once; a
        success only when it breaks a run of failures (or is the first since this actor
        started, when the Supervisor's count for the user is not known here), since a switch
        counting consecutive failures learns nothing from a success after a success."""
        telegram_id = self.session.telegram_id
        if failure is None:
            if self.success_owed:
                self.success_owed = False
                self.links.to_supervisor(
                    UserSucceeded(telegram_id=telegram_id, correlation_id=correlation_id)
                )
            return
        self.success_owed = True
        self.links.to_supervisor(
            UserFailed(telegram_id=telegram_id, error=failure, correlation_id=correlation_id)
        )

    def answered(
        self, command: UserCommand, call: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T | None:
        """A private call a command makes: None once an error has been answered in words the
        user can act on."""
        try:
            return self.counted(command, call, *args, **kwargs)
        except InvalidCredentials:
            self.answers.reply(command, "error.invalid_credentials")
        except IndodaxError as error:
            self.answers.reply(command, "error.exchange", error=type(error).__name__)
        return None

    def open_orders(
        self, command: UserCommand, paper: PaperAccount | None, pair: Pair | None = None
    ) -> Sequence[OpenOrder] | None:
        """The open orders on the account the user trades on (on one pair, when given); None
        once an exchange error has been answered."""
        if paper is not None:
            orders = paper.open_orders()
            return orders if pair is None else [order for order in orders if order.pair == pair]
        return self.answered(command, self.session.private.open_orders, pair)
