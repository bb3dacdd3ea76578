"""A UserActor's way out to its neighbours. Their addresses change when a core actor is
restarted (Rewire), so every send reads the current ones."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from messages.events import BootUser, RegisterTrigger

Send = Callable[[Any, Any], None]


class Links:
    def __init__(self, send: Send, boot: Callable[[], BootUser], me: Any = None) -> None:
        self._send, self._boot, self._me = send, boot, me

    def to(self, address: Any, message: Any) -> None:
        self._send(address, message)

    def to_notifier(self, message: Any) -> None:
        self._send(self._boot().notifier, message)

    def to_trigger_book(self, message: Any) -> None:
        """A trigger carries this actor's address: the TriggerBook sends it straight here
        when it fires. The Supervisor tells the book too, but behind every other message it
        has to send: in a 1,000-user restore most triggers fired before the book had heard,
        and went the Supervisor's way, 18 s (p50) late."""
        if isinstance(message, RegisterTrigger) and message.owner is None:
            message = dataclasses.replace(message, owner=self._me)
        self._send(self._boot().trigger_book, message)

    def to_chart_maker(self, message: Any) -> None:
        self._send(self._boot().chart_maker, message)

    def to_order_stream(self, message: Any) -> None:
        """Nothing when no OrderStreamActor runs (the triggers and sweeps follow orders)."""
        address = self._boot().order_stream
        if address is not None:
            self._send(address, message)

    @property
    def me(self) -> Any:
        return self._me

    def to_supervisor(self, message: Any) -> None:
        self._send(self._boot().supervisor, message)
