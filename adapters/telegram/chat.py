"""The Telegram chat: updates in, actor messages out, and nothing decided here.

Every update goes through `on_update`: private chats only, the user's command budget, the
conversations (/link, guided /trade) and the shared command grammar; what comes out is a
command told to the user's actor with the access token attached. What the actors send
back (`on_actor_message`) is rendered in the user's language and queued for sending.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import ContextTypes

from adapters.chat.admin_text import render_admin_reply
from adapters.chat.commands import Parsed, Usage, Who, from_callback, parse
from adapters.chat.conversations import (
    START_WIZARD,
    STARTERS,
    WIZARD,
    Conversation,
    Desk,
    Ended,
    Prompt,
    Step,
    TradeWizard,
)
from adapters.chat.rate_limit import CommandBudget, Verdict
from adapters.i18n.catalog import DEFAULT_LANGUAGE, LANGUAGES, render
from adapters.telegram.bridge import ActorBridge
from adapters.telegram.metrics import Counters
from adapters.telegram.sender import Envelope, Sender
from adapters.telegram.texts import CallbackStore, keyboard, split_text
from adapters.telegram.tokens import TokenKeeper
from config.logs import log_context
from messages.admin import AdminCommand, AdminReply
from messages.commands import ConfirmOrder, LinkAccount, RefreshToken, UserCommand
from messages.replies import Outbound, Reply

log = logging.getLogger(__name__)

CONFIRMATIONS = ("oc:", "ao:", "ar:", "ca:yes", "ul:yes")
ONE_SHOT = ("oc:", "ox:", "ao:", "ar:", "ax:", "ca:", "ul:")
MAX_TIMED = 10_000
TOKEN_ENDED = ("unlink.done", "auth.token_invalid")
NOT_SHOWN = ("auth.token_refreshed",)


@dataclasses.dataclass(frozen=True)
class ChatOptions:
    admin_ids: frozenset[int]
    default_language: str = DEFAULT_LANGUAGE
    conversation_seconds: float = 300.0


class TelegramChat:
    def __init__(
        self,
        bridge: ActorBridge,
        tokens: TokenKeeper,
        budget: CommandBudget,
        counters: Counters,
        options: ChatOptions,
    ) -> None:
        self.bridge, self.tokens, self.budget = bridge, tokens, budget
        self.counters, self.options = counters, options
        self.callbacks = CallbackStore()
        self.desk = Desk(options.conversation_seconds)
        self.languages: dict[int, str] = {}
        self.asked_at: dict[str, float] = {}  # correlation id -> when the command went out
        self.sender: Sender | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        """Updates are handled one at a time: what waits on Telegram or the Supervisor (an
        admin answer, removing buttons) must not hold up the next user's update."""
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def use_sender(self, sender: Sender) -> None:
        self.sender = sender

    # Updates from Telegram

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        who = Who(user.id, chat.id, is_admin=user.id in self.options.admin_ids)
        language = self._language(user.id, user.language_code)
        with log_context(user_id=user.id):
            if chat.type != ChatType.PRIVATE:
                if update.message is not None and (update.message.text or "").startswith("/"):
                    self._say(chat.id, "chat.private_only", language)
                return
            if update.callback_query is not None:
                await self._on_tap(update, who, language)
            elif update.message is not None and update.message.text is not None:
                await self._on_text(update, who, language)

    async def _on_text(self, update: Update, who: Who, language: str) -> None:
        message = update.message
        assert message is not None and message.text is not None
        text = message.text.strip()
        words = text.split()
        command = words[0].split("@")[0].lower() if words else ""
        conversation = self.desk.holds(who.telegram_id)
        if conversation is not None:
            if not command.startswith("/") or command == "/cancel":
                if conversation.secret_answers and command != "/cancel":
                    await self._delete(who.chat_id, message.message_id)
                self._advance(who, language, self.desk.answer(who.telegram_id, text))
                return
            self.desk.drop(who.telegram_id)
        if command == "/cancel" and len(words) == 1:
            self._say(who.chat_id, "conversation.nothing_to_cancel", language)
            return
        if command in STARTERS and len(words) == 1:
            self._begin(who, language, command)
            return
        parsed = parse(text, who)
        if isinstance(parsed, LinkAccount):
            await self._delete(who.chat_id, message.message_id)
        self.counters.command(command or "text")
        await self._dispatch(parsed, who, language, confirmation=False)

    async def _on_tap(self, update: Update, who: Who, language: str) -> None:
        query = update.callback_query
        assert query is not None
        self.counters.callback()
        data = self.callbacks.resolve(query.data or "")
        if data.startswith(WIZARD):
            open_wizard = isinstance(self.desk.holds(who.telegram_id), TradeWizard)
            await self._answer(query, language, stale=not open_wizard)
            if open_wizard:
                self._advance(who, language, self.desk.answer(who.telegram_id, data))
            return
        parsed = from_callback(data, who)
        stale = isinstance(parsed, Usage) and parsed.key == "button.stale"
        await self._answer(query, language, stale=stale)
        if stale:
            return
        if data.startswith(ONE_SHOT):
            self._background(self._drop_buttons(query))
        await self._dispatch(
            parsed,
            who,
            language,
            confirmation=isinstance(parsed, ConfirmOrder) or data.startswith(CONFIRMATIONS),
        )

    async def _dispatch(
        self, parsed: Parsed, who: Who, language: str, *, confirmation: bool
    ) -> None:
        if parsed is None:
            return
        if isinstance(parsed, Usage):
            if parsed.key == START_WIZARD:
                self._begin(who, language, "/trade")
            else:
                self._say(who.chat_id, parsed.key, language)
            return
        verdict = self.budget.check(who.telegram_id, confirmation=confirmation)
        if verdict is not Verdict.ALLOW:
            self.counters.rate_limited()
            if verdict is Verdict.REFUSE_AND_TELL:
                self._say(who.chat_id, "chat.rate_limited", language)
            return
        if isinstance(parsed, AdminCommand):
            self._background(self._admin(parsed, who, language))
            return
        self._tell(parsed, language)

    def _tell(self, command: UserCommand, language: str) -> None:
        command = dataclasses.replace(
            command, token=self.tokens.token_for(command.telegram_id), language=language
        )
        self.asked_at[command.correlation_id] = time.monotonic()
        while len(self.asked_at) > MAX_TIMED:  # replies that never came: forget the oldest
            self.asked_at.pop(next(iter(self.asked_at)))
        log.info(
            "command",
            extra={"command": type(command).__name__, "correlation_id": command.correlation_id},
        )
        self.bridge.tell(command)

    async def _admin(self, command: AdminCommand, who: Who, language: str) -> None:
        try:
            reply = await self.bridge.admin(command)
        except TimeoutError:
            self._say(who.chat_id, "admin.no_answer", language)
            return
        self._queue_text(who.chat_id, render_admin_reply(reply, language, as_html=True))

    # Conversations

    def _begin(self, who: Who, language: str, starter: str) -> None:
        self._prompt(who, language, self.desk.start(who, starter))
        conversation = self.desk.holds(who.telegram_id)
        asyncio.get_running_loop().call_later(
            self.options.conversation_seconds + 0.5, self._expire, who, language, conversation
        )

    def _expire(self, who: Who, language: str, conversation: Conversation | None) -> None:
        """Said when it happens, not only at the next message."""
        if conversation is not None and self.desk.expire(who.telegram_id, conversation):
            self._say(who.chat_id, "conversation.timed_out", language)

    def _advance(self, who: Who, language: str, step: Step) -> None:
        if isinstance(step, Prompt):
            self._prompt(who, language, step)
            return
        if isinstance(step, Ended):
            self._say(who.chat_id, step.key, language)
            return
        if step.key is not None:
            self._say(who.chat_id, step.key, language)
        self.counters.command(type(step.command).__name__)
        self._tell(step.command, language)

    def _prompt(self, who: Who, language: str, prompt: Prompt) -> None:
        text = render(prompt.key, dict(prompt.params), language, as_html=True)
        self._queue_text(who.chat_id, text, keyboard(prompt.buttons, language, self.callbacks))

    # What the actors send

    def on_actor_message(self, message: Outbound | AdminReply) -> None:
        if not isinstance(message, Outbound):
            return
        sealed = message.param("token_enc")
        if sealed:
            self.tokens.keep(message.telegram_id, sealed)
        if message.key in TOKEN_ENDED:
            self.tokens.forget(message.telegram_id)
        self.languages[message.telegram_id] = message.language
        if message.key in NOT_SHOWN:
            self.bridge.acknowledge((message.correlation_id,))
            return
        text = render(message.key, dict(message.params), message.language, as_html=True)
        parts = split_text(text)
        markup = keyboard(message.buttons, message.language, self.callbacks)
        for number, part in enumerate(parts, 1):
            last = number == len(parts)
            self._post(
                Envelope(
                    chat_id=message.chat_id,
                    text=part,
                    markup=markup if last else None,
                    silent=getattr(message, "silent", False),
                    delete_message_ids=message.delete_message_ids if number == 1 else (),
                    acknowledge=(message.correlation_id,) if last else (),
                    correlation_id=message.correlation_id if isinstance(message, Reply) else None,
                    mergeable=len(parts) == 1,
                )
            )

    def on_sent(self, envelope: Envelope, message_id: int) -> None:
        self.bridge.acknowledge(envelope.acknowledge)
        if message_id:
            self.counters.sent()
        started = self.asked_at.pop(envelope.correlation_id or "", None)
        if started is not None:
            self.counters.observe_reply_seconds(time.monotonic() - started)

    # Helpers

    def _language(self, telegram_id: int, language_code: str | None) -> str:
        known = self.languages.get(telegram_id)
        if known is not None:
            return known
        code = (language_code or "").split("-")[0].lower()
        return code if code in LANGUAGES else self.options.default_language

    def _say(self, chat_id: int, key: str, language: str) -> None:
        self._queue_text(chat_id, render(key, {}, language, as_html=True))

    def _queue_text(self, chat_id: int, text: str, markup: Any = None) -> None:
        parts = split_text(text)
        for number, part in enumerate(parts, 1):
            last = number == len(parts)
            self._post(
                Envelope(
                    chat_id,
                    part,
                    markup if last else None,
                    mergeable=markup is None and len(parts) == 1,
                )
            )

    def _post(self, envelope: Envelope) -> None:
        if self.sender is None:
            raise RuntimeError("the chat has no sender yet")
        self.sender.post(envelope)

    async def _answer(self, query: Any, language: str, *, stale: bool) -> None:
        """Every tap is answered at once, or the user's client keeps spinning."""
        try:
            if stale:
                await query.answer(render("button.stale", {}, language, as_html=False))
            else:
                await query.answer()
        except (BadRequest, NetworkError) as error:
            log.info("callback answer failed", extra={"error": str(error)})

    async def _drop_buttons(self, query: Any) -> None:
        """A decision taken cannot be taken twice from the same message."""
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except (BadRequest, NetworkError) as error:
            log.info("buttons not removed", extra={"error": str(error)})

    async def _delete(self, chat_id: int, message_id: int) -> None:
        """The message carried a secret: gone from the chat before anything else happens."""
        try:
            await self._bot().delete_message(chat_id, message_id)
        except (BadRequest, Forbidden, NetworkError) as error:
            log.warning("secret message not deleted", extra={"error": str(error)})
            self._say(chat_id, "link.delete_failed", self._language(chat_id, None))

    def _bot(self) -> Any:
        if self.sender is None:
            raise RuntimeError("the chat has no sender yet")
        return self.sender.bot

    def refresh_tokens(self, now: float | None = None) -> int:
        """Ask for a new token for every user whose token is about to run out."""
        due = self.tokens.due_for_refresh(now)
        for telegram_id in due:
            self._tell(
                RefreshToken(telegram_id=telegram_id, chat_id=telegram_id),
                self.languages.get(telegram_id, self.options.default_language),
            )
        return len(due)
