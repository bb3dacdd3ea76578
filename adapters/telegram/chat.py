"""The Telegram chat: updates in, actor messages out, and nothing decided here.

Every update goes through `on_update`: private chats only, the user's command budget, the
conversations (/link, guided /trade) and the shared command grammar; what comes out is a
command told to the user's actor with the access token attached. What the actors send
back (`on_actor_message`) is rendered in the user's language and queued for sending; a
photo (a chart) goes with its text as the caption, or before it when the text is longer
than a caption may be.
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
from adapters.chat.commands import WIZARDS, Parsed, Usage, Who, from_callback, parse
from adapters.chat.conversations import (
    Desk,
    Finished,
    Keeper,
    Prompt,
    Step,
    is_wizard_tap,
)
from adapters.chat.rate_limit import CommandBudget, Verdict
from adapters.i18n.catalog import DEFAULT_LANGUAGE, LANGUAGES, render
from adapters.telegram.bridge import ActorBridge
from adapters.telegram.metrics import Counters
from adapters.telegram.sender import Envelope, Sender
from adapters.telegram.texts import fits_caption, keyboard, split_text
from adapters.telegram.tokens import TokenKeeper
from config.logs import log_context
from messages.admin import AdminCommand, AdminReply
from messages.callbacks import read
from messages.commands import LinkAccount, PreviewOrder, RefreshToken, UserCommand
from messages.replies import Outbound, Photo, Reply

log = logging.getLogger(__name__)

MAX_TIMED = 10_000
LATE_SECRET_SECONDS = 600.0
COMMAND_NAMES: dict[type, str] = {LinkAccount: "link", PreviewOrder: "trade"}
TOKEN_ENDED = ("unlink.done", "auth.token_invalid")
NOT_SHOWN = ("auth.token_refreshed", "auth.token_rotated")  # for the adapter, not the user


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
        *,
        keeper: Keeper | None = None,
    ) -> None:
        """`keeper`: where open conversations are kept; those it holds are had again now."""
        self.bridge, self.tokens, self.budget = bridge, tokens, budget
        self.counters, self.options = counters, options
        self.desk = Desk(options.conversation_seconds, keeper)
        restored = self.desk.restore()
        if restored:
            log.info("conversations restored", extra={"count": restored})
        self.links_timed_out: dict[int, float] = {}  # user -> when their /link timed out
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
            message = update.message
            text = (message.text or "").strip() if message is not None else ""
            if message is not None and _carries_a_key(text):
                await self._delete(chat.id, message.message_id)  # first, wherever it was sent
            if chat.type != ChatType.PRIVATE:
                if text.startswith("/") and self._admit(who, language):
                    self._say(chat.id, "chat.private_only", language)
                return
            query = update.callback_query
            if query is not None:
                if self._admit(who, language, tapped=query.data or ""):
                    await self._on_tap(update, who, language)
                else:
                    await self._answer(query, language, stale=False)
            elif message is not None:
                if self._admit(who, language):
                    if message.text is not None:
                        await self._on_text(message.message_id, text, who, language)
                elif self._secret_answer(who.telegram_id, text) or self._late_secret(
                    who.telegram_id, text
                ):  # refused, but a key or secret still leaves the chat
                    await self._delete(who.chat_id, message.message_id)

    def _admit(self, who: Who, language: str, *, tapped: str | None = None) -> bool:
        """Every message and tap counts against the user's budget; over it, the user is
        told once and the update goes no further."""
        verdict = self.budget.check(who.telegram_id, tapped=tapped)
        if verdict is Verdict.ALLOW:
            return True
        self.counters.rate_limited()
        if verdict is Verdict.REFUSE_AND_TELL:
            self._say(who.chat_id, "chat.rate_limited", language)
        return False

    def _secret_answer(self, telegram_id: int, text: str) -> bool:
        """An answer to /link's questions: a key or a secret, deleted from the chat."""
        conversation = self.desk.holds(telegram_id)
        return conversation is not None and conversation.secret_answers and not text.startswith("/")

    async def _on_text(self, message_id: int, text: str, who: Who, language: str) -> None:
        conversation = self.desk.holds(who.telegram_id)
        if conversation is None and self._late_secret(who.telegram_id, text):
            await self._delete(who.chat_id, message_id)
            self._say(who.chat_id, "link.late_secret_deleted", language)
            return
        if self._secret_answer(who.telegram_id, text):
            await self._delete(who.chat_id, message_id)
        step = self.desk.route(who, text)
        if step is not None:
            await self._advance(who, language, step)
            return
        command = text.split(maxsplit=1)[0].split("@", maxsplit=1)[0].lower() if text else "text"
        self.counters.command(command)
        await self._dispatch(parse(text, who), who, language)

    def _late_secret(self, telegram_id: int, text: str) -> bool:
        """A plain text soon after a /link conversation timed out is most likely the key or
        secret the user was still typing."""
        ended = self.links_timed_out.get(telegram_id)
        if ended is None or text.startswith("/"):
            return False
        del self.links_timed_out[telegram_id]
        return time.monotonic() - ended < LATE_SECRET_SECONDS

    async def _on_tap(self, update: Update, who: Who, language: str) -> None:
        query = update.callback_query
        assert query is not None
        self.counters.callback()
        data = query.data or ""
        if is_wizard_tap(data):
            open_wizard = self.desk.holds(who.telegram_id) is not None
            await self._answer(query, language, stale=not open_wizard)
            if open_wizard:
                await self._advance(who, language, self.desk.answer(who.telegram_id, data))
            return
        parsed = from_callback(data, who)
        stale = isinstance(parsed, Usage) and parsed.key == "button.stale"
        await self._answer(query, language, stale=stale)
        if stale:
            return
        if (tap := read(data)) is not None and tap.one_shot:
            self._background(self._drop_buttons(query))
        await self._dispatch(parsed, who, language)

    async def _dispatch(self, parsed: Parsed, who: Who, language: str) -> None:
        if parsed is None:
            return
        if isinstance(parsed, Usage):
            if parsed.key in WIZARDS:
                step = self.desk.start(who, WIZARDS[parsed.key], parsed.answers)
                await self._advance(who, language, step)
            else:
                self._say(who.chat_id, parsed.key, language)
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

    def sweep_conversations(self) -> int:
        """Conversations past their time are closed and the user told, not only at their
        next message."""
        expired = self.desk.sweep()
        for conversation in expired:
            who = conversation.who
            if conversation.secret_answers:
                self.links_timed_out[who.telegram_id] = time.monotonic()
            language = self.languages.get(who.telegram_id, self.options.default_language)
            self._say(who.chat_id, "conversation.timed_out", language)
        return len(expired)

    async def _advance(self, who: Who, language: str, step: Step) -> None:
        if isinstance(step, Prompt):
            self._prompt(who, language, step)
            return
        if step.key is not None:
            self._say(who.chat_id, step.key, language)
        if isinstance(step, Finished):
            self.counters.command(COMMAND_NAMES.get(type(step.command), "other"))
            await self._dispatch(step.command, who, language)

    def _prompt(self, who: Who, language: str, prompt: Prompt) -> None:
        text = render(prompt.key, dict(prompt.params), language, as_html=True)
        self._queue_text(who.chat_id, text, keyboard(prompt.buttons, language))

    # What the actors send

    def on_actor_message(self, message: Outbound | AdminReply) -> None:
        """A message that cannot be rendered or queued is logged and reported Undeliverable
        (the Notifier offers it again, then gives up on it); the next one goes on."""
        if not isinstance(message, Outbound):
            return
        try:
            self._deliver(message)
        except Exception as error:
            reason = f"render: {type(error).__name__}"
            log.exception(
                "outbound message not handled",
                extra={"correlation_id": message.correlation_id, "key": message.key},
            )
            self.bridge.undeliverable((message.correlation_id,), reason)

    def _deliver(self, message: Outbound) -> None:
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
        markup = keyboard(message.buttons, message.language)
        self.budget.shown(
            message.telegram_id, (button.callback for row in message.buttons for button in row)
        )
        deletes = message.delete_message_ids
        if isinstance(message, Photo):
            if fits_caption(text):
                self._post(self._photo(message, text, markup, last=True))
                return
            self._post(self._photo(message, "", None, last=False))
            deletes = ()  # the photo deleted them
        parts = split_text(text)
        for number, part in enumerate(parts, 1):
            last = number == len(parts)
            self._post(
                Envelope(
                    chat_id=message.chat_id,
                    text=part,
                    markup=markup if last else None,
                    silent=getattr(message, "silent", False),
                    delete_message_ids=deletes if number == 1 else (),
                    acknowledge=(message.correlation_id,) if last else (),
                    correlation_id=message.correlation_id if isinstance(message, Reply) else None,
                    mergeable=len(parts) == 1,
                )
            )

    @staticmethod
    def _photo(message: Photo, caption: str, markup: Any, last: bool) -> Envelope:
        """`last`: the caption holds all the text, so the photo's sending acknowledges the
        message; otherwise the text follows it and does."""
        return Envelope(
            chat_id=message.chat_id,
            text=caption,
            markup=markup,
            silent=message.silent,
            delete_message_ids=message.delete_message_ids,
            acknowledge=(message.correlation_id,) if last else (),
            correlation_id=message.correlation_id,
            mergeable=False,
            photo=message.png,
        )

    def on_undeliverable(self, envelope: Envelope, reason: str) -> None:
        self.bridge.undeliverable(envelope.acknowledge, reason)

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


def _carries_a_key(text: str) -> bool:
    """/link with anything after it: a key, a secret, or both, however mistyped."""
    words = text.split()
    return len(words) > 1 and words[0].split("@")[0].lower() == "/link"
