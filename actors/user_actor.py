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
from actors.restart_policy import RestartPolicy
from actors.strategy_actor import STRATEGY_CLASSES
from actors.trigger_book import alert_trigger_id
from adapters.indodax.errors import IndodaxError, InvalidCredentials, PermissionDenied
from adapters.indodax.markets import MarketCatalog
from adapters.indodax.order_rules import OrderIntent, Refusal, TapiOrder, validate_order
from adapters.indodax.pairs import Pair, UnknownPair
from adapters.indodax.private_client import PrivateClient
from adapters.indodax.public_client import PublicClient
from config.secret import Secret
from messages.commands import (
    CancelOrder,
    ConfirmOrder,
    CreateAlert,
    DeleteAlert,
    GetPortfolio,
    GetPrice,
    LinkAccount,
    ListAlerts,
    ListOpenOrders,
    PreviewOrder,
    SetLanguage,
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
from persistence.models.strategies import Strategy, running_strategies
from persistence.models.tokens import issue_token, revoke_tokens, valid_token
from persistence.models.users import User, find_user
from persistence.nonce_store import nonce_store_for
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault

log = logging.getLogger(__name__)

PREVIEW_TTL = 120.0


@dataclass(frozen=True)
class Preview:
    order: TapiOrder
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
        self.last_activity = time.monotonic()
        self.strategies: dict[int, Any] = {}  # strategy id -> StrategyActor address
        self.strategy_restarts = RestartPolicy(base_delay=1.0, max_restarts=3)

    # Access tokens: once a user has linked a key, every command must carry a live token

    def admit(self, message: Any) -> bool:
        if not isinstance(message, UserCommand):
            return True
        command = message
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
        quiet = time.monotonic() - self.last_activity
        running = (
            self.user is not None
            and Strategy.select()
            .where((Strategy.user == self.user) & (Strategy.status == "running"))
            .exists()
        )
        if quiet >= self.idle_after.total_seconds() and not running and self.boot is not None:
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

    def _failed(self, command: UserCommand, error: str) -> None:
        self.send(
            self.boot.supervisor,
            UserFailed(  # type: ignore[union-attr]
                telegram_id=self.telegram_id, error=error, correlation_id=command.correlation_id
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
        self.reply(message, "menu.main", linked=self.keys is not None)

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
        self.reply(message, "language.set", language=message.new_language)

    def receiveMsg_GetPrice(self, message: GetPrice, sender: Any) -> None:
        self.last_activity = time.monotonic()
        pair = self._pair(message, message.pair_text)
        if pair is None:
            return
        try:
            ticker = self.public.ticker(pair)
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
            volume=ticker.quote_volume,
            quote=pair.quote.upper(),
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
        alert = Alert.create(
            user=self.user,
            pair=pair.ticker_id,
            direction=direction,
            price=level,
            recurring=message.recurring,
        )
        self.send(
            self.boot.trigger_book,
            RegisterTrigger(  # type: ignore[union-attr]
                trigger_id=alert_trigger_id(alert.id),
                telegram_id=self.telegram_id,
                purpose="alert",
                pair=pair.ticker_id,
                kind=direction,
                level=str(level),
                recurring=message.recurring,
                chat_id=self.user.chat_id,
                language=self.user.language,
            ),
        )
        self.reply(
            message,
            "alert.created",
            pair=pair.display,
            direction=direction,
            level=level,
            last=last,
            alert_id=alert.id,
        )

    def receiveMsg_ListAlerts(self, message: ListAlerts, sender: Any) -> None:
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        alerts = Alert.select().where((Alert.user == self.user) & (Alert.status == "active"))
        lines = ";".join(f"{a.id}|{a.pair}|{a.direction}|{a.price}" for a in alerts)
        self.reply(message, "alert.list", alerts=lines)

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
        if self.user is None or self.keys is None:
            self.reply(message, "user.not_linked")
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
        if self.user.mode == "paper":  # type: ignore[union-attr]
            self.reply(message, "order.paper_unavailable")
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
        orders = self._private_call(message, self.private.open_orders)
        if orders is None:
            return
        buttons = tuple(
            (Button("button.cancel_order", f"cx:{o.client_order_id}"),)
            for o in orders
            if o.client_order_id
        )
        lines = ";".join(
            f"{o.pair.display}|{o.side}|{o.price}|{o.remaining}|{o.amount_currency}" for o in orders
        )
        self.reply(message, "orders.list", buttons=buttons, orders=lines, count=len(orders))

    def receiveMsg_CancelOrder(self, message: CancelOrder, sender: Any) -> None:
        if self._refuse_unlinked(message):
            return
        result = self._private_call(
            message, self.private.cancel_by_client_order_id, message.client_order_id
        )
        if result is not None:
            self.reply(message, "orders.cancelled", client_order_id=message.client_order_id)

    def receiveMsg_GetPortfolio(self, message: GetPortfolio, sender: Any) -> None:
        if self._refuse_unlinked(message):
            return
        balances = self._private_call(message, self.private.get_info)
        if balances is None:
            return
        try:
            tickers = self.public.ticker_all()
        except IndodaxError:
            tickers = {}
        prices = {pair.base: ticker.last for pair, ticker in tickers.items() if pair.quote == "idr"}
        rows, total = [], Decimal(0)
        for currency in sorted(set(balances.free) | set(balances.hold)):
            amount = balances.free.get(currency, Decimal(0)) + balances.hold.get(
                currency, Decimal(0)
            )
            if amount == 0:
                continue
            price = Decimal(1) if currency == "idr" else prices.get(currency)
            if price is None:  # no IDR market for it: shown, not valued
                rows.append(f"{currency}|{amount}|-")
                continue
            value = (amount * price).to_integral_value(rounding="ROUND_FLOOR")
            total += value
            rows.append(f"{currency}|{amount}|{value}")
        self.reply(message, "portfolio.show", rows=";".join(rows), total_idr=total)

    def _refuse_unlinked(self, message: UserCommand) -> bool:
        if self.user is None:
            self.reply(message, "user.not_started")
            return True
        if self.keys is None:
            self.reply(message, "user.not_linked")
            return True
        return False

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
            self.notify("strategy.failed", strategy_id=strategy_id)
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

        if self.keys is None or self.user is None:
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
        try:
            placement = place(self.private, self.user, checked, message.strategy_id)
        except IndodaxError as error:
            self._count_failure(type(error).__name__, message.correlation_id)
            answer("rejected", type(error).__name__)
            return
        self.send(self.boot.supervisor, UserSucceeded(telegram_id=self.telegram_id))  # type: ignore[union-attr]
        answer(placement.order.state, placement.key, placement.order)

    def receiveMsg_PauseStrategies(self, message: PauseStrategies, sender: Any) -> None:
        if self.user is None:
            return
        for child in self.strategies.values():
            self.send(child, StrategyControl(strategy_id=0, action="pause", reason=message.reason))
        paused = (
            Strategy.update(status="paused")
            .where((Strategy.user == self.user) & (Strategy.status == "running"))
            .execute()
        )
        audit("system", "pause_strategies", user=self.user, reason=message.reason, count=paused)
        self.notify(f"strategy.paused.{message.reason}", count=paused)

    def receiveMsg_ResumeStrategies(self, message: ResumeStrategies, sender: Any) -> None:
        if self.user is None:
            return
        resumed = (
            Strategy.update(status="running")
            .where((Strategy.user == self.user) & (Strategy.status == "paused"))
            .execute()
        )
        for strategy_id, child in self.strategies.items():
            self.send(child, StrategyControl(strategy_id=strategy_id, action="resume"))
        self._start_strategies()
        self.notify("strategy.resumed", count=resumed)

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
