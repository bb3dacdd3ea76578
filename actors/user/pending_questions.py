"""Questions the bot asked and waits to hear back on: an order preview's Confirm, an alert's
Once / Every time / Cancel.

They live in memory only and briefly, so a stale button cannot act, and each is taken once,
so a second tap finds nothing. Orders and alerts share this one store, so both answer a
late or repeated tap the same way.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Generic, TypeVar

PREVIEW_TTL = 120.0  # seconds a question stays answerable

Item = TypeVar("Item")


@dataclass(frozen=True)
class Unanswerable:
    """A tap that settles nothing, and the reply key saying why."""

    key: str


class PendingQuestions(Generic[Item]):
    def __init__(self, *, gone_key: str, expired_key: str) -> None:
        self.gone_key = gone_key  # the answer to a repeated tap
        self.expired_key = expired_key  # the answer to a late one
        self._asked: dict[str, tuple[Item, float]] = {}

    @property
    def answerable_for(self) -> int:
        """Seconds a new question stays answerable, as the user is told."""
        return int(PREVIEW_TTL)

    def ask(self, item: Item) -> str:
        """Files `item` under a new short id (it travels in callback data); questions past
        their time are dropped on the way."""
        now = time.monotonic()
        self._asked = {key: asked for key, asked in self._asked.items() if asked[1] > now}
        pending_id = uuid.uuid4().hex[:12]
        self._asked[pending_id] = (item, now + PREVIEW_TTL)
        return pending_id

    def peek(self, pending_id: str) -> Item | Unanswerable:
        """The item still waiting for its answer, left in place: a question looked at (a
        backtest of a strategy's preview) is answered later all the same."""
        asked = self._asked.get(pending_id)
        if asked is None:
            return Unanswerable(self.gone_key)
        item, expires_at = asked
        if expires_at < time.monotonic():
            return Unanswerable(self.expired_key)
        return item

    def take(self, pending_id: str, *, cancel_key: str | None = None) -> Item | Unanswerable:
        """The first tap takes the item, unless it came too late or was a Cancel (answered
        with `cancel_key`); either way the question is gone afterwards."""
        asked = self._asked.pop(pending_id, None)
        if asked is None:
            return Unanswerable(self.gone_key)
        if cancel_key is not None:
            return Unanswerable(cancel_key)
        item, expires_at = asked
        if expires_at < time.monotonic():
            return Unanswerable(self.expired_key)
        return item
