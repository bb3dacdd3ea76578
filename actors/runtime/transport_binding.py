"""Make Thespian listen only where we say, and accept only frames our key sealed.

Thespian 4.0.1 binds every externally reachable actor socket to '' (all interfaces);
THESPIAN_BASE_IPADDR only changes the address it advertises. Its messages are pickles on
plain TCP, unpickled before any handler can look at them, so an open actor port lets anyone
run code beside the decrypted API keys. We bind each socket to the configured address and
replace the TCP transport's serializer with sealed frames (actors/runtime/transport_seal.py).

Both depend on Thespian internals, so the version is pinned and every attribute we patch is
checked first: a Thespian that no longer matches stops the start with a clear error instead
of running unprotected. The transport's loop (its selector and its walk over kept
connections) and its limit of sends in flight are replaced too, for speed with many actors
(actors/runtime/transport_loop.py, transport_poll.py, transport_scale.py). Actor processes
(the admin and the logger included) are forked from the process that starts the system, so
they inherit the patches, the key and the counter.

What happens to a frame that fails: Thespian's receive path catches the exception, answers
with its (sealed) NAK and closes that connection, and the actor carries on; a length prefix
that is missing, malformed or out of bounds closes the connection before anything is
buffered; an answer to our own send that fails drops that connection and Thespian retries
the send. Each rejection is counted in a counter shared by every process of the system and
logged as a warning with the peer address, at most once per WARN_EVERY_SECONDS per process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import time
from importlib import metadata
from typing import Any

from thespian.system.transport import TCPTransport as tcp
from thespian.system.transport import asyncTransportBase as async_base
from thespian.system.transport.IPBase import IPActorAddress
from thespian.system.transport.streamBuffer import ackDataErrPacket, ackPacket, toSendBuffer

from actors.runtime import transport_loop, transport_scale
from actors.runtime.transport_seal import RejectedFrame, SealedPickle, TransportSeal
from config.errors import StartupError

log = logging.getLogger(__name__)

THESPIAN_VERSION = "4.0.1"
WARN_EVERY_SECONDS = 10.0
MAX_FRAME_BYTES = 64 * 1024 * 1024
MAX_PREFIX_BYTES = 20  # "<length>>" of the largest frame fits with room to spare

_original_init = IPActorAddress.__init__
_PATCHED: tuple[tuple[Any, str], ...] = (
    (tcp, "serializer"),
    (tcp, "_safeSocketShutdown"),
    (tcp, "TCPIncomingPersistent"),
    (tcp.TCPTransport, "_runWithExpiry"),
    (tcp, "ackMsg"),
    (tcp, "ackDataErrMsg"),
    (tcp.TCPIncoming_Common, "data"),
    (tcp.TCPIncoming_Common, "addData"),
    (tcp.TCPTransport, "__init__"),
    (tcp.TCPTransport, "_check_XMIT_4_done"),
    (tcp.TCPTransport, "_XMITStepRetry"),
    (tcp.TCPTransport, "_nextTransmitStep"),
    (IPActorAddress, "__init__"),
    (IPActorAddress, "__hash__"),
    (tcp.IdleSocket, "__init__"),
    (tcp.IdleSocket, "expired"),
    (tcp, "MAX_IDLE_SOCKET_PERIOD"),
    (async_base, "MAX_PENDING_TRANSMITS"),
)


def bind_transport_to(address: str) -> None:
    os.environ["THESPIAN_BASE_IPADDR"] = address
    if getattr(IPActorAddress, "_indodax_bound", None) == address:
        return

    def bound_init(self: IPActorAddress, *args: object, **kwargs: object) -> None:
        _original_init(self, *args, **kwargs)
        if self.bindname[0] == "":
            self.bindname = (address, self.bindname[1])

    IPActorAddress.__init__ = bound_init
    IPActorAddress._indodax_bound = address


def check_thespian() -> None:
    """The patches below were written against one Thespian release; refuse any other."""
    installed = metadata.version("thespian")
    if installed != THESPIAN_VERSION:
        raise StartupError(
            f"Thespian {installed} is installed, but the sealed actor transport patches "
            f"Thespian {THESPIAN_VERSION} (pinned in pyproject.toml): reinstall the pinned "
            "version"
        )
    missing = [f"{owner.__name__}.{name}" for owner, name in _PATCHED if not hasattr(owner, name)]
    if missing:
        raise StartupError(
            "the sealed actor transport no longer fits Thespian (missing "
            + ", ".join(missing)
            + "); the bot will not run with an unauthenticated transport"
        )


class _Rejections:
    """Rejected frames of the whole system: a counter in memory shared with every forked
    actor process, and this process's warning throttle.

    Thespian handles sockets while holding its transport's exclusive flag, where logging
    (itself a transmit to the logger process) must not run; it completes finished intents
    after that section, so the warning is queued there as one. Each process runs one
    transport (the last one it created)."""

    def __init__(self) -> None:
        self.shared: Any = None
        self.transport: Any = None
        self.last_warning = 0.0
        self.suppressed = 0

    def count(self) -> int:
        return int(self.shared.value) if self.shared is not None else 0

    def record(self, peer: str, reason: str) -> None:
        if self.shared is not None:
            with self.shared.get_lock():
                self.shared.value += 1
        now = time.monotonic()
        if self.last_warning and now - self.last_warning < WARN_EVERY_SECONDS:
            self.suppressed += 1
            return
        self.last_warning, suppressed, self.suppressed = now, self.suppressed, 0
        warning = _Warning(peer, reason, self.count(), suppressed)
        if self.transport is None:
            warning.tx_done(None)
        else:
            self.transport._finished_intents.append((warning, None))


class _Warning:
    """One rejection warning, shaped as a finished transmit intent (see _Rejections)."""

    def __init__(self, peer: str, reason: str, total: int, suppressed: int) -> None:
        self.extra = {
            "peer": peer,
            "reason": reason,
            "rejected_total": total,
            "suppressed_since_last_warning": suppressed,
        }

    def tx_done(self, _status: object) -> None:
        log.warning("actor transport: frame rejected, never unpickled", extra=self.extra)


_rejections = _Rejections()


def rejected_frames() -> int:
    """Frames refused by any process of the system this process belongs to, since its start."""
    return _rejections.count()


def seal_transport(seal: TransportSeal, bind_address: str) -> None:
    """Install `seal` as the TCP transport's serializer (again, with a new key, at every
    start in this process) and the guards around it (once)."""
    check_thespian()
    serializer = SealedPickle(seal)
    tcp.serializer = serializer
    tcp.ackMsg = toSendBuffer(ackPacket, serializer.control_frame)
    tcp.ackDataErrMsg = toSendBuffer(ackDataErrPacket, serializer.control_frame)
    _rejections.shared = multiprocessing.get_context("fork").Value("Q", 0)
    if not getattr(tcp.TCPTransport, "_indodax_sealed", False):
        _install_guards()
    tcp.TCPTransport._indodax_listen_on = socket.gethostbyname(bind_address)


def _install_guards() -> None:
    transport_init = tcp.TCPTransport.__init__
    ack_done = tcp.TCPTransport._check_XMIT_4_done
    add_data = tcp.TCPIncoming_Common.addData
    completed_data = tcp.TCPIncoming_Common.data.fget

    def checked_init(self: Any, *args: Any, **kwargs: Any) -> None:
        """Every transport (admin, logger, actor, outside handle) listens on the bind address
        or does not exist: a socket elsewhere is a start that must fail."""
        transport_init(self, *args, **kwargs)
        if not hasattr(self, "_finished_intents"):
            raise StartupError("the sealed actor transport no longer fits Thespian's transport")
        host = self.socket.getsockname()[0]
        if host != tcp.TCPTransport._indodax_listen_on:
            self.socket.close()
            raise StartupError(
                f"an actor listener is on {host}, not on ACTOR_BIND_ADDRESS "
                f"({tcp.TCPTransport._indodax_listen_on}); refusing to run"
            )
        _rejections.transport = self

    def bounded_add(self: Any, received: bytes) -> None:
        """A length prefix that is missing (Thespian would buffer such a stream for minutes),
        no number, negative (Thespian would then fail outside its error handling) or above
        MAX_FRAME_BYTES ends the connection at once (Thespian closes it on the exception)."""
        try:
            add_data(self, received)
        except ValueError:
            _rejections.record(_peer_of(self.socket), "malformed length prefix")
            raise
        announced = self._rData._size
        if announced is None and len(self._rData._buf) > MAX_PREFIX_BYTES:
            _rejections.record(_peer_of(self.socket), "no length prefix")
            raise RejectedFrame("no length prefix")
        if announced is not None and not 0 <= announced <= MAX_FRAME_BYTES:
            _rejections.record(_peer_of(self.socket), f"frame of {announced} bytes announced")
            raise RejectedFrame("frame length out of bounds")

    def data(self: Any) -> Any:
        try:
            return completed_data(self)
        except RejectedFrame as rejected:
            _rejections.record(_peer_of(self.socket), str(rejected))
            raise

    def guarded_ack(self: Any, intent: Any, rcv: Any) -> Any:
        """An answer to our send that our key did not seal: drop that connection and let
        Thespian retry the send (its own retry limits apply)."""
        try:
            return ack_done(self, intent, rcv)
        except RejectedFrame as rejected:
            _rejections.record(str(intent.targetAddr), str(rejected))
            intent.stage = self._XMITStepRetry
            return self._nextTransmitStep(intent)

    tcp.TCPTransport.__init__ = checked_init
    tcp.TCPIncoming_Common.addData = bounded_add
    tcp.TCPIncoming_Common.data = property(data)
    tcp.TCPTransport._check_XMIT_4_done = guarded_ack
    transport_scale.install()  # kept connections checked cheaply, more sends in flight
    transport_loop.install()  # each pass visits what changed (transport_loop.py)
    tcp.TCPTransport._indodax_sealed = True


def _peer_of(sock: socket.socket | None) -> str:
    if sock is None:
        return "unknown"
    try:
        peer = sock.getpeername()
    except OSError:
        return "unknown"
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "unknown"
