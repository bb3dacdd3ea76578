"""Run by test_actor_system.py in its own session: start the system with a child actor,
report the listening addresses of every process in the group, then stop."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from thespian.actors import Actor

from actors.processes import session_members
from actors.system import start_actor_system, stop_actor_system
from config.errors import StartupError
from config.schema import ActorSettings


class Echo(Actor):
    def receiveMessage(self, message: object, sender: object) -> None:
        if isinstance(message, str):
            self.send(sender, message.upper())


def listening_addresses(pids: list[int]) -> list[str]:
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


def main() -> None:
    settings = ActorSettings(admin_port=int(sys.argv[1]))
    running = start_actor_system(settings)
    system = running.system
    try:
        echo = system.createActor(Echo)
        answer = system.ask(echo, "ping", 10)
        try:
            start_actor_system(settings)
            second = "started twice"
        except StartupError as error:
            second = str(error)
        report = {
            "answer": answer,
            "second_start": second,
            "listening": listening_addresses([os.getpid(), *session_members(running.session)]),
            "processes_before_stop": len(session_members(running.session)),
        }
    finally:
        stop_actor_system(running)
    report["processes_after_stop"] = len(session_members(running.session))
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
