"""What every part of a UserActor shares: who the user is, the exchange clients, and how
answers go out (a Reply to a command, a Notification otherwise).

The UserActor is composed of mixins, one module per group of commands (actors/user_*.py);
each subclasses UserBase, so the state and helpers they lean on are declared once, here.
"""

from __future__ import annotations

import time
from typing import Any

from actors.base import BotActor
from actors.user import exchange_access
from actors.user.order_placement import Placement
from actors.user.paper_account import PaperAccount
from adapters.i18n.typed_numbers import shown
from adapters.indodax.errors import IndodaxError, InvalidCredentials
from adapters.indodax.markets import MarketCatalog
from adapters.indodax.pairs import Pair, UnknownPair
from adapters.indodax.private_client import PrivateClient
from adapters.indodax.public_client import PublicClient
from adapters.indodax.wire import OpenOrder
from messages.base import new_correlation_id
from messages.commands import UserCommand
from messages.events import OrderRequest, UserFailed, UserSucceeded
from messages.replies import Button, Notification, Reply
from persistence.credentials import ApiKeyPair
from persistence.models.audit import audit
from persistence.models.users import User
from persistence.nonce_store import nonce_store_for


class UserBase(BotActor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.telegram_id = 0
        self.user: User | None = None
        self.keys: ApiKeyPair | None = None
        self._public: PublicClient | None = None
        self._private: PrivateClient | None = None
        self._catalog: MarketCatalog | None = None
        self.last_activity = time.monotonic()
        # The Supervisor hears of failed calls, and of a success only after failures (or
        # first after a start, when its count for this user is not known here).
        self.success_owed = True

    # Clients, built on first use

    @property
    def public(self) -> PublicClient:
        if self._public is None:
            self._public = exchange_access.public_client(self.settings)
        return self._public

    @property
    def catalog(self) -> MarketCatalog:
        if self._catalog is None:
            self._catalog = exchange_access.market_catalog(self.public)
        return self._catalog

    @property
    def private(self) -> PrivateClient:
        if self.keys is None:
            raise LookupError("no linked key")
        if self._private is None:
            self._private = exchange_access.private_client(
                self.settings, self.keys, nonce_store_for(self.settings), self.public
            )
        return self._private

    @property
    def trading_mode(self) -> str:
        """Where this user's orders go: the bot's mode wins, so a bot restarted in paper mode
        never trades real money for a user stored as live. A paper bot trades everyone on
        paper, a demo bot everyone on the exchange client (the local simulator); only a live
        bot leaves it to the user, and anything but an explicit live there is paper."""
        if self.settings.mode != "live":
            return self.settings.mode
        return "live" if self.user is not None and self.user.mode == "live" else "paper"

    @property
    def paper(self) -> PaperAccount | None:
        """The account a paper-mode user trades on instead of the exchange; None otherwise."""
        if self.user is None or self.trading_mode != "paper":
            return None
        return PaperAccount(self.user, self.settings.paper.start_idr, self.catalog.info)

    # Answering

    def reply(
        self,
        command: UserCommand,
        key: str,
        buttons: tuple[tuple[Button, ...], ...] = (),
        **params: Any,
    ) -> None:
        language = self.user.language if self.user else (command.language or "id")
        self.send(
            self.boot.notifier,
            Reply(  # type: ignore[union-attr]
                telegram_id=command.telegram_id,
                chat_id=command.chat_id,
                language=language,
                key=key,
                params=tuple((name, str(value)) for name, value in params.items()),
                buttons=buttons,
                correlation_id=command.correlation_id,
            ),
        )

    def notify(
        self, key: str, kind: str = "strategy", correlation_id: str | None = None, **params: Any
    ) -> None:
        """Something the user did not just ask for (no command to answer)."""
        user = self.user
        if user is None or self.boot is None:
            return
        self.send(
            self.boot.notifier,
            Notification(
                telegram_id=self.telegram_id,
                chat_id=user.chat_id,
                language=user.language,
                kind=kind,
                key=key,
                params=tuple((name, str(value)) for name, value in params.items()),
                correlation_id=correlation_id or new_correlation_id(),
            ),
        )

    def _audit(self, command: UserCommand, action: str, **detail: Any) -> None:
        """What the user had done, on the audit record under the command's correlation id."""
        audit(
            f"user:{self.telegram_id}",
            action,
            user=self.user,
            correlation_id=command.correlation_id,
            **detail,
        )

    def _refuse_unlinked(self, message: UserCommand) -> bool:
        """Trading needs a linked key, except on paper: that account is ours, not Indodax's."""
        if self.user is None:
            self.reply(message, "user.not_started")
            return True
        if self.keys is None and self.paper is None:
            self.reply(message, "user.not_linked")
            return True
        return False

    def _pair(self, command: UserCommand, text: str) -> Pair | None:
        try:
            return self.catalog.parse(text)
        except UnknownPair as error:
            suggestions = ", ".join(p.display for p in error.suggestions)
            key = "pair.unknown" if suggestions else "pair.unknown_no_match"
            self.reply(command, key, pair=shown(text), suggestions=suggestions)
        except IndodaxError:
            self.reply(command, "error.exchange_unavailable")
        return None

    # Private calls, failures counted by the Supervisor for the dead-man switch

    def _counted_call(
        self, cause: UserCommand | OrderRequest, call: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """Calls the exchange and tells the Supervisor how it went (user commands and
        strategies alike); an exchange error is raised on to the caller. A placement the
        exchange refused, rate-limited or did not answer raises nothing, yet it counts as a
        failed call too."""
        try:
            result = call(*args, **kwargs)
        except IndodaxError as error:
            self._count_call(cause.correlation_id, type(error).__name__)
            raise
        self._count_call(
            cause.correlation_id, result.failure if isinstance(result, Placement) else None
        )
        return result

    def _count_call(self, correlation_id: str, failure: str | None) -> None:
        """One private call for the dead-man switch: a failure (and why) is told at once; a
        success only when it breaks a run of failures, since a switch counting consecutive
        failures learns nothing from a success after a success."""
        supervisor = self.boot.supervisor  # type: ignore[union-attr]
        if failure is None:
            if self.success_owed:
                self.success_owed = False
                self.send(
                    supervisor,
                    UserSucceeded(telegram_id=self.telegram_id, correlation_id=correlation_id),
                )
            return
        self.success_owed = True
        self.send(
            supervisor,
            UserFailed(telegram_id=self.telegram_id, error=failure, correlation_id=correlation_id),
        )

    def _private_call(self, command: UserCommand, call: Any, *args: Any, **kwargs: Any) -> Any:
        """A private call a command makes: None once an error has been answered in words the
        user can act on."""
        try:
            return self._counted_call(command, call, *args, **kwargs)
        except InvalidCredentials:
            self.reply(command, "error.invalid_credentials")
        except IndodaxError as error:
            self.reply(command, "error.exchange", error=type(error).__name__)
        return None

    def _open_orders(
        self, message: UserCommand, paper: PaperAccount | None
    ) -> list[OpenOrder] | None:
        """The open orders on the account the user trades on; None once an exchange error
        has been answered."""
        if paper is not None:
            return paper.open_orders()
        return self._private_call(message, self.private.open_orders)
