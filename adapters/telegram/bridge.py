"""Between the Telegram event loop and the actor system.

The actor-system handle is not thread-safe and its `listen` blocks, so it stays on one
thread (the caller's: `run()` blocks, which lets Ctrl-C land where bin/run expects it).
The event loop hands messages over through a queue; what the actors send back is posted
onto the loop with `call_soon_threadsafe`. Admin commands are answered by correlation id.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

from adapters.chat.actor_link import ActorLink, Arrival
from messages.admin import AdminCommand, AdminReply

LISTEN_SECONDS = 0.02


class ActorBridge:
    def __init__(self, link: ActorLink) -> None:
        self.link = link
        self.outgoing: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self.stop_requested = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.deliver: Callable[[Arrival], None] | None = None
        self.waiting: dict[str, asyncio.Future[AdminReply]] = {}
        self.held: list[Arrival] = []  # arrived before the event loop was attached

    def attach(self, loop: asyncio.AbstractEventLoop, deliver: Callable[[Arrival], None]) -> None:
        """Called from the event loop once it runs: where arrivals go from now on."""
        self.loop, self.deliver = loop, deliver

    # Called on the event loop

    def tell(self, message: Any) -> None:
        self.outgoing.put(("tell", message))

    def acknowledge(self, correlation_ids: tuple[str, ...]) -> None:
        if correlation_ids:
            self.outgoing.put(("ack", correlation_ids))

    def undeliverable(self, correlation_ids: tuple[str, ...], reason: str) -> None:
        self.outgoing.put(("undeliverable", (correlation_ids, reason)))

    async def admin(self, command: AdminCommand, timeout: float = 10.0) -> AdminReply:
        future: asyncio.Future[AdminReply] = asyncio.get_running_loop().create_future()
        self.waiting[command.correlation_id] = future
        self.tell(command)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self.waiting.pop(command.correlation_id, None)

    def _arrived(self, item: Arrival) -> None:
        if isinstance(item, AdminReply):
            future = self.waiting.get(item.correlation_id)
            if future is not None and not future.done():
                future.set_result(item)
            return
        if self.deliver is not None:
            self.deliver(item)

    # The actor thread

    def run(self) -> None:
        """Until stop() or an operator's Shutdown; the caller's thread owns the handle."""
        while not self.stop_requested.is_set() and not self.link.stopping:
            self.flush()
            self.held.extend(self.link.receive(LISTEN_SECONDS))
            if self.held and self.loop is not None and not self.loop.is_closed():
                for item in self.held:
                    self.loop.call_soon_threadsafe(self._arrived, item)
                self.held = []
        self.flush()

    def flush(self) -> None:
        while True:
            try:
                kind, payload = self.outgoing.get_nowait()
            except queue.Empty:
                return
            if kind == "ack":
                self.link.acknowledge(payload)
            elif kind == "undeliverable":
                self.link.undeliverable(*payload)
            else:
                self.link.tell(payload)

    def stop(self) -> None:
        self.stop_requested.set()
