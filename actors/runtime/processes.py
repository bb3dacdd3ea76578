"""What the kernel knows about our actor processes, read from /proc.

Thespian's admin daemonizes into a session of its own, and children of a killed actor live
on as orphans in that session; the session id is how we find every one of them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name: state [0], parent [1], session [3]."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def session_members(session: int) -> list[int]:
    """Live (non-zombie) processes of a session."""
    return list(session_parents(session))


def session_parents(session: int) -> dict[int, int]:
    """Each live process of a session and its parent, in one pass over /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError):
                fields = _stat_fields(int(entry))
                if fields[0] != "Z" and int(fields[3]) == session:
                    parents[int(entry)] = int(fields[1])
    return parents


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (after `pid` dies, its orphans are reparented)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError):
                fields = _stat_fields(int(entry))
                if fields[0] != "Z" and int(fields[1]) == pid:
                    found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    with contextlib.suppress(OSError, IndexError):
        return _stat_fields(pid)[0] != "Z"
    return False


def session_of(pid: int) -> int:
    return int(_stat_fields(pid)[3])


def listener_pid(port: int) -> int | None:
    """The process holding a listening TCP socket on `port`, if it is ours to see."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    for pid in sorted(int(entry) for entry in os.listdir("/proc") if entry.isdigit()):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd)[8:-1] in inodes:
                        return pid
    return None


def listening_addresses(pids: list[int]) -> list[str]:
    """host:port of every listening IPv4 TCP socket the processes `pids` hold."""
    inodes = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and fields[9] in inodes:
            host_hex, port_hex = fields[1].split(":")
            host = ".".join(str(int(host_hex[i : i + 2], 16)) for i in (6, 4, 2, 0))
            found.append(f"{host}:{int(port_hex, 16)}")
    return found


def end_session(session: int, grace: float) -> int:
    """SIGTERM every process of the session, SIGKILL what is left after `grace`; return how
    many had to be killed."""
    own = os.getpid()
    for pid in session_members(session):
        if pid != own:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and [p for p in session_members(session) if p != own]:
        time.sleep(0.05)
    stubborn = [pid for pid in session_members(session) if pid != own]
    for pid in stubborn:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(stubborn)


def unique_set_size(pid: int) -> int:
    """Bytes only this process holds (private pages): the honest per-process memory cost."""
    total = 0
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1]) * 1024
    return total
