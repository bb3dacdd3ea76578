"""No connection crosses a fork.

Thespian forks every actor from its parent actor (and its admin from bin/run). A child
that inherits a connected socket shares it with its parent: whichever process reads first
takes the other's answer (one run hung for good that way, the Supervisor waiting for a
reply a child had read), and a PostgreSQL connection closed in a child tells the server
goodbye on the parent's behalf. So every owner of a connection says here how a child
discards its copy: the child drops its descriptor without a word to the server and opens
a connection of its own when it needs one; the parent's connection is untouched.

The discards run in the child right after the fork (`os.register_at_fork`), before it can
run anything else, whoever forked: Thespian, multiprocessing or a plain `os.fork()`.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

Owner = TypeVar("Owner")

_discards: list[tuple[weakref.ref[Any], Callable[[Any], None]]] = []


def discard_in_children(owner: Owner, discard: Callable[[Owner], None]) -> None:
    """In every child forked while `owner` lives, call `discard(owner)` first thing."""
    _discards[:] = [(ref, action) for ref, action in _discards if ref() is not None]
    _discards.append((weakref.ref(owner), discard))


def drop_descriptor(fd: int) -> None:
    """This process's copy of `fd` now reads /dev/null: the socket stays open for the
    parent, and whatever a library sends while closing its copy here goes nowhere."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def _after_fork_in_child() -> None:
    for ref, discard in list(_discards):
        owner = ref()
        if owner is not None:
            discard(owner)


os.register_at_fork(after_in_child=_after_fork_in_child)
