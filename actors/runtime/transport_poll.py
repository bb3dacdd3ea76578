"""One poll set per thread for Thespian's TCP transport, instead of a new selector per pass.

Thespian 4.0.1 builds a new `selectors.DefaultSelector()` on every pass of its transport
loop, registers every open socket in it, selects once and closes it ("creates selector on
each loop, perhaps this could be optimized", TCPTransport._runWithExpiry). With epoll that is
a system call per socket per pass: the Supervisor of a thousand user actors, each holding a
connection to it, spent about a fifth of its time creating, filling and closing epoll sets
while it restored them (py-spy, bench/thousand_users.py restore).

`PassSelector` keeps the same three calls. Each pass only says which sockets it wants; the
thread's one `select.poll` object is brought to that set by difference (no system call:
poll keeps its set in the process) and one poll(2) asks the kernel about all of them. poll
keeps nothing in the kernel between calls, so a socket number closed and reused between two
passes is simply asked about again. A number that is not open any more fails the pass with
EBADF, as registering it with epoll would, so Thespian's own search for the bad descriptor
runs as before.
"""

from __future__ import annotations

import errno
import math
import select
import selectors
import threading
from typing import NamedTuple

EVENT_READ = selectors.EVENT_READ
EVENT_WRITE = selectors.EVENT_WRITE

_polls = threading.local()


class Ready(NamedTuple):
    """What Thespian reads of a selector key: the descriptor."""

    fd: int


def _thread_poll() -> tuple[select.poll, dict[int, int]]:
    if not hasattr(_polls, "poll"):
        _polls.poll, _polls.registered = select.poll(), {}
    return _polls.poll, _polls.registered


def _poll_mask(events: int) -> int:
    return (select.POLLIN if events & EVENT_READ else 0) | (
        select.POLLOUT if events & EVENT_WRITE else 0
    )


class PassSelector:
    """The selector of one pass of the transport loop (the `selectors` calls Thespian uses)."""

    def __init__(self) -> None:
        self._wanted: dict[int, int] = {}

    def register(self, fd: int, events: int) -> None:
        self._wanted[fd] = self._wanted.get(fd, 0) | events

    def select(self, timeout: float | None = None) -> list[tuple[Ready, int]]:
        poll, registered = _thread_poll()
        for fd in registered.keys() - self._wanted.keys():
            poll.unregister(fd)
            del registered[fd]
        for fd, events in self._wanted.items():
            if registered.get(fd) != events:
                poll.register(fd, _poll_mask(events))
                registered[fd] = events
        milliseconds = None if timeout is None else max(0, math.ceil(timeout * 1000))
        ready = []
        for fd, mask in poll.poll(milliseconds):
            if mask & select.POLLNVAL:
                raise OSError(errno.EBADF, f"descriptor {fd} is not open")
            events = (EVENT_READ if mask & ~select.POLLOUT else 0) | (
                EVENT_WRITE if mask & ~select.POLLIN else 0
            )  # hang-ups and errors wake both sides, as in selectors.PollSelector
            ready.append((Ready(fd), events & self._wanted[fd]))
        return ready

    def close(self) -> None:
        """The thread's poll set stays for the next pass."""


class SelectorsForTransport:
    """Stands for the `selectors` module inside Thespian's TCPTransport."""

    DefaultSelector = PassSelector
    EVENT_READ = EVENT_READ
    EVENT_WRITE = EVENT_WRITE
