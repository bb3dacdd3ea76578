"""A per-user command budget, so one user's flood cannot crowd out the others.

A token bucket: `per_minute` commands a minute, with the whole minute's worth usable at
once. A user over budget is told once (not once per dropped command) until the budget
refills. Confirmations of something already shown (an order preview, an alert) are never
refused: the user already decided.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    REFUSE_AND_TELL = "refuse_and_tell"
    REFUSE_QUIETLY = "refuse_quietly"


@dataclass
class _Bucket:
    tokens: float
    updated: float
    told: bool = False


class CommandBudget:
    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.buckets: dict[int, _Bucket] = {}

    def check(self, telegram_id: int, *, confirmation: bool = False) -> Verdict:
        now = time.monotonic()
        bucket = self.buckets.setdefault(telegram_id, _Bucket(self.capacity, now))
        bucket.tokens = min(
            self.capacity, bucket.tokens + (now - bucket.updated) * self.refill_per_second
        )
        bucket.updated = now
        if confirmation:
            return Verdict.ALLOW
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.told = False
            return Verdict.ALLOW
        if bucket.told:
            return Verdict.REFUSE_QUIETLY
        bucket.told = True
        return Verdict.REFUSE_AND_TELL
