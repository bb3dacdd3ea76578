"""Price triggers of one market in sorted structures: a tick costs O(log n + fired).

Level triggers (alerts, take-profit, stop-loss) sit in lists sorted by level, so a tick
pops only the prefix or suffix that fires. Trailing triggers ("sell when the price falls
D below its best since armed") sit in a stack of groups that share a peak: a new best
price merges the groups it overtakes, and groups are indexed by their highest stop, so
only groups that actually fire are touched.

Semantics, which the brute-force reference in the tests restates:
- `above` fires when price >= level, `below` when price <= level; `cross` becomes one of
  the two when armed, from the last price (armed before any price: on the first tick).
- a one-shot trigger is removed when it fires; a recurring one rests for its cooldown and
  then must see the price back past its level by its `rearm_margin` (a fraction of the
  level; 0 = merely back on the other side) before it can fire again: no repeat while the
  price stays beyond the level, nor while it jitters around it.
- a trailing trigger fires when price <= peak - distance (or peak * (1 - percent)) for a
  sell, mirrored for a buy (price >= trough + distance); it is always one-shot.
- a trigger whose expiry has passed is dropped before the tick is applied.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Direction = Literal["above", "below", "cross"]
Side = Literal["sell", "buy"]


@dataclass(frozen=True)
class LevelTrigger:
    id: Hashable
    direction: Direction
    level: Decimal
    recurring: bool = False
    cooldown: float = 0.0
    expires_at: float | None = None
    rearm_margin: Decimal = Decimal(0)  # fraction of the level: 0.005 = back by 0.5 %


@dataclass(frozen=True)
class TrailingTrigger:
    id: Hashable
    side: Side
    distance: Decimal | None = None  # absolute, in the quote currency
    percent: Decimal | None = None  # fraction: 0.05 = 5 %
    expires_at: float | None = None

    def __post_init__(self) -> None:
        if (self.distance is None) == (self.percent is None):
            raise ValueError("a trailing trigger needs exactly one of distance or percent")


Trigger = LevelTrigger | TrailingTrigger


@dataclass
class _Group:
    """Trailing triggers that share one peak (in mirrored space: higher is better)."""

    peak: Decimal
    by_distance: list[tuple[Decimal, int]] = field(default_factory=list)
    by_percent: list[tuple[Decimal, int]] = field(default_factory=list)
    stop_key: tuple[Decimal, int] | None = None

    def stop(self, sign: int) -> Decimal | None:
        """The highest mirrored price at which any member fires."""
        candidates = []
        if self.by_distance:
            candidates.append(self.peak - self.by_distance[0][0])
        if self.by_percent:
            candidates.append(self.peak * (1 - sign * self.by_percent[0][0]))
        return max(candidates) if candidates else None


class _TrailingBook:
    """One side's trailing triggers. Prices are mirrored for buys (q = -p) so that both
    sides read 'fire when q falls far enough below its peak'."""

    def __init__(self, side: Side) -> None:
        self.sign = 1 if side == "sell" else -1
        self.stack: list[_Group] = []  # peaks strictly decrease from bottom to top
        self.by_stop: list[tuple[Decimal, int, int]] = []  # (stop, group seq, id(group))
        self.groups: dict[int, _Group] = {}
        self.group_of: dict[int, _Group] = {}
        self._seq = itertools.count()

    def arm(self, seq: int, trigger: TrailingTrigger, price: Decimal) -> None:
        q = price * self.sign
        if self.stack and self.stack[-1].peak == q:
            group = self.stack[-1]
            self._unindex(group)
        else:
            group = _Group(q)
            self.stack.append(group)
        if trigger.distance is not None:
            bisect.insort(group.by_distance, (trigger.distance, seq))
        elif trigger.percent is not None:  # exactly one of the two (TrailingTrigger)
            bisect.insort(group.by_percent, (trigger.percent, seq))
        self.group_of[seq] = group
        self._index(group)

    def remove(self, seq: int) -> None:
        group = self.group_of.pop(seq)
        self._unindex(group)
        for members in (group.by_distance, group.by_percent):
            members[:] = [entry for entry in members if entry[1] != seq]
        self._index(group)

    def tick(self, price: Decimal) -> list[int]:
        q = price * self.sign
        merged: _Group | None = None
        while self.stack and self.stack[-1].peak <= q:
            group = self.stack.pop()
            self._unindex(group)
            merged = group if merged is None else _merge(merged, group)
        if merged is not None:
            merged.peak = q
            for _, seq in itertools.chain(merged.by_distance, merged.by_percent):
                self.group_of[seq] = merged
            self.stack.append(merged)
            self._index(merged)
        fired: list[int] = []
        start = bisect.bisect_left(self.by_stop, (q, -1, -1))
        firing = self.by_stop[start:]
        del self.by_stop[start:]
        for _, _, key in firing:
            group = self.groups.pop(key)
            group.stop_key = None
            fired.extend(_fire(group, q, self.sign))
            self._index(group)
        for seq in fired:
            del self.group_of[seq]
        return fired

    def _index(self, group: _Group) -> None:
        stop = group.stop(self.sign)
        if stop is None:
            return
        key = next(self._seq)
        group.stop_key = (stop, key)
        self.groups[key] = group
        bisect.insort(self.by_stop, (stop, key, key))

    def _unindex(self, group: _Group) -> None:
        if group.stop_key is None:
            return
        stop, key = group.stop_key
        index = bisect.bisect_left(self.by_stop, (stop, key, key))
        del self.by_stop[index]
        del self.groups[key]
        group.stop_key = None


def _fire(group: _Group, q: Decimal, sign: int) -> list[int]:
    """Both lists are sorted so that stops fall along them: fire from the front while the
    stop is still at or above the price."""
    peak = group.peak
    return [
        *_pop_while(group.by_distance, lambda d: peak - d >= q),
        *_pop_while(group.by_percent, lambda r: peak * (1 - sign * r) >= q),
    ]


def _pop_while(members: list[tuple[Decimal, int]], fires: Callable[[Decimal], bool]) -> list[int]:
    cut = 0
    while cut < len(members) and fires(members[cut][0]):
        cut += 1
    fired = [seq for _, seq in members[:cut]]
    del members[:cut]
    return fired


def _discard(structure: list[tuple[Decimal, int]], entry: tuple[Decimal, int]) -> None:
    index = bisect.bisect_left(structure, entry)
    if index < len(structure) and structure[index] == entry:
        del structure[index]


def _merge(bigger: _Group, other: _Group) -> _Group:
    if len(bigger.by_distance) + len(bigger.by_percent) < len(other.by_distance) + len(
        other.by_percent
    ):
        bigger, other = other, bigger
    for entry in other.by_distance:
        bisect.insort(bigger.by_distance, entry)
    for entry in other.by_percent:
        bisect.insort(bigger.by_percent, entry)
    return bigger


class TriggerIndex:
    """All triggers of one pair. Not thread-safe: one actor owns it."""

    def __init__(self) -> None:
        self.last_price: Decimal | None = None
        self._seq = itertools.count()
        self._triggers: dict[int, Trigger] = {}
        self._seq_of: dict[Hashable, int] = {}
        # (level, seq): armed ones fire. Resetting ones, as (re-arm level, seq), wait for
        # the price to pass back beyond their re-arm level.
        self._above: list[tuple[Decimal, int]] = []
        self._below: list[tuple[Decimal, int]] = []
        self._reset_above: list[tuple[Decimal, int]] = []
        self._reset_below: list[tuple[Decimal, int]] = []
        self._side_of: dict[int, Literal["above", "below"]] = {}
        self._level_of: dict[int, Decimal] = {}
        self._unarmed_cross: list[int] = []
        self._resting: list[tuple[float, int]] = []  # (until, seq) heap of cooling triggers
        self._expiring: list[tuple[float, int]] = []  # (expires_at, seq) heap
        self._trailing = {"sell": _TrailingBook("sell"), "buy": _TrailingBook("buy")}

    def __len__(self) -> int:
        return len(self._triggers)

    def __contains__(self, trigger_id: Hashable) -> bool:
        return trigger_id in self._seq_of

    def add(self, trigger: Trigger) -> None:
        if trigger.id in self._seq_of:
            self.remove(trigger.id)
        seq = next(self._seq)
        self._triggers[seq] = trigger
        self._seq_of[trigger.id] = seq
        if trigger.expires_at is not None:
            heapq.heappush(self._expiring, (trigger.expires_at, seq))
        if isinstance(trigger, TrailingTrigger):
            if self.last_price is None:
                self._unarmed_cross.append(seq)
            else:
                self._trailing[trigger.side].arm(seq, trigger, self.last_price)
            return
        self._level_of[seq] = trigger.level
        if trigger.direction == "cross":
            if self.last_price is None:
                self._unarmed_cross.append(seq)
                return
            self._arm_level(seq, "above" if self.last_price < trigger.level else "below")
        else:
            self._arm_level(seq, trigger.direction)

    def remove(self, trigger_id: Hashable) -> Trigger | None:
        seq = self._seq_of.pop(trigger_id, None)
        if seq is None:
            return None
        trigger = self._triggers[seq]
        if isinstance(trigger, TrailingTrigger):
            book = self._trailing[trigger.side]
            if seq in book.group_of:
                book.remove(seq)
        side = self._side_of.get(seq)
        if side is not None:
            armed, resetting = self._lists(side)
            _discard(armed, (self._level_of[seq], seq))
            _discard(resetting, (self._rearm_level(seq), seq))
            del self._side_of[seq], self._level_of[seq]
        del self._triggers[seq]
        if seq in self._unarmed_cross:
            self._unarmed_cross.remove(seq)
        return trigger

    def tick(self, price: Decimal, now: float) -> list[Trigger]:
        """Apply one price; return the triggers that fired, in the order they fired."""
        self._expire(now)
        self._wake(now)
        if self.last_price is None and self._unarmed_cross:
            self.last_price = price
            for seq in self._unarmed_cross:
                trigger = self._triggers[seq]
                if isinstance(trigger, TrailingTrigger):
                    self._trailing[trigger.side].arm(seq, trigger, price)
                else:
                    self._arm_level(seq, "above" if price < self._level_of[seq] else "below")
            self._unarmed_cross.clear()
        self.last_price = price
        self._rearm(price)
        fired_seqs = self._fire_levels(price)
        for book in self._trailing.values():
            fired_seqs.extend(book.tick(price))
        fired = []
        for seq in fired_seqs:
            trigger = self._triggers[seq]
            fired.append(trigger)
            if isinstance(trigger, LevelTrigger) and trigger.recurring:
                heapq.heappush(self._resting, (now + trigger.cooldown, seq))
            else:
                self._forget(seq)
        return fired

    def _arm_level(self, seq: int, side: Literal["above", "below"]) -> None:
        self._side_of[seq] = side
        bisect.insort(self._lists(side)[0], (self._level_of[seq], seq))

    def _lists(self, side: str) -> tuple[list[tuple[Decimal, int]], list[tuple[Decimal, int]]]:
        if side == "above":
            return self._above, self._reset_above
        return self._below, self._reset_below

    def _fire_levels(self, price: Decimal) -> list[int]:
        cut = bisect.bisect_right(self._above, (price, float("inf")))
        fired = [seq for _, seq in self._above[:cut]]
        del self._above[:cut]
        cut = bisect.bisect_left(self._below, (price, -1))
        fired.extend(seq for _, seq in self._below[cut:])
        del self._below[cut:]
        return fired

    def _rearm(self, price: Decimal) -> None:
        """Resetting triggers the price has passed back beyond are armed again."""
        cut = bisect.bisect_right(self._reset_above, (price, float("inf")))
        for _, seq in self._reset_above[cut:]:
            bisect.insort(self._above, (self._level_of[seq], seq))
        del self._reset_above[cut:]
        cut = bisect.bisect_left(self._reset_below, (price, -1))
        for _, seq in self._reset_below[:cut]:
            bisect.insort(self._below, (self._level_of[seq], seq))
        del self._reset_below[:cut]

    def _rearm_level(self, seq: int) -> Decimal:
        """Above: re-armed once the price is below this; below: once it is above it."""
        trigger = self._triggers[seq]
        margin = trigger.rearm_margin if isinstance(trigger, LevelTrigger) else Decimal(0)
        level = self._level_of[seq]
        return level * (1 - margin) if self._side_of[seq] == "above" else level * (1 + margin)

    def _wake(self, now: float) -> None:
        while self._resting and self._resting[0][0] <= now:
            _, seq = heapq.heappop(self._resting)
            if seq in self._triggers:
                resetting = self._lists(self._side_of[seq])[1]
                bisect.insort(resetting, (self._rearm_level(seq), seq))

    def _expire(self, now: float) -> None:
        while self._expiring and self._expiring[0][0] <= now:
            _, seq = heapq.heappop(self._expiring)
            trigger = self._triggers.get(seq)
            if trigger is not None:
                self.remove(trigger.id)

    def _forget(self, seq: int) -> None:
        trigger = self._triggers.pop(seq)
        del self._seq_of[trigger.id]
        self._side_of.pop(seq, None)
        self._level_of.pop(seq, None)
