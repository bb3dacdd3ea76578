"""Charts waiting to be drawn, served one user at a time in turn.

The chart maker draws one chart at a time. Served first come, first served, a user who
asks for ten charts would make the next user wait for all ten; served in turn, each other
user's charts delay one's own by one render at most.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import Generic, TypeVar

T = TypeVar("T")


class FairQueue(Generic[T]):
    def __init__(self) -> None:
        self._lines: OrderedDict[int, deque[T]] = OrderedDict()

    def add(self, owner: int, item: T) -> None:
        self._lines.setdefault(owner, deque()).append(item)

    def take(self) -> T | None:
        """The next owner's oldest item; that owner goes to the back of the line."""
        if not self._lines:
            return None
        owner, items = next(iter(self._lines.items()))
        item = items.popleft()
        if items:
            self._lines.move_to_end(owner)
        else:
            del self._lines[owner]
        return item

    def __len__(self) -> int:
        return sum(len(items) for items in self._lines.values())
