"""Everything that goes out to a chat: a message key and its parameters, never rendered
text. The chat adapter renders it in the user's language."""

from __future__ import annotations

from dataclasses import dataclass, field

from messages.base import Message

Row = tuple[str, ...]
# A list the text shows row by row (`{alerts:rows=alert.row}`), each row's cells as they are:
# no separator to escape, no cell that can split a row.
Rows = tuple[Row, ...]
ParamValue = str | Rows
Params = tuple[tuple[str, ParamValue], ...]


@dataclass(frozen=True)
class Button:
    label_key: str
    callback: str  # short (< 64 bytes) callback data, the adapter's to route
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Outbound(Message):
    telegram_id: int
    chat_id: int
    key: str
    params: Params = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    language: str = "id"
    delete_message_ids: tuple[int, ...] = field(default=())
    silent: bool = False  # delivered without a sound (Telegram's disable_notification)

    def param(self, name: str) -> ParamValue | None:
        return dict(self.params).get(name)


@dataclass(frozen=True, kw_only=True)
class Reply(Outbound):
    """The answer to one command (same correlation id)."""


@dataclass(frozen=True, kw_only=True)
class Photo(Reply):
    """A chart as the answer to one command: a PNG with its caption (the message key and
    its parameters, rendered by the chat adapter) and buttons under it. It travels the way
    a Reply does, outbox included."""

    png: bytes = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class Notification(Outbound):
    """Something the user did not just ask for: a fired alert, a fill, a paused strategy."""

    kind: str = "info"  # alert | fill | strategy | system: the user's notification settings


@dataclass(frozen=True, kw_only=True)
class Delivered(Message):
    """The chat adapter's acknowledgement: the Notifier may forget these messages."""

    message_correlation_ids: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Undeliverable(Message):
    """The chat adapter could not render or send these messages: the Notifier offers them
    again, and after too many failures moves them to the dead letters."""

    message_correlation_ids: tuple[str, ...]
    reason: str  # the stage and the error type ("render: Overflow"), never the text


@dataclass(frozen=True, kw_only=True)
class RegisterOutlet(Message):
    """A chat adapter says 'send outbound messages here' (to the sender of this message)."""

    adapter: str  # "telegram" | "console"


@dataclass(frozen=True, kw_only=True)
class OutboundBatch(Message):
    """Messages for the chat adapter, coalesced per delivery; acknowledged with Delivered."""

    messages: tuple[Outbound, ...]
