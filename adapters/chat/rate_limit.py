"""A per-user budget of messages and taps, so one user's flood cannot crowd out the others.

A token bucket: `per_minute` a minute, with the whole minute's worth usable at once. Every
message and every button tap costs one, whatever it turns out to be (a command, an answer
in a conversation, a stale or garbled button). A user over budget is told once (not once
per refused update) until the budget refills.

One exception, because the user already decided: the answer to a question the bot showed
(an order preview's Confirm, an alert's choice, a Yes) passes once even over budget. The
adapter tells the budget which answers it showed; each passes once, so repeating the same
tap, or inventing answers never shown, buys nothing. It still counts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from messages.callbacks import read

SHOWN_PER_USER = 32  # open questions remembered per user; older ones count as usual


class Verdict(Enum):
    ALLOW = "allow"
    REFUSE_AND_TELL = "refuse_and_tell"
    REFUSE_QUIETLY = "refuse_quietly"


@dataclass
class _Bucket:
    tokens: float
    updated: float
    told: bool = False
    shown: dict[str, None] = field(default_factory=dict)  # answers shown, oldest first


class CommandBudget:
    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.buckets: dict[int, _Bucket] = {}

    def _bucket(self, telegram_id: int) -> _Bucket:
        now = time.monotonic()
        bucket = self.buckets.setdefault(telegram_id, _Bucket(self.capacity, now))
        bucket.tokens = min(
            self.capacity, bucket.tokens + (now - bucket.updated) * self.refill_per_second
        )
        bucket.updated = now
        return bucket

    def shown(self, telegram_id: int, callbacks: Iterable[str]) -> None:
        """The buttons of a message the user now sees; the answers among them may pass once."""
        answers = [data for data in callbacks if (tap := read(data)) is not None and tap.answers]
        if not answers:
            return
        bucket = self._bucket(telegram_id)
        for answer in answers:
            bucket.shown[answer] = None
        while len(bucket.shown) > SHOWN_PER_USER:
            bucket.shown.pop(next(iter(bucket.shown)))

    def check(self, telegram_id: int, *, tapped: str | None = None) -> Verdict:
        """One message, or one tap (`tapped`: its callback data)."""
        bucket = self._bucket(telegram_id)
        first_answer = False
        if tapped is not None and tapped in bucket.shown:
            del bucket.shown[tapped]
            first_answer = True
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.told = False
            return Verdict.ALLOW
        if first_answer:
            bucket.tokens -= 1  # counted all the same: the refill takes that much longer
            return Verdict.ALLOW
        if bucket.told:
            return Verdict.REFUSE_QUIETLY
        bucket.told = True
        return Verdict.REFUSE_AND_TELL
