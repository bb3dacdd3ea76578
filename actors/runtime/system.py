"""Starting, joining and stopping the Thespian actor system.

Thespian sends pickled messages over TCP, so before the system starts the transport is
bound to the configured (loopback by default) address and sealed with a key only our
processes hold (actors/runtime/transport_binding.py): random per start on one host, left in an
owner-only file in DATA_DIR for the operator's bin/admin and removed at the stop; derived
from ACTOR_TRANSPORT_SECRET when hosts join. A second start on the same admin port would
silently join the running system; it is refused instead.
"""

from __future__ import annotations

import contextlib
import logging
import resource
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from Crypto.Random import get_random_bytes
from thespian.actors import ActorSystem

from actors.runtime.processes import (
    end_session,
    listener_pid,
    listening_addresses,
    session_members,
    session_of,
)
from actors.runtime.transport_binding import bind_transport_to, seal_transport
from actors.runtime.transport_seal import (
    KEY_BYTES,
    TransportSeal,
    key_file,
    read_key_file,
    write_key_file,
)
from config.errors import StartupError
from config.logs import handler_defs
from config.schema import ActorSettings

log = logging.getLogger(__name__)

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def capabilities(settings: ActorSettings) -> dict[str, Any]:
    caps: dict[str, Any] = {"Admin Port": settings.admin_port, "indodax-bot": True}
    if settings.convention_address:
        caps["Convention Address.IPv4"] = settings.convention_address
    return caps


def admin_port_in_use(settings: ActorSettings) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((settings.bind_address, settings.admin_port)) == 0


def start_actor_system(
    settings: ActorSettings, data_dir: Path, log_format: str = "text", log_level: str = "INFO"
) -> RunningSystem:
    """Start a new actor system; refuse if one already answers on the admin port."""
    multiproc = settings.system_base == "multiprocTCPBase"
    if multiproc and admin_port_in_use(settings):
        raise StartupError(
            f"another actor system already runs on {settings.bind_address}:"
            f"{settings.admin_port} (ACTOR_ADMIN_PORT): stop it with `bin/admin shutdown` "
            "or choose another port"
        )
    bind_transport_to(settings.bind_address)
    key_path = None
    if multiproc:
        if not settings.transport_secret:
            key_path = key_file(data_dir, settings.admin_port)
            write_key_file(key_path, get_random_bytes(KEY_BYTES))
        seal_transport(_seal_for(settings, key_path), settings.bind_address)
    _raise_open_file_limit()
    if settings.bind_address not in _LOOPBACK:
        log.warning(
            "actor transport bound beyond loopback; keep it on a private network or tunnel",
            extra={"bind_address": settings.bind_address},
        )
    # transientUnique: a handle of our own, not Thespian's per-process singleton, which
    # would hand a later start the handle of a system that has since died.
    try:
        with _child_signals():
            system = ActorSystem(
                settings.system_base,
                capabilities(settings),
                logDefs=log_defs(log_format, log_level),
                transientUnique=True,
            )
    except BaseException:
        if key_path is not None:
            key_path.unlink(missing_ok=True)
        raise
    admin = (
        listener_pid(settings.admin_port) if settings.system_base != "simpleSystemBase" else None
    )
    session = session_of(admin) if admin else None
    running = RunningSystem(system, session, key_path)
    if session is not None:
        _refuse_stray_listeners(running, settings.bind_address)
    log.info(
        "actor system started",
        extra={"base": settings.system_base, "admin_port": settings.admin_port, "session": session},
    )
    return running


def _seal_for(settings: ActorSettings, key_path: Path | None) -> TransportSeal:
    """The shared secret's seal, or the per-start key's: frames are encrypted whenever they
    may leave loopback (a shared secret, or a bind address beyond loopback)."""
    if key_path is None:
        return TransportSeal.from_secret(settings.transport_secret)
    encrypt = settings.bind_address not in _LOOPBACK
    return TransportSeal(read_key_file(key_path), encrypt=encrypt)


def _refuse_stray_listeners(running: RunningSystem, bind_address: str) -> None:
    """Every listener of the new system (admin, logger) must be on the bind address; each
    actor's transport checks its own when it starts (transport_binding)."""
    host = socket.gethostbyname(bind_address)
    stray = [
        address
        for address in listening_addresses(session_members(running.session or 0))
        if address.rsplit(":", 1)[0] != host
    ]
    if stray:
        stop_actor_system(running)
        raise StartupError(
            f"actor listeners outside ACTOR_BIND_ADDRESS ({bind_address}): "
            + ", ".join(stray)
            + "; refusing to run"
        )


@contextlib.contextmanager
def _child_signals() -> Iterator[None]:
    """Thespian forks its admin and logger here, and every actor from them: they must not
    inherit our Ctrl-C handling. SIGTERM ends them quietly; Ctrl-C reaches only bin/run,
    which stops them in order."""
    previous = (
        signal.signal(signal.SIGTERM, signal.SIG_DFL),
        signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])


def _raise_open_file_limit() -> None:
    """A parent actor holds about three descriptors per child: a thousand users need more
    than the usual soft limit of 1,024. Children inherit the raised limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def join_actor_system(settings: ActorSettings, data_dir: Path) -> ActorSystem:
    """A handle on the running system (bin/admin); refuses to start one by accident.
    It seals with the running system's key: the shared secret, or the key file of a
    single-host start (readable only by the account that runs the bot)."""
    if not admin_port_in_use(settings):
        raise StartupError(
            f"no actor system answers on {settings.bind_address}:{settings.admin_port}; "
            "is the bot running (bin/run)?"
        )
    bind_transport_to(settings.bind_address)
    key_path = None if settings.transport_secret else key_file(data_dir, settings.admin_port)
    seal_transport(_seal_for(settings, key_path), settings.bind_address)
    return ActorSystem(settings.system_base, capabilities(settings))


@dataclass(frozen=True)
class RunningSystem:
    """The system handle, the session of its daemonized admin (for a complete stop) and the
    key file a single-host start left for bin/admin (removed at the stop)."""

    system: ActorSystem
    session: int | None
    key_file: Path | None = None


def stop_actor_system(running: RunningSystem, grace: float = 10.0) -> None:
    """Shut down, then end whatever is left of the admin's session (stuck or orphaned actors)."""
    started = time.monotonic()
    with contextlib.suppress(Exception):
        running.system.shutdown()
    killed = end_session(running.session, grace) if running.session else 0
    if running.key_file is not None:
        running.key_file.unlink(missing_ok=True)
    log.info(
        "actor system stopped",
        extra={"seconds": round(time.monotonic() - started, 2), "killed_leftovers": killed},
    )


def log_defs(fmt: str, level: str) -> dict[str, Any]:
    """Actor processes forward records to the Thespian logger process; it writes our format
    where this process writes (the log file of the console demo included)."""
    formatter = "config.logs.JsonFormatter" if fmt == "json" else "config.logs.TextFormatter"
    handlers = handler_defs("ours")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"ours": {"()": formatter}},
        "handlers": handlers,
        "root": {"handlers": list(handlers), "level": level},
    }
