"""Events from an actor's own threads, handed to the actor's thread.

A socket's thread must never touch the actor: it queues the event and writes a byte to a
pipe the actor watches (ThespianWatch), and the actor drains the queue on its own thread
when Thespian reports the pipe readable.
"""

from __future__ import annotations

import contextlib
import os
import queue
from typing import Generic, TypeVar

from thespian.actors import ThespianWatch

Event = TypeVar("Event")


class ThreadInbox(Generic[Event]):
    def __init__(self) -> None:
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        os.set_blocking(self._write_fd, False)

    def put(self, event: Event) -> None:
        """From any thread."""
        self._events.put(event)
        with contextlib.suppress(BlockingIOError):
            os.write(self._write_fd, b"\0")

    def watch(self) -> ThespianWatch:
        """What the actor's receiveMessage returns, so Thespian wakes it for the pipe."""
        return ThespianWatch([self._read_fd])

    def drain(self) -> list[Event]:
        """Everything queued so far, oldest first (on the actor's thread)."""
        with contextlib.suppress(BlockingIOError):
            while os.read(self._read_fd, 4096):
                pass
        events = []
        with contextlib.suppress(queue.Empty):
            while True:
                events.append(self._events.get_nowait())
        return events

    def close(self) -> None:
        for fd in (self._read_fd, self._write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
