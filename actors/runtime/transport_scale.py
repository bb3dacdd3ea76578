"""Thespian's transport with a thousand peers: cheap checks of the connections it keeps,
and more sends in flight.

Thespian 4.0.1 keeps a connection to each actor it has exchanged a message with (for 20
minutes) and, on every pass of its transport loop, walks all of them: it looks each one
up by its peer's address (hashing `IPActorAddress`, which builds two tuples of properties
each time) and asks whether it has expired (a new `ExpirationTimerView` and datetime
arithmetic each time). A core actor talking to a thousand user actors does that a thousand
times per pass, several passes per message: py-spy on the TriggerBook during
`bench/thousand_users.py ticks` found more than half of its time there, and its queue of
price ticks is what made tick -> order slow.

Two answers that stay the same, computed once:
* an address's hash, from its family, socket type, protocol and port: integers only, so
  the same in every process (a pickled copy carries it safely); equal addresses have the
  same port, so it agrees with Thespian's `__eq__`;
* a kept connection's end as a number on the monotonic clock, compared on each pass.

A send is in flight until its receiver acknowledges it, and Thespian allows 20 at a time
per actor, queueing the rest. A user actor busy with an order acknowledges late, so the
TriggerBook firing triggers for many users at once waited on the slowest twenty before it
could send the next, and the price ticks behind them waited too. PENDING_SENDS allows more
(unless the operator set THESPIAN_MAX_PENDING_TRANSMITS): with it, trade -> trigger fired
went from p50 89 / p99 1,242 ms to p50 58 / p99 882 ms in `bench/thousand_users.py ticks`.

Every actor listens with a backlog of 100 connections not yet accepted. A thousand user
actors starting at once connect to the same few actors (the Supervisor, the TriggerBook)
faster than those accept: the kernel drops the SYNs beyond the backlog, and each dropped
one costs its sender a retransmission one, three, seven seconds later. A 1,000-user restore
counted 5,000 to 11,000 such drops a minute on this host (`nstat TcpExtListenOverflows`),
and a fired trigger reached its user's actor 20 s after the TriggerBook sent it (p50).
LISTEN_BACKLOG asks for more; the kernel caps it at `net.core.somaxconn` (4,096 by default
since Linux 5.4).
"""

from __future__ import annotations

import os
import time
from typing import Any

from thespian.system.transport import TCPTransport as tcp
from thespian.system.transport import asyncTransportBase as async_base
from thespian.system.transport.IPBase import IPActorAddress

_HASH = "_indodax_hash"
PENDING_SENDS = 200
LISTEN_BACKLOG = 4096


def address_hash(address: Any) -> int:
    cached: int | None = address.__dict__.get(_HASH)
    if cached is None:
        cached = hash((address.af, address.socktype, address.proto, address.sockname[1]))
        setattr(address, _HASH, cached)
    return cached


_idle_init = tcp.IdleSocket.__init__


def idle_init(self: Any, sock: Any, address: Any) -> None:
    _idle_init(self, sock, address)
    self.ends_at = time.monotonic() + tcp.MAX_IDLE_SOCKET_PERIOD.total_seconds()


def idle_expired(self: Any) -> bool:
    ends_at: float = self.ends_at
    return time.monotonic() >= ends_at


def install() -> None:
    tcp.LISTEN_DEPTH = LISTEN_BACKLOG
    if "THESPIAN_MAX_PENDING_TRANSMITS" not in os.environ:
        async_base.MAX_PENDING_TRANSMITS = PENDING_SENDS
    IPActorAddress.__hash__ = address_hash
    tcp.IdleSocket.__init__ = idle_init
    tcp.IdleSocket.expired = idle_expired
