"""Sending to Telegram without losing anything: a queue per chat, flood control, retries.

Each chat has its own queue and worker, so a slow or rate-limited chat holds up no other.
Within a chat, messages go out in the order they came; a burst of button-less messages is
coalesced into as few Telegram messages as fit in 4,096 characters (the Bot API allows
about one message per second per chat). The Application's rate limiter keeps the whole
bot under 30 messages per second and waits out a 429 itself; if Telegram still says "retry
after", the worker waits what Telegram asked and tries again: a 429 never drops a message.
A photo (a chart) goes with sendPhoto, its text as the caption, and is never coalesced.
Messages are acknowledged (`on_sent`) only once Telegram has them. Retries are counted on
both levels: the limiter's own (`CountingRateLimiter`) and the worker's. A user who blocked
the bot is final: acknowledged, counted, logged. Any other refusal, or a network still
failing after the retries, is reported (`on_undeliverable`) for the Notifier to offer again
and in the end to give up on; a coalesced message that fails is first tried part by part,
so one bad message takes no other down.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter
from telegram.warnings import PTBDeprecationWarning

from adapters.telegram.texts import MAX_TEXT, plain

log = logging.getLogger(__name__)

NETWORK_RETRY = (0.5, 1.0, 2.0, 5.0, 10.0)
PARSE_ERROR = "can't parse entities"


class CountingRateLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter, which waits out a 429 and retries by itself up
    to `max_retries` times before the caller sees anything; here each of those retries is
    counted too. A 429 on the last attempt is not: it reaches the caller, whose own retry
    (the Sender's) counts it."""

    def __init__(self, on_retry: Callable[[], None], *, max_retries: int, **limits: Any) -> None:
        super().__init__(max_retries=max_retries, **limits)
        self._on_retry, self._retries = on_retry, max_retries

    async def process_request(  # noqa: PLR0917 - python-telegram-bot's signature
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        retries = rate_limit_args or self._retries  # the parent's own reading
        refused = 0

        async def counted(*call_args: Any, **call_kwargs: Any) -> Any:
            nonlocal refused
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter:
                if refused < retries:
                    self._on_retry()
                refused += 1
                raise

        return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)


@dataclass
class Envelope:
    """One thing to say in a chat. `acknowledge` names the actor messages it carries; with
    `photo` (PNG bytes) the text is its caption, and may be empty."""

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    silent: bool = False
    delete_message_ids: tuple[int, ...] = ()
    acknowledge: tuple[str, ...] = ()
    correlation_id: str | None = None
    mergeable: bool = True
    parts: tuple[Envelope, ...] = ()  # what was coalesced into this one, to retry alone
    photo: bytes | None = field(default=None, repr=False)


class _Refused(Exception):
    """Telegram did not take this envelope; the text names the error type. Only a refusal
    of the content is worth retrying part by part, not a network that stays down."""

    def __init__(self, error: Exception) -> None:
        super().__init__(f"send: {type(error).__name__}")
        self.by_content = isinstance(error, BadRequest) or not isinstance(error, NetworkError)


@dataclass
class _Chat:
    queue: list[Envelope] = field(default_factory=list)
    worker: asyncio.Task[None] | None = None
    next_free: float = 0.0


class Sender:
    def __init__(
        self,
        bot: Bot,
        *,
        interval: float,
        burst: int = 3,
        on_sent: Callable[[Envelope, int], None],
        on_retry: Callable[[], None],
        on_failed: Callable[[], None],
        on_undeliverable: Callable[[Envelope, str], None],
    ) -> None:
        self.bot = bot
        self.interval, self.burst = interval, burst
        self.on_sent, self.on_retry, self.on_failed = on_sent, on_retry, on_failed
        self.on_undeliverable = on_undeliverable
        self.chats: dict[int, _Chat] = {}

    def post(self, envelope: Envelope) -> None:
        """Queue for its chat (no waiting); must be called on the event loop."""
        chat = self.chats.setdefault(envelope.chat_id, _Chat())
        chat.queue.append(envelope)
        if chat.worker is None or chat.worker.done():
            chat.worker = asyncio.get_running_loop().create_task(self._drain(chat))

    def backlog(self) -> int:
        return sum(len(chat.queue) for chat in self.chats.values())

    async def idle(self, timeout: float) -> bool:
        """True once every queue is empty (for a clean stop and for tests)."""
        deadline = time.monotonic() + timeout
        while self.backlog() or any(c.worker and not c.worker.done() for c in self.chats.values()):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def _drain(self, chat: _Chat) -> None:
        while chat.queue:
            envelope = self._next(chat)
            await self._pace(chat)
            for message_id in envelope.delete_message_ids:
                await self._delete(envelope.chat_id, message_id)
            try:
                message_id = await self._send(envelope) if envelope.text or envelope.photo else 0
            except _Refused as refused:
                if envelope.parts and refused.by_content:
                    chat.queue[0:0] = [
                        dataclasses.replace(part, mergeable=False, delete_message_ids=())
                        for part in envelope.parts
                    ]
                else:
                    self.on_undeliverable(envelope, str(refused))
                continue
            self.on_sent(envelope, message_id)

    def _next(self, chat: _Chat) -> Envelope:
        """The first queued envelope, with the plain messages right behind it folded in."""
        first = chat.queue.pop(0)
        if not first.mergeable or first.markup is not None:
            return first
        while chat.queue:
            following = chat.queue[0]
            joined = f"{first.text}\n\n{following.text}"
            if (
                not following.mergeable
                or following.delete_message_ids
                or following.silent != first.silent
                or len(joined) > MAX_TEXT
            ):
                break
            chat.queue.pop(0)
            first = Envelope(
                chat_id=first.chat_id,
                text=joined,
                markup=following.markup,
                silent=first.silent,
                delete_message_ids=first.delete_message_ids,
                acknowledge=first.acknowledge + following.acknowledge,
                correlation_id=first.correlation_id,
                parts=(*(first.parts or (first,)), following),
            )
            if following.markup is not None:
                break
        return first

    async def _pace(self, chat: _Chat) -> None:
        """A token bucket per chat: `burst` messages at once, then one per `interval`."""
        now = time.monotonic()
        chat.next_free = max(chat.next_free, now - self.interval * (self.burst - 1))
        wait = chat.next_free - now
        if wait > 0:
            await asyncio.sleep(wait)
        chat.next_free += self.interval

    async def _send(self, envelope: Envelope) -> int:
        parse_mode: str | None = ParseMode.HTML
        text = envelope.text
        network_failures = 0
        while True:
            try:
                if envelope.photo is not None:
                    sent = await self.bot.send_photo(
                        envelope.chat_id,
                        envelope.photo,
                        caption=text or None,
                        parse_mode=parse_mode if text else None,
                        reply_markup=envelope.markup,
                        disable_notification=envelope.silent,
                    )
                else:
                    sent = await self.bot.send_message(
                        envelope.chat_id,
                        text,
                        parse_mode=parse_mode,
                        reply_markup=envelope.markup,
                        disable_notification=envelope.silent,
                    )
                return sent.message_id
            except RetryAfter as error:
                self.on_retry()
                await asyncio.sleep(_seconds(error) + 0.1)
            except BadRequest as error:
                if PARSE_ERROR in str(error).lower() and parse_mode is not None:
                    log.error("message not valid HTML; sending it as plain text")
                    parse_mode, text = None, plain(text)
                    continue
                raise self._give_up(envelope, error) from None
            except Forbidden as error:  # the user blocked the bot: final, nothing to retry
                self._give_up(envelope, error)
                return 0
            except NetworkError as error:  # a timed-out send may have arrived: at least once
                if network_failures == len(NETWORK_RETRY):
                    raise self._give_up(envelope, error) from None
                self.on_retry()
                await asyncio.sleep(NETWORK_RETRY[network_failures])
                network_failures += 1
            except TelegramError as error:  # ChatMigrated, Conflict, …
                raise self._give_up(envelope, error) from None

    def _give_up(self, envelope: Envelope, error: Exception) -> _Refused:
        """Said to the operator and counted; what to do next is the caller's."""
        self.on_failed()
        log.warning(
            "message not delivered",
            extra={
                "chat_id": envelope.chat_id,
                "correlation_id": envelope.correlation_id,
                "error": str(error),
            },
        )
        return _Refused(error)

    async def _delete(self, chat_id: int, message_id: int) -> None:
        while True:
            try:
                await self.bot.delete_message(chat_id, message_id)
                return
            except RetryAfter as error:
                self.on_retry()
                await asyncio.sleep(_seconds(error) + 0.1)
            except TelegramError as error:
                log.warning(
                    "message not deleted",
                    extra={"chat_id": chat_id, "message_id": message_id, "error": str(error)},
                )
                return


def _seconds(error: RetryAfter) -> float:
    """PTB 22 warns that `retry_after` turns into a timedelta; either form is taken."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
