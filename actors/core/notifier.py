"""The one way out to users: every Reply and Notification passes here.

It renders nothing (the chat adapter renders message keys). It writes each message to the
outbox before handing it on, hands messages over in batches (bursts to one chat coalesce
into one delivery), and forgets them only when the adapter acknowledges delivery; an
adapter that (re)registers receives everything not yet acknowledged, in order.

A message the adapter reports Undeliverable (it could not render or send it) is offered
again; after MAX_DELIVERY_ATTEMPTS failures, or at once when its stored row cannot even be
read back, it moves to the dead letters with one operator log line, and its user gets a
short apology instead. Either way the messages behind it go on.

Each Notification meets its user's setting for its kind on the way out: `off` is marked
delivered and never handed on, `silent` goes with `silent=True`. A Reply always goes as
it is: the user just asked for it, and so does a Photo (a chart answering a command),
whose PNG is stored beside its row until delivered.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from thespian.actors import WakeupMessage

from actors.base import BotActor
from messages.replies import (
    Button,
    Delivered,
    Notification,
    Outbound,
    OutboundBatch,
    ParamValue,
    Photo,
    RegisterOutlet,
    Reply,
    Undeliverable,
)
from persistence.models.outbox import (
    OutboxMessage,
    bury,
    count_failed_attempt,
    mark_delivered,
    photos,
    store,
    undelivered,
)
from persistence.models.users import notification_settings

log = logging.getLogger(__name__)

COALESCE = timedelta(milliseconds=20)
MAX_DELIVERY_ATTEMPTS = 3
APOLOGY_KEY = "error.reply_lost"
_KINDS: dict[str, type[Outbound]] = {"Reply": Reply, "Notification": Notification, "Photo": Photo}
PNG = "png"  # a Photo's field that is stored beside its row, not in it


def encode(message: Outbound) -> dict[str, Any]:
    """Field by field (dataclasses.asdict deep-copies every value, a third of the Notifier's
    work per message); only the buttons become plain dicts for the JSON column. A photo's
    PNG is left out: it is stored beside the row."""
    fields = {
        field.name: getattr(message, field.name)
        for field in dataclasses.fields(message)
        if field.name != PNG
    }
    fields["buttons"] = [
        [{"label_key": b.label_key, "callback": b.callback, "params": b.params} for b in row]
        for row in message.buttons
    ]
    return {"type": type(message).__name__, **fields}


def decode(payload: dict[str, Any], png: bytes | None = None) -> Outbound:
    """`png`: a photo's, as stored beside its row; a photo without it cannot be read back."""
    fields = dict(payload)
    cls = _KINDS[fields.pop("type")]
    if cls is Photo:
        if png is None:
            raise KeyError("the photo's PNG is no longer stored")
        fields[PNG] = png
    fields["params"] = tuple((name, _param(value)) for name, value in fields["params"])
    fields["buttons"] = tuple(
        tuple(
            Button(b["label_key"], b["callback"], tuple(tuple(p) for p in b["params"])) for b in row
        )
        for row in fields["buttons"]
    )
    fields["delete_message_ids"] = tuple(fields["delete_message_ids"])
    return cls(**fields)  # fields added later (`silent`) take their default on old rows


def _is_photo(payload: Any) -> bool:
    return isinstance(payload, dict) and payload.get("type") == Photo.__name__


def _param(value: str | list[list[str]]) -> ParamValue:
    """JSON keeps a list of rows as lists: back to the tuples Outbound carries."""
    return value if isinstance(value, str) else tuple(tuple(row) for row in value)


def as_the_user_wants(messages: tuple[Outbound, ...]) -> tuple[tuple[Outbound, ...], list[str]]:
    """The messages to hand on, and the correlation ids of those the users switched off.

    One query for all the users in the batch, whatever its size."""
    settings = notification_settings(m.telegram_id for m in messages if isinstance(m, Notification))
    passed: list[Outbound] = []
    switched_off: list[str] = []
    for message in messages:
        level = "on"
        if isinstance(message, Notification) and message.telegram_id in settings:
            level = settings[message.telegram_id].notify_level(message.kind)
        if level == "off":
            switched_off.append(message.correlation_id)
        elif level == "silent" and not message.silent:
            passed.append(dataclasses.replace(message, silent=True))
        else:
            passed.append(message)
    return tuple(passed), switched_off


class Notifier(BotActor):
    holds_connection = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outlet: Any = None
        self.queue: list[Outbound] = []
        self.flush_scheduled = False

    def receiveMsg_Outbound(self, message: Outbound, sender: Any) -> None:
        self._accept((message,))

    def receiveMsg_OutboundBatch(self, message: OutboundBatch, sender: Any) -> None:
        """Producers with many messages at once (the TriggerBook) send them in one batch."""
        self._accept(message.messages)

    def _accept(self, messages: tuple[Outbound, ...]) -> None:
        """Stored (one statement for the lot) before anything is handed on."""
        store(
            (
                {"correlation_id": m.correlation_id, "chat_id": m.chat_id, "payload": encode(m)}
                for m in messages
            ),
            photos={m.correlation_id: m.png for m in messages if isinstance(m, Photo)},
        )
        self._enqueue(messages)

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender: Any) -> None:
        self.flush_scheduled = False
        if self.outlet is None or not self.queue:
            return
        batch, self.queue = tuple(self.queue), []
        self._hand_on(self.outlet, batch)

    def receiveMsg_RegisterOutlet(self, message: RegisterOutlet, sender: Any) -> None:
        self.outlet = sender
        self.queue = []
        pending = self._readable(undelivered())
        log.info(
            "chat adapter registered",
            extra={"adapter": message.adapter, "redelivering": len(pending)},
        )
        if pending:
            self._hand_on(sender, pending)

    def receiveMsg_Delivered(self, message: Delivered, sender: Any) -> None:
        mark_delivered(message.message_correlation_ids)

    def receiveMsg_Undeliverable(self, message: Undeliverable, sender: Any) -> None:
        again = []
        for row in count_failed_attempt(message.message_correlation_ids):
            if row.attempts >= MAX_DELIVERY_ATTEMPTS:
                self._give_up(row, message.reason)
            else:
                again.append(row)
        retry = self._readable(again)
        if retry:
            self._enqueue(retry)

    def _readable(self, rows: Sequence[OutboxMessage]) -> tuple[Outbound, ...]:
        """The rows as messages; a row that cannot be read back is given up on at once."""
        pngs = photos(row.correlation_id for row in rows if _is_photo(row.payload))
        messages = []
        for row in rows:
            try:
                messages.append(decode(row.payload, pngs.get(row.correlation_id)))
            except (KeyError, TypeError, ValueError) as error:
                self._give_up(row, f"decode: {type(error).__name__}")
        return tuple(messages)

    def _enqueue(self, messages: tuple[Outbound, ...]) -> None:
        self.queue.extend(messages)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            self.wakeupAfter(COALESCE)

    def _give_up(self, row: OutboxMessage, reason: str) -> None:
        """Moved to the dead letters (once: the outbox row goes), told to the operator, and
        the user gets an apology unless what failed was an apology."""
        payload = row.payload if isinstance(row.payload, dict) else {}
        telegram_id = payload.get("telegram_id")
        telegram_id = telegram_id if isinstance(telegram_id, int) else None
        key = str(payload.get("key", ""))[:128]
        bury(row, telegram_id=telegram_id, key=key, reason=reason[:200])
        log.error(
            "outbound message given up: moved to the dead letters",
            extra={
                "user_id": telegram_id,
                "message_key": key,
                "reason": reason,
                "attempts": row.attempts,
                "message_correlation_id": row.correlation_id,
            },
        )
        if telegram_id is not None and key != APOLOGY_KEY:
            language = payload.get("language")
            self._accept(
                (
                    Notification(
                        telegram_id=telegram_id,
                        chat_id=row.chat_id,
                        key=APOLOGY_KEY,
                        language=language if isinstance(language, str) else "id",
                        kind="system",
                        correlation_id=f"{row.correlation_id[:56]}-sorry",
                    ),
                )
            )

    def _hand_on(self, outlet: Any, messages: tuple[Outbound, ...]) -> None:
        passed, switched_off = as_the_user_wants(messages)
        if switched_off:
            mark_delivered(switched_off)
        if passed:
            self.send(outlet, OutboundBatch(messages=passed))
