"""A fake Telegram Bot API server, so the real python-telegram-bot can be tested end to end.

Mocking PTB's `Bot` would only test our guesses about what Telegram does. This fake speaks the
Bot API over HTTP instead, so PTB's own request encoding, error mapping and polling loop run
unchanged (`ApplicationBuilder().base_url(fake.base_url)`), and it refuses what Telegram refuses
(over-long texts, broken HTML, over-long callback data, answering a query twice...), so those
mistakes fail a test instead of a user's notification. Several users can chat with the bot at
once; every user has the private chat whose id is their user id, as in Telegram. A photo the
bot sends (sendPhoto, uploaded as bytes) is kept as those bytes, so a test can read the image.

The server runs in its own thread and event loop, so a synchronous test and a PTB Application
running in yet another thread or loop can both use it; everything it records is guarded by one
lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import inspect
import itertools
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Self

from aiohttp import web

BOT_USER: dict[str, Any] = {
    "id": 777000001,
    "is_bot": True,
    "first_name": "Indodax Test Bot",
    "username": "indodax_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's limit on a photo's file
MAX_PHOTO_SIDES = 10_000  # width and height together
MAX_PHOTO_RATIO = 20  # the longer side over the shorter one
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_UPDATES_PER_POLL = 100

_INT_PARAMS = frozenset({"chat_id", "message_id", "offset", "limit", "timeout", "cache_time"})
_BOOL_PARAMS = frozenset({"disable_notification", "show_alert", "drop_pending_updates"})
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
    }
)
_PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")

_TAG_ENTITY_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_ATTRIBUTE_PATTERN = r"""([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
_ATTRIBUTE = re.compile(_ATTRIBUTE_PATTERN)
_START_TAG = re.compile(rf"<([^\s>/]+)((?:\s+{_ATTRIBUTE_PATTERN})*)\s*>")
_END_TAG = re.compile(r"</([^\s>]*)\s*>")
_TAG_NAME_END = re.compile(r"[\s>]")


class _ApiError(Exception):
    """A refusal worded and numbered as Telegram does, so PTB raises the same exception."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad_request(reason: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {reason}")


def _cant_parse(reason: str) -> _ApiError:
    return _bad_request(f"can't parse entities: {reason}")


def _utf16_length(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units, not in characters."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent, as the user sees it now.

    A frozen snapshot: the server thread replaces it on every edit or deletion, so a test can
    keep and compare one without racing that thread.
    """

    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    disable_notification: bool
    edited: int
    deleted: bool
    plain_text: str
    entities: list[dict[str, Any]]
    date: int
    photo: bytes | None = field(default=None, repr=False)  # a photo's file; its caption is the text

    def buttons(self) -> list[tuple[str, str]]:
        """Tests tap buttons by what they say; only callback buttons can be tapped."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            (b["text"], b["callback_data"]) for row in rows for b in row if "callback_data" in b
        ]


@dataclass
class _OpenTag:
    name: str
    start: int
    entity: dict[str, Any]


class _HtmlReader:
    """Reads Telegram's HTML the way Telegram does, into plain text and entities.

    Telegram refuses a whole message whose HTML does not parse, and the usual cause is a value
    put into a template without `html.escape()`. A bare `&` is refused here too, although
    Telegram would take it literally: the same missing escape turns a user's "&lt;" into "<".
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._position = 0
        self._plain: list[str] = []
        self._length = 0
        self._open: list[_OpenTag] = []
        self._entities: list[dict[str, Any]] = []

    def read(self) -> tuple[str, list[dict[str, Any]]]:
        while self._position < len(self._text):
            if self._text.startswith("</", self._position):
                self._end_tag()
            elif self._text[self._position] == "<":
                self._start_tag()
            elif self._text[self._position] == "&":
                self._entity()
            else:
                self._append(self._text[self._position])
                self._position += 1
        if self._open:
            name = self._open[-1].name
            raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{name}"')
        self._entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self._plain), self._entities

    def _byte_offset(self, position: int) -> int:
        return len(self._text[:position].encode())

    def _append(self, piece: str) -> None:
        self._plain.append(piece)
        self._length += _utf16_length(piece)

    def _entity(self) -> None:
        match = _HTML_ENTITY.match(self._text, self._position)
        if match is None:
            offset = self._byte_offset(self._position)
            raise _cant_parse(f'Unescaped "&" at byte offset {offset}')
        self._append(html.unescape(match.group()))
        self._position = match.end()

    def _start_tag(self) -> None:
        begin = self._position
        offset = self._byte_offset(begin)
        match = _START_TAG.match(self._text, begin)
        if match is None:
            raise self._start_tag_problem(begin)
        name = match.group(1).lower()
        if name not in _TAG_ENTITY_TYPES:
            raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {offset}')
        attributes = {
            key.lower(): self._attribute_value(double or single or bare, offset)
            for key, double, single, bare in _ATTRIBUTE.findall(match.group(2))
        }
        self._open.append(_OpenTag(name, self._length, _tag_entity(name, attributes, offset)))
        self._position = match.end()

    def _start_tag_problem(self, begin: int) -> _ApiError:
        """Words the problem as Telegram does, which reads a tag name up to a space or `>`."""
        offset = self._byte_offset(begin)
        name_end = _TAG_NAME_END.search(self._text, begin + 1)
        if name_end is None:
            return _cant_parse(f"Unclosed start tag at byte offset {offset}")
        name = self._text[begin + 1 : name_end.start()].lower()
        if name not in _TAG_ENTITY_TYPES:
            return _cant_parse(f'Unsupported start tag "{name}" at byte offset {offset}')
        if ">" not in self._text[begin:]:
            return _cant_parse(f'Unclosed start tag "{name}" at byte offset {offset}')
        return _cant_parse(f'Can\'t parse attributes of the tag "{name}" at byte offset {offset}')

    @staticmethod
    def _attribute_value(value: str, offset: int) -> str:
        for ampersand in (index for index, char in enumerate(value) if char == "&"):
            if _HTML_ENTITY.match(value, ampersand) is None:
                raise _cant_parse(
                    f'Unescaped "&" in an attribute of the tag at byte offset {offset}'
                )
        return html.unescape(value)

    def _end_tag(self) -> None:
        offset = self._byte_offset(self._position)
        match = _END_TAG.match(self._text, self._position)
        if match is None:
            raise _cant_parse(f"Unclosed end tag at byte offset {offset}")
        name = match.group(1).lower()
        if not self._open:
            raise _cant_parse(f"Unexpected end tag at byte offset {offset}")
        tag = self._open.pop()
        if name != tag.name:
            raise _cant_parse(
                f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        is_link_without_url = tag.entity["type"] == "text_link" and not tag.entity["url"]
        if self._length > tag.start and not is_link_without_url:
            length = self._length - tag.start
            self._entities.append({**tag.entity, "offset": tag.start, "length": length})
        self._position = match.end()


def _tag_entity(name: str, attributes: dict[str, str], offset: int) -> dict[str, Any]:
    """The entity a tag stands for, refusing the tags whose meaning hangs on an attribute."""
    entity: dict[str, Any] = {"type": _TAG_ENTITY_TYPES[name]}
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise _cant_parse(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "a":
        entity["url"] = attributes.get("href", "")
    if name == "tg-emoji":
        if not attributes.get("emoji-id"):
            raise _cant_parse(f"Custom emoji identifier must be non-empty at byte offset {offset}")
        entity["custom_emoji_id"] = attributes["emoji-id"]
    if name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    return entity


def _render(params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The text the user would see and its entities, or Telegram's refusal of the text."""
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _bad_request("message text is empty")
    plain, entities = _read(text, params.get("parse_mode"), params.get("entities"))
    if not plain.strip():
        raise _bad_request("message text is empty")
    if len(plain) > MAX_TEXT_LENGTH:
        raise _bad_request("message is too long")
    return plain, entities


def _render_caption(params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """A photo's caption as the user would see it; none at all is allowed."""
    caption = params.get("caption")
    if caption is None or caption == "":
        return "", []
    if not isinstance(caption, str):
        raise _bad_request("can't parse caption")
    plain, entities = _read(caption, params.get("parse_mode"), params.get("caption_entities"))
    if len(plain) > MAX_CAPTION_LENGTH:
        raise _bad_request("message caption is too long")
    return plain, entities


def _read(text: str, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    if parse_mode and str(parse_mode).lower() not in _PARSE_MODES:
        raise _bad_request("unsupported parse_mode")
    if parse_mode and str(parse_mode).lower() == "html":
        return _HtmlReader(text).read()
    return text, list(entities or [])


def _photo_size(photo: Any) -> tuple[int, int]:
    """Width and height of an uploaded PNG, refused as Telegram refuses what it cannot show.
    Only uploads are taken: the bot has no file ids or URLs to send."""
    if not isinstance(photo, bytes):
        raise _bad_request("wrong file identifier/HTTP URL specified")
    if len(photo) > MAX_PHOTO_BYTES:
        raise _ApiError(413, "Request Entity Too Large")
    if photo[:8] != PNG_SIGNATURE or photo[12:16] != b"IHDR":
        raise _bad_request("IMAGE_PROCESS_FAILED")
    width, height = struct.unpack(">II", photo[16:24])
    sides = sorted((width, height))
    if not sides[0] or sum(sides) > MAX_PHOTO_SIDES or sides[1] > sides[0] * MAX_PHOTO_RATIO:
        raise _bad_request("PHOTO_INVALID_DIMENSIONS")
    return width, height


def _checked_markup(markup: Any) -> dict[str, Any] | None:
    """Telegram refuses the whole call over one bad button; an empty keyboard is no keyboard."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request('field "inline_keyboard" must be an Array of Arrays')
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _bad_request("can't parse inline keyboard button: Text must be a String")
        if "callback_data" in button:
            size = len(str(button["callback_data"]).encode())
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise _bad_request("BUTTON_DATA_INVALID")
        elif not _BUTTON_ACTIONS.intersection(button):
            raise _bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
    return markup if any(rows) else None


def _coerce(name: str, value: Any) -> Any:
    """Form and query values are all strings (PTB JSON-encodes every non-string value), so they
    are typed by what each parameter is, as Telegram does; JSON bodies arrive typed already."""
    if not isinstance(value, str):
        return value
    if name in _INT_PARAMS:
        with contextlib.suppress(ValueError):
            return int(value)
        return value
    if name in _BOOL_PARAMS:
        return value.lower() in {"true", "1"}
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError as error:
            raise _bad_request(f"can't parse {name} JSON object") from error
    return value


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Telegram takes parameters from the query string, a form, a multipart form or JSON."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as error:
            raise _bad_request("can't parse JSON encoded request body") from error
        if not isinstance(body, dict):
            raise _bad_request("JSON encoded request body must be an Object")
        raw.update(body)
    elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.post()
        raw.update(
            (name, value.file.read() if isinstance(value, web.FileField) else value)
            for name, value in form.items()
        )
    return {name: _coerce(name, value) for name, value in raw.items()}


@dataclass
class _Chat:
    """A private chat (a group when its id is negative, as in Telegram); its message ids are
    shared by the user's and the bot's messages."""

    user: dict[str, Any]
    last_message_id: int = 0
    user_messages: set[int] = field(default_factory=set)
    bot_messages: dict[int, SentMessage] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def json(self) -> dict[str, Any]:
        if self.user["id"] < 0:
            return {"id": self.user["id"], "type": "group", "title": f"Group {-self.user['id']}"}
        return {"id": self.user["id"], "type": "private", "first_name": self.user["first_name"]}

    def message_json(self, sent: SentMessage) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "from": dict(BOT_USER),
            "chat": self.json(),
            "date": sent.date,
        }
        text, entities = ("caption", "caption_entities") if sent.photo else ("text", "entities")
        if sent.plain_text or not sent.photo:
            message[text] = sent.plain_text
        if sent.photo:
            message["photo"] = [_photo_json(sent)]
        if sent.entities:
            message[entities] = sent.entities
        if sent.reply_markup is not None and "inline_keyboard" in sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        if sent.edited:
            message["edit_date"] = int(time.time())
        return message


def _photo_json(sent: SentMessage) -> dict[str, Any]:
    """The one size of the photo, as Telegram describes each size it keeps."""
    assert sent.photo is not None
    width, height = struct.unpack(">II", sent.photo[16:24])
    return {
        "file_id": f"photo-{sent.message_id}",
        "file_unique_id": f"p{sent.message_id}",
        "width": width,
        "height": height,
        "file_size": len(sent.photo),
    }


@dataclass
class _InjectedFailure:
    method: str
    remaining: int
    retry_after: int
    chat_id: int | None


class FakeBotApi:
    """The Telegram Bot API as one bot sees it, with users who can write and tap buttons."""

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.RLock())
        self._chats: dict[int, _Chat] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(4_100_000_000_000_000_001)
        self._open_queries: set[str] = set()
        self._allowed_updates: set[str] | None = None
        self._failures: list[_InjectedFailure] = []
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._rejected: list[tuple[str, str]] = []
        self._answered_callbacks: dict[str, dict[str, Any]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._webhook: dict[str, Any] | None = None
        self._token: str | None = None
        self._closing = False
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._update_arrived: asyncio.Event | None = None
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": lambda _params: dict(BOT_USER),
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "deleteMessage": self._delete_message,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda params: list(self._commands.get(_scope_key(params), [])),
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
            "close": lambda _params: True,
            "logOut": lambda _params: True,
        }
        self._method_names = {name.lower(): name for name in (*self._handlers, "getUpdates")}

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="fake-bot-api", daemon=True)
        self._thread.start()
        self._loop = loop
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        self._port = listener.getsockname()[1]
        asyncio.run_coroutine_threadsafe(self._serve(listener), loop).result(timeout=10)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with self._changed:
            self._closing = True
        asyncio.run_coroutine_threadsafe(self._shut_down(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("start() the fake Bot API before asking for its URL")
        return f"http://127.0.0.1:{self._port}/bot"

    async def _serve(self, listener: socket.socket) -> None:
        self._update_arrived = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{path:.*}", _not_found)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        await web.SockSite(self._runner, listener).start()

    async def _shut_down(self) -> None:
        if self._update_arrived is not None:
            self._update_arrived.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what users do -----------------------------------------------------------------------

    def user_says(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str = "id",
        first_name: str | None = None,
    ) -> int:
        """Queues what a user types, which also makes the chat known, so the bot may write."""
        with self._changed:
            chat = self._chats.get(user_id)
            if chat is None:
                user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
                chat = self._chats[user_id] = _Chat(user=user)
            chat.user["language_code"] = language_code
            if first_name is not None:
                chat.user["first_name"] = first_name
            message_id = chat.next_message_id()
            chat.user_messages.add(message_id)
            message: dict[str, Any] = {
                "message_id": message_id,
                "from": {**chat.user, "id": abs(user_id)},
                "chat": chat.json(),
                "date": int(time.time()),
                "text": text,
            }
            command = text.split(maxsplit=1)[0] if text.strip() else ""
            if len(command) > 1 and command.startswith("/"):
                length = _utf16_length(command)
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            self._queue_update("message", message)
        return message_id

    def user_taps(
        self, user_id: int, message_id: int, callback_data: str, *, forged: bool = False
    ) -> str:
        """Queues a tap on a button that is on the bot's message now, as a user can only tap
        what they see; a tap on anything else is a mistake in the test, unless `forged`: a
        modified client can send any callback data for any message the bot sent."""
        with self._changed:
            chat = self._chats.get(user_id)
            sent = chat.bot_messages.get(message_id) if chat is not None else None
            if chat is None or sent is None:
                raise AssertionError(f"the bot never sent message {message_id} to user {user_id}")
            if sent.deleted:
                raise AssertionError(f"message {message_id} to user {user_id} was deleted")
            if not forged and callback_data not in [data for _, data in sent.buttons()]:
                raise AssertionError(
                    f"message {message_id} to user {user_id} has no button with callback_data "
                    f"{callback_data!r}; its buttons are {sent.buttons()}"
                )
            query_id = str(next(self._query_ids))
            self._open_queries.add(query_id)
            self._queue_update(
                "callback_query",
                {
                    "id": query_id,
                    "from": dict(chat.user),
                    "message": chat.message_json(sent),
                    "chat_instance": str(user_id * 1_000_003),
                    "data": callback_data,
                },
            )
        return query_id

    def fail_next(
        self, method: str, count: int, retry_after: int = 1, chat_id: int | None = None
    ) -> None:
        """Telegram's flood control, on demand: the next `count` calls are refused with 429."""
        name = self._method_names.get(method.lower())
        if name is None:
            raise ValueError(f"the fake Bot API has no method {method!r}")
        with self._changed:
            self._failures.append(_InjectedFailure(name, count, retry_after, chat_id))

    def _queue_update(self, kind: str, payload: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._changed.notify_all()
        loop, event = self._loop, self._update_arrived
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    # -- what the bot did --------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Deleted messages stay, flagged, so a test can tell "deleted" from "never sent"."""
        with self._changed:
            chat = self._chats.get(chat_id)
            return list(chat.bot_messages.values()) if chat is not None else []

    def deleted(self, chat_id: int) -> set[int]:
        with self._changed:
            chat = self._chats.get(chat_id)
            return set(chat.deleted) if chat is not None else set()

    @property
    def answered_callbacks(self) -> dict[str, dict[str, Any]]:
        with self._changed:
            return {query: dict(answer) for query, answer in self._answered_callbacks.items()}

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        with self._changed:
            return {key: list(commands) for key, commands in self._commands.items()}

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        with self._changed:
            return list(self._calls)

    @property
    def rejected(self) -> list[tuple[str, str]]:
        with self._changed:
            return list(self._rejected)

    @property
    def webhook(self) -> dict[str, Any] | None:
        with self._changed:
            return dict(self._webhook) if self._webhook is not None else None

    @property
    def token(self) -> str | None:
        with self._changed:
            return self._token

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """The bot answers from other threads; this wakes the test as soon as the fake records
        anything, and also re-checks now and then for predicates about other state."""
        self._wait(predicate, timeout, lambda: _describe(predicate))

    def wait_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[SentMessage]:
        self._wait(
            lambda: len(self.messages(chat_id)) >= count,
            timeout,
            lambda: (
                f"{count} messages to chat {chat_id}, "
                f"got {[sent.text for sent in self.messages(chat_id)]}"
            ),
        )
        return self.messages(chat_id)

    def _wait(
        self, predicate: Callable[[], bool], timeout: float, describe: Callable[[], str]
    ) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = [method for method, _ in self._calls[-10:]]
                    raise AssertionError(
                        f"waited {timeout:g} s for {describe()}; last calls {recent}, "
                        f"refused {self._rejected}"
                    )
                self._changed.wait(min(remaining, 0.05))

    # -- the Bot API -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = self._method_names.get(request.match_info["method"].lower())
        method = method or request.match_info["method"]
        try:
            params = await _read_params(request)
        except _ApiError as error:
            return self._refuse(method, error)
        with self._changed:
            self._token = request.match_info["token"]
            self._calls.append((method, params))
            self._changed.notify_all()
        try:
            result = await self._perform(method, params)
        except _ApiError as error:
            return self._refuse(method, error)
        return web.json_response({"ok": True, "result": result})

    async def _perform(self, method: str, params: dict[str, Any]) -> Any:
        with self._changed:
            if method not in self._method_names.values():
                raise _ApiError(404, "Not Found: method not found")
            self._take_injected_failure(method, params)
            if method != "getUpdates":
                result = self._handlers[method](params)
                self._changed.notify_all()
                return result
        return await self._get_updates(params)

    def _refuse(self, method: str, error: _ApiError) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": error.status,
            "description": error.description,
        }
        if error.parameters:
            body["parameters"] = error.parameters
        if 400 <= error.status < 500:
            with self._changed:
                self._rejected.append((method, error.description))
                self._changed.notify_all()
        return web.json_response(body, status=error.status)

    def _take_injected_failure(self, method: str, params: dict[str, Any]) -> None:
        for failure in self._failures:
            if failure.method == method and failure.chat_id in {None, params.get("chat_id")}:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                raise _ApiError(
                    429,
                    f"Too Many Requests: retry after {failure.retry_after}",
                    {"retry_after": failure.retry_after},
                )

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """A real long poll: it answers as soon as an update is there, or empty at the timeout."""
        timeout = params.get("timeout") if isinstance(params.get("timeout"), int) else 0
        limit = params.get("limit") if isinstance(params.get("limit"), int) else 0
        limit = min(max(limit, 1), MAX_UPDATES_PER_POLL) if limit else MAX_UPDATES_PER_POLL
        with self._changed:
            if self._webhook is not None:
                raise _ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            self._confirm(params.get("offset"))
            if params.get("allowed_updates") is not None:
                self._allowed_updates = set(params["allowed_updates"]) or None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0)
        event = self._update_arrived
        while True:
            with self._changed:
                batch = [
                    update
                    for update in self._updates
                    if self._allowed_updates is None or self._allowed_updates.intersection(update)
                ][:limit]
                closing = self._closing
            remaining = deadline - loop.time()
            if batch or closing or remaining <= 0 or event is None:
                return batch
            event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _confirm(self, offset: Any) -> None:
        """An offset confirms every earlier update; a negative one keeps only the last few."""
        if not isinstance(offset, int) or offset == 0:
            return
        if offset > 0:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        else:
            self._updates = self._updates[offset:]

    def _known_chat(self, params: dict[str, Any]) -> _Chat:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise _bad_request("chat not found")
        return chat

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._known_chat(params)
        plain, entities = _render(params)
        markup = _checked_markup(params.get("reply_markup"))
        sent = SentMessage(
            message_id=chat.next_message_id(),
            text=params["text"],
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            disable_notification=bool(params.get("disable_notification")),
            edited=0,
            deleted=False,
            plain_text=plain,
            entities=entities,
            date=int(time.time()),
        )
        chat.bot_messages[sent.message_id] = sent
        return chat.message_json(sent)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._known_chat(params)
        photo = params.get("photo")
        _photo_size(photo)
        plain, entities = _render_caption(params)
        markup = _checked_markup(params.get("reply_markup"))
        sent = SentMessage(
            message_id=chat.next_message_id(),
            text=str(params.get("caption") or ""),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            disable_notification=bool(params.get("disable_notification")),
            edited=0,
            deleted=False,
            plain_text=plain,
            entities=entities,
            date=int(time.time()),
            photo=photo,
        )
        chat.bot_messages[sent.message_id] = sent
        return chat.message_json(sent)

    def _message_to_edit(self, params: dict[str, Any]) -> tuple[_Chat, SentMessage]:
        if "chat_id" not in params and "inline_message_id" not in params:
            raise _bad_request("message identifier is not specified")
        chat = self._known_chat(params)
        message_id = params.get("message_id")
        if message_id in chat.user_messages and message_id not in chat.deleted:
            raise _bad_request("message can't be edited")
        sent = chat.bot_messages.get(message_id) if isinstance(message_id, int) else None
        if sent is None or sent.deleted:
            raise _bad_request("message to edit not found")
        return chat, sent

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        """Like Telegram, an edit without reply_markup takes the inline keyboard away."""
        chat, sent = self._message_to_edit(params)
        if sent.photo:
            raise _bad_request("there is no text in the message to edit")
        plain, entities = _render(params)
        markup = _checked_markup(params.get("reply_markup"))
        if (plain, entities, markup) == (sent.plain_text, sent.entities, sent.reply_markup):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        edited = replace(
            sent,
            text=params["text"],
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            plain_text=plain,
            entities=entities,
            edited=sent.edited + 1,
        )
        chat.bot_messages[sent.message_id] = edited
        return chat.message_json(edited)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, sent = self._message_to_edit(params)
        markup = _checked_markup(params.get("reply_markup"))
        if markup == sent.reply_markup:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        edited = replace(sent, reply_markup=markup, edited=sent.edited + 1)
        chat.bot_messages[sent.message_id] = edited
        return chat.message_json(edited)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._known_chat(params)
        message_id = params.get("message_id")
        exists = message_id in chat.user_messages or message_id in chat.bot_messages
        if not isinstance(message_id, int) or not exists or message_id in chat.deleted:
            raise _bad_request("message to delete not found")
        chat.deleted.add(message_id)
        if message_id in chat.bot_messages:
            chat.bot_messages[message_id] = replace(chat.bot_messages[message_id], deleted=True)
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_queries:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._open_queries.remove(query_id)
        self._answered_callbacks[query_id] = {
            name: value for name, value in params.items() if name != "callback_query_id"
        }
        return True

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
            raise _bad_request("can't parse commands JSON object")
        if any(not _COMMAND.fullmatch(str(command.get("command", ""))) for command in commands):
            raise _bad_request("BOT_COMMAND_INVALID")
        self._commands[_scope_key(params)] = [dict(command) for command in commands]
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(_scope_key(params), None)
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = dict(params) if params.get("url") else None
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        return True

    def _webhook_info(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": (self._webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }


def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") if isinstance(params.get("scope"), dict) else {}
    return str(scope.get("type", "default")), str(params.get("language_code") or "")


def _describe(predicate: Callable[[], bool]) -> str:
    """A lambda's own source says best what a test was waiting for."""
    try:
        return inspect.getsource(predicate).strip()
    except (OSError, TypeError):
        return getattr(predicate, "__qualname__", repr(predicate))


async def _not_found(_request: web.Request) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
    )
