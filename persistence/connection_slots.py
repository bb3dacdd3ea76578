"""A bounded number of actor processes on this host keep their database connection between
messages; a bounded number of the others connect for a message and let go after it, and
the rest wait for one of those to let go.

Opening a PostgreSQL connection costs a server process and ~5 ms, on every command of an
actor that lets go after each message. Keeping one in every actor would need as many
server connections as there are actors (a thousand users: a thousand connections, ten
times PostgreSQL's default limit). So an actor keeps its connection only while it holds
one of `count` slots, and gives both back after a quiet spell.

The brief connections are bounded the same way, by a second set of slots taken when the
connection opens and given back when it closes: a thousand actors busy in the same instant
(a restore, a price crossing many users' levels) would otherwise open a thousand
connections at once, find the server full and wait, each on its own, for seconds. Waiting
for a slot is one blocking `flock`: the kernel wakes the waiter the moment the holder
lets go, with no polling and no server round trip.

A slot is an exclusive `flock` on one of `count` files: the kernel frees it when the
holder's process ends, however it ends (a SIGKILLed actor never leaks a slot), and taking
one is a few system calls, no server round trip. A forked child closes its copy of the
descriptor first thing, so only the process that took a slot holds it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from config.fork_safety import discard_in_children
from persistence.database import db


class ConnectionSlots:
    def __init__(self, directory: Path, count: int, name: str = "slot") -> None:
        self.directory, self.count, self.name = directory, count, name
        self._held: int | None = None  # the descriptor whose lock is this process's slot
        discard_in_children(self, ConnectionSlots._forget)

    @property
    def held(self) -> bool:
        return self._held is not None

    def claim(self) -> bool:
        """True when this process holds a slot (already, or from now on)."""
        if self._held is not None:
            return True
        if self.count <= 0:
            return False
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        first = os.getpid() % self.count  # processes start their search at different slots
        for n in range(self.count):
            fd = self._open((first + n) % self.count)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self._held = fd
            return True
        return False

    def wait_for_one(self) -> None:
        """A slot held once this returns: any free one, else this process's own (by its
        pid) as soon as its holder lets go. With no slots at all it returns at once. (The
        claim made the directory.)"""
        if self.claim() or self.count <= 0:
            return
        fd = self._open(os.getpid() % self.count)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._held = fd

    def _open(self, number: int) -> int:
        return os.open(
            self.directory / f"{self.name}-{number}.lock",
            os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
            0o600,
        )

    def release(self) -> None:
        if self._held is not None:
            fcntl.flock(self._held, fcntl.LOCK_UN)
            os.close(self._held)
            self._held = None

    def _forget(self) -> None:
        """In a forked child: close the inherited copy without unlocking (an unlock would
        free the parent's slot; closing one of two copies leaves the lock as it is)."""
        if self._held is not None:
            os.close(self._held)
            self._held = None


class KeptConnection:
    """The process's database connection, kept after a message while the process holds a
    slot, and closed with the slot given back once it has gone unused `release_after`
    seconds. `wakeup_after(seconds)` must call `check` that much later (an actor's timer).

    It is the database's gate too (persistence.database.ConnectionGate): a connection opens
    on a kept slot when one is free, else on a brief one (waited for), held until the
    connection closes after the message."""

    def __init__(
        self,
        slots: ConnectionSlots,
        brief: ConnectionSlots,
        release_after: float,
        wakeup_after: Callable[[float], None],
    ) -> None:
        self.slots, self.brief = slots, brief
        self.release_after, self.wakeup_after = release_after, wakeup_after
        self.last_used = 0.0
        self.check_due = False

    def entering(self) -> None:
        if not self.slots.claim():
            self.brief.wait_for_one()

    def left(self) -> None:
        self.brief.release()

    def after_message(self) -> None:
        """A connection opened on a brief slot closes (`entering` found no kept slot free;
        the next connection looks again); one opened without the gate (SQLite) is kept if
        a slot can be had."""
        if db.is_closed():
            return
        if self.brief.held or not self.slots.claim():
            db.close()
            return
        self.last_used = time.monotonic()
        if not self.check_due:
            self.check_due = True
            self.wakeup_after(self.release_after)

    def check(self) -> None:
        self.check_due = False
        quiet = time.monotonic() - self.last_used
        if quiet < self.release_after and not db.is_closed():
            self.check_due = True
            self.wakeup_after(self.release_after - quiet)
            return
        if not db.is_closed():
            db.close()
        self.slots.release()
