"""One poll set per thread for Thespian's TCP transport, changed only where something changed.

Thespian 4.0.1 builds a new `selectors.DefaultSelector()` on every pass of its transport
loop and registers in it every socket it has: the sends and receives in progress, its
listener, and every connection it keeps open for reuse (one to each actor it has talked to
in the last twenty minutes). With epoll that is a system call per socket per pass: the
Supervisor of a thousand user actors spent about a fifth of its time creating, filling and
closing epoll sets while it restored them, and the TriggerBook most of its time walking its
thousand kept connections on every pass (py-spy, bench/thousand_users.py restore, ticks).

Each thread has one `select.poll` set instead. The kept connections are `KeptSockets`,
Thespian's `_openSockets` dict that also knows each connection's descriptor and logs every
one added and removed; a pass (`poll_pass`) applies the changes since that thread's last
pass and registers the few sockets of sends and receives in progress, so its Python work
grows with what changed, not with the number of peers. poll keeps nothing in the kernel
between calls, so a socket number closed and reused between two passes is simply asked about
again, and a number that is not open any more answers POLLNVAL.

The loop that calls it is Thespian's own with those parts changed
(actors/runtime/transport_loop.py).
"""

from __future__ import annotations

import errno
import itertools
import math
import select
import selectors
import threading
from collections import deque
from typing import Any, NamedTuple

EVENT_READ = selectors.EVENT_READ
EVENT_WRITE = selectors.EVENT_WRITE

# Additions and removals a thread may be behind by and still catch up change by change;
# further behind, it compares the whole set once.
KEPT_LOG = 4096

_passes = threading.local()


class KeptSockets(dict[Any, Any]):
    """Thespian's kept connections (peer key -> IdleSocket) and each one's descriptor.

    Thespian changes `_openSockets` only by `d[key] = idle`, `del d[key]` and
    `d.pop(key)`, so those three keep the descriptors and the log of changes."""

    def __init__(self) -> None:
        super().__init__()
        self.key_of_fd: dict[int, Any] = {}
        self._fd_of_key: dict[Any, int] = {}
        self.version = 0
        self.changes: deque[tuple[int, bool]] = deque(maxlen=KEPT_LOG)

    def __setitem__(self, key: Any, idle: Any) -> None:
        self._forget(key)
        super().__setitem__(key, idle)
        fd = idle.socket.fileno()
        if fd < 0:  # closed already: nothing to ask about
            return
        stale = self.key_of_fd.get(fd)
        if stale is not None:  # that connection was closed without leaving; its number is reused
            del self._fd_of_key[stale]
        self.key_of_fd[fd] = key
        self._fd_of_key[key] = fd
        self._log(fd, added=True)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._forget(key)

    def pop(self, key: Any, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._forget(key)
        return value

    def _forget(self, key: Any) -> None:
        fd = self._fd_of_key.pop(key, None)
        if fd is not None:
            del self.key_of_fd[fd]
            self._log(fd, added=False)

    def _log(self, fd: int, added: bool) -> None:
        self.version += 1
        self.changes.append((fd, added))


class _ThreadPoll:
    """A thread's poll set: what is registered, the last pass's sockets in progress, and
    how far it has followed its transport's kept connections."""

    def __init__(self) -> None:
        self.poll = select.poll()
        self.registered: dict[int, int] = {}  # descriptor -> poll mask
        self.passing: dict[int, int] = {}  # the last pass's sockets in progress -> events
        self.kept: KeptSockets | None = None
        self.kept_fds: set[int] = set()
        self.kept_version = 0

    def follow(self, kept: KeptSockets | None) -> set[int]:
        """Brings the kept part up to date; the descriptors whose part changed."""
        behind = -1 if kept is None or kept is not self.kept else kept.version - self.kept_version
        if kept is not None and 0 <= behind <= len(kept.changes):
            changed = set()
            for fd, added in itertools.islice(kept.changes, len(kept.changes) - behind, None):
                (self.kept_fds.add if added else self.kept_fds.discard)(fd)
                changed.add(fd)
        else:
            now = set(kept.key_of_fd) if kept is not None else set()
            changed, self.kept_fds = now ^ self.kept_fds, now
        self.kept = kept
        self.kept_version = kept.version if kept is not None else 0
        return changed

    def set(self, fd: int, mask: int) -> None:
        if mask == self.registered.get(fd, 0):
            return
        if mask:
            self.poll.register(fd, mask)  # registering again changes the mask
            self.registered[fd] = mask
        else:
            self.poll.unregister(fd)
            del self.registered[fd]


def _thread_poll() -> _ThreadPoll:
    if not hasattr(_passes, "state"):
        _passes.state = _ThreadPoll()
    state: _ThreadPoll = _passes.state
    return state


def _poll_mask(events: int) -> int:
    return (select.POLLIN if events & EVENT_READ else 0) | (
        select.POLLOUT if events & EVENT_WRITE else 0
    )


class Pass(NamedTuple):
    ready: list[tuple[int, int]]  # descriptor, EVENT_READ | EVENT_WRITE
    kept_gone: list[int]  # kept connections whose descriptor is not open any more


def poll_pass(wanted: dict[int, int], kept: KeptSockets | None, timeout: float | None) -> Pass:
    """One wait of the transport loop: `wanted` (descriptor -> events) are the sockets in
    progress this pass, `kept` the transport's kept connections, each asked about reading.
    A descriptor of `wanted` that is not open fails the pass with EBADF, as epoll would."""
    state = _thread_poll()
    for fd in state.follow(kept) | wanted.keys() | state.passing.keys():
        state.set(fd, _poll_mask(wanted.get(fd, 0) | (EVENT_READ if fd in state.kept_fds else 0)))
    state.passing = wanted
    milliseconds = None if timeout is None else max(0, math.ceil(timeout * 1000))
    ready, gone = [], []
    for fd, mask in state.poll.poll(milliseconds):
        if mask & select.POLLNVAL:
            if fd in wanted:
                raise OSError(errno.EBADF, f"descriptor {fd} is not open")
            gone.append(fd)
            continue
        events = (EVENT_READ if mask & ~select.POLLOUT else 0) | (
            EVENT_WRITE if mask & ~select.POLLIN else 0
        )  # hang-ups and errors wake both sides, as in selectors.PollSelector
        asked = wanted.get(fd, 0) | (EVENT_READ if fd in state.kept_fds else 0)
        if events & asked:
            ready.append((fd, events & asked))
    return Pass(ready, gone)
