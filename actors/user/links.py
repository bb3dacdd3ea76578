"""A UserActor's way out to its neighbours. Their addresses change when a core actor is
restarted (Rewire), so every send reads the current ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from messages.events import BootUser

Send = Callable[[Any, Any], None]


class Links:
    def __init__(self, send: Send, boot: Callable[[], BootUser]) -> None:
        self._send, self._boot = send, boot

    def to(self, address: Any, message: Any) -> None:
        self._send(address, message)

    def to_notifier(self, message: Any) -> None:
        self._send(self._boot().notifier, message)

    def to_trigger_book(self, message: Any) -> None:
        self._send(self._boot().trigger_book, message)

    def to_supervisor(self, message: Any) -> None:
        self._send(self._boot().supervisor, message)
