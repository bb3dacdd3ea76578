"""Running the Telegram adapter beside the actor system.

The calling thread (bin/run's) keeps the actor-system handle and runs the bridge, so Ctrl-C
and SIGTERM land where they always do; python-telegram-bot's Application runs on an event
loop in a second thread. Updates come by long polling, or by webhook behind a reverse
proxy (the secret-token header checked on every call). The internal endpoint (/healthz,
/metrics, admin revoke) runs on the same loop. Either side stopping stops the other.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from adapters.chat.actor_link import ActorLink
from adapters.chat.rate_limit import CommandBudget
from adapters.telegram.bridge import ActorBridge
from adapters.telegram.chat import ChatOptions, TelegramChat
from adapters.telegram.conversations_kept import KeptConversations, conversation_store
from adapters.telegram.internal_api import (
    WebhookRoute,
    build_internal_app,
    build_webhook_app,
    serve_internal,
)
from adapters.telegram.menu import ADMIN_COMMANDS, USER_COMMANDS, publish_commands
from adapters.telegram.metrics import Counters
from adapters.telegram.sender import CountingRateLimiter, Sender
from adapters.telegram.tokens import TokenKeeper, token_store
from config.errors import StartupError
from config.schema import Settings
from persistence.vault import Vault

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
RATE_LIMIT_RETRIES = 3
STOP_TIMEOUT = 30.0
SWEEP_SECONDS = 2.0


def build_application(
    settings: Settings, *, with_updater: bool, on_retry: Callable[[], None]
) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = (
        ApplicationBuilder()
        .token(settings.telegram.bot_token.reveal())
        .base_url(settings.telegram.api_base_url)
        .rate_limiter(CountingRateLimiter(on_retry, max_retries=RATE_LIMIT_RETRIES))
    )
    if not with_updater:
        builder = builder.updater(None)
    return builder.build()


class TelegramAdapter:
    def __init__(self, settings: Settings, bridge: ActorBridge) -> None:
        self.settings, self.bridge = settings, bridge
        security = settings.security
        self.counters = Counters(commands=USER_COMMANDS + ADMIN_COMMANDS)
        self.chat = TelegramChat(
            bridge,
            TokenKeeper(
                token_store(settings),
                Vault(security.app_secret_key, security.app_secret_key_previous),
                security.user_token_ttl_seconds,
                security.user_token_refresh_threshold_seconds,
            ),
            CommandBudget(settings.chat.commands_per_minute),
            self.counters,
            ChatOptions(
                admin_ids=frozenset(settings.telegram.admin_ids),
                default_language=settings.chat.default_language,
                conversation_seconds=float(settings.chat.conversation_seconds),
            ),
            keeper=KeptConversations(conversation_store(settings)),
        )
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self.update_failures = 0

    def run_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="telegram", daemon=True)
        thread.start()
        return thread

    def _run(self) -> None:
        try:
            asyncio.run(self.main())
        except (InvalidToken, NetworkError, OSError) as error:  # said in one line by run_telegram
            self.failure = error
        except BaseException as error:  # reported to the operator, then the bridge stops
            self.failure = error
            log.exception("telegram adapter stopped")
        finally:
            self.ready.set()
            self.bridge.stop()

    def request_stop(self) -> None:
        if self.loop is not None and self.stopping is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.stopping.set)

    async def main(self) -> None:
        telegram = self.settings.telegram
        self.loop, self.stopping = asyncio.get_running_loop(), asyncio.Event()
        webhook_mode = telegram.update_mode == "webhook"
        app = build_application(
            self.settings, with_updater=not webhook_mode, on_retry=self.counters.retried
        )
        app.add_handler(TypeHandler(Update, self.chat.on_update))
        app.add_error_handler(self._on_error)
        self.chat.use_sender(
            Sender(
                app.bot,
                interval=telegram.chat_interval_ms / 1000,
                on_sent=self.chat.on_sent,
                on_retry=self.counters.retried,
                on_failed=self.counters.failed,
                on_undeliverable=self.chat.on_undeliverable,
            )
        )
        self.bridge.attach(self.loop, self.chat.on_actor_message)
        runners: list[web.AppRunner] = []
        try:
            await app.initialize()
            await publish_commands(app.bot, frozenset(telegram.admin_ids))
            await app.start()
            internal = self.settings.internal
            runners.append(
                await serve_internal(
                    build_internal_app(self.bridge, self.counters, internal.core_api_token),
                    internal.host,
                    internal.port,
                )
            )
            if webhook_mode:
                runners.append(await self._serve_webhook(app))
            elif app.updater is not None:
                await app.updater.start_polling(
                    allowed_updates=ALLOWED_UPDATES, drop_pending_updates=True
                )
            log.info("telegram chat running", extra={"updates": telegram.update_mode})
            self.ready.set()
            await self._until_stopped()
        finally:
            await self._stop(app, runners)

    async def _serve_webhook(self, app: Application[Any, Any, Any, Any, Any, Any]) -> web.AppRunner:
        telegram = self.settings.telegram

        async def deliver(data: dict[str, Any]) -> None:
            """A malformed update is logged and taken (200), or Telegram would offer the same
            one again and again ahead of every newer update."""
            try:
                update = Update.de_json(data, app.bot)
            except (KeyError, TypeError, ValueError):
                log.warning("webhook update not understood; skipped")
                return
            await app.update_queue.put(update)

        route = WebhookRoute(telegram.webhook_path, telegram.webhook_secret, deliver)
        runner = await serve_internal(
            build_webhook_app(route), telegram.webhook_host, telegram.webhook_port
        )
        await app.bot.set_webhook(
            telegram.webhook_url,
            secret_token=telegram.webhook_secret.reveal(),
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=True,
        )
        return runner

    async def _until_stopped(self) -> None:
        """Meanwhile: conversations that ran out of time are closed, and users whose token
        runs out soon get a fresh one. Neither may stop the chat when it fails."""
        assert self.stopping is not None
        refresh_every = min(60.0, self.settings.security.user_token_refresh_threshold_seconds / 4)
        refreshed_at = 0.0
        while not self.stopping.is_set():
            self.chat.sweep_conversations()
            if time.monotonic() - refreshed_at >= refresh_every:
                refreshed_at = time.monotonic()
                try:
                    self.chat.refresh_tokens()
                except Exception:  # a Redis blip: tried again next round
                    log.exception("token refresh failed")
            try:
                await asyncio.wait_for(self.stopping.wait(), SWEEP_SECONDS)
            except TimeoutError:
                continue

    async def _stop(
        self, app: Application[Any, Any, Any, Any, Any, Any], runners: list[web.AppRunner]
    ) -> None:
        if self.chat.sender is not None:
            await self.chat.sender.idle(timeout=5.0)
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        for runner in runners:
            await runner.cleanup()

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A handler's failure is one update's failure: logged, never the adapter's end."""
        self.update_failures += 1
        log.error("update failed", exc_info=context.error)


def run_telegram(
    settings: Settings,
    system: Any,
    supervisor: Any,
    reboot: Callable[[], Any] | None,
    *,
    started: Callable[[TelegramAdapter], None] | None = None,
) -> None:
    """Blocks until Ctrl-C, SIGTERM, an operator's Shutdown, or the adapter failing (or
    `adapter.bridge.stop()`; `started` hands the adapter to whoever wants to stop it)."""
    bridge = ActorBridge(ActorLink(system, supervisor, "telegram", reboot))
    adapter = TelegramAdapter(settings, bridge)
    if started is not None:
        started(adapter)
    thread = adapter.run_in_thread()
    try:
        bridge.run()
    finally:
        adapter.request_stop()
        thread.join(STOP_TIMEOUT)
        bridge.flush()
    if isinstance(adapter.failure, InvalidToken):
        raise StartupError("Telegram refused the bot token: check TELEGRAM_BOT_TOKEN")
    if isinstance(adapter.failure, NetworkError | OSError):
        raise StartupError(
            f"the Telegram chat could not start: {adapter.failure} "
            f"(Bot API at {settings.telegram.api_base_url}, internal endpoint "
            f"{settings.internal.host}:{settings.internal.port})"
        )
    if adapter.failure is not None:
        raise adapter.failure
