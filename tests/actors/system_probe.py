"""Run by test_actor_system.py in its own session: start the system with a child actor,
report the listening addresses of every process in the group and the key files, then stop.
argv: admin port [, ACTOR_TRANSPORT_SECRET]."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from thespian.actors import Actor

from actors.runtime.processes import listening_addresses, session_members
from actors.runtime.system import start_actor_system, stop_actor_system
from config.errors import StartupError
from config.schema import ActorSettings
from config.secret import Secret


class Echo(Actor):
    def receiveMessage(self, message: object, sender: object) -> None:
        if isinstance(message, str):
            self.send(sender, message.upper())


def main() -> None:
    secret = Secret(sys.argv[2] if len(sys.argv) > 2 else "")
    settings = ActorSettings(admin_port=int(sys.argv[1]), transport_secret=secret)
    data_dir = Path(tempfile.mkdtemp())
    running = start_actor_system(settings, data_dir)
    system = running.system
    try:
        echo = system.createActor(Echo)
        answer = system.ask(echo, "ping", 10)
        try:
            start_actor_system(settings, data_dir)
            second = "started twice"
        except StartupError as error:
            second = str(error)
        report = {
            "answer": answer,
            "admin_port": settings.admin_port,
            "second_start": second,
            "listening": listening_addresses([os.getpid(), *session_members(running.session)]),
            "processes_before_stop": len(session_members(running.session)),
            "key_files_while_running": sorted(path.name for path in data_dir.iterdir()),
        }
    finally:
        stop_actor_system(running)
    report["processes_after_stop"] = len(session_members(running.session))
    report["key_files_after_stop"] = sorted(path.name for path in data_dir.iterdir())
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
