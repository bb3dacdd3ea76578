"""One UserActor per linked user: the only place that user's key is decrypted and the only
caller of that user's private API, so requests are serial and nonces stay in order.

It answers every command with a Reply (a message key and its parameters) to the Notifier.
With nothing running it leaves after a quiet spell; the next message re-creates it from
the database.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from thespian.actors import ActorExitRequest, ChildActorExited, WakeupMessage

from actors import exchange_access
from actors.base import BotActor
from actors.order_placement import place, reconcile
from actors.paper_account import PaperAccount
from actors.restart_policy import RestartPolicy
from actors.strategy_actor import STRATEGY_CLASSES
from actors.trigger_book import alert_trigger_id
from actors.user_views import (
    change_text,
    display_pair,
    in_rows,
    main_menu,
    market_view,
    settings_buttons,
    settings_params,
    strategies_keyboard,
    strategy_buttons,
    strategy_params,
    strategy_row,
)
from adapters.indodax.errors import IndodaxError, InvalidCredentials, PermissionDenied
from adapters.indodax.markets import MarketCatalog
from adapters.indodax.order_rules import OrderIntent, Refusal, TapiOrder, validate_order
from adapters.indodax.pairs import Pair, UnknownPair, parse_pair
from adapters.indodax.private_client import PrivateClient
from adapters.indodax.public_client import PublicClient
from adapters.indodax.wire import OpenOrder
from config.secret import Secret
from messages.commands import (
    CancelAllOrders,
    CancelOrder,
    ChangeAllStrategies,
    ChangeNotification,
    ChangeStrategy,
    ConfirmAlert,
    ConfirmOrder,
    CreateAlert,
    DeleteAlert,
    GetPortfolio,
    GetPrice,
    LinkAccount,
    ListAlerts,
    ListOpenOrders,
    ListStrategies,
    PreviewOrder,
    RefreshToken,
    SetLanguage,
    SetMode,
    ShowMarket,
    ShowSettings,
    ShowStrategy,
    Start,
    UnlinkAccount,
    UserCommand,
)
from messages.events import (
    ActorIdle,
    BootStrategy,
    BootUser,
    OrderRequest,
    OrderResult,
    OwnerChanged,
    ParentCheck,
    ParentHere,
    PauseStrategies,
    RegisterTrigger,
    RemoveTrigger,
    ResumeStrategies,
    StrategiesResumedByUser,
    StrategyControl,
    TriggerFired,
    UserFailed,
    UserSucceeded,
)
from messages.replies import Button, Notification, Reply
from persistence.credentials import (
    ApiKeyPair,
    delete_credentials,
    load_credentials,
    store_credentials,
)
from persistence.models.alerts import Alert
from persistence.models.audit import audit
from persistence.models.base import utcnow
from persistence.models.orders import unresolved_orders
from persistence.models.paper import PaperOrder
from persistence.models.strategies import (
    Strategy,
    next_status,
    running_strategies,
    set_status,
    strategies_of,
    strategy_of,
)
from persistence.models.tokens import issue_token, revoke_tokens, valid_token
from persistence.models.users import User, find_user, next_notify_level, set_notify_level
from persistence.nonce_store import nonce_store_for
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault

log = logging.getLogger(__name__)

PREVIEW_TTL = 120.0
PAPER_SETTLE = "paper-settle"  # wakeup payload: check the resting paper orders


@dataclass(frozen=True)
class Preview:
    order: TapiOrder
    expires_at: float


@dataclass(frozen=True)
class PendingAlert:
    """An alert waiting for the user's Once / Every time / Cancel: in memory only, with the
    same expiry as an order preview, so a stale question cannot store an alert."""

    pair: Pair
    direction: str
    level: Decimal
    last: Decimal
    expires_at: float


def _decimal(text: str | None) -> Decimal | None:
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def intent_of(pair: Pair, message: PreviewOrder | OrderRequest) -> OrderIntent:
    """The order a user typed or a strategy asked for, amounts parsed as Decimal."""
    return OrderIntent(
        pair,
        message.side,
        message.order_type,
        price=_decimal(message.price),
        quantity=_decimal(message.quantity),
        quote_amount=_decimal(message.quote_amount),
    )


class UserActor(BotActor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.telegram_id = 0
        self.user: User | None = None
        self.keys: ApiKeyPair | None = None
        self._public: PublicClient | None = None
        self._private: PrivateClient | None = None
        self._catalog: MarketCatalog | None = None
        self.previews: dict[str, Preview] = {}
        self.pending_alerts: dict[str, PendingAlert] = {}
        self.last_activity = time.monotonic()
        self.strategies: dict[int, Any] = {}  # strategy id -> StrategyActor address
        self.strategy_restarts = RestartPolicy(base_delay=1.0, max_restarts=3)
        self.paper_timer = False  # a PAPER_SETTLE wakeup is pending

    # Access tokens: once a user has linked a key, every command must carry a live token

    def admit(self, message: Any) -> bool:
        """An admitted command first settles the user's resting paper orders, so whatever
        the user asks sees the fills the market has made since."""
        if not isinstance(message, UserCommand):
            return True
        if not self._token_admits(message):
            return False
        self._settle_paper()
        return True

    def _token_admits(self, command: UserCommand) -> bool:
        if self.boot is None or self.keys is None or isinstance(command, (Start, LinkAccount)):
            return True
        row = valid_token(command.token) if command.token else None
        if row is None or row.user_id != self.user.id:  # type: ignore[union-attr]
            self.reply(command, "auth.token_invalid")
            return False
        age = (utcnow() - row.created_at).total_seconds()
        if age > self.settings.security.user_token_rotation_threshold_seconds:
            self.notify("auth.token_rotated", kind="system", token_enc=self._issue_token())
        return True

    def _issue_token(self) -> str:
        """A new token, sent to the chat adapter encrypted: the outbox never holds it plain."""
        security = self.settings.security
        token = issue_token(self.user, security.user_token_ttl_seconds)  # type: ignore[arg-type]
        return Vault(security.app_secret_key).encrypt(
            token, purpose=PURPOSE_ACCESS_TOKEN, owner=self.telegram_id
        )

    # Life cycle

    def receiveMsg_BootUser(self, message: BootUser, sender: Any) -> None:
        self.telegram_id = message.telegram_id
        self.receiveMsg_Boot(message, sender)

    def booted(self) -> None:
        self.user = find_user(self.telegram_id)
        if self.user is not None:
            self._load_keys()
            if self.keys is not None:
                self._reconcile_orders()
            self._start_strategies()
            self._watch_paper()
        self.wakeupAfter(self.idle_after)

    @property
    def idle_after(self) -> timedelta:
        return timedelta(seconds=self.settings.actors.user_idle_seconds)

    def _load_keys(self) -> None:
        security = self.settings.security
        vault = Vault(security.app_secret_key, security.app_secret_key_previous)
        self.keys = load_credentials(vault, self.user)  # type: ignore[arg-type]
        self._private = None

    def _reconcile_orders(self) -> None:
        for row in unresolved_orders(self.user):  # type: ignore[arg-type]
            try:
                settled = reconcile(self.private, row)
            except IndodaxError as error:
                log.warning(
                    "order still unresolved",
                    extra={"client_order_id": row.client_order_id, "error": type(error).__name__},
                )
                continue
            log.info(
                "order reconciled",
                extra={"client_order_id": row.client_order_id, "state": settled.state},
            )

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender: Any) -> None:
        if isinstance(message.payload, tuple) and message.payload[0] == "respawn":
            self._start_strategies()
            return
        if message.payload == PAPER_SETTLE:
            self.paper_timer = False
            self._settle_paper()
            self._watch_paper()
            return
        quiet = time.monotonic() - self.last_activity
        running = (
            self.user is not None
            and Strategy.select()
            .where((Strategy.user == self.user) & (Strategy.status == "running"))
            .exists()
        )
        busy = running or self._paper_resting()
        if quiet >= self.idle_after.total_seconds() and not busy and self.boot is not None:
            self.send(self.boot.supervisor, ActorIdle(telegram_id=self.telegram_id))
            self.send(self.myAddress, ActorExitRequest())
            return
        self.wakeupAfter(self.idle_after)

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

    def receiveMsg_UserCommand(self, message: UserCommand, sender: Any) -> None:
        """Reached only by commands without a handler of their own: said plainly."""
        self.last_activity = time.monotonic()
        self.reply(message, "command.not_available", command=type(message).__name__)

    def message_failed(self, message: Any, sender: Any, error: Exception) -> None:
        if isinstance(message, UserCommand) and self.boot is not None:
            self.reply(message, "error.internal")

    def _private_call(self, command: UserCommand, call: Any, *args: Any, **kwargs: Any) -> Any:
        """Every private call goes through here: errors are counted for the dead-man switch
        and answered in words the user can act on."""
        try:
            result = call(*args, **kwargs)
        except InvalidCredentials:
            self._failed(command, "invalid_credentials")
            self.reply(command, "error.invalid_credentials")
            return None
        except IndodaxError as error:
            self._failed(command, type(error).__name__)
            self.reply(command, "error.exchange", error=type(error).__name__)
            return None
        self.send(self.boot.supervisor, UserSucceeded(telegram_id=self.telegram_id))  # type: ignore[union-attr]
        return result

    def _failed(self, cause: UserCommand | OrderRequest, error: str) -> None:
        """Counted by the Supervisor for the dead-man switch (user commands and strategies)."""
        self.send(
            self.boot.supervisor,
            UserFailed(  # type: ignore[union-attr]
                telegram_id=self.telegram_id, error=error, correlation_id=cause.correlation_id
            ),
        )

    def _pair(self, command: UserCommand, text: str) -> Pair | None:
        try:
            return self.catalog.parse(text)
        except UnknownPair as error:
            suggestions = ", ".join(p.display for p in error.suggestions)
            key = "pair.unknown" if suggestions else "pair.unknown_no_match"
            self.reply(command, key, pair=text, suggestions=suggestions)
        except IndodaxError:
            self.reply(command, "error.exchange_unavailable")
        return None

    # Commands that work before linking

    def receiveMsg_Start(self, message: Start, sender: Any) -> None:
        self.last_activity = time.monotonic()
        if self.user is None:
            self.user = User.create(
                telegram_id=message.telegram_id,
                chat_id=message.chat_id,
                language=message.language or self.settings.chat.default_language,
                mode="live" if self.settings.mode == "live" else self.settings.mode,
            )
            audit(f"user:{message.telegram_id}", "start", user=self.user)
        self.reply(message, "menu.main", buttons=main_menu(), linked=self.keys is not None)

    def receiveMsg_LinkAccount(self, message: LinkAccount, sender: Any) -> None:
        self.last_activity = time.monotonic()
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        keys = ApiKeyPair(Secret(message.api_key.reveal()), Secret(message.api_secret.reveal()))
        probe = exchange_access.private_client(
            self.settings, keys, nonce_store_for(self.settings), self.public
        )
        try:
            probe.get_info()
            can_withdraw = probe.can_withdraw()
        except (InvalidCredentials, PermissionDenied):
            self.reply(message, "link.invalid_key")
            return
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        if can_withdraw:
            self.reply(message, "link.withdraw_key_refused")
            return
        security = self.settings.security
        store_credentials(Vault(security.app_secret_key), self.user, keys)
        audit(
            f"user:{self.telegram_id}",
            "link",
            user=self.user,
            key_fingerprint=keys.fingerprint,
            correlation_id=message.correlation_id,
        )
        self.keys, self._private = keys, None
        self.reply(message, "link.done", token_enc=self._issue_token())

    def receiveMsg_RefreshToken(self, message: RefreshToken, sender: Any) -> None:
        """Reached only with a valid token (admit): the adapter is told the new one quietly."""
        if self.keys is None:
            self.reply(message, "user.not_linked")
            return
        self.reply(message, "auth.token_refreshed", token_enc=self._issue_token())

    def receiveMsg_SetLanguage(self, message: SetLanguage, sender: Any) -> None:
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

    def receiveMsg_GetPrice(self, message: GetPrice, sender: Any) -> None:
        """Indodax's ticker has no opening price, so the 24 h change comes from
        /api/summaries: its `prices_24h` holds each market's price of 24 hours ago, and the
        same reply carries the ticker, so one request answers the whole message."""
        self.last_activity = time.monotonic()
        pair = self._pair(message, message.pair_text)
        if pair is None:
            return
        try:
            summaries = self.public.summaries()
            ticker = summaries.tickers.get(pair) or self.public.ticker(pair)
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        self.reply(
            message,
            "price.show",
            pair=pair.display,
            last=ticker.last,
            bid=ticker.bid,
            ask=ticker.ask,
            high=ticker.high,
            low=ticker.low,
            change=change_text(summaries, ticker),
            volume=ticker.quote_volume,
            quote=pair.quote.upper(),
        )

    def receiveMsg_ShowMarket(self, message: ShowMarket, sender: Any) -> None:
        """Ranked by 24 h IDR volume from /api/summaries: the tickers of /api/ticker_all plus
        each market's price of 24 hours ago, so the ranking and the change cost one request."""
        self.last_activity = time.monotonic()
        try:
            summaries = self.public.summaries()
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        rows, buttons = market_view(summaries)
        self.reply(message, "market.show", buttons=buttons, rows=rows)

    # Settings: notifications per kind, language, trading mode

    def receiveMsg_ShowSettings(self, message: ShowSettings, sender: Any) -> None:
        self.last_activity = time.monotonic()
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        self._show_settings(message)

    def receiveMsg_ChangeNotification(self, message: ChangeNotification, sender: Any) -> None:
        self.last_activity = time.monotonic()
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
        self.last_activity = time.monotonic()
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        if self.settings.mode != "live":
            self.reply(message, "settings.mode_fixed", mode=self.settings.mode)
            return
        if message.mode == "live" and self.keys is None:
            self.reply(message, "settings.live_needs_key")
            return
        if self.user.mode != message.mode:
            User.update(mode=message.mode, updated_at=utcnow()).where(
                User.id == self.user.id
            ).execute()
            audit(
                f"user:{self.telegram_id}",
                "mode",
                user=self.user,
                correlation_id=message.correlation_id,
                mode=message.mode,
            )
            self.user = User.get_by_id(self.user.id)
        self._show_settings(message)

    def _show_settings(self, message: UserCommand) -> None:
        """The settings screen; every change answers with it, so its buttons stay at hand."""
        choosable = self.settings.mode == "live"
        self.reply(
            message,
            "settings.show",
            buttons=settings_buttons(self.user, mode_choice=choosable),  # type: ignore[arg-type]
            mode_note="mode_choice" if choosable else f"mode_fixed_{self.settings.mode}",
            **settings_params(self.user),  # type: ignore[arg-type]
        )

    def receiveMsg_CreateAlert(self, message: CreateAlert, sender: Any) -> None:
        self.last_activity = time.monotonic()
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        pair = self._pair(message, message.pair_text)
        if pair is None:
            return
        try:
            level = _decimal(message.price)
        except ValueError:
            level = None
        if level is None or level <= 0:
            self.reply(message, "alert.bad_price", price=message.price)
            return
        try:
            last = self.public.ticker(pair).last
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        direction = "above" if level > last else "below"
        now = time.monotonic()
        self.pending_alerts = {
            key: pending for key, pending in self.pending_alerts.items() if pending.expires_at > now
        }
        pending_id = uuid.uuid4().hex[:12]
        self.pending_alerts[pending_id] = PendingAlert(
            pair, direction, level, last, now + PREVIEW_TTL
        )
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
            expires_in=int(PREVIEW_TTL),
        )

    def receiveMsg_ConfirmAlert(self, message: ConfirmAlert, sender: Any) -> None:
        """The first tap settles a pending alert; a second finds nothing and stores nothing."""
        self.last_activity = time.monotonic()
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        pending = self.pending_alerts.pop(message.pending_id, None)
        if pending is None:
            self.reply(message, "alert.pending_gone")
            return
        if message.choice == "cancel":
            self.reply(message, "alert.discarded")
            return
        if pending.expires_at < time.monotonic():
            self.reply(message, "alert.pending_expired")
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

    # Commands that need a linked key (receiveMsg_UserCommand checked first)

    def receiveMsg_UnlinkAccount(self, message: UnlinkAccount, sender: Any) -> None:
        """Asks first: only the confirmation deletes the key and ends the access tokens."""
        if self.user is None or self.keys is None:
            self.reply(message, "user.not_linked")
            return
        if not message.confirmed:
            self.reply(
                message,
                "unlink.confirm",
                buttons=((Button("button.unlink_yes", "ul:yes"), Button("button.keep", "ul:no")),),
            )
            return
        delete_credentials(self.user)
        revoke_tokens(self.user)
        audit(
            f"user:{self.telegram_id}",
            "unlink",
            user=self.user,
            correlation_id=message.correlation_id,
        )
        self.keys, self._private = None, None
        self.reply(message, "unlink.done")

    def receiveMsg_PreviewOrder(self, message: PreviewOrder, sender: Any) -> None:
        self.last_activity = time.monotonic()
        if self._refuse_unlinked(message):
            return
        pair = self._pair(message, message.pair_text)
        if pair is None:
            return
        try:
            intent = intent_of(pair, message)
        except ValueError:
            self.reply(message, "order.bad_number")
            return
        try:
            info = self.catalog.info(pair)
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        checked = validate_order(intent, info)
        if isinstance(checked, Refusal):
            self.reply(message, str(checked.reason), **dict(checked.params))
            return
        preview_id = uuid.uuid4().hex[:12]
        self.previews[preview_id] = Preview(checked, time.monotonic() + PREVIEW_TTL)
        self.reply(
            message,
            f"order.preview.{checked.order_type}_{checked.side}",
            buttons=(
                (
                    Button("button.confirm", f"oc:{preview_id}"),
                    Button("button.cancel", f"ox:{preview_id}"),
                ),
            ),
            preview_id=preview_id,
            pair=pair.display,
            side=checked.side,
            order_type=checked.order_type,
            price=checked.price or "",
            quantity=checked.quantity or "",
            quote_amount=checked.quote_amount or "",
            value=checked.estimated_value or "",
            fee=checked.estimated_fee or "",
            min_value=info.min_value,
            expires_in=int(PREVIEW_TTL),
        )

    def receiveMsg_ConfirmOrder(self, message: ConfirmOrder, sender: Any) -> None:
        self.last_activity = time.monotonic()
        if self._refuse_unlinked(message):
            return
        preview = self.previews.pop(message.preview_id, None)
        if preview is None:
            self.reply(message, "order.preview_gone")  # a second tap, or a stale button
            return
        if preview.expires_at < time.monotonic():
            self.reply(message, "order.preview_expired")
            return
        paper = self.paper
        if paper is not None:
            self._place_on_paper(message, paper, preview.order)
            return
        placement = self._private_call(message, place, self.private, self.user, preview.order)
        if placement is None:
            return
        order = placement.order
        self.reply(
            message,
            placement.key,
            client_order_id=order.client_order_id,
            order_id=order.exchange_order_id or "",
            state=order.state,
            pair=preview.order.pair.display,
        )

    def receiveMsg_ListOpenOrders(self, message: ListOpenOrders, sender: Any) -> None:
        if self._refuse_unlinked(message):
            return
        paper = self.paper
        if paper is not None:
            orders = paper.open_orders()
        else:
            orders = self._private_call(message, self.private.open_orders)
        if orders is None:
            return
        buttons = tuple(
            (Button("button.cancel_order", f"cx:{o.client_order_id}"),)
            for o in orders
            if o.client_order_id
        )
        if orders:
            buttons += ((Button("button.cancel_all", "ca:ask"),),)
        lines = ";".join(
            f"{o.pair.display}|{o.side}|{o.price}|{o.remaining}|{o.amount_currency}" for o in orders
        )
        self.reply(message, "orders.list", buttons=buttons, orders=lines, count=len(orders))

    def receiveMsg_CancelOrder(self, message: CancelOrder, sender: Any) -> None:
        if self._refuse_unlinked(message):
            return
        paper = self.paper
        if paper is not None:
            cancelled = paper.cancel(message.client_order_id)
            key = "orders.cancelled" if cancelled is not None else "orders.not_found"
            self.reply(message, key, client_order_id=message.client_order_id)
            return
        result = self._private_call(
            message, self.private.cancel_by_client_order_id, message.client_order_id
        )
        if result is not None:
            self.reply(message, "orders.cancelled", client_order_id=message.client_order_id)

    def receiveMsg_GetPortfolio(self, message: GetPortfolio, sender: Any) -> None:
        if self._refuse_unlinked(message):
            return
        paper = self.paper
        if paper is not None:
            amounts = {currency: row.total for currency, row in paper.balances().items()}
            self._show_portfolio(message, "portfolio.paper_show", amounts)
            return
        balances = self._private_call(message, self.private.get_info)
        if balances is None:
            return
        amounts = {
            currency: balances.free.get(currency, Decimal(0))
            + balances.hold.get(currency, Decimal(0))
            for currency in set(balances.free) | set(balances.hold)
        }
        self._show_portfolio(message, "portfolio.show", amounts)

    def _show_portfolio(self, message: UserCommand, key: str, amounts: dict[str, Decimal]) -> None:
        """Each currency valued in IDR at the last price, whichever account it is in."""
        try:
            tickers = self.public.ticker_all()
        except IndodaxError:
            tickers = {}
        prices = {pair.base: ticker.last for pair, ticker in tickers.items() if pair.quote == "idr"}
        rows, total = [], Decimal(0)
        for currency in sorted(amounts):
            amount = amounts[currency]
            if amount == 0:
                continue
            price = Decimal(1) if currency == "idr" else prices.get(currency)
            if price is None:  # no IDR market for it: shown, not valued
                rows.append(f"{currency}|{amount}|-")
                continue
            value = (amount * price).to_integral_value(rounding="ROUND_FLOOR")
            total += value
            rows.append(f"{currency}|{amount}|{value}")
        self.reply(message, key, rows=";".join(rows), total_idr=total)

    def receiveMsg_CancelAllOrders(self, message: CancelAllOrders, sender: Any) -> None:
        """Asks first; Yes cancels every order open at that moment, one by one, and says how
        many went and which did not."""
        self.last_activity = time.monotonic()
        if self._refuse_unlinked(message):
            return
        paper = self.paper
        if paper is not None:
            orders = paper.open_orders()
        else:
            orders = self._private_call(message, self.private.open_orders)
        if orders is None:
            return
        if not orders:
            self.reply(message, "orders.none")
            return
        if not message.confirmed:
            self.reply(
                message,
                "orders.cancel_all_confirm",
                buttons=(
                    (Button("button.cancel_all_yes", "ca:yes"), Button("button.keep", "ca:no")),
                ),
                count=len(orders),
            )
            return
        failed = [order for order in orders if not self._cancel_in_batch(message, paper, order)]
        self.reply(
            message,
            "orders.cancel_all_partial" if failed else "orders.cancelled_all",
            cancelled=len(orders) - len(failed),
            failed=len(failed),
            failed_ids=", ".join(order.client_order_id or order.order_id for order in failed),
        )

    def _cancel_in_batch(
        self, command: UserCommand, paper: PaperAccount | None, order: OpenOrder
    ) -> bool:
        """One cancel of many: a failure is counted for the dead-man switch like any private
        call, but reported with the others rather than answered on its own."""
        if paper is not None:
            return paper.cancel(order.client_order_id or "") is not None
        try:
            self.private.cancel_order(order.pair, order.order_id, order.side)
        except IndodaxError as error:
            self._failed(command, type(error).__name__)
            return False
        self.send(self.boot.supervisor, UserSucceeded(telegram_id=self.telegram_id))  # type: ignore[union-attr]
        return True

    def _refuse_unlinked(self, message: UserCommand) -> bool:
        """Trading needs a linked key, except on paper: that account is ours, not Indodax's."""
        if self.user is None:
            self.reply(message, "user.not_started")
            return True
        if self.keys is None and self.paper is None:
            self.reply(message, "user.not_linked")
            return True
        return False

    # Paper trading: users in paper mode trade on real prices with simulated fills

    @property
    def paper(self) -> PaperAccount | None:
        """The account a paper-mode user trades on instead of the exchange; None otherwise."""
        if self.user is None or self.user.mode != "paper":
            return None
        return PaperAccount(self.user, self.settings.paper.start_idr, self.catalog.info)

    def _place_on_paper(self, message: ConfirmOrder, paper: PaperAccount, order: TapiOrder) -> None:
        try:
            placement = paper.place(order, self.public.ticker(order.pair))
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        self.reply(message, placement.key, **self._paper_params(placement.order))
        self._watch_paper()

    def _paper_params(self, order: PaperOrder) -> dict[str, Any]:
        """What the fill or the resting order looks like: fill price and coins once filled,
        the limit price and quantity while it rests."""
        pair = parse_pair(order.pair)
        filled = order.state == "filled"
        return {
            "pair": pair.display,
            "side": order.side,
            "quantity": order.filled_amount if filled else order.amount or "",
            "price": order.fill_price if filled else order.price or "",
            "value": order.filled_value,
            "fee": order.fee,
            "base": pair.base.upper(),
            "quote": pair.quote.upper(),
            "order_id": order.exchange_order_id,
            "client_order_id": order.client_order_id,
            "state": order.state,
        }

    def _paper_resting(self) -> bool:
        paper = self.paper
        return paper is not None and bool(paper.open_orders())

    def _settle_paper(self) -> None:
        """Resting paper orders fill once the real last price reaches them; each fill is told
        to the user like an exchange fill. A price that cannot be fetched waits a round."""
        paper = self.paper
        if paper is None:
            return
        pairs = {order.pair for order in paper.open_orders()}
        if not pairs:
            return
        try:
            filled = paper.settle({pair: self.public.ticker(pair) for pair in pairs})
        except IndodaxError as error:
            log.warning("paper orders not settled", extra={"error": type(error).__name__})
            return
        for order in filled:
            self.notify("order.paper_filled", kind="fill", **self._paper_params(order))

    def _watch_paper(self) -> None:
        """While paper orders rest the actor checks them on a timer, one timer at a time;
        the idle exit waits for them as it waits for running strategies."""
        if self.paper_timer or not self._paper_resting():
            return
        self.paper_timer = True
        self.wakeupAfter(
            timedelta(seconds=self.settings.paper.settle_seconds), payload=PAPER_SETTLE
        )

    # Strategies: hosted as child actors, paused and resumed by the dead-man switch

    def _start_strategies(self) -> None:
        for strategy in running_strategies(self.user):
            if strategy.id in self.strategies:
                continue
            cls = STRATEGY_CLASSES.get(strategy.kind)
            if cls is None:
                log.warning(
                    "no actor for strategy kind",
                    extra={"kind": strategy.kind, "strategy_id": strategy.id},
                )
                continue
            child = self.createActor(cls)
            self.strategies[strategy.id] = child
            self.send(
                child,
                BootStrategy(
                    settings=self.settings,
                    supervisor=self.boot.supervisor,  # type: ignore[union-attr]
                    notifier=self.boot.notifier,
                    trigger_book=self.boot.trigger_book,  # type: ignore[union-attr]
                    price_feed=self.boot.price_feed,
                    telegram_id=self.telegram_id,  # type: ignore[union-attr]
                    strategy_id=strategy.id,
                    user_actor=self.myAddress,
                ),
            )

    def receiveMsg_ChildActorExited(self, message: ChildActorExited, sender: Any) -> None:
        strategy_id = next(
            (sid for sid, a in self.strategies.items() if a == message.childAddress), None
        )
        if strategy_id is None:
            return
        del self.strategies[strategy_id]
        strategy = Strategy.get_or_none(Strategy.id == strategy_id)
        if strategy is None or strategy.status != "running":
            return
        delay = self.strategy_restarts.next_delay(strategy_id, time.monotonic())
        if delay is None:
            strategy.status = "failed"
            strategy.save()
            self.notify("strategy.failed", kind="system", strategy_id=strategy_id)
            return
        self.wakeupAfter(timedelta(seconds=delay), payload=("respawn", strategy_id))

    def receiveMsg_ParentCheck(self, message: ParentCheck, sender: Any) -> None:
        self.send(sender, ParentHere(strategy_id=message.strategy_id))

    def receiveMsg_TriggerFired(self, message: TriggerFired, sender: Any) -> None:
        strategy_id = int(message.trigger_id.split(":", 1)[0].lstrip("s"))
        child = self.strategies.get(strategy_id)
        if child is not None:
            self.send(child, message)

    def receiveMsg_OrderRequest(self, message: OrderRequest, sender: Any) -> None:
        """A strategy wants an order: the same rules and bookkeeping as a user's own."""
        self.last_activity = time.monotonic()

        def answer(state: str, reason: str | None = None, order: Any = None) -> None:
            self.send(
                sender,
                OrderResult(
                    strategy_id=message.strategy_id,
                    state=state,
                    reason=reason,
                    client_order_id=order.client_order_id if order else "",
                    exchange_order_id=order.exchange_order_id if order else None,
                    correlation_id=message.correlation_id,
                ),
            )

        paper = self.paper
        if self.user is None or (self.keys is None and paper is None):
            answer("rejected", "user.not_linked")
            return
        try:
            pair = self.catalog.parse(message.pair)
            intent = intent_of(pair, message)
            checked = validate_order(intent, self.catalog.info(pair))
        except (UnknownPair, ValueError, IndodaxError) as error:
            answer("rejected", type(error).__name__)
            return
        if isinstance(checked, Refusal):
            answer("rejected", str(checked.reason))
            return
        if paper is not None:  # a paper user's strategy never reaches the exchange either
            try:
                placed = paper.place(checked, self.public.ticker(pair), message.strategy_id)
            except IndodaxError as error:
                answer("rejected", type(error).__name__)
                return
            self._watch_paper()
            answer(placed.order.state, placed.key, placed.order)
            return
        try:
            placement = place(self.private, self.user, checked, message.strategy_id)
        except IndodaxError as error:
            self._failed(message, type(error).__name__)
            answer("rejected", type(error).__name__)
            return
        self.send(self.boot.supervisor, UserSucceeded(telegram_id=self.telegram_id))  # type: ignore[union-attr]
        answer(placement.order.state, placement.key, placement.order)

    def receiveMsg_PauseStrategies(self, message: PauseStrategies, sender: Any) -> None:
        """A safety message (kind system): the user's notification settings cannot drop it."""
        if self.user is None:
            return
        paused = self._pause_all(message.reason)
        self.notify(f"strategy.paused.{message.reason}", kind="system", count=paused)

    def receiveMsg_ResumeStrategies(self, message: ResumeStrategies, sender: Any) -> None:
        if self.user is None:
            return
        self.notify("strategy.resumed", count=self._resume_all())

    def _pause_all(self, reason: str) -> int:
        for child in self.strategies.values():
            self.send(child, StrategyControl(strategy_id=0, action="pause", reason=reason))
        paused = (
            Strategy.update(status="paused")
            .where((Strategy.user == self.user) & (Strategy.status == "running"))
            .execute()
        )
        who = f"user:{self.telegram_id}" if reason == "user" else "system"
        audit(who, "pause_strategies", user=self.user, reason=reason, count=paused)
        return paused

    def _resume_all(self) -> int:
        resumed = (
            Strategy.update(status="running")
            .where((Strategy.user == self.user) & (Strategy.status == "paused"))
            .execute()
        )
        for strategy_id, child in self.strategies.items():
            self.send(child, StrategyControl(strategy_id=strategy_id, action="resume"))
        self._start_strategies()
        return resumed

    # Strategies as the user manages them: listed, shown, paused, resumed, stopped

    def receiveMsg_ListStrategies(self, message: ListStrategies, sender: Any) -> None:
        self.last_activity = time.monotonic()
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
        self.last_activity = time.monotonic()
        strategy = self._own_strategy(message, message.strategy_id)
        if strategy is not None:
            self._show_strategy(message, "strategy.details", strategy)

    def receiveMsg_ChangeStrategy(self, message: ChangeStrategy, sender: Any) -> None:
        """Pause, resume or stop one strategy. Its actor, if running, is told as well; a
        stopped one leaves and is not restarted (only running strategies are)."""
        self.last_activity = time.monotonic()
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
        audit(
            f"user:{self.telegram_id}",
            f"strategy_{message.action}",
            user=self.user,
            correlation_id=message.correlation_id,
            strategy_id=strategy.id,
        )
        self._show_strategy(message, "strategy.changed", Strategy.get_by_id(strategy.id))

    def receiveMsg_ChangeAllStrategies(self, message: ChangeAllStrategies, sender: Any) -> None:
        """/strategy pause or resume with no id: the same as the dead-man switch's pause and
        the admin's resume, answered to the user instead of notified."""
        self.last_activity = time.monotonic()
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

    def notify(self, key: str, kind: str = "strategy", **params: Any) -> None:
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
            ),
        )
