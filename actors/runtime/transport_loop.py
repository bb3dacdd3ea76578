"""Thespian's TCP transport loop, visiting only the kept connections that have something to say.

This is `TCPTransport._runWithExpiry` of Thespian 4.0.1 (MIT licence, pinned in
pyproject.toml), step for step, with two parts changed for an actor that has a thousand
peers (the Supervisor, the TriggerBook, the Notifier):

* the pass asks the thread's poll set (actors/runtime/transport_poll.py) with only the sockets
  of sends and receives in progress; the kept connections are registered there as they come
  and go, instead of being listed again on every pass;
* after the wait, only the kept connections the wait reported are handled (data from the
  peer, or the peer gone); whether a kept connection has passed its idle period is checked
  once every EXPIRY_CHECK_SECONDS instead of on every pass (the period is twenty minutes).

Each pass so costs the same with ten peers or a thousand. Everything else (the order of
receives, sends, timeouts and handlers, the search for a bad descriptor, the return values)
is Thespian's.
"""

from __future__ import annotations

import errno
import logging
import time
from typing import Any

from thespian.actors import WatchMessage
from thespian.system.timing import currentTime, timePeriodSeconds
from thespian.system.transport import (
    ReceiveEnvelope,
    Thespian__Run_Expired,
    Thespian__Run_HandlerResult,
    Thespian__Run_Terminated,
    TransmitOnly,
)
from thespian.system.transport import TCPTransport as tcp
from thespian.system.transport.asyncTransportBase import exclusive_processing
from thespian.system.transport.errmgmt import err_bad_fileno, err_select_retry
from thespian.system.utilis import thesplog

from actors.runtime.transport_poll import EVENT_READ, EVENT_WRITE, KeptSockets, poll_pass

EXPIRY_CHECK_SECONDS = 10.0
_EXPIRY_CHECK = "_indodax_expiry_check"  # the transport's next look at expired connections

_CONTINUE = object()  # nothing for the loop to return yet: it goes round again


def run_with_expiry(self: Any, incomingHandler: Any) -> Any:
    xmit_only = incomingHandler == TransmitOnly or isinstance(incomingHandler, TransmitOnly)
    if hasattr(self, "_aborting_run"):
        delattr(self, "_aborting_run")
    while not hasattr(self, "_aborting_run") or (
        self._aborting_run and (len(self._transmitIntents) > 0 or len(self._waitingTransmits) > 0)
    ):
        ct = currentTime()
        if self.run_time.view(ct).expired():
            break
        if xmit_only:
            if not self._transmitIntents and not self._waitingTransmits:
                return 0
        elif (handled := _deliver_envelopes(self, incomingHandler)) is not _CONTINUE:
            return handled
        result = _one_pass(self, ct, xmit_only)
        if result is not _CONTINUE:
            return result
        if (
            not xmit_only
            and (handled := _deliver_envelopes(self, incomingHandler)) is not _CONTINUE
        ):
            return handled
    return Thespian__Run_Terminated() if hasattr(self, "_aborting_run") else Thespian__Run_Expired()


def _deliver_envelopes(self: Any, handler: Any) -> Any:
    """Received messages to the handler; what the loop returns, or _CONTINUE."""
    while self._incomingEnvelopes:
        envelope = self._incomingEnvelopes.pop(0)
        if handler is None:
            return envelope
        result = Thespian__Run_HandlerResult(handler(envelope))
        if not result:
            return result
    return _CONTINUE


def _one_pass(self: Any, ct: Any, xmit_only: bool) -> Any:
    """Wait for the sockets, then receive, send and time out; what the loop returns, or
    _CONTINUE."""
    with exclusive_processing(self):
        wanted = _wanted(self, xmit_only)
        delay = _delay(self, ct)
        kept: KeptSockets | None = getattr(self, "_openSockets", None)
    rrecv: list[int] = []
    rsend: list[int] = []
    rerr: list[int] = []
    kept_gone: list[int] = []
    try:
        ready, kept_gone = poll_pass(wanted, kept, delay)
    except (OSError, ValueError) as ex:
        found = _bad_descriptors(self, ex, wanted)
        if found is None:
            return _CONTINUE
        rerr = found
    else:
        rrecv = [fd for fd, events in ready if events & EVENT_READ]
        rsend = [fd for fd, events in ready if events & EVENT_WRITE]

    with exclusive_processing(self):  # modifying internal structures...
        for errfileno in rerr:
            self._cancel_fd_ops(errfileno)
        pending_before = len(self._transmitIntents) + len(self._waitingTransmits)
        # The kept connections the wait reported, taken before receives and transmits run:
        # those may replace or add kept connections (a finished send keeps its socket, whose
        # number may be among the readable ones).
        idle_ready, gone = _reported(kept, rrecv), _reported(kept, kept_gone)
        _receive(self, rrecv, xmit_only)
        _tend_kept(self, kept, idle_ready, gone)
        # Sends after receives, which may create outbound traffic to start at once.
        for each in rsend:
            self._processIntents(each)
        # Timeouts after transmits: a transmit completed just at its timeout is a success.
        self._processIntentTimeouts()
        _continue_incoming(self)
        watch_ready = [W for W in self._watches if W in rrecv]
        if watch_ready:
            self._incomingEnvelopes.append(
                ReceiveEnvelope(self.myAddress, WatchMessage(watch_ready))
            )

    # Completions of transmits (which may make other transmits).
    done, self._finished_intents = self._finished_intents, []
    for intent, status in done:
        intent.tx_done(status)

    if not rrecv and not rsend:
        if not rerr and self.run_time.view().expired():
            return Thespian__Run_Expired()
        return _CONTINUE
    if xmit_only:
        pending = len(self._transmitIntents) + len(self._waitingTransmits)
        if pending_before > pending or pending == 0:
            return pending
    return _CONTINUE


def _wanted(self: Any, xmit_only: bool) -> dict[int, int]:
    """The sockets in progress this pass: sends (writable, or readable for their ack),
    receives, the listener, the watched descriptors."""
    wanted: dict[int, int] = {}

    def want(fd: int, events: int) -> None:
        wanted[fd] = wanted.get(fd, 0) | events

    for intent in self._transmitIntents.values():
        fd = self._socketFile(intent)
        if fd and not intent.backoffPause():
            want(fd, EVENT_WRITE if self._waitForSendable(intent) else EVENT_READ)
    for fd, incoming in self._incomingSockets.items():
        if fd and not incoming.backoffPause():
            want(fd, EVENT_READ)
    if not xmit_only:
        want(self.socket.fileno(), EVENT_READ)
    for fd in self._watches:
        want(fd, EVENT_READ)
    return wanted


def _delay(self: Any, ct: Any) -> float | None:
    delays = [
        d
        for d in (
            self.run_time.view(ct).remaining(),
            *(intent.delay(ct) for intent in self._transmitIntents.values()),
            *(waiting.delay() for waiting in self._waitingTransmits),
            *(incoming.delay(ct) for incoming in self._incomingSockets.values()),
        )
        if d
    ]
    # n.b. after a long pause (a laptop sleeping) delays can be negative.
    return max(0, timePeriodSeconds(min(delays))) if delays else None


def _bad_descriptors(self: Any, ex: Exception, wanted: dict[int, int]) -> list[int] | None:
    """After a failed wait: the bad descriptors to cancel, or None when the wait is simply
    retried (an interrupted wait, a bad watched descriptor dropped); any other error is
    raised."""
    thesplog("selector exception: %s", ex, level=logging.DEBUG)
    errnum = errno.EBADF if isinstance(ex, ValueError) else getattr(ex, "errno", ex.args[0])
    if err_select_retry(errnum):
        thesplog("select retry on %s", ex, level=logging.DEBUG)
        self._check_indicators()
        return None
    if not err_bad_fileno(errnum):
        raise ex
    bad_watches = _bad(self._watches)
    if bad_watches:
        self._watches = [W for W in self._watches if W not in bad_watches]
        return None
    thesplog("bad internal file descriptor!")
    return _bad(sorted({self.socket.fileno(), *wanted}))


def _receive(self: Any, rrecv: list[int], xmit_only: bool) -> None:
    for each in rrecv:
        if each == self.socket.fileno() and not xmit_only:  # ignored while quiescing
            self._acceptNewIncoming()
        elif each in self._incomingSockets:
            incoming = self._incomingSockets.pop(each)
            incoming = self._handlePossibleIncoming(incoming, each, has_exclusive_flag=True)
            if incoming:
                self._incomingSockets[incoming.socket.fileno()] = incoming
        else:
            self._processIntents(each)


def _tend_kept(
    self: Any,
    kept: KeptSockets | None,
    idle_ready: list[tuple[int, Any]],
    gone: list[tuple[int, Any]],
) -> None:
    if kept is None:  # Thespian keeps no connections (REUSE_SOCKETS off)
        return
    for fd, idle in idle_ready:
        _take_incoming(self, kept, fd, idle)
    for _fd, idle in gone:
        _drop(kept, idle)
    if time.monotonic() >= getattr(self, _EXPIRY_CHECK, 0.0):
        setattr(self, _EXPIRY_CHECK, time.monotonic() + EXPIRY_CHECK_SECONDS)
        for idle in [idle for idle in kept.values() if idle.expired()]:
            _drop(kept, idle)


def _continue_incoming(self: Any) -> None:
    """Receives in progress that timed out or completed meanwhile."""
    finished = []
    for fd in self._incomingSockets:
        still = self._handlePossibleIncoming(self._incomingSockets[fd], -1, has_exclusive_flag=True)
        if still:
            self._incomingSockets[fd] = still
        else:
            finished.append(fd)
    for fd in finished:
        del self._incomingSockets[fd]


def _bad(descriptors: list[int]) -> list[int]:
    """The descriptors Thespian's own check finds not open."""
    bad = []
    for fd in descriptors:
        try:
            tcp.TCPTransport._check_fd(fd)
        except Exception as ex:  # Thespian's check raises what the OS says
            thesplog("descriptor %s is bad: %s", fd, ex)
            bad.append(fd)
    return bad


def _reported(kept: KeptSockets | None, descriptors: list[int]) -> list[tuple[int, Any]]:
    if kept is None:
        return []
    return [(fd, kept[kept.key_of_fd[fd]]) for fd in descriptors if fd in kept.key_of_fd]


def _take_incoming(self: Any, kept: KeptSockets, fd: int, idle: Any) -> None:
    """The peer wrote on a connection we kept (a message sent back on it, or its close):
    read it as an incoming connection, as Thespian does. A kept connection replaced meanwhile
    was closed by whatever replaced it."""
    peer, key = idle.rmtaddr, tcp.opsKey(idle.rmtaddr)
    current = kept.get(key)
    if current is not None and current is not idle:
        tcp._safeSocketShutdown(idle)
        return
    if current is not None:
        del kept[key]
    incoming = self._handlePossibleIncoming(
        tcp.TCPIncomingPersistent(peer, idle.socket), fd, has_exclusive_flag=True
    )
    if incoming:
        self._incomingSockets[incoming.socket.fileno()] = incoming


def _drop(kept: KeptSockets, idle: Any) -> None:
    """Close a kept connection (expired, or its descriptor gone) and forget it."""
    tcp._safeSocketShutdown(idle)
    key = tcp.opsKey(idle.rmtaddr)
    if kept.get(key) is idle:
        del kept[key]


def install() -> None:
    """Once, after the other patches of the transport's constructor."""
    transport_init = tcp.TCPTransport.__init__

    def init_with_kept_sockets(self: Any, *args: Any, **kwargs: Any) -> None:
        transport_init(self, *args, **kwargs)
        if hasattr(self, "_openSockets"):
            self._openSockets = KeptSockets()

    tcp.TCPTransport.__init__ = init_with_kept_sockets
    tcp.TCPTransport._runWithExpiry = run_with_expiry
